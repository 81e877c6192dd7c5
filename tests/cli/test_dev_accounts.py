"""`--account dev:N` on a node whose accounts do not come from a known development mnemonic: the node still sends
for it (an unlocked account), but nothing can be signed with it, and the program says why."""

import json
import os
import subprocess
import sys
from pathlib import Path

from eth_account import Account
from web3 import HTTPProvider, Web3

from impact.chain.localnode import LocalAnvil

ROOT = Path(__file__).resolve().parents[2]
OTHER_MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"


def test_a_dev_account_whose_key_is_unknown_cannot_sign_but_still_sends(tmp_path):
    with LocalAnvil(["--mnemonic", OTHER_MNEMONIC]) as node:
        w3 = Web3(HTTPProvider(node.url))
        env = {**os.environ, "IMPACT_DEPLOYMENTS": str(tmp_path / "deployments")}

        def impact(*args):
            command = [sys.executable, "-m", "impact", *args, "--rpc-url", node.url]
            done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
            return done.returncode, done.stderr.strip()

        Account.enable_unaudited_hdwallet_features()
        assert w3.eth.accounts[1] == Account.from_mnemonic(OTHER_MNEMONIC, account_path="m/44'/60'/0'/0/1").address
        code, err = impact("deploy", "--account", "dev:0", "--oracles", w3.eth.accounts[1], "--quorum", "1")
        assert code == 0, err  # sent by the node for its unlocked account
        deployment = json.loads(next((tmp_path / "deployments").iterdir()).read_text())
        for item in deployment["contracts"].values():
            assert w3.eth.get_transaction(item["tx"])["from"] == w3.eth.accounts[0]

        inbox = tmp_path / "inbox"
        code, err = impact("oracle", "watch", "--inbox", str(inbox), "--once", "--account", "dev:1")
        assert code == 1
        assert err.startswith(f"error: dev:1 is {w3.eth.accounts[1]} on this node, which the development mnemonic '")
        assert err.endswith("does not derive, so its key is unknown: sign with --account NAME (keystore) or env[:VAR]")
        assert "test test test test test test test test test test test junk" in err
        assert w3.eth.get_transaction_count(w3.eth.accounts[1]) == 0
