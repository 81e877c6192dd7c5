"""`impact oracle watch`: an oracle service that never double-submits, survives a crash and a node outage, and
sets malformed reports aside. Each test runs the real program against an Anvil of its own."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account
from web3 import HTTPProvider, Web3

from impact.chain.artifacts import abi
from impact.chain.localnode import LocalAnvil

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_REPORT = ROOT / "samples" / "reports" / "xianju-milestone-1"


def impact(env, *args, check=True):
    done = subprocess.run(
        [sys.executable, "-m", "impact", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def world(tmp_path):
    """A node with the system deployed (oracles: the service's key, dev:1 and dev:2; quorum 2), pool 1 sold out (so
    its sale is closed), an oracle key, and an inbox."""
    state = tmp_path / "anvil-state.json"
    node = LocalAnvil(["--state", str(state)]).start()
    oracle = Account.create()
    env = {**os.environ, "IMPACT_DEPLOYMENTS": str(tmp_path / "deployments"), "ORACLE_KEY": oracle.key.hex()}
    w3 = Web3(HTTPProvider(node.url))
    w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": oracle.address, "value": 10**18})
    common = ["--rpc-url", node.url]
    impact(
        env,
        "deploy",
        *common,
        "--account",
        "dev:0",
        "--oracles",
        f"{oracle.address},{w3.eth.accounts[1]},{w3.eth.accounts[2]}",
        "--quorum",
        "2",
        "--reviewers",
        w3.eth.accounts[9],
    )
    impact(
        env,
        "site",
        "register",
        *common,
        "--account",
        "dev:0",
        "--name",
        "Xianju National Park",
        "--country",
        "CN",
        "--wdpa",
        "555000001",
        "--uri",
        "ipfs://sample/xianju-national-park.json",
        "--beneficiary",
        w3.eth.accounts[7],
    )
    impact(env, "pool", "open", *common, "--account", "dev:0", "--file", "samples/xianju-pool.yaml", "--site", "1")
    # Selling out the cap closes the sale at once, without moving the node's clock (which a restart would lose).
    impact(env, "buy", *common, "--account", "dev:4", "--pool", "1", "--tokens", "1000")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    deployment = json.loads(next((tmp_path / "deployments").iterdir()).read_text())
    certifier = w3.eth.contract(
        address=deployment["contracts"]["MilestoneCertifier"]["address"], abi=abi("MilestoneCertifier")
    )
    world = {
        "node": node,
        "env": env,
        "oracle": oracle,
        "w3": w3,
        "inbox": inbox,
        "certifier": certifier,
        "common": common,
        "tmp": tmp_path,
        "state": state,
    }
    yield world
    world["node"].stop()


def drop_report(world, name="report.yaml"):
    """Puts the sample assessment report (pool 1, milestone 0) and its evidence files into the inbox."""
    for item in SAMPLE_REPORT.iterdir():
        if item.suffix == ".txt":
            shutil.copy(item, world["inbox"] / item.name)
    shutil.copy(SAMPLE_REPORT / "report.yaml", world["inbox"] / name)


def watch(world, *extra, crash_at=None, check=False):
    env = dict(world["env"])
    if crash_at:
        env["IMPACT_ORACLE_CRASH_AT"] = crash_at
    return impact(
        env,
        "oracle",
        "watch",
        *world["common"],
        "--account",
        "env:ORACLE_KEY",
        "--inbox",
        str(world["inbox"]),
        "--poll",
        "0.2",
        *extra,
        check=check,
    )


def journal(world):
    with sqlite3.connect(world["inbox"] / ".journal.sqlite") as db:
        return db.execute("SELECT pool_id, milestone_id, state, tx_hash FROM milestones").fetchall()


def attestations(world):
    certifier = world["certifier"]
    return certifier.events.OracleAttested().get_logs(from_block=0)


def test_a_report_is_attested_once_and_moved_to_processed(world):
    drop_report(world)
    done = watch(world, "--once")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pool 1 milestone 0: attested in block" in done.stdout
    (row,) = journal(world)
    assert row[:3] == (1, 0, "done")
    assert [e["args"]["oracle"] for e in attestations(world)] == [world["oracle"].address]
    filed = world["inbox"] / "processed" / "report"
    assert sorted(p.name for p in filed.iterdir()) == ["consultation-record.txt", "eagl-assessment.txt", "report.yaml"]
    assert not (world["inbox"] / "report.yaml").exists()
    assert not (world["inbox"] / "eagl-assessment.txt").exists()  # the evidence went with its report


@pytest.mark.parametrize("crash_at", ["after-record", "after-broadcast"])
def test_a_crash_in_the_middle_never_double_submits(world, crash_at):
    drop_report(world)
    crashed = watch(world, "--once", crash_at=crash_at)
    assert crashed.returncode == 70
    (row,) = journal(world)
    assert row[2] == "broadcast"  # the transaction was recorded before anything else happened
    assert (world["inbox"] / "report.yaml").exists()  # and the report was not lost

    resumed = watch(world, "--once")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"resuming transaction {row[3]}" in resumed.stdout
    (final,) = journal(world)
    assert final[2:] == ("done", row[3])  # the very same transaction, not a new one
    assert len(attestations(world)) == 1
    assert world["w3"].eth.get_transaction_count(world["oracle"].address) == 1

    again = watch(world, "--once")  # a third run finds nothing left to do
    assert again.returncode == 0 and len(attestations(world)) == 1


def test_the_same_report_dropped_twice_is_processed_once(world):
    drop_report(world)
    watch(world, "--once")
    drop_report(world, name="report-copy.yaml")
    second = watch(world, "--once")
    assert "pool 1 milestone 0 already done, nothing to do" in second.stdout
    assert len(attestations(world)) == 1


def test_a_malformed_report_is_set_aside_and_the_others_go_on(world):
    (world["inbox"] / "a-broken.yaml").write_text("pool: [1,\n")
    (world["inbox"] / "b-incomplete.json").write_text('{"pool": 1, "milestone": 0}')
    drop_report(world, name="c-good.yaml")
    done = watch(world, "--once")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert any("a-broken.yaml: rejected, report a-broken.yaml is not valid YAML" in line for line in lines)
    assert any(
        "b-incomplete.json: rejected, report b-incomplete.json: criterion" in line
        or "b-incomplete.json: rejected" in line
        for line in lines
    )
    assert (world["inbox"] / "rejected" / "a-broken" / "a-broken.yaml").exists()
    assert (world["inbox"] / "rejected" / "b-incomplete" / "b-incomplete.json").exists()
    assert (world["inbox"] / "processed" / "c-good" / "c-good.yaml").exists()
    assert len(attestations(world)) == 1


def test_a_report_the_chain_refuses_is_set_aside_with_the_reason(world):
    report = (SAMPLE_REPORT / "report.yaml").read_text().replace("milestone: 0", "milestone: 2")
    drop_report(world)
    (world["inbox"] / "report.yaml").write_text(report.replace("GLS-V1.1-1.1.1", "GLS-V1.1-4.1.1"))
    done = watch(world, "--once")
    assert "rejected by the chain, milestone 2 of pool 1 is not next: milestone 0 comes first" in done.stdout
    assert (world["inbox"] / "rejected" / "report" / "report.yaml").exists()
    assert (world["inbox"] / "rejected" / "report" / "eagl-assessment.txt").exists()
    assert attestations(world) == []


def test_the_service_rides_out_a_node_outage_and_stops_cleanly_on_sigterm(world):
    env = dict(world["env"])
    service = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "impact",
            "oracle",
            "watch",
            *world["common"],
            "--account",
            "env:ORACLE_KEY",
            "--inbox",
            str(world["inbox"]),
            "--poll",
            "0.2",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Wait until the service is up (it opens its journal once it has connected and loaded the deployment): on a
        # busy machine starting Python takes longer than any fixed sleep.
        started = time.monotonic() + 60
        while not (world["inbox"] / ".journal.sqlite").exists() and time.monotonic() < started:
            time.sleep(0.1)
        time.sleep(0.5)
        world["node"].stop()  # the node goes down (and saves its state)...
        drop_report(world)  # ...while a report arrives
        time.sleep(3)
        assert service.poll() is None  # the service is still alive, retrying
        world["node"] = LocalAnvil(["--state", str(world["state"])], port=world["node"].port).start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (world["inbox"] / "processed" / "report" / "report.yaml").exists():
            time.sleep(0.2)
        service.send_signal(signal.SIGTERM)
        output, _ = service.communicate(timeout=30)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0
    assert "node unavailable" in output and "retrying" in output
    assert "pool 1 milestone 0: attested in block" in output
    assert "received SIGTERM: stopping after the current step" in output and output.rstrip().endswith("stopped")
    assert len(attestations(world)) == 1


@pytest.mark.parametrize("mode", ["attest", "sign"])
def test_a_report_on_another_criterion_is_rejected_before_anything_is_signed(world, mode):
    drop_report(world)
    report = world["inbox"] / "report.yaml"
    report.write_text(report.read_text().replace("criterion: GLS-V1.1-1.1.1", "criterion: GLS-V1.1-2.1.1"))
    done = watch(world, "--once", "--mode", mode)
    assert (
        f"report.yaml: rejected, report report.yaml assesses GLS-V1.1-2.1.1, but milestone 0 of pool 1 is scheduled "
        f"as GLS-V1.1-1.1.1: refusing to {mode} it" in done.stdout
    )
    assert (world["inbox"] / "rejected" / "report" / "report.yaml").exists()
    assert not (world["inbox"] / "signatures").exists() or not any((world["inbox"] / "signatures").iterdir())
    assert attestations(world) == [] and world["w3"].eth.get_transaction_count(world["oracle"].address) == 0
    # Every report of this run was rejected: --once says so in its exit code.
    assert done.returncode == 1
    assert done.stderr.strip().startswith(f"error: every report in {world['inbox']} was rejected (1)")


def test_a_milestone_already_certified_is_processed_not_rejected(world):
    """Two other oracles certified the milestone first: the service has nothing to do, files the report as
    processed and exits 0."""
    common = world["common"]
    for other in ("dev:1", "dev:2"):
        impact(
            world["env"],
            "oracle",
            "attest",
            "--report",
            str(SAMPLE_REPORT / "report.yaml"),
            *common,
            "--account",
            other,
        )
    drop_report(world)
    done = watch(world, "--once")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pool 1 milestone 0: already certified on chain, nothing to do" in done.stdout
    assert (world["inbox"] / "processed" / "report" / "report.yaml").exists()
    assert not (world["inbox"] / "rejected").exists() or not any((world["inbox"] / "rejected").iterdir())
    assert world["w3"].eth.get_transaction_count(world["oracle"].address) == 0


def test_an_evidence_file_two_reports_share_stays_for_the_second(world):
    """Two reports in the inbox name the same evidence files: filing the first copies them, so the second still
    finds its evidence; the second is then filed with them too, and nothing is left behind in the inbox."""
    drop_report(world, name="a-first.yaml")
    shutil.copy(SAMPLE_REPORT / "report.yaml", world["inbox"] / "b-second.yaml")
    done = watch(world, "--once")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "b-second.yaml: pool 1 milestone 0 already done, nothing to do" in done.stdout
    for name in ("a-first", "b-second"):
        filed = world["inbox"] / "processed" / name
        assert {p.name for p in filed.iterdir()} == {"consultation-record.txt", "eagl-assessment.txt", f"{name}.yaml"}
    assert [p.name for p in world["inbox"].iterdir() if p.suffix in (".txt", ".yaml")] == []


def test_after_a_reviewers_void_a_report_with_new_evidence_starts_a_new_round(world, tmp_path):
    drop_report(world)
    assert watch(world, "--once").returncode == 0  # this oracle attests: 1 of the quorum of 2
    common = [*world["common"]]
    report = str(SAMPLE_REPORT / "report.yaml")
    impact(world["env"], "oracle", "attest", *common, "--account", "dev:1", "--report", report)  # certified
    reasons = tmp_path / "review.txt"
    reasons.write_text("SAMPLE: the record misses the eastern villages.\n")
    impact(
        world["env"],
        "reviewer",
        "void",
        *common,
        "--account",
        "dev:9",
        "--pool",
        "1",
        "--milestone",
        "0",
        "--reason-file",
        str(reasons),
    )
    amended = ROOT / "samples" / "reports" / "xianju-milestone-1-amended"
    for item in amended.iterdir():
        shutil.copy(item, world["inbox"] / item.name)
    done = watch(world, "--once")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "was voided by a reviewer; handling the new evidence" in done.stdout
    assert "pool 1 milestone 0: attested in block" in done.stdout
    me, other = world["oracle"].address, world["w3"].eth.accounts[1]
    assert [e["args"]["oracle"] for e in attestations(world)] == [me, other, me]  # the third in the new round
    assert world["certifier"].functions.roundOf(1, 0).call() == 1


def test_in_sign_mode_a_revocation_makes_the_service_sign_again(world):
    drop_report(world)
    assert watch(world, "--once", "--mode", "sign").returncode == 0
    (signature,) = (world["inbox"] / "signatures").iterdir()
    assert json.loads(signature.read_text())["epoch"] == 0
    impact(world["env"], "oracle", "revoke", *world["common"], "--account", "dev:0", world["w3"].eth.accounts[1])
    drop_report(world)  # the assessor drops the report again
    done = watch(world, "--once", "--mode", "sign")
    assert "an oracle was revoked since it signed (epoch 0, now 1): signing again" in done.stdout
    assert json.loads(signature.read_text())["epoch"] == 1
