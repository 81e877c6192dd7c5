"""Bad input everywhere: every external function that changes state, called with zero addresses, zero amounts,
out-of-range ids, overflowing values and by the wrong role. Each call reverts with its exact custom error and
moves nothing (ETH and token balances, pool accounting, holdings).

One table, one row per case: the row names the call and the error it must raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import brownie
import pytest
from brownie import ZERO_ADDRESS
from support import ETH, Status, error, latest_time, milestone_schedule, money_snapshot

ADMIN = "0x" + "00" * 32
UNKNOWN = 99
MAX_UINT = 2**256 - 1


@pytest.fixture
def ctx(registry, pools, certifier, usdc, site_id, funded_pool, open_pool, programme, manager, alice, rando):
    """A funded pool whose sale has closed (milestones not yet certified) and an ETH pool opened after that."""
    open_id = open_pool()
    now = latest_time()
    return {
        "registry": registry,
        "pools": pools,
        "certifier": certifier,
        "usdc": usdc,
        "site": site_id,
        "funded": funded_pool,
        "open": open_id,
        "programme": programme,
        "manager": manager,
        "alice": alice,
        "rando": rando,
        "params": [site_id, ETH, 10**16, 10, 100, now, now + 86_400],
        "schedule": milestone_schedule(now + 86_400),
        "price": pools.pool(open_id).dict()["price"],
    }


def role(contract, name: str) -> str:
    return getattr(contract, name)()


def with_params(c: dict, **changes: Any) -> tuple:
    names = ["siteId", "asset", "price", "goalTokens", "capTokens", "saleStart", "saleEnd"]
    values = dict(zip(names, c["params"], strict=True))
    values.update(changes)
    return tuple(values.values())


Case = Callable[[dict], tuple[Callable[[], Any], str]]

CASES: dict[str, Case] = {
    # --- SiteRegistry -------------------------------------------------------------------------------------------
    "registerSite by a non-registrar": lambda c: (
        lambda: c["registry"].registerSite("X", b"CN", 7, "", c["manager"], {"from": c["rando"]}),
        error("AccessControlUnauthorizedAccount", c["rando"], role(c["registry"], "REGISTRAR_ROLE")),
    ),
    "registerSite with an empty name": lambda c: (
        lambda: c["registry"].registerSite("", b"CN", 7, "", c["manager"], {"from": c["programme"]}),
        error("RegistryEmptyName"),
    ),
    "registerSite with WDPA id zero": lambda c: (
        lambda: c["registry"].registerSite("X", b"CN", 0, "", c["manager"], {"from": c["programme"]}),
        error("RegistryInvalidWdpaId"),
    ),
    "registerSite with the zero beneficiary": lambda c: (
        lambda: c["registry"].registerSite("X", b"CN", 7, "", ZERO_ADDRESS, {"from": c["programme"]}),
        error("RegistryZeroBeneficiary"),
    ),
    "setStatus of an unknown site": lambda c: (
        lambda: c["registry"].setStatus(UNKNOWN, Status.SUSPENDED, {"from": c["programme"]}),
        error("RegistryUnknownSite", UNKNOWN),
    ),
    "setStatus to None": lambda c: (
        lambda: c["registry"].setStatus(c["site"], Status.NONE, {"from": c["programme"]}),
        error("RegistryInvalidStatus", c["site"], Status.NONE),
    ),
    "setStatus by a non-registrar": lambda c: (
        lambda: c["registry"].setStatus(c["site"], Status.WITHDRAWN, {"from": c["rando"]}),
        error("AccessControlUnauthorizedAccount", c["rando"], role(c["registry"], "REGISTRAR_ROLE")),
    ),
    "setBeneficiary to the zero address": lambda c: (
        lambda: c["registry"].setBeneficiary(c["site"], ZERO_ADDRESS, {"from": c["programme"]}),
        error("RegistryZeroBeneficiary"),
    ),
    "setBeneficiary of an unknown site": lambda c: (
        lambda: c["registry"].setBeneficiary(UNKNOWN, c["rando"], {"from": c["programme"]}),
        error("RegistryUnknownSite", UNKNOWN),
    ),
    "setBeneficiary by a non-registrar": lambda c: (
        lambda: c["registry"].setBeneficiary(c["site"], c["rando"], {"from": c["rando"]}),
        error("AccessControlUnauthorizedAccount", c["rando"], role(c["registry"], "REGISTRAR_ROLE")),
    ),
    "setMetadataURI of an unknown site": lambda c: (
        lambda: c["registry"].setMetadataURI(UNKNOWN, "ipfs://x", {"from": c["programme"]}),
        error("RegistryUnknownSite", UNKNOWN),
    ),
    "grantRole by a non-admin": lambda c: (
        lambda: c["registry"].grantRole(role(c["registry"], "REGISTRAR_ROLE"), c["rando"], {"from": c["rando"]}),
        error("AccessControlUnauthorizedAccount", c["rando"], ADMIN),
    ),
    # --- ImpactPools: the programme -----------------------------------------------------------------------------
    "openPool by a non-programme account": lambda c: (
        lambda: c["pools"].openPool(tuple(c["params"]), c["schedule"], {"from": c["rando"]}),
        error("AccessControlUnauthorizedAccount", c["rando"], role(c["pools"], "PROGRAMME_ROLE")),
    ),
    "openPool for an unknown site": lambda c: (
        lambda: c["pools"].openPool(with_params(c, siteId=UNKNOWN), c["schedule"], {"from": c["programme"]}),
        error("PoolsSiteNotFundable", UNKNOWN, Status.NONE),
    ),
    "openPool with a zero price": lambda c: (
        lambda: c["pools"].openPool(with_params(c, price=0), c["schedule"], {"from": c["programme"]}),
        error("PoolsZeroPrice"),
    ),
    "openPool with a zero cap": lambda c: (
        lambda: c["pools"].openPool(with_params(c, goalTokens=0, capTokens=0), c["schedule"], {"from": c["programme"]}),
        error("PoolsInvalidGoal", 0, 0),
    ),
    "openPool with a goal above the cap": lambda c: (
        lambda: c["pools"].openPool(with_params(c, goalTokens=101), c["schedule"], {"from": c["programme"]}),
        error("PoolsInvalidGoal", 101, 100),
    ),
    "openPool with no milestones": lambda c: (
        lambda: c["pools"].openPool(tuple(c["params"]), [], {"from": c["programme"]}),
        error("PoolsInvalidMilestoneCount", 0),
    ),
    "openPool with a milestone of zero share": lambda c: (
        lambda: c["pools"].openPool(
            tuple(c["params"]), milestone_schedule(c["params"][6], shares=(0, 10_000)), {"from": c["programme"]}
        ),
        error("PoolsZeroShare", 0),
    ),
    "pause by a non-pauser": lambda c: (
        lambda: c["pools"].pause({"from": c["rando"]}),
        error("AccessControlUnauthorizedAccount", c["rando"], role(c["pools"], "PAUSER_ROLE")),
    ),
    "unpause by a non-pauser": lambda c: (
        lambda: c["pools"].unpause({"from": c["rando"]}),
        error("AccessControlUnauthorizedAccount", c["rando"], role(c["pools"], "PAUSER_ROLE")),
    ),
    "recordCertification by anyone but the certifier": lambda c: (
        lambda: c["pools"].recordCertification(c["funded"], 0, b"\x01" * 32, "ipfs://x", {"from": c["programme"]}),
        error("AccessControlUnauthorizedAccount", c["programme"], role(c["pools"], "CERTIFIER_ROLE")),
    ),
    # --- ImpactPools: investors and anyone ----------------------------------------------------------------------
    "buy from an unknown pool": lambda c: (
        lambda: c["pools"].buy(UNKNOWN, 1, c["alice"], {"from": c["alice"], "value": c["price"]}),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    "buy from pool zero": lambda c: (
        lambda: c["pools"].buy(0, 1, c["alice"], {"from": c["alice"], "value": c["price"]}),
        error("PoolsUnknownPool", 0),
    ),
    "buy zero tokens": lambda c: (
        lambda: c["pools"].buy(c["open"], 0, c["alice"], {"from": c["alice"]}),
        error("PoolsZeroTokens"),
    ),
    "buy for the zero recipient": lambda c: (
        lambda: c["pools"].buy(c["open"], 1, ZERO_ADDRESS, {"from": c["alice"], "value": c["price"]}),
        error("PoolsZeroRecipient"),
    ),
    "buy an overflowing number of tokens": lambda c: (
        lambda: c["pools"].buy(c["open"], MAX_UINT, c["alice"], {"from": c["alice"], "value": c["price"]}),
        error("PoolsCapExceeded", c["open"], 1_000, MAX_UINT),
    ),
    "buy paying too little": lambda c: (
        lambda: c["pools"].buy(c["open"], 2, c["alice"], {"from": c["alice"], "value": c["price"]}),
        error("PoolsWrongPayment", 2 * c["price"], c["price"]),
    ),
    "release from an unknown pool": lambda c: (
        lambda: c["pools"].release(UNKNOWN, 0, {"from": c["rando"]}),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    "release an out-of-range milestone": lambda c: (
        lambda: c["pools"].release(c["funded"], 7, {"from": c["rando"]}),
        error("PoolsUnknownMilestone", c["funded"], 7),
    ),
    "release an overflowing milestone id": lambda c: (
        lambda: c["pools"].release(c["funded"], MAX_UINT, {"from": c["rando"]}),
        error("PoolsUnknownMilestone", c["funded"], MAX_UINT),
    ),
    "release an uncertified milestone": lambda c: (
        lambda: c["pools"].release(c["funded"], 0, {"from": c["rando"]}),
        error("PoolsMilestoneNotCertified", c["funded"], 0),
    ),
    "withdrawCredit with no credit": lambda c: (
        lambda: c["pools"].withdrawCredit(ETH, {"from": c["rando"]}),
        error("PoolsNothingToWithdraw", c["rando"], ETH),
    ),
    "fail an unknown pool": lambda c: (
        lambda: c["pools"].fail(UNKNOWN, {"from": c["rando"]}),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    "fail a healthy pool": lambda c: (
        lambda: c["pools"].fail(c["funded"], {"from": c["rando"]}),
        error("PoolsCannotFail", c["funded"]),
    ),
    "refund from an unknown pool": lambda c: (
        lambda: c["pools"].refund(UNKNOWN, 1, {"from": c["alice"]}),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    "refund before the pool failed": lambda c: (
        lambda: c["pools"].refund(c["funded"], 1, {"from": c["alice"]}),
        error("PoolsNotFailed", c["funded"]),
    ),
    "transfer impact tokens to the zero address": lambda c: (
        lambda: c["pools"].safeTransferFrom(c["alice"], ZERO_ADDRESS, c["funded"], 1, b"", {"from": c["alice"]}),
        error("ERC1155InvalidReceiver", ZERO_ADDRESS),
    ),
    "transfer someone else's impact tokens": lambda c: (
        lambda: c["pools"].safeTransferFrom(c["alice"], c["rando"], c["funded"], 1, b"", {"from": c["rando"]}),
        error("ERC1155MissingApprovalForAll", c["rando"], c["alice"]),
    ),
    # --- MilestoneCertifier -------------------------------------------------------------------------------------
    "attest by a non-oracle": lambda c: (
        lambda: c["certifier"].attest(c["funded"], 0, b"\x01" * 32, "ipfs://x", {"from": c["rando"]}),
        error("AccessControlUnauthorizedAccount", c["rando"], role(c["certifier"], "ORACLE_ROLE")),
    ),
    "attest zero evidence": lambda c: (
        lambda: c["certifier"].attest(c["funded"], 0, b"\x00" * 32, "ipfs://x", {"from": brownie.accounts[1]}),
        error("CertifierZeroEvidence"),
    ),
    "attest for an unknown pool": lambda c: (
        lambda: c["certifier"].attest(UNKNOWN, 0, b"\x01" * 32, "ipfs://x", {"from": brownie.accounts[1]}),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    "attest an out-of-range milestone": lambda c: (
        lambda: c["certifier"].attest(c["funded"], MAX_UINT, b"\x01" * 32, "ipfs://x", {"from": brownie.accounts[1]}),
        error("PoolsUnknownMilestone", c["funded"], MAX_UINT),
    ),
    "certifyWithSignatures with no signatures": lambda c: (
        lambda: c["certifier"].certifyWithSignatures(
            c["funded"], 0, b"\x01" * 32, "ipfs://x", latest_time() + 3_600, b"", {"from": c["rando"]}
        ),
        error("CertifierBelowQuorum", 0, 2),
    ),
    "certifyWithSignatures with one 65-byte entry short of the quorum": lambda c: (
        lambda: c["certifier"].certifyWithSignatures(
            c["funded"], 0, b"\x01" * 32, "ipfs://x", latest_time() + 3_600, b"\x01" * 129, {"from": c["rando"]}
        ),
        error("CertifierBelowQuorum", 1, 2),
    ),
    "setQuorum to zero": lambda c: (
        lambda: c["certifier"].setQuorum(0, {"from": c["programme"]}),
        error("CertifierInvalidQuorum", 0, 3),
    ),
    "setQuorum above the number of oracles": lambda c: (
        lambda: c["certifier"].setQuorum(MAX_UINT, {"from": c["programme"]}),
        error("CertifierInvalidQuorum", MAX_UINT, 3),
    ),
    "setQuorum by a non-admin": lambda c: (
        lambda: c["certifier"].setQuorum(1, {"from": c["rando"]}),
        error("AccessControlUnauthorizedAccount", c["rando"], ADMIN),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_reverts_with_its_error_and_moves_nothing(ctx, case):
    call, expected = CASES[case](ctx)
    watched = [ctx["alice"], ctx["rando"], ctx["manager"], ctx["programme"]]
    pool_ids = [ctx["funded"], ctx["open"]]
    # Callers pay gas for a reverted transaction, so their ETH is not compared; the site manager's is.
    before = money_snapshot(ctx["pools"], pool_ids, watched, ctx["usdc"]), ctx["manager"].balance()
    with brownie.reverts(expected):
        call()
    after = money_snapshot(ctx["pools"], pool_ids, watched, ctx["usdc"]), ctx["manager"].balance()
    assert after == before
