"""A transaction that was sent is never hidden: its hash is printed while the program waits, Ctrl-C says it was sent
and how to check it, and `impact tx HASH` tells where it is. Against an Anvil of its own that does not mine."""

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import interruptible
from web3 import HTTPProvider, Web3

from impact.chain.localnode import LocalAnvil

ROOT = Path(__file__).resolve().parents[2]
HASH = re.compile(r"0x[0-9a-f]{64}")


@pytest.fixture
def idle_node(tmp_path):
    """An Anvil that mines only when told to (`evm_mine`), so a sent transaction waits in its pool."""
    with LocalAnvil(["--no-mining"]) as node:
        yield {
            "node": node,
            "w3": Web3(HTTPProvider(node.url)),
            "env": {**os.environ, "IMPACT_DEPLOYMENTS": str(tmp_path)},
        }


def impact(node, *args):
    done = subprocess.run(
        [sys.executable, "-m", "impact", *args, "--rpc-url", node["node"].url],
        env=node["env"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout.strip(), done.stderr.strip()


def start(node, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "impact", *args, "--rpc-url", node["node"].url],
        env=node["env"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )


def wait_for_line(stream, prefix: str, timeout: float = 60) -> str:
    """The first line of `stream` that starts with `prefix`, read without blocking past `timeout`."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if select.select([stream], [], [], left)[0]:
            line = stream.readline()
            if line.startswith(prefix):
                return line.strip()
            if not line:
                break  # the program ended
    raise AssertionError(f"no line starting with {prefix!r} within {timeout} s")


def test_ctrl_c_while_waiting_names_the_transaction_that_was_sent(idle_node):
    w3 = idle_node["w3"]
    deployer = w3.eth.accounts[0]
    process = start(idle_node, "deploy", "--account", "dev:0", "--oracles", w3.eth.accounts[1], "--quorum", "1")
    try:
        sent = wait_for_line(process.stderr, "sent 0x")
        (tx_hash,) = HASH.findall(sent)
        assert sent == f"sent {tx_hash}, waiting for 1 confirmation"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    assert err.strip() == (
        f"error: interrupted: transaction {tx_hash} was sent and may still be mined; check it with "
        f"`impact tx {tx_hash}` (or `cast receipt {tx_hash}`, or a block explorer) before sending it again"
    )
    assert "Traceback" not in err
    pending = w3.eth.get_transaction(tx_hash)  # the node has it, waiting: it was really sent
    assert pending["blockNumber"] is None and pending["from"] == deployer

    code, out, _ = impact(idle_node, "tx", tx_hash)
    assert code == 0
    assert out == f"transaction {tx_hash} is pending: sent by {deployer} with nonce 0, not in a block yet"

    w3.provider.make_request("evm_mine", [])
    code, out, _ = impact(idle_node, "tx", tx_hash)
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    assert code == 0 and receipt["status"] == 1
    assert out == (
        f"transaction {tx_hash} succeeded in block {receipt['blockNumber']} (1 confirmation), sent by {deployer}, "
        f"gas used {receipt['gasUsed']:,}"
    )


def test_tx_says_so_for_a_hash_the_node_does_not_know(idle_node):
    unknown = "0x" + "ab" * 32
    code, _, err = impact(idle_node, "tx", unknown)
    assert code == 1
    assert err == (
        f"error: transaction {unknown} is not known to this node: not sent, dropped, or sent to another network"
    )
    code, _, err = impact(idle_node, "tx", "0x1234")
    assert code == 1 and err == "error: '0x1234' is not a transaction hash (0x and 64 hex digits)"
