"""The escrow's guarantees through `impact`: exits while a change is pending, refunds and releases under the new
rules, a reviewer's void within the challenge window, credited tranches, and finalising attestations. Every
refusal is one line, with no traceback, and sends nothing."""

import re

import pytest
from brownie import RejectingBeneficiary, accounts, chain, web3
from escrow_steps import DAY, POOL_FILE, PRICE, URI, USDC_FILE, certify, other_site_pool_file, warp
from eth_utils import keccak

from impact.chain.encoding import format_iso, format_time, to_bytes32


def open_pool(impact, site: int = 1, file: str = POOL_FILE) -> int:
    return impact.open_pool(file, site)


def schedule_beneficiary_change(impact, wallet=None) -> str:
    out = impact.ok("site", "beneficiary", "--site", "1", "--address", (wallet or accounts.add()).address)
    return re.match(r"scheduled (\w+:\d+): ", out).group(1)


# --- exits ----------------------------------------------------------------------------------------------------------


def test_an_exit_shows_the_amount_and_the_change_that_opened_it_then_pays(impact, contracts, sold_out):
    pools, alice = contracts["pools"], accounts[4]
    name = schedule_beneficiary_change(impact)
    before = alice.balance()
    out = impact.ok("exit", "--pool", str(sold_out), "--tokens", "20", account="dev:4").splitlines()
    assert re.fullmatch(
        rf"pool {sold_out}: 20 tokens exit for 1 ETH, while this change is pending: {name} \(site 1 beneficiary → "
        r"0x[0-9a-fA-F]{40}, executable \S+ \(in (2 days|1 day 23 h)\)\)",
        out[0],
    )
    assert out[1].startswith(f"exited 20 tokens of pool {sold_out} for 1 ETH; the pool goes on for the others; tx 0x")
    tx = web3.eth.get_transaction_receipt(out[1].split("tx ")[-1])
    assert alice.balance() == before + 20 * PRICE - tx["gasUsed"] * tx["effectiveGasPrice"]
    assert pools.balanceOf(alice, sold_out) == 100
    info = pools.pool(sold_out).dict()
    assert (info["exited"], info["supply"]) == (20 * PRICE, 980)

    out = impact.ok("exit", "--pool", str(sold_out), account="dev:4")  # by default, every token held
    assert "exited 100 tokens" in out and pools.balanceOf(alice, sold_out) == 0


def test_an_exit_after_a_final_milestone_pays_the_unearned_part(impact, contracts, sold_out):
    pools = contracts["pools"]
    certify(impact, sold_out)
    warp(7 * DAY + 1)  # the challenge window has passed: milestone 0 (20 %) is final
    schedule_beneficiary_change(impact)
    quote = pools.exitQuote(sold_out, 10)
    assert quote == 10 * (PRICE - PRICE * 2_000 // 10_000)
    out = impact.ok("exit", "--pool", str(sold_out), "--tokens", "10", account="dev:4")
    assert "10 tokens exit for 0.4 ETH" in out
    assert pools.pool(sold_out).dict()["exited"] == quote


def test_exits_are_refused_when_no_change_is_pending(impact, sold_out):
    line = impact.refused("exit", "--pool", str(sold_out), account="dev:4")
    assert line == (
        f"error: exits of pool {sold_out} are closed: no change affecting it is pending (exits open only while a "
        "delayed change affecting the pool waits: a new beneficiary for site 1, an oracle accreditation, a lower "
        "quorum, a reviewer's revocation, a new delay)"
    )


def test_a_change_of_another_sites_beneficiary_does_not_open_the_exit(impact, sold_out):
    impact.ok(
        "site", "register", "--name", "Other", "--country", "KE", "--wdpa", "42", "--beneficiary", accounts[8].address
    )
    impact.ok("site", "beneficiary", "--site", "2", "--address", accounts.add().address)
    assert "exits of pool" in impact.refused("exit", "--pool", str(sold_out), account="dev:4")


@pytest.mark.parametrize(
    "args, account, message",
    [
        (("--tokens", "5"), "dev:6", "holds 0 tokens of pool"),
        (("--tokens", "121"), "dev:4", "holds 120 tokens of pool"),
        ((), "dev:6", "holds no tokens of pool"),
    ],
)
def test_an_exit_for_tokens_one_does_not_hold_is_refused(impact, sold_out, args, account, message):
    schedule_beneficiary_change(impact)
    assert message in impact.refused("exit", "--pool", str(sold_out), *args, account=account)


def test_a_failed_pool_is_refunded_not_exited(impact, contracts, deployed):
    pool_id = open_pool(impact, file=USDC_FILE)
    impact.ok("dev", "fund", "--to", accounts[4].address, "--amount", "100")
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "4", account="dev:4")
    warp(8 * DAY)
    schedule_beneficiary_change(impact)
    line = impact.refused("refund", "--pool", str(pool_id), account="dev:4")
    assert line == (
        f"error: pool {pool_id} has not been failed yet, but it can be (goal not reached): run "
        f"`impact pool fail --pool {pool_id}` first, then refund"
    )
    impact.ok("pool", "fail", "--pool", str(pool_id), account="dev:8")
    line = impact.refused("exit", "--pool", str(pool_id), account="dev:4")
    assert line == f"error: pool {pool_id} has failed (goal not reached): redeem with `impact refund --pool {pool_id}`"
    assert "redeemed 4 tokens" in impact.ok("refund", "--pool", str(pool_id), account="dev:4")


def test_a_live_pool_has_nothing_to_refund_and_points_to_the_exit_when_it_is_open(impact, sold_out):
    line = impact.refused("refund", "--pool", str(sold_out), account="dev:4")
    assert line.startswith(f"error: pool {sold_out} has not failed, so its tokens cannot be refunded (")
    schedule_beneficiary_change(impact)
    line = impact.refused("refund", "--pool", str(sold_out), account="dev:4")
    assert line.endswith(f"; a change affecting it is pending, so `impact exit --pool {sold_out}` redeems now")


# --- release and the challenge window ------------------------------------------------------------------------------


def test_a_tranche_is_released_only_after_its_challenge_window(impact, contracts, sold_out):
    certify(impact, sold_out)
    ends = contracts["pools"].milestone(sold_out, 0).dict()["challengeEndsAt"]
    line = impact.refused("pool", "release", "--pool", str(sold_out), "--milestone", "0", account="dev:8")
    assert re.fullmatch(
        rf"error: the challenge window of milestone 0 of pool {sold_out} is open until {format_time(ends)} "
        r"\(in (7 days|6 days 23 h)\): its tranche can be released after that, unless a reviewer voids it",
        line,
    )
    warp(7 * DAY)
    out = impact.ok("pool", "release", "--pool", str(sold_out), "--milestone", "0", account="dev:8")
    assert out.startswith(f"pool {sold_out} milestone 0: 10 ETH paid to {accounts[7].address}")


# --- the reviewer ---------------------------------------------------------------------------------------------------


@pytest.fixture
def reasons(tmp_path):
    path = tmp_path / "review.txt"
    path.write_text("SAMPLE: the consultation record names no meeting in the villages east of the park.\n")
    return path


def test_a_reviewer_voids_a_certification_and_the_later_ones_with_reasons(impact, contracts, sold_out, reasons):
    pools, certifier = contracts["pools"], contracts["certifier"]
    first = certify(impact, sold_out, 0, "report 0")
    second = certify(impact, sold_out, 1, "report 1")
    ends = pools.milestone(sold_out, 0).dict()["challengeEndsAt"]
    out = impact.ok(
        "reviewer",
        "void",
        "--pool",
        str(sold_out),
        "--milestone",
        "0",
        "--reason-file",
        str(reasons),
        "--reason-uri",
        "ipfs://sample/review",
        account="dev:9",
    )
    reason_hash = "0x" + keccak(reasons.read_bytes()).hex()
    assert out.startswith(
        f"voided the certification of milestone 0 of pool {sold_out} (evidence {first}) and of milestone 1 "
        f"(evidence {second}), certified since, within its window (until {format_iso(ends)}); reasons "
        f"{reason_hash} (keccak-256 of review.txt) at ipfs://sample/review; the voided evidence can never certify "
        "it again"
    )
    assert pools.pool(sold_out).dict()["certifiedCount"] == 0
    voids = chain.get_transaction(out.split("tx ")[-1].strip()).events["CertificationVoided"]
    assert [(v["milestoneId"], v["reviewer"], v["reasonURI"]) for v in voids] == [
        (1, accounts[9].address, "ipfs://sample/review"),
        (0, accounts[9].address, "ipfs://sample/review"),
    ]
    assert all(str(v["reasonHash"]) == reason_hash for v in voids)
    assert certifier.isEvidenceVoided(sold_out, 0, first)

    # The voided evidence can never certify the milestone again; new evidence can, in a new round.
    args = ("oracle", "attest", "--pool", str(sold_out), "--milestone", "0", "--evidence-hash", first, "--uri", URI)
    line = impact.refused(*args, account="dev:1")
    assert line == (
        f"error: evidence {first} was voided by a reviewer for milestone 0 of pool {sold_out}: a new certification "
        "needs new evidence"
    )
    certify(impact, sold_out, 0, "report 0, completed")
    assert pools.milestone(sold_out, 0).dict()["certified"]


def test_a_void_outside_the_challenge_window_is_refused_with_the_windows_times(impact, contracts, sold_out, reasons):
    certify(impact, sold_out)
    ends = contracts["pools"].milestone(sold_out, 0).dict()["challengeEndsAt"]
    warp(7 * DAY + 1)
    args = ("reviewer", "void", "--pool", str(sold_out), "--milestone", "0", "--reason-file", str(reasons))
    line = impact.refused(*args, account="dev:9")
    assert line == (
        f"error: the challenge window of milestone 0 of pool {sold_out} ran from {format_iso(ends - 7 * DAY)} to "
        f"{format_iso(ends)}: its certification is final and can no longer be voided"
    )


@pytest.mark.parametrize(
    "milestone, account, reason, message",
    [
        ("0", "dev:8", "file", "is not an accredited reviewer"),
        ("1", "dev:9", "file", "error: milestone 1 of pool {pool} is not certified: there is nothing to void"),
        ("5", "dev:9", "file", "error: pool {pool} has no milestone 5 (it has 3)"),
        ("0", "dev:9", "missing", "error: cannot read"),
        ("0", "dev:9", "empty", "is empty: a void needs the reviewer's reasons"),
    ],
)
def test_a_void_that_cannot_happen_is_refused(impact, sold_out, reasons, tmp_path, milestone, account, reason, message):
    certify(impact, sold_out)
    path = {"file": reasons, "missing": tmp_path / "nope.txt", "empty": tmp_path / "empty.txt"}[reason]
    if reason == "empty":
        path.write_text("\n")
    args = ("reviewer", "void", "--pool", str(sold_out), "--milestone", milestone, "--reason-file", str(path))
    assert message.format(pool=sold_out) in impact.refused(*args, account=account)


# --- credited tranches ----------------------------------------------------------------------------------------------


def test_a_credited_tranche_is_withdrawn_by_the_new_beneficiary_after_a_delayed_change(
    impact, contracts, deployed, tmp_path
):
    pools, manager = contracts["pools"], accounts[7]
    wallet = RejectingBeneficiary.deploy({"from": accounts[0]})
    impact.ok("site", "register", "--name", "Other", "--country", "KE", "--wdpa", "42", "--beneficiary", wallet.address)
    pool_id = open_pool(impact, site=2, file=other_site_pool_file(tmp_path))
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "1000", account="dev:4")
    certify(impact, pool_id)
    warp(7 * DAY + 1)
    out = impact.ok("pool", "release", "--pool", str(pool_id), "--milestone", "0", account="dev:8")
    assert f"10 ETH credited to {wallet.address}" in out

    line = impact.refused("pool", "withdraw-credit", "--pool", str(pool_id), "--milestone", "0", account="dev:8")
    assert line == (
        f"error: {accounts[8].address} is neither the recorded payee of milestone 0 of pool {pool_id} nor the site's "
        "beneficiary now"
    )
    line = impact.refused("pool", "withdraw-credit", "--pool", str(pool_id), "--milestone", "1", account="dev:7")
    assert line == (
        f"error: no credited tranche is waiting for milestone 1 of pool {pool_id} (its tranche has not been released)"
    )
    out = impact.ok("site", "beneficiary", "--site", "2", "--address", manager.address)
    warp(2 * DAY)
    impact.ok("governance", "execute", "--change", re.match(r"scheduled (\S+):", out).group(1), account="dev:8")
    before = manager.balance()
    out = impact.ok("pool", "withdraw-credit", "--pool", str(pool_id), "--milestone", "0", account="dev:7")
    assert out.startswith(
        f"withdrew the credited tranche of milestone 0 of pool {pool_id}: 10 ETH to {manager.address}"
    )
    tx = web3.eth.get_transaction_receipt(out.split("tx ")[-1].strip())
    assert manager.balance() == before + 10 * 10**18 - tx["gasUsed"] * tx["effectiveGasPrice"]
    assert not pools.milestone(pool_id, 0).dict()["credited"]


# --- finalising attestations ----------------------------------------------------------------------------------------


def test_attestations_that_meet_a_lowered_quorum_are_finalized_by_anyone(impact, contracts, sold_out):
    evidence = to_bytes32("EAGL report")
    attest = ("--pool", str(sold_out), "--milestone", "0", "--evidence-hash", evidence, "--uri", URI)
    impact.ok("oracle", "attest", *attest, account="dev:1")
    line = impact.refused("oracle", "finalize", *attest, account="dev:8")
    assert line == (
        f"error: evidence {evidence} with URI {URI} of milestone 0 of pool {sold_out} has 1 on-chain attestation "
        "by accredited oracles in this round; the quorum is 2"
    )
    out = impact.ok("oracle", "quorum", "1")
    warp(2 * DAY)
    impact.ok("governance", "execute", "--change", re.match(r"scheduled (\S+):", out).group(1), account="dev:8")
    wrong = ("--pool", str(sold_out), "--milestone", "0", "--evidence-hash", evidence, "--uri", "ipfs://other")
    line = impact.refused("oracle", "finalize", *wrong, account="dev:8")
    # The hash with another URI is other evidence, which no oracle attested.
    assert line == (
        f"error: evidence {evidence} with URI ipfs://other of milestone 0 of pool {sold_out} has 0 on-chain "
        "attestations by accredited oracles in this round; the quorum is 1"
    )
    out = impact.ok("oracle", "finalize", *attest, account="dev:8")
    assert out.startswith(
        f"certified milestone 0 of pool {sold_out} from 1 on-chain attestations of evidence {evidence} (quorum 1); "
        f"payee {accounts[7].address}; challenge window until "
    )
    assert contracts["pools"].milestone(sold_out, 0).dict()["certified"]
