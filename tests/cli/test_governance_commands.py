"""Delayed changes through `impact`: scheduling (oracle accredit, oracle quorum down, reviewer revoke, site
beneficiary, governance delay), `governance pending | execute | cancel`, and the immediate changes that only make
certification harder (oracle revoke, quorum up, reviewer accredit). Every refusal is one line and sends nothing."""

import json
import re

import pytest
from brownie import ImpactPools, SiteRegistry, accounts
from escrow_steps import DAY, POOL_FILE, warp

from impact.chain.encoding import format_iso


@pytest.fixture
def pool_id(impact, deployed) -> int:
    pool = impact.open_pool(POOL_FILE, 1)
    impact.ok("buy", "--pool", str(pool), "--tokens", "100", account="dev:4")
    return pool


def scheduled_name(out: str) -> str:
    """'registry:1' from 'scheduled registry:1: …'."""
    return re.match(r"scheduled (\w+:\d+): ", out).group(1)


def test_deploy_prints_and_records_every_role_holder(impact, deployed):
    assert deployed["roles"] == {duty: accounts[0].address for duty in ("admin", "registrar", "programme", "pauser")}


def test_deploy_gives_each_role_to_the_account_named(impact, tmp_path):
    separate = type(impact)(tmp_path)
    roles = {"admin": accounts[5], "registrar": accounts[6], "programme": accounts[7], "pauser": accounts[8]}
    out = separate.ok(
        "deploy",
        "--oracles",
        ",".join(a.address for a in accounts[1:4]),
        "--change-delay",
        "3d",
        *[arg for duty, holder in roles.items() for arg in (f"--{duty}", holder.address)],
    )
    for duty, holder in roles.items():
        assert re.search(rf"^{duty} +{holder.address}  \(", out, re.MULTILINE)
    assert "change delay        3 days (259200 s)" in out
    deployment = json.loads(next(tmp_path.iterdir()).read_text())
    registry = SiteRegistry.at(deployment["contracts"]["SiteRegistry"]["address"])
    pools = ImpactPools.at(deployment["contracts"]["ImpactPools"]["address"])
    assert registry.hasRole(registry.REGISTRAR_ROLE(), accounts[6]) and not registry.hasRole(
        registry.REGISTRAR_ROLE(), accounts[0]
    )
    assert registry.defaultAdmin() == accounts[5]
    assert pools.hasRole(pools.PROGRAMME_ROLE(), accounts[7]) and pools.hasRole(pools.PAUSER_ROLE(), accounts[8])
    assert registry.changeDelay() == 3 * DAY


@pytest.mark.parametrize(
    "extra, message",
    [
        (("--change-delay", "1d"), "the change delay must be between 172800 s (2 days) and 2592000 s (30 days)"),
        (
            ("--reviewers", "0x0000000000000000000000000000000000000001,0xbad"),
            "'0xbad' is not a valid reviewer address",
        ),
        (("--pauser", "0xnope"), "'0xnope' is not a valid pauser address"),
    ],
)
def test_deploy_refuses_bad_parameters_before_sending_anything(impact, tmp_path, extra, message):
    oracles = ",".join(a.address for a in accounts[1:4])
    line = type(impact)(tmp_path).refused("deploy", "--oracles", oracles, *extra)
    assert message in line


def test_an_oracle_cannot_also_hold_a_role(impact, tmp_path):
    oracles = ",".join(a.address for a in accounts[1:4])
    line = type(impact)(tmp_path).refused("deploy", "--oracles", oracles, "--pauser", accounts[1].address)
    assert line == f"error: oracle {accounts[1].address} cannot also be the pauser (separation of duties)"


# --- pending, execute, cancel ---------------------------------------------------------------------------------------


def test_no_pending_change_says_so(impact, deployed):
    assert (
        impact.ok("governance", "pending") == "no pending changes: exits are closed, and nothing waits to take effect\n"
    )
    assert impact.json("governance", "pending")["changes"] == []


def test_a_beneficiary_change_is_scheduled_listed_and_executed_by_anyone_once_due(impact, contracts, pool_id):
    new = accounts[6].address
    out = impact.ok("site", "beneficiary", "--site", "1", "--address", new)
    name = scheduled_name(out)
    change_id = int(name.split(":")[1])
    due = contracts["registry"].change(change_id).dict()["executableAt"]
    assert out.startswith(
        f"scheduled {name}: site 1 beneficiary → {new}; executable from {format_iso(due)} (in 2 days) by anyone "
        f"(`impact governance execute --change {name}`); until then the holders of the live pools of site 1 may exit"
    )

    listed = impact.ok("governance", "pending", account=None)
    assert f"{name}  site 1 beneficiary → {new}" in listed
    assert f"scheduled by {accounts[0].address}" in listed
    assert re.search(rf"executable from {format_iso(due)} \(in (2 days|1 day 23 h)\)", listed)
    assert f"affects the pools of site 1: pool {pool_id} (site 1): exit open, 0.05 ETH a token" in listed

    (row,) = impact.json("governance", "pending", account=None)["changes"]
    assert (row["id"], row["what"], row["scheduled_by"], row["executable_at"]["unix"]) == (
        name,
        f"site 1 beneficiary → {new}",
        accounts[0].address,
        due,
    )
    pool = next(p for p in row["pools"] if p["pool_id"] == pool_id)
    assert pool["exit_open"] is contracts["pools"].pool(pool_id).dict()["exitOpen"] is True
    assert pool["exit_per_token"]["amount"] == str(contracts["pools"].exitQuote(pool_id, 1))

    line = impact.refused("governance", "execute", "--change", name, account="dev:8")
    assert re.fullmatch(
        rf"error: change {name} \(site 1 beneficiary → {new}\) becomes executable at {format_iso(due)} "
        r"\(in (2 days|1 day 23 h)\); nothing was sent",
        line,
    )

    warp(2 * DAY)
    out = impact.ok("governance", "execute", "--change", name, account="dev:8")
    assert out.startswith(f"executed {name}: site 1 beneficiary → {new};")
    assert contracts["registry"].site(1).dict()["beneficiary"] == new
    assert not contracts["pools"].pool(pool_id).dict()["exitOpen"]
    assert impact.refused("governance", "execute", "--change", name, account="dev:8") == (
        f"error: change {name} (site 1 beneficiary → {new}) was already executed"
    )


def test_a_pending_change_is_cancelled_by_the_admin_not_by_anyone(impact, contracts, deployed):
    name = scheduled_name(impact.ok("governance", "delay", "--contract", "certifier", "--seconds", str(5 * DAY)))
    assert name.startswith("certifier:")
    line = impact.refused("governance", "cancel", "--change", name, account="dev:8")
    assert line == f"error: {accounts[8].address} may neither schedule nor cancel this kind of change"
    out = impact.ok("governance", "cancel", "--change", name)
    assert out.startswith(f"cancelled {name}: change the certifier's delay to 5 days (432000 s); it can never be")
    assert contracts["certifier"].pendingChangeCount() == 0
    warp(5 * DAY)
    assert impact.refused("governance", "execute", "--change", name, account="dev:8").endswith("was already cancelled")


def test_a_change_that_became_invalid_can_only_be_cancelled(impact, contracts, deployed):
    candidate = accounts.add()
    name = scheduled_name(impact.ok("oracle", "accredit", candidate.address))
    # Meanwhile the candidate became a site's wallet: an oracle may not be one (checked again on execution).
    impact.ok(
        "site", "register", "--name", "Other", "--country", "KE", "--wdpa", "42", "--beneficiary", candidate.address
    )
    warp(2 * DAY + 1)
    line = impact.refused("governance", "execute", "--change", name, account="dev:8")
    assert line == (
        f"error: change {name} (accredit oracle {candidate.address}) can no longer take effect: {candidate.address} "
        f"cannot be both an oracle and the site beneficiary (separation of duties); it can only be cancelled "
        f"(`impact governance cancel --change {name}`)"
    )
    assert not contracts["certifier"].isOracle(candidate)


@pytest.mark.parametrize(
    "name, message",
    [
        ("7", "'7' is not a change: name it by its contract and number, e.g. registry:1 or certifier:2"),
        ("registry:99", "there is no change registry:99 (the registry has 0 changes)"),
        ("governor:1", "'governor:1' is not a change"),
    ],
)
def test_an_unknown_change_is_named(impact, deployed, name, message):
    assert message in impact.refused("governance", "execute", "--change", name, account="dev:8")


def test_a_delay_outside_the_bounds_is_refused(impact, deployed):
    line = impact.refused("governance", "delay", "--contract", "registry", "--seconds", str(31 * DAY))
    assert line == "error: a change delay must be between 2 days and 30 days, not 31 days (2678400 s)"


# --- oracles, quorum, reviewers ---------------------------------------------------------------------------------------


def test_an_accredited_oracle_counts_only_after_the_delay(impact, contracts, deployed):
    oracle = accounts.add()
    out = impact.ok("oracle", "accredit", oracle.address)
    name = scheduled_name(out)
    assert "accredit oracle" in out and "until then the holders of every live pool may exit" in out
    assert not contracts["certifier"].isOracle(oracle)
    warp(2 * DAY)
    impact.ok("governance", "execute", "--change", name, account="dev:8")
    assert contracts["certifier"].isOracle(oracle) and contracts["certifier"].oracleCount() == 4


def test_revoking_an_oracle_is_immediate_and_warns_below_the_quorum_and_of_void_signatures(impact, contracts, deployed):
    impact.ok("oracle", "revoke", accounts[3].address)
    result = impact("oracle", "revoke", accounts[2].address)
    assert result.code == 0, result.err
    assert result.warnings == [
        "warning: this leaves 1 accredited oracle, fewer than the quorum of 2: no milestone can be certified until "
        "another oracle is accredited (a delayed change) or the quorum is lowered (also delayed); pools whose "
        "deadlines pass meanwhile can be failed and refunded",
        "warning: every outstanding signature becomes void (the signature epoch goes from 1 to 2): oracles must sign "
        "again; on-chain attestations of the others still count",
    ]
    assert result.last.startswith(f"oracle {accounts[2].address} revoked at once")
    certifier = contracts["certifier"]
    assert (certifier.oracleCount(), certifier.signatureEpoch(), certifier.isOracle(accounts[2])) == (1, 2, False)
    line = impact.refused("oracle", "revoke", accounts[2].address)
    assert line == f"error: {accounts[2].address} is not an accredited oracle"


def test_the_quorum_is_raised_at_once_and_lowered_only_by_a_delayed_change(impact, contracts, deployed):
    certifier = contracts["certifier"]
    out = impact.ok("oracle", "quorum", "3")
    assert out.startswith("quorum raised from 2 to 3 of 3 oracles, at once") and certifier.quorum() == 3
    assert impact.refused("oracle", "quorum", "3") == "error: the quorum is already 3"
    line = impact.refused("oracle", "quorum", "4")
    assert line == "error: a quorum of 4 is not possible with 3 oracles: it must be 1 to 3"
    out = impact.ok("oracle", "quorum", "1")
    name = scheduled_name(out)
    assert out.startswith(f"scheduled {name}: lower quorum to 1; executable from ")
    assert certifier.quorum() == 3
    zero = impact("oracle", "quorum", "0")
    assert zero.code == 2 and "argument quorum: must be at least 1, not 0" in zero.line
    warp(2 * DAY)
    impact.ok("governance", "execute", "--change", name, account="dev:8")
    assert certifier.quorum() == 1


def test_a_reviewer_is_accredited_at_once_and_revoked_only_by_a_delayed_change(impact, contracts, deployed):
    certifier, reviewer = contracts["certifier"], accounts.add()
    out = impact.ok("reviewer", "accredit", reviewer.address)
    assert out.startswith(f"reviewer {reviewer.address} accredited at once") and certifier.isReviewer(reviewer)
    line = impact.refused("reviewer", "accredit", reviewer.address)
    assert line == f"error: {reviewer.address} is already an accredited reviewer"
    line = impact.refused("reviewer", "accredit", accounts[1].address)
    assert line == f"error: {accounts[1].address} cannot be both an oracle and the reviewer (separation of duties)"
    name = scheduled_name(impact.ok("reviewer", "revoke", reviewer.address))
    assert certifier.isReviewer(reviewer)
    warp(2 * DAY)
    impact.ok("governance", "execute", "--change", name, account="dev:8")
    assert not certifier.isReviewer(reviewer)
    line = impact.refused("reviewer", "revoke", reviewer.address)
    assert line == f"error: {reviewer.address} is not an accredited reviewer"


@pytest.mark.parametrize(
    "site, address, account, message",
    [
        ("1", "ORACLE", "dev:0", "is an accredited oracle: it can be neither a beneficiary nor hold a role"),
        ("1", "MANAGER", "dev:0", "already receives the tranches of site 1"),
        ("9", "ALICE", "dev:0", "error: there is no site 9"),
        ("1", "ALICE", "dev:4", "does not have the registrar role this needs"),
        ("1", "0x42", "dev:0", "error: '0x42' is not a valid beneficiary address"),
    ],
)
def test_a_beneficiary_change_that_cannot_be_scheduled_is_refused(impact, deployed, site, address, account, message):
    names = {"ORACLE": accounts[1].address, "MANAGER": accounts[7].address, "ALICE": accounts[4].address}
    line = impact.refused(
        "site", "beneficiary", "--site", site, "--address", names.get(address, address), account=account
    )
    assert message in line


def test_only_the_admin_schedules_certifier_changes(impact, deployed):
    line = impact.refused("oracle", "accredit", accounts.add().address, account="dev:4")
    assert "does not have the default admin role this needs" in line
