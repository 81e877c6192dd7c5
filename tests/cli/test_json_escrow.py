"""`--json` on the escrow's and governance's commands: delayed changes (scheduled, listed, executed, cancelled),
the immediate ones, exits, voids, finalising attestations and credited tranches. Each prints exactly one versioned
document on stdout, whose values are the chain's: checksummed addresses, amounts as decimal strings, times as
`{"unix", "iso"}`, null rather than "". Sentences shown before sending and warnings go to stderr; a refusal is the
`impact.error/1` document with a machine code."""

import json
import re
from datetime import UTC, datetime

import pytest
from brownie import RejectingBeneficiary, accounts, web3
from escrow_steps import DAY, PRICE, URI, certify, other_site_pool_file, warp
from eth_utils import keccak, to_checksum_address

from impact.chain.encoding import to_bytes32

# --- what every document must be ------------------------------------------------------------------------------------

ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def conventions(value, path: str = "") -> None:
    """The conventions of docs/formats.md, everywhere in a document: no "", checksummed addresses, consistent times,
    money as a decimal string of base units."""
    if isinstance(value, dict):
        if set(value) == {"unix", "iso"}:
            assert datetime.fromtimestamp(value["unix"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ") == value["iso"], path
        if {"amount", "decimals", "symbol", "asset", "text"} == set(value):
            assert re.fullmatch(r"\d+", value["amount"]), path
        for key, item in value.items():
            conventions(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            conventions(item, f"{path}[{n}]")
    elif isinstance(value, str):
        assert value != "", f'{path} is "" (null is for what is absent)'
        if ADDRESS.fullmatch(value):
            assert value == to_checksum_address(value), f"{path}: {value} is not checksummed"


def document(impact, schema: str, *args: str, account: str | None = "dev:0") -> tuple[dict, str]:
    """Runs `impact ARGS --json`: it must succeed and print exactly one document of `schema` on stdout (json.loads
    refuses anything around it), naming the node. Returns the document and what went to stderr."""
    result = impact(*args, "--json", account=account)
    assert result.code == 0, result.err
    assert result.out.lstrip().startswith("{"), result.out  # no header line, no sentence before it
    data = json.loads(result.out)
    assert data["schema"] == f"impact.{schema}"
    assert data["network"] == {"name": "custom", "chain_id": web3.eth.chain_id, "url": impact.rpc, "live": False}
    conventions(data)
    return data, result.err


def assert_transaction(value: dict, sender) -> None:
    receipt = web3.eth.get_transaction_receipt(value["hash"])
    assert receipt["status"] == 1
    assert value == {
        "hash": "0x" + bytes(receipt["transactionHash"]).hex(),
        "block": receipt["blockNumber"],
        "from": sender.address,
        "gas_used": receipt["gasUsed"],
    }


def paid_for_gas(tx_hash: str) -> int:
    receipt = web3.eth.get_transaction_receipt(tx_hash)
    return receipt["gasUsed"] * receipt["effectiveGasPrice"]


def latest_time() -> int:
    return web3.eth.get_block("latest")["timestamp"]


# --- governance pending, site beneficiary, governance execute -------------------------------------------------------


def test_nothing_pending_is_an_empty_list_at_the_chains_time(impact, deployed):
    data, _ = document(impact, "governance.pending/1", "governance", "pending", account=None)
    assert data["changes"] == []
    assert data["now"]["unix"] == latest_time()


def test_a_beneficiary_change_scheduled_listed_and_executed(impact, contracts, deployed):
    registry, pools = contracts["registry"], contracts["pools"]
    pool_id = impact.open_pool()
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "100", account="dev:4")
    new = accounts.add().address

    scheduled, _ = document(impact, "site.beneficiary/1", "site", "beneficiary", "--site", "1", "--address", new)
    number = registry.changeCount()
    on_chain = registry.change(number).dict()
    change = scheduled["change"]
    assert (scheduled["site_id"], scheduled["beneficiary"]) == (1, new)
    assert change["id"] == f"registry:{number}" and (change["contract"], change["number"]) == ("registry", number)
    assert (change["kind"], change["subject"], change["address"]) == ("beneficiary", 1, new)
    assert change["value"] == str(int(new, 16))
    assert change["what"] == f"site 1 beneficiary → {new}"
    assert change["executable_at"]["unix"] == on_chain["executableAt"] == latest_time() + 2 * DAY
    assert (change["state"], change["due"], change["scheduled_by"]) == ("pending", False, accounts[0].address)
    assert change["affects"] == {"every_pool": False, "site_id": 1}
    (pool,) = [p for p in change["pools"] if p["pool_id"] == pool_id]
    assert pool["exit_open"] is pools.pool(pool_id).dict()["exitOpen"] is True
    assert pool["supply"] == "100" and pool["exit_per_token"]["amount"] == str(pools.exitQuote(pool_id, 1))
    assert_transaction(scheduled["transaction"], accounts[0])

    listed, _ = document(impact, "governance.pending/1", "governance", "pending", account=None)
    (row,) = listed["changes"]
    assert {key: row[key] for key in change} == change  # the same change, the same shape
    assert row["pools"] == change["pools"] and pool["exit_per_token"]["text"] == "0.05 ETH"
    assert listed["now"]["unix"] == latest_time() < row["executable_at"]["unix"]

    warp(2 * DAY)
    listed, _ = document(impact, "governance.pending/1", "governance", "pending", account=None)
    assert listed["changes"][0]["due"] is True

    executed, _ = document(
        impact, "governance.execute/1", "governance", "execute", "--change", change["id"], account="dev:8"
    )
    assert executed["change"]["id"] == change["id"] and executed["change"]["state"] == "executed"
    assert executed["change"]["due"] is False  # it is no longer pending
    assert executed["change"]["executable_at"] == change["executable_at"]
    assert "pools" not in executed["change"]
    assert_transaction(executed["transaction"], accounts[8])
    assert registry.site(1).dict()["beneficiary"] == new
    assert document(impact, "governance.pending/1", "governance", "pending", account=None)[0]["changes"] == []


def test_a_delay_change_affects_every_pool_and_is_cancelled(impact, contracts, deployed):
    certifier = contracts["certifier"]
    args = ("governance", "delay", "--contract", "certifier", "--seconds", str(5 * DAY))
    scheduled, _ = document(impact, "governance.delay/1", *args)
    change = scheduled["change"]
    assert (scheduled["contract"], scheduled["delay_seconds"]) == ("certifier", 5 * DAY)
    assert change["id"] == f"certifier:{certifier.changeCount()}"
    assert (change["kind"], change["value"], change["address"]) == ("delay", str(5 * DAY), None)
    assert change["affects"] == {"every_pool": True, "site_id": None}
    assert change["executable_at"]["unix"] == certifier.change(change["number"]).dict()["executableAt"]

    cancelled, _ = document(impact, "governance.cancel/1", "governance", "cancel", "--change", change["id"])
    assert cancelled["change"]["id"] == change["id"] and cancelled["change"]["state"] == "cancelled"
    assert_transaction(cancelled["transaction"], accounts[0])
    assert certifier.pendingChangeCount() == 0


# --- oracles, quorum, reviewers -------------------------------------------------------------------------------------


def test_an_oracle_accreditation_is_a_change_naming_the_oracle(impact, contracts, deployed):
    certifier, oracle = contracts["certifier"], accounts.add().address
    data, _ = document(impact, "oracle.accredit/1", "oracle", "accredit", oracle.lower())
    change = data["change"]
    assert data["oracle"] == change["address"] == oracle  # given in lowercase, shown checksummed
    assert change["kind"] == "accredit-oracle" and change["what"] == f"accredit oracle {oracle}"
    assert change["executable_at"]["unix"] == certifier.change(change["number"]).dict()["executableAt"]
    assert not certifier.isOracle(oracle)
    assert_transaction(data["transaction"], accounts[0])


def test_revoking_oracles_below_the_quorum_keeps_the_warnings_on_stderr(impact, contracts, deployed):
    certifier = contracts["certifier"]
    first, err = document(impact, "oracle.revoke/1", "oracle", "revoke", accounts[3].address)
    assert (first["oracles"], first["quorum"], first["below_quorum"], first["signature_epoch"]) == (2, 2, False, 1)
    assert err.count("warning: ") == 1
    second, err = document(impact, "oracle.revoke/1", "oracle", "revoke", accounts[2].address)
    assert second["oracle"] == accounts[2].address
    assert (second["oracles"], second["quorum"], second["below_quorum"]) == (1, 2, True)
    assert second["signature_epoch"] == certifier.signatureEpoch() == 2
    assert err.count("warning: ") == 2 and "fewer than the quorum of 2" in err
    assert_transaction(second["transaction"], accounts[0])
    assert not certifier.isOracle(accounts[2])


def test_the_quorum_raised_at_once_and_lowered_by_a_change(impact, contracts, deployed):
    certifier = contracts["certifier"]
    raised, _ = document(impact, "oracle.quorum/1", "oracle", "quorum", "3")
    assert {k: raised[k] for k in ("from", "to", "oracles", "immediate", "change")} == {
        "from": 2,
        "to": 3,
        "oracles": 3,
        "immediate": True,
        "change": None,
    }
    assert certifier.quorum() == 3
    assert_transaction(raised["transaction"], accounts[0])

    lowered, _ = document(impact, "oracle.quorum/1", "oracle", "quorum", "1")
    assert (lowered["from"], lowered["to"], lowered["immediate"]) == (3, 1, False)
    change = lowered["change"]
    assert (change["kind"], change["value"], change["what"]) == ("lower-quorum", "1", "lower quorum to 1")
    assert change["executable_at"]["unix"] == certifier.change(change["number"]).dict()["executableAt"]
    assert certifier.quorum() == 3  # not before the change is executed


def test_a_reviewer_accredited_at_once_and_revoked_by_a_change(impact, contracts, deployed):
    certifier, reviewer = contracts["certifier"], accounts.add().address
    accredited, _ = document(impact, "reviewer.accredit/1", "reviewer", "accredit", reviewer)
    assert accredited["reviewer"] == reviewer and certifier.isReviewer(reviewer)
    assert_transaction(accredited["transaction"], accounts[0])
    revoked, _ = document(impact, "reviewer.revoke/1", "reviewer", "revoke", reviewer)
    change = revoked["change"]
    assert revoked["reviewer"] == change["address"] == reviewer and change["kind"] == "revoke-reviewer"
    assert change["id"] == f"certifier:{certifier.changeCount()}" and certifier.isReviewer(reviewer)


# --- exits ----------------------------------------------------------------------------------------------------------


def test_an_exit_pays_what_the_document_says_and_names_the_change_that_opened_it(impact, contracts, sold_out):
    pools, alice = contracts["pools"], accounts[4]
    scheduled, _ = document(
        impact, "site.beneficiary/1", "site", "beneficiary", "--site", "1", "--address", accounts.add().address
    )
    before = alice.balance()
    data, err = document(impact, "exit/1", "exit", "--pool", str(sold_out), "--tokens", "20", account="dev:4")
    paid = alice.balance() - before + paid_for_gas(data["transaction"]["hash"])
    assert (data["pool_id"], data["tokens"], data["holder"]) == (sold_out, "20", alice.address)
    assert data["paid"]["amount"] == str(paid) == str(20 * PRICE)
    assert (data["paid"]["symbol"], data["paid"]["text"]) == ("ETH", "1 ETH")
    assert [c["id"] for c in data["opened_by"]] == [scheduled["change"]["id"]]
    assert_transaction(data["transaction"], alice)
    assert pools.balanceOf(alice, sold_out) == 100 and pools.pool(sold_out).dict()["exited"] == paid
    # The sentence shown before sending goes to stderr, so that stdout stays one document.
    assert f"pool {sold_out}: 20 tokens exit for 1 ETH, while this change is pending" in err


def test_an_exit_after_a_final_milestone_pays_the_unearned_part(impact, contracts, sold_out):
    pools = contracts["pools"]
    certify(impact, sold_out)
    warp(7 * DAY + 1)  # milestone 0 (20 %) is final
    document(impact, "oracle.accredit/1", "oracle", "accredit", accounts.add().address)  # opens every pool's exit
    data, _ = document(impact, "exit/1", "exit", "--pool", str(sold_out), account="dev:5")  # all of bob's 880
    assert data["tokens"] == "880"
    assert data["paid"]["amount"] == str(880 * (PRICE - PRICE * 2_000 // 10_000))
    assert data["opened_by"][0]["kind"] == "accredit-oracle"
    assert pools.balanceOf(accounts[5], sold_out) == 0


# --- the reviewer, finalising, credited tranches --------------------------------------------------------------------


@pytest.fixture
def reasons(tmp_path):
    path = tmp_path / "review.txt"
    path.write_text("SAMPLE: the consultation record names no meeting in the villages east of the park.\n")
    return path


def test_a_void_lists_every_certification_it_voided(impact, contracts, sold_out, reasons):
    pools = contracts["pools"]
    first = certify(impact, sold_out, 0, "report 0")
    second = certify(impact, sold_out, 1, "report 1")
    milestone = pools.milestone(sold_out, 0).dict()
    args = ("reviewer", "void", "--pool", str(sold_out), "--milestone", "0", "--reason-file", str(reasons))
    data, _ = document(impact, "reviewer.void/1", *args, "--reason-uri", "ipfs://sample/review", account="dev:9")
    assert (data["pool_id"], data["milestone_id"], data["reviewer"]) == (sold_out, 0, accounts[9].address)
    assert data["reason_hash"] == "0x" + keccak(reasons.read_bytes()).hex()
    assert data["reason_uri"] == "ipfs://sample/review"
    assert data["voided"] == [{"milestone_id": 0, "evidence_hash": first}, {"milestone_id": 1, "evidence_hash": second}]
    assert data["challenge_ends_at"]["unix"] == milestone["challengeEndsAt"]
    assert data["deadline"]["unix"] == milestone["deadline"] + pools.pool(sold_out).dict()["pausedTime"]
    assert_transaction(data["transaction"], accounts[9])
    assert pools.pool(sold_out).dict()["certifiedCount"] == 0


def test_a_void_without_a_reason_uri_says_null(impact, contracts, sold_out, reasons):
    evidence = certify(impact, sold_out)
    args = ("reviewer", "void", "--pool", str(sold_out), "--milestone", "0", "--reason-file", str(reasons))
    data, _ = document(impact, "reviewer.void/1", *args, account="dev:9")
    assert data["reason_uri"] is None and data["voided"] == [{"milestone_id": 0, "evidence_hash": evidence}]
    assert contracts["certifier"].isEvidenceVoided(sold_out, 0, evidence)


def test_finalize_certifies_from_attestations_meeting_a_lowered_quorum(impact, contracts, sold_out):
    pools = contracts["pools"]
    evidence = to_bytes32("EAGL report")
    attest = ("--pool", str(sold_out), "--milestone", "0", "--evidence-hash", evidence, "--uri", URI)
    impact.ok("oracle", "attest", *attest, account="dev:1")
    lowered, _ = document(impact, "oracle.quorum/1", "oracle", "quorum", "1")
    warp(2 * DAY)
    document(
        impact, "governance.execute/1", "governance", "execute", "--change", lowered["change"]["id"], account="dev:8"
    )
    data, _ = document(impact, "oracle.finalize/1", "oracle", "finalize", *attest, account="dev:8")
    milestone = pools.milestone(sold_out, 0).dict()
    assert (data["pool_id"], data["milestone_id"], data["evidence_hash"]) == (sold_out, 0, evidence)
    assert (data["evidence_uri"], data["attestations"], data["quorum"]) == (URI, 1, 1)
    assert data["payee"] == accounts[7].address == milestone["payee"]
    assert data["challenge_ends_at"]["unix"] == milestone["challengeEndsAt"] and milestone["certified"]
    assert_transaction(data["transaction"], accounts[8])


def test_attestations_count_for_their_hash_and_uri_and_the_last_one_says_until_when(impact, contracts, sold_out):
    evidence = to_bytes32("EAGL report")
    attest = ("oracle", "attest", "--pool", str(sold_out), "--milestone", "0", "--evidence-hash", evidence)
    first, _ = document(impact, "oracle.attest/1", *attest, "--uri", URI, account="dev:1")
    assert (first["pool_id"], first["milestone_id"], first["evidence_hash"]) == (sold_out, 0, evidence)
    assert (first["evidence_uri"], first["oracle"]) == (URI, accounts[1].address)
    assert (first["attestations"], first["certified"], first["challenge_ends_at"]) == (1, False, None)
    assert_transaction(first["transaction"], accounts[1])
    # The same hash under another URI is other evidence: its own count, not the first one's.
    other, _ = document(impact, "oracle.attest/1", *attest, "--uri", "ipfs://other", account="dev:2")
    assert (other["evidence_uri"], other["attestations"], other["certified"]) == ("ipfs://other", 1, False)
    last, _ = document(impact, "oracle.attest/1", *attest, "--uri", URI, account="dev:3")
    milestone = contracts["pools"].milestone(sold_out, 0).dict()
    assert (last["attestations"], last["certified"]) == (2, True) and milestone["certified"]
    assert last["challenge_ends_at"]["unix"] == milestone["challengeEndsAt"]


def test_a_credited_tranche_withdrawn_by_the_new_beneficiary(impact, contracts, deployed, tmp_path):
    pools, manager = contracts["pools"], accounts[7]
    wallet = RejectingBeneficiary.deploy({"from": accounts[0]})
    impact.ok("site", "register", "--name", "Other", "--country", "KE", "--wdpa", "42", "--beneficiary", wallet.address)
    pool_id = impact.open_pool(other_site_pool_file(tmp_path), site=2)
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "1000", account="dev:4")
    certify(impact, pool_id)
    warp(7 * DAY + 1)
    released, _ = document(
        impact, "pool.release/1", "pool", "release", "--pool", str(pool_id), "--milestone", "0", account="dev:8"
    )
    assert released["credited"] is True
    scheduled, _ = document(
        impact, "site.beneficiary/1", "site", "beneficiary", "--site", "2", "--address", manager.address
    )
    assert scheduled["change"]["affects"] == {"every_pool": False, "site_id": 2}
    warp(2 * DAY)
    impact.ok("governance", "execute", "--change", scheduled["change"]["id"], account="dev:8")
    before = manager.balance()
    args = ("pool", "withdraw-credit", "--pool", str(pool_id), "--milestone", "0")
    data, _ = document(impact, "pool.withdraw-credit/1", *args, account="dev:7")
    received = manager.balance() - before + paid_for_gas(data["transaction"]["hash"])
    assert (data["pool_id"], data["milestone_id"], data["account"]) == (pool_id, 0, manager.address)
    assert data["amount"]["amount"] == str(received) == released["amount"]["amount"] == str(10 * 10**18)
    assert_transaction(data["transaction"], manager)
    assert not pools.milestone(pool_id, 0).dict()["credited"]


# --- refusals -------------------------------------------------------------------------------------------------------


def failure(impact, *args: str, account: str = "dev:0") -> dict:
    """Runs a refused command with --json: exit code 1, the error document alone on stdout, its one line on stderr."""
    result = impact(*args, "--json", account=account)
    assert result.code == 1, result.out + result.err
    data = json.loads(result.out)
    assert set(data) == {"schema", "error"} and data["schema"] == "impact.error/1"
    assert result.line == "error: " + data["error"]["message"]
    return data["error"]


@pytest.mark.parametrize(
    "args, account, code, message",
    [
        (("exit", "--pool", "{pool}"), "dev:4", "exit-closed", "exits of pool {pool} are closed: no change affecting"),
        (("exit", "--pool", "{pool}"), "dev:6", "no-tokens", "holds no tokens of pool {pool}"),
        (("governance", "execute", "--change", "registry:99"), "dev:8", "unknown-change", "there is no change"),
        (("governance", "cancel", "--change", "governor:1"), "dev:0", "bad-change", "'governor:1' is not a change"),
        (("oracle", "revoke", "{rando}"), "dev:0", "not-oracle", "{rando} is not an accredited oracle"),
        (("oracle", "quorum", "2"), "dev:0", "same-quorum", "the quorum is already 2"),
        (("site", "beneficiary", "--site", "9", "--address", "{rando}"), "dev:0", "RegistryUnknownSite", "no site 9"),
        (("reviewer", "void", "--milestone", "0", "--reason-file", "{reasons}"), "dev:8", "not-reviewer", "reviewer"),
        (("reviewer", "void", "--milestone", "0", "--reason-file", "{reasons}"), "dev:9", "not-certified", "is not"),
        (("pool", "withdraw-credit", "--milestone", "0"), "dev:7", "not-credited", "no credited tranche is waiting"),
        (
            ("oracle", "finalize", "--milestone", "0", "--evidence-hash", to_bytes32("x"), "--uri", URI),
            "dev:8",
            "below-quorum",
            "has 0 on-chain attestations",
        ),
        # a refusal by the contract keeps its custom error's name as the code
        (("oracle", "accredit", "{rando}"), "dev:4", "AccessControlUnauthorizedAccount", "does not have the"),
    ],
)
def test_refusals_are_error_documents_with_a_code(impact, sold_out, reasons, args, account, code, message):
    names = {"pool": str(sold_out), "rando": accounts[8].address, "reasons": str(reasons)}
    args = tuple(arg.format(**names) for arg in args)
    if args[0] in ("reviewer", "pool") or args[:2] == ("oracle", "finalize"):
        args = (*args[:2], "--pool", str(sold_out), *args[2:])
    error = failure(impact, *args, account=account)
    assert error["code"] == code and message.format(**names) in error["message"]
