"""`impact oracle sign | submit | verify-evidence`: two of three oracles sign, anyone relays, investors re-verify."""

import json
import shutil
from pathlib import Path

import pytest
from brownie import ImpactPools, accounts, chain, web3

from impact.chain.encoding import format_iso, parse_utc_time
from impact.oracle import certification

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "reports" / "xianju-milestone-1"
DAY = 86_400


@pytest.fixture(scope="module")
def signing_oracles(impact, deployed):
    """Three oracles with private keys, funded for gas: their accreditations scheduled with `impact oracle accredit`
    and executed by anyone with `impact governance execute` once the two-day delay has passed."""
    keys = [accounts.add() for _ in range(3)]
    names = []
    for oracle in keys:
        accounts[0].transfer(oracle, 10**18)
        names.append(impact.last("oracle", "accredit", oracle.address).split()[1].rstrip(":"))
    chain.sleep(2 * 86_400 + 1)
    chain.mine()
    for name in names:
        impact.ok("governance", "execute", "--change", name, account="dev:8")
    return keys


@pytest.fixture
def report(impact, deployed, tmp_path):
    """A closed, funded pool and a copy of the sample report (pool 1, milestone 0) with its evidence files, whose
    signatures' deadline is 30 days from the chain's time."""
    pools = ImpactPools.at(deployed["contracts"]["ImpactPools"]["address"])
    pool_id = impact.open_pool("samples/xianju-pool.yaml")
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "1000", account="dev:4")  # sold out: the sale is closed
    for item in SAMPLE.iterdir():
        shutil.copy(item, tmp_path / item.name)
    path = tmp_path / "report.yaml"
    deadline = format_iso(chain[-1].timestamp + 30 * DAY)
    text = path.read_text().replace("pool: 1", f"pool: {pool_id}")
    path.write_text(text.replace("deadline: 2036-12-31", f"deadline: {deadline}"))
    return {"path": path, "pool_id": pool_id, "pools": pools, "deadline": parse_utc_time(deadline, end_of_day=True)}


def sign(impact, report, oracle, out, *extra):
    return impact(
        "oracle",
        "sign",
        "--report",
        str(report["path"]),
        "--out",
        str(out),
        *extra,
        account="env:KEY",
        env={"KEY": oracle.private_key},
    )


def submit(impact, report, files):
    return impact(
        "oracle", "submit", "--report", str(report["path"]), "--signatures", *map(str, files), account="dev:8"
    )


def edit(report, old, new):
    path = report["path"]
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))


def test_two_signatures_relayed_by_a_third_party_certify(impact, report, signing_oracles, tmp_path):
    files = [tmp_path / f"sig{i}.json" for i in range(2)]
    for oracle, out in zip(signing_oracles[:2], files, strict=True):
        assert sign(impact, report, oracle, out).code == 0
    out = impact.ok(
        "oracle", "submit", "--report", str(report["path"]), "--signatures", *map(str, files), account="dev:8"
    )
    assert f"certified pool {report['pool_id']} milestone 0 with 2 signatures" in out
    assert f"relayed by {accounts[8].address}" in out
    assert report["pools"].milestone(report["pool_id"], 0).dict()["certified"]


def test_a_signature_file_records_what_was_signed(impact, report, signing_oracles, tmp_path):
    sign(impact, report, signing_oracles[0], tmp_path / "sig.json")
    data = json.loads((tmp_path / "sig.json").read_text())
    assert data["signer"] == signing_oracles[0].address
    assert data["epoch"] == 0  # the certifier's signature epoch: no oracle has been revoked yet
    assert data["poolId"] == report["pool_id"] and data["milestoneId"] == 0
    assert data["chainId"] == chain.id and len(bytes.fromhex(data["signature"][2:])) == 65


def test_one_signature_is_below_the_quorum(impact, report, signing_oracles, tmp_path):
    sign(impact, report, signing_oracles[0], tmp_path / "sig.json")
    result = impact(
        "oracle", "submit", "--report", str(report["path"]), "--signatures", str(tmp_path / "sig.json"), account="dev:8"
    )
    assert result.code == 1 and result.line == "error: only 1 signature or attestation of the quorum of 2"


def test_a_signer_who_is_not_an_oracle_cannot_sign(impact, report):
    stranger = accounts.add()
    result = impact(
        "oracle", "sign", "--report", str(report["path"]), account="env:KEY", env={"KEY": stranger.private_key}
    )
    assert (
        result.code == 1 and result.line == f"error: {stranger.address} is not an accredited oracle of this deployment"
    )


def test_signatures_for_other_evidence_are_refused_before_sending(impact, report, signing_oracles, tmp_path):
    files = [tmp_path / f"sig{i}.json" for i in range(2)]
    for oracle, out in zip(signing_oracles[:2], files, strict=True):
        sign(impact, report, oracle, out)
    (report["path"].parent / "eagl-assessment.txt").write_text("tampered\n")
    nonce = web3.eth.get_transaction_count(accounts[8].address)
    result = impact(
        "oracle", "submit", "--report", str(report["path"]), "--signatures", *map(str, files), account="dev:8"
    )
    assert result.code == 1 and "signs evidenceHash" in result.line
    assert web3.eth.get_transaction_count(accounts[8].address) == nonce


def test_a_signature_that_is_not_its_signers_is_refused_before_sending(impact, report, signing_oracles, tmp_path):
    files = [tmp_path / f"sig{i}.json" for i in range(2)]
    for oracle, out in zip(signing_oracles[:2], files, strict=True):
        sign(impact, report, oracle, out)
    forged = json.loads(files[0].read_text())
    forged["signature"] = json.loads(files[1].read_text())["signature"]  # oracle 1's signature under oracle 0's name
    files[0].write_text(json.dumps(forged))
    nonce = web3.eth.get_transaction_count(accounts[8].address)
    result = impact(
        "oracle", "submit", "--report", str(report["path"]), "--signatures", *map(str, files), account="dev:8"
    )
    signer = signing_oracles[0].address
    assert result.code == 1
    assert result.line == f"error: the signature of {signer} does not sign this report's certification"
    assert web3.eth.get_transaction_count(accounts[8].address) == nonce


def test_signatures_beyond_the_quorum_are_not_sent(impact, report, signing_oracles, tmp_path):
    files = [tmp_path / f"sig{i}.json" for i in range(3)]
    for oracle, out in zip(signing_oracles, files, strict=True):
        sign(impact, report, oracle, out)
    out = impact.ok(
        "oracle", "submit", "--report", str(report["path"]), "--signatures", *map(str, files), account="dev:8"
    )
    lowest_two = sorted((o.address for o in signing_oracles), key=lambda a: int(a, 16))[:2]
    assert f"with 2 signatures ({', '.join(lowest_two)})" in out


def test_an_investor_re_verifies_the_evidence_and_detects_a_changed_file(impact, report, signing_oracles, tmp_path):
    for i, oracle in enumerate(signing_oracles[:2]):
        sign(impact, report, oracle, tmp_path / f"sig{i}.json")
    impact.ok(
        "oracle",
        "submit",
        "--report",
        str(report["path"]),
        "--signatures",
        str(tmp_path / "sig0.json"),
        str(tmp_path / "sig1.json"),
        account="dev:8",
    )
    out = impact.ok("oracle", "verify-evidence", "--report", str(report["path"]), account=None)
    assert out.startswith("evidence verified: the 2 files hash to 0x")
    (report["path"].parent / "consultation-record.txt").write_text("a different record\n")
    result = impact("oracle", "verify-evidence", "--report", str(report["path"]), account=None)
    assert result.code == 1 and result.line.startswith("error: the files do NOT match")


def test_the_watch_service_in_sign_mode_writes_a_signature_file(impact, report, signing_oracles, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for item in report["path"].parent.iterdir():
        if item.is_file():
            shutil.copy(item, inbox / item.name)
    result = impact(
        "oracle",
        "watch",
        "--inbox",
        str(inbox),
        "--mode",
        "sign",
        "--once",
        account="env:KEY",
        env={"KEY": signing_oracles[2].private_key},
    )
    assert result.code == 0, result.out + result.err
    (signature,) = (inbox / "signatures").iterdir()
    assert json.loads(signature.read_text())["signer"] == signing_oracles[2].address
    assert json.loads(signature.read_text())["deadline"] == report["deadline"]  # the report's, not "now + a TTL"

    # The report was filed with its evidence, so another oracle can still check and sign it from there, a day later,
    # and the two signatures combine.
    filed = inbox / "processed" / "report"
    assert sorted(p.name for p in filed.iterdir()) == ["consultation-record.txt", "eagl-assessment.txt", "report.yaml"]
    chain.sleep(DAY)
    chain.mine()
    later = {**report, "path": filed / "report.yaml"}
    assert sign(impact, later, signing_oracles[0], tmp_path / "later.json").code == 0
    assert submit(impact, later, [signature, tmp_path / "later.json"]).code == 0
    assert report["pools"].milestone(report["pool_id"], 0).dict()["certified"]


# --- the deadline the oracles agree on --------------------------------------------------------------------------


def test_two_oracles_signing_days_apart_sign_the_reports_deadline_and_their_signatures_combine(
    impact, report, signing_oracles, tmp_path
):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert sign(impact, report, signing_oracles[0], first).code == 0
    signed_at = chain[-1].timestamp
    chain.sleep(3 * DAY)  # the second assessor signs three days and a few blocks later
    chain.mine(5)
    result = sign(impact, report, signing_oracles[1], second)
    assert result.code == 0, result.err
    assert chain[-1].timestamp >= signed_at + 3 * DAY
    assert f"valid until {format_iso(report['deadline'])}" in result.out
    assert [json.loads(f.read_text())["deadline"] for f in (first, second)] == [report["deadline"]] * 2
    out = submit(impact, report, [first, second])
    assert out.code == 0, out.err
    assert f"certified pool {report['pool_id']} milestone 0 with 2 signatures" in out.out
    assert report["pools"].milestone(report["pool_id"], 0).dict()["certified"]


def test_a_deadline_given_on_the_command_line_overrides_the_reports(impact, report, signing_oracles, tmp_path):
    files = [tmp_path / f"sig{i}.json" for i in range(2)]
    day = format_iso(chain[-1].timestamp + 10 * DAY)[:10]
    for oracle, out in zip(signing_oracles[:2], files, strict=True):
        assert sign(impact, report, oracle, out, "--deadline", day).code == 0
    end_of_day = parse_utc_time(day + "T23:59:59Z", end_of_day=True)  # a date means the end of that day, UTC
    assert [json.loads(f.read_text())["deadline"] for f in files] == [end_of_day] * 2
    assert submit(impact, report, files).code == 0
    assert report["pools"].milestone(report["pool_id"], 0).dict()["certified"]


def test_signatures_of_different_deadlines_are_refused_before_sending_naming_each(
    impact, report, signing_oracles, tmp_path
):
    files = [tmp_path / f"sig{i}.json" for i in range(2)]
    sign(impact, report, signing_oracles[0], files[0])
    other = format_iso(chain[-1].timestamp + 5 * DAY)
    sign(impact, report, signing_oracles[1], files[1], "--deadline", other)
    nonce = web3.eth.get_transaction_count(accounts[8].address)
    result = submit(impact, report, files)
    assert result.code == 1
    assert result.line.startswith("error: the signatures have different deadlines (")
    assert f"{signing_oracles[0].address} until {format_iso(report['deadline'])}" in result.line
    assert f"{signing_oracles[1].address} until {other}" in result.line
    assert web3.eth.get_transaction_count(accounts[8].address) == nonce


def test_a_deadline_already_past_is_refused_and_nothing_is_signed(impact, report, signing_oracles, tmp_path):
    out = tmp_path / "sig.json"
    result = sign(impact, report, signing_oracles[0], out, "--deadline", "2020-01-01")
    now = format_iso(chain[-1].timestamp)
    assert result.code == 1
    assert result.line == (
        f"error: the signatures' deadline 2020-01-01T23:59:59Z has already passed (the chain's time is {now}): "
        "agree on a later one"
    )
    assert not out.exists()


def test_a_report_without_a_deadline_is_not_signed(impact, report, signing_oracles, tmp_path):
    edit(report, f"deadline: {format_iso(report['deadline'])}\n", "")
    result = sign(impact, report, signing_oracles[0], tmp_path / "sig.json")
    assert result.code == 1
    assert result.line.startswith("error: report report.yaml has no deadline for the signatures: add one")
    assert not (tmp_path / "sig.json").exists()


def test_signatures_are_refused_once_their_deadline_passed(impact, report, signing_oracles, tmp_path):
    files = [tmp_path / f"sig{i}.json" for i in range(2)]
    for oracle, out in zip(signing_oracles[:2], files, strict=True):
        sign(impact, report, oracle, out, "--deadline", format_iso(chain[-1].timestamp + 2 * DAY))
    chain.sleep(3 * DAY)
    chain.mine()
    nonce = web3.eth.get_transaction_count(accounts[8].address)
    result = submit(impact, report, files)
    assert result.code == 1 and result.line.startswith("error: the signatures expired at ")
    assert web3.eth.get_transaction_count(accounts[8].address) == nonce


# --- the report's criterion must be the milestone's -------------------------------------------------------------


def mismatch(report, refusing):
    return (
        f"error: report report.yaml assesses GLS-V1.1-2.1.1, but milestone 0 of pool {report['pool_id']} is "
        f"scheduled as GLS-V1.1-1.1.1: {refusing}"
    )


def test_a_report_on_another_criterion_is_not_signed(impact, report, signing_oracles, tmp_path):
    edit(report, "criterion: GLS-V1.1-1.1.1", "criterion: GLS-V1.1-2.1.1")
    result = sign(impact, report, signing_oracles[0], tmp_path / "sig.json")
    assert result.code == 1 and result.line == mismatch(report, "refusing to sign it")
    assert not (tmp_path / "sig.json").exists()


def test_a_report_on_another_criterion_is_not_attested(impact, report):
    edit(report, "criterion: GLS-V1.1-1.1.1", "criterion: GLS-V1.1-2.1.1")
    nonce = web3.eth.get_transaction_count(accounts[1].address)
    result = impact("oracle", "attest", "--report", str(report["path"]), account="dev:1")
    assert result.code == 1 and result.line == mismatch(report, "refusing to attest it")
    assert web3.eth.get_transaction_count(accounts[1].address) == nonce


def test_a_report_on_another_criterion_is_not_sent(impact, report, signing_oracles, tmp_path):
    """The evidence hash covers the files, not the criterion: signatures of the right report still match the
    edited one's evidence, so the criterion itself must be checked before sending."""
    files = [tmp_path / f"sig{i}.json" for i in range(2)]
    for oracle, out in zip(signing_oracles[:2], files, strict=True):
        assert sign(impact, report, oracle, out).code == 0
    edit(report, "criterion: GLS-V1.1-1.1.1", "criterion: GLS-V1.1-2.1.1")
    nonce = web3.eth.get_transaction_count(accounts[8].address)
    result = submit(impact, report, files)
    assert result.code == 1 and result.line == mismatch(report, "refusing to send it")
    assert web3.eth.get_transaction_count(accounts[8].address) == nonce
    assert not report["pools"].milestone(report["pool_id"], 0).dict()["certified"]


# --- dev accounts sign with the key of the node's development mnemonic ------------------------------------------


def test_a_dev_account_of_the_local_node_signs(impact, report, tmp_path):
    """dev:1 and dev:2 are accredited oracles of the deployment (accounts 1-3); their keys come from the mnemonic
    the local Anvil derives its accounts from."""
    files = [tmp_path / f"dev{n}.json" for n in (1, 2)]
    for n, out in zip((1, 2), files, strict=True):
        result = impact("oracle", "sign", "--report", str(report["path"]), "--out", str(out), account=f"dev:{n}")
        assert result.code == 0, result.err
    claim = certification.Certification(
        report["pool_id"],
        0,
        bytes.fromhex(json.loads(files[0].read_text())["evidenceHash"][2:]),
        "ipfs://sample/xianju/eagl-report-1",
        report["deadline"],
        json.loads(files[0].read_text())["epoch"],
    )
    certifier = json.loads(files[0].read_text())["certifier"]
    for n, path in zip((1, 2), files, strict=True):
        signature = bytes.fromhex(json.loads(path.read_text())["signature"][2:])
        assert certification.recover(claim, chain.id, certifier, signature) == accounts[n].address
    assert submit(impact, report, files).code == 0
    assert report["pools"].milestone(report["pool_id"], 0).dict()["certified"]


def test_signatures_made_before_an_oracle_revocation_are_void_and_refused_before_sending(
    impact, report, signing_oracles, tmp_path
):
    files = [tmp_path / f"sig{i}.json" for i in range(2)]
    for oracle, out in zip(signing_oracles[:2], files, strict=True):
        sign(impact, report, oracle, out)
    impact.ok("oracle", "revoke", signing_oracles[2].address)  # any revocation advances the epoch
    line = impact.refused(
        "oracle", "submit", "--report", str(report["path"]), "--signatures", *map(str, files), account="dev:8"
    )
    signer = signing_oracles[0].address
    assert line == (
        f"error: {files[0]}: {signer} signed at signature epoch 0, but an oracle has been revoked since (epoch 1 "
        "now), which voids every earlier signature: ask the oracles to sign again"
    )
    for oracle, out in zip(signing_oracles[:2], files, strict=True):  # signed again, at epoch 1: accepted
        sign(impact, report, oracle, out)
    assert json.loads(files[0].read_text())["epoch"] == 1
    out = impact.ok(
        "oracle", "submit", "--report", str(report["path"]), "--signatures", *map(str, files), account="dev:8"
    )
    assert f"certified pool {report['pool_id']} milestone 0 with 2 signatures" in out


def test_an_oracle_attests_once_per_round(impact, report):
    args = ("oracle", "attest", "--report", str(report["path"]))
    assert "(1 of the quorum of 2 so far, for this hash and URI)" in impact.ok(*args, account="dev:1")
    line = impact.refused(*args, account="dev:1")
    assert line == (
        f"error: oracle {accounts[1].address} already attested milestone 0 of pool {report['pool_id']} in this "
        "round (an oracle attests once per round; a reviewer's void starts a new one)"
    )
