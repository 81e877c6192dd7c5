"""Deploying to a network Brownie treats as live: a separately started Anvil, registered with `brownie networks
add` as a non-development network. Real signing from a key, confirmations, a persisted deployments file."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account
from support import interruptible
from web3 import HTTPProvider, Web3
from web3.exceptions import TransactionNotFound

from impact.chain.localnode import LocalAnvil

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """An Anvil mining a block every second, known to Brownie (in a private HOME) as the live network `testnet`."""
    home = tmp_path_factory.mktemp("home")
    with LocalAnvil(["--block-time", "1"]) as node:
        env = {**os.environ, "HOME": str(home), "IMPACT_DEPLOYMENTS": str(home / "deployments")}
        brownie = Path(sys.executable).with_name("brownie")
        subprocess.run(
            [str(brownie), "networks", "add", "Ethereum", "testnet", f"host={node.url}", "chainid=31337"],
            env=env,
            cwd=home,
            check=True,
            capture_output=True,
        )
        w3 = Web3(HTTPProvider(node.url))
        deployer = Account.create()
        w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": deployer.address, "value": 10**19})
        env["DEPLOYER_KEY"] = deployer.key.hex()
        # One account per duty, as a live network requires (multisigs, in real life); the deployer registers sites.
        roles = {
            "admin": Account.create().address,
            "registrar": deployer.address,
            "programme": Account.create().address,
            "pauser": Account.create().address,
        }
        yield {
            "env": env,
            "w3": w3,
            "deployer": deployer,
            "home": home,
            "oracle": Account.create().address,
            "roles": [arg for duty, holder in roles.items() for arg in (f"--{duty}", holder)],
            "role_holders": roles,
        }


def run(live, *args):
    done = subprocess.run(
        [sys.executable, "-m", "impact", *args, "--network", "testnet"],
        env=live["env"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=180,
    )
    return done.returncode, done.stdout, done.stderr.strip()


def test_brownie_knows_the_network_as_live(live):
    config = (live["home"] / ".brownie" / "network-config.yaml").read_text()
    assert "id: testnet" in config


def test_a_live_deploy_without_confirmation_is_refused_and_sends_nothing(live):
    nonce = live["w3"].eth.get_transaction_count(live["deployer"].address)
    code, out, err = run(
        live, "deploy", "--account", "env:DEPLOYER_KEY", "--oracles", live["oracle"], "--quorum", "1", *live["roles"]
    )
    assert code == 1
    assert out.startswith("network 'testnet' (chain 31337) at http://127.0.0.1:")
    assert f"sending from {live['deployer'].address}" in out.splitlines()[0]
    assert "Deploying the Green List impact contracts:" in out
    for duty, holder in live["role_holders"].items():
        assert f"  {duty:<14} {holder}" in out  # every role holder is shown before asking
    assert err == "error: refusing to act on a live network without confirmation: pass --yes"
    assert live["w3"].eth.get_transaction_count(live["deployer"].address) == nonce


def test_a_live_deploy_needs_every_role_given(live):
    nonce = live["w3"].eth.get_transaction_count(live["deployer"].address)
    code, _, err = run(
        live, "deploy", "--account", "env:DEPLOYER_KEY", "--oracles", live["oracle"], "--quorum", "1", "--yes"
    )
    assert code == 1
    assert err == (
        "error: on a live network give every role its own account (typically a multisig each): missing --admin, "
        "--registrar, --programme, --pauser; one key holding every role could do all the programme can"
    )
    assert live["w3"].eth.get_transaction_count(live["deployer"].address) == nonce


def test_a_live_deploy_refuses_one_key_for_several_roles(live):
    key = live["deployer"].address
    same = [arg for duty in ("admin", "registrar", "programme", "pauser") for arg in (f"--{duty}", key)]
    nonce = live["w3"].eth.get_transaction_count(key)
    code, _, err = run(
        live, "deploy", "--account", "env:DEPLOYER_KEY", "--oracles", live["oracle"], "--quorum", "1", *same, "--yes"
    )
    assert code == 1
    assert err == (
        "error: on a live network each role needs its own account (typically a multisig each), but --admin and "
        "--registrar and --programme and --pauser are the same address; separate keys mean one stolen or hostile "
        "key cannot do everything"
    )
    assert live["w3"].eth.get_transaction_count(key) == nonce


def test_dev_accounts_do_not_exist_on_a_live_network(live):
    code, _, err = run(
        live, "deploy", "--account", "dev:0", "--oracles", live["oracle"], "--quorum", "1", "--yes", *live["roles"]
    )
    assert code == 1 and err.startswith("error: dev accounts exist only on a local development chain")


def test_a_live_deploy_signs_waits_for_confirmations_and_persists_the_deployment(live):
    w3 = live["w3"]
    code, out, err = run(
        live,
        "deploy",
        "--account",
        "env:DEPLOYER_KEY",
        "--oracles",
        live["oracle"],
        "--quorum",
        "1",
        "--yes",
        "--confirmations",
        "2",
        *live["roles"],
    )
    assert code == 0, err
    assert "quorum" in out and "deployment written to" in out
    for duty, holder in live["role_holders"].items():
        assert f"{duty:<19} {holder}  (" in out
    path = live["home"] / "deployments" / "31337.json"
    deployment = json.loads(path.read_text())
    assert deployment["network"] == "testnet" and deployment["deployer"] == live["deployer"].address
    assert deployment["roles"] == live["role_holders"]
    for item in deployment["contracts"].values():
        receipt = w3.eth.get_transaction_receipt(item["tx"])
        assert receipt["from"] == live["deployer"].address  # signed locally with the key, not by the node
        assert w3.eth.block_number >= receipt["blockNumber"] + 1  # waited for a second confirmation

    # Another command, in another process, finds the deployment through the file.
    code, out, err = run(
        live,
        "site",
        "register",
        "--account",
        "env:DEPLOYER_KEY",
        "--yes",
        "--name",
        "Test Site",
        "--country",
        "KE",
        "--wdpa",
        "42",
        "--beneficiary",
        live["deployer"].address,
    )
    assert code == 0, err
    assert out.strip().splitlines()[-1].startswith("site 1 registered: Test Site (KE), WDPA 42")
    shutil.rmtree(live["home"] / "deployments")


def test_ctrl_c_while_waiting_for_confirmations_names_the_mined_transaction(live):
    """On a live network the hash is printed as soon as the transaction is sent; interrupted while waiting for its
    confirmations, the program says it was mined and how to check it."""
    w3 = live["w3"]
    process = subprocess.Popen(
        [sys.executable, "-m", "impact", "deploy", "--network", "testnet", "--account", "env:DEPLOYER_KEY"]
        + ["--oracles", live["oracle"], "--quorum", "1", *live["roles"], "--yes", "--confirmations", "50"],
        env=live["env"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    try:
        line = process.stderr.readline().strip()  # printed at once on a live network
        tx_hash = line.split()[1].rstrip(",")
        assert line == f"sent {tx_hash}, waiting for 50 confirmations" and len(tx_hash) == 66
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # wait for it to be mined (a block a second), then interrupt
            try:
                receipt = w3.eth.get_transaction_receipt(tx_hash)
                break
            except TransactionNotFound:
                time.sleep(0.2)
        time.sleep(1.5)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    assert err.strip() == (
        f"error: interrupted: transaction {tx_hash} was mined in block {receipt['blockNumber']} but has not reached "
        f"50 confirmations yet; check it with `impact tx {tx_hash}`"
    )
    code, out, _ = run(live, "tx", tx_hash)
    assert code == 0 and out.startswith(f"transaction {tx_hash} succeeded in block {receipt['blockNumber']} (")
