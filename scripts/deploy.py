"""Deploy the whole system to the active network.

    brownie run scripts/deploy.py main "0xOracle1,0xOracle2,0xOracle3" 2 "0xReviewer" --network sepolia

Same as `impact deploy`: the account comes from $IMPACT_ACCOUNT (a Brownie keystore name, `env:VAR`), else
$PRIVATE_KEY; on a local development chain, from the node's first unlocked account. Who holds each duty comes from
$IMPACT_ADMIN, $IMPACT_REGISTRAR, $IMPACT_PROGRAMME and $IMPACT_PAUSER (or the keyword arguments of `main`): on a
local chain a missing one is the deploying account; a live network needs all four, each its own account (typically
a multisig), and the deployment is refused otherwise. $IMPACT_CHANGE_DELAY sets the change delay (default 2d).
"""

import os

from brownie._config import CONFIG

from scripts._cli import run

ROLES = ("admin", "registrar", "programme", "pauser")


def main(
    oracles: str,
    quorum: int = 2,
    reviewers: str = "",
    admin: str = "",
    registrar: str = "",
    programme: str = "",
    pauser: str = "",
    change_delay: str = "",
) -> None:
    local = CONFIG.network_type == "development"  # any network of Brownie's "Development" section
    account = os.environ.get("IMPACT_ACCOUNT") or ("dev:0" if local else "env")
    args = ["deploy", "--oracles", oracles, "--quorum", str(quorum), "--account", account]
    if reviewers:
        args += ["--reviewers", reviewers]
    given = {"admin": admin, "registrar": registrar, "programme": programme, "pauser": pauser}
    for role in ROLES:
        holder = given[role] or os.environ.get(f"IMPACT_{role.upper()}", "")
        if holder:
            args += [f"--{role}", holder]
    delay = change_delay or os.environ.get("IMPACT_CHANGE_DELAY", "")
    if delay:
        args += ["--change-delay", str(delay)]
    run(*args)
