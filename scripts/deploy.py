"""Deploy the whole system to the active network.

    brownie run scripts/deploy.py main "0xOracle1,0xOracle2,0xOracle3" 2 --network sepolia

Same as `impact deploy`: the account comes from $IMPACT_ACCOUNT (a Brownie keystore name, `env:VAR`), else
$PRIVATE_KEY; on a local development chain, from the node's first unlocked account.
"""

import os

from brownie import network

from scripts._cli import run


def main(oracles: str, quorum: int = 2) -> None:
    local = network.show_active() in ("development", "anvil", "ganache-cli")
    account = os.environ.get("IMPACT_ACCOUNT") or ("dev:0" if local else "env")
    run("deploy", "--oracles", oracles, "--quorum", str(quorum), "--account", account)
