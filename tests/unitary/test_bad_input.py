"""Bad input everywhere: every external function that changes state, called with zero addresses, zero amounts,
unknown or out-of-range ids, overflowing values, by the wrong role, too early, twice, or out of its window. Each call
reverts with its exact custom error and moves nothing (ETH and token balances, pool accounting, holdings).

One table, one row per case: the row prepares what it needs (before the snapshot), then names the call and the error
it must raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import brownie
import pytest
from brownie import ZERO_ADDRESS, RejectingBeneficiary, accounts
from support import (
    ADMIN_ROLE,
    BENEFICIARY_DUTY,
    CHALLENGE_WINDOW,
    ETH,
    MAX_CHALLENGE_WINDOW,
    MAX_CHANGE_DELAY,
    MIN_CHANGE_DELAY,
    PAUSE_COOLDOWN,
    REVIEWER_ROLE,
    ChangeState,
    Kind,
    Status,
    error,
    execute_after_delay,
    latest_time,
    milestone_schedule,
    money_snapshot,
    next_block_at,
    pass_challenge_window,
    warp_past,
)

# The views these tests call only take snapshots of the money; under --coverage Brownie would replay each as a traced
# transaction. The views' own branches are covered by the other tests.
pytestmark = pytest.mark.no_call_coverage

UNKNOWN = 99
MAX_UINT = 2**256 - 1
E1 = b"\x01" * 32
URI = "ipfs://x"
REASON = b"\x02" * 32


@pytest.fixture(scope="module")
def ctx(registry, pools, certifier, usdc, site_id, open_pool, buy, close_sale, programme, manager, alice, bob, carol):
    """A funded pool whose sale has closed (milestones not yet certified) and an ETH pool opened after that. Built
    once for the module: every row runs from this state and is reverted after (`fn_isolation`)."""
    funded = open_pool()
    for buyer, tokens in ((alice, 100), (bob, 50), (carol, 50)):
        buy(funded, buyer, tokens)
    close_sale(funded)
    open_id = open_pool()
    now = latest_time()
    return {
        "registry": registry,
        "pools": pools,
        "certifier": certifier,
        "usdc": usdc,
        "site": site_id,
        "funded": funded,
        "open": open_id,
        "programme": programme,
        "manager": manager,
        "alice": alice,
        "rando": accounts[8],
        "reviewer": accounts[9],
        "oracle1": accounts[1],
        "oracle2": accounts[2],
        "params": [site_id, ETH, 10**16, 10, 100, now, now + 86_400, CHALLENGE_WINDOW],
        "schedule": milestone_schedule(now + 86_400),
        "price": pools.pool(open_id).dict()["price"],
    }


def role(contract, name: str) -> str:
    return getattr(contract, name)()


def with_params(c: dict, **changes: Any) -> tuple:
    names = ["siteId", "asset", "price", "goalTokens", "capTokens", "saleStart", "saleEnd", "challengeWindow"]
    values = dict(zip(names, c["params"], strict=True))
    values.update(changes)
    return tuple(values.values())


def by(c: dict, name: str) -> dict:
    return {"from": c[name]}


def unauthorized(c: dict, contract: str, role_name: str | None = None) -> str:
    role_id = ADMIN_ROLE if role_name is None else role(c[contract], role_name)
    return error("AccessControlUnauthorizedAccount", c["rando"], role_id)


# --- what some rows prepare ---------------------------------------------------------------------------------------


def certified(c: dict, evidence: bytes = E1) -> int:
    """Milestone 0 of the funded pool certified (its window open); returns when the window ends."""
    c["certifier"].attest(c["funded"], 0, evidence, URI, by(c, "oracle1"))
    tx = c["certifier"].attest(c["funded"], 0, evidence, URI, by(c, "oracle2"))
    return tx.events["MilestoneCertified"]["challengeEndsAt"]


def pending_beneficiary_change(c: dict):
    return c["registry"].scheduleBeneficiaryChange(c["site"], accounts.add(), by(c, "programme"))


def executed_change(c: dict):
    tx = pending_beneficiary_change(c)
    execute_after_delay(c["registry"], tx)
    return tx.return_value


def cancelled_change(c: dict):
    tx = pending_beneficiary_change(c)
    c["registry"].cancelChange(tx.return_value, by(c, "programme"))
    return tx.return_value


def failed(c: dict) -> int:
    c["registry"].setStatus(c["site"], Status.WITHDRAWN, by(c, "programme"))
    c["pools"].fail(c["funded"], by(c, "rando"))
    return c["funded"]


def paused(c: dict) -> int:
    return c["pools"].pause(by(c, "programme")).events["Paused"]["endsAt"]


def credited(c: dict):
    """Milestone 0's tranche credited to a wallet that rejects ETH."""
    wallet = RejectingBeneficiary.deploy(by(c, "programme"))
    tx = c["registry"].scheduleBeneficiaryChange(c["site"], wallet, by(c, "programme"))
    execute_after_delay(c["registry"], tx)
    certified(c)
    pass_challenge_window(c["pools"], c["funded"], 0)
    c["pools"].release(c["funded"], 0, by(c, "rando"))
    return wallet


def not_due(c: dict, contract: str, tx):
    """A change not yet due, and the error its execution one second from now raises."""
    executable_at = tx.events["ChangeScheduled"]["executableAt"]
    now = next_block_at()
    return (
        lambda: c[contract].executeChange(tx.return_value, by(c, "rando")),
        error("ChangesNotDue", tx.return_value, executable_at, now),
    )


def expired_signatures(c: dict):
    # The deadline is checked before anything else: the signatures themselves do not matter here.
    deadline = latest_time()
    now = next_block_at(deadline + 1)
    return (
        lambda: c["certifier"].certifyWithSignatures(c["funded"], 0, E1, URI, deadline, b"", by(c, "rando")),
        error("CertifierSignatureExpired", deadline, now),
    )


def voided_evidence_by_signatures(c: dict):
    # Voided evidence is refused before a signature is read.
    certified(c)
    c["certifier"].voidCertification(c["funded"], 0, REASON, URI, by(c, "reviewer"))
    deadline = latest_time() + 3_600
    return (
        lambda: c["certifier"].certifyWithSignatures(c["funded"], 0, E1, URI, deadline, b"", by(c, "rando")),
        error("CertifierEvidenceVoided", c["funded"], 0, E1),
    )


def release_inside_window(c: dict):
    ends_at = certified(c)
    return lambda: c["pools"].release(c["funded"], 0, by(c, "rando")), error(
        "PoolsChallengeWindowOpen", c["funded"], 0, ends_at
    )


def void_outside_window(c: dict):
    certified(c)
    pass_challenge_window(c["pools"], c["funded"], 0)
    return (
        lambda: c["certifier"].voidCertification(c["funded"], 0, REASON, URI, by(c, "reviewer")),
        error("PoolsChallengeWindowClosed", c["funded"], 0),
    )


def release_suspended(c: dict):
    certified(c)
    pass_challenge_window(c["pools"], c["funded"], 0)
    c["registry"].setStatus(c["site"], Status.SUSPENDED, by(c, "programme"))
    return lambda: c["pools"].release(c["funded"], 0, by(c, "rando")), error(
        "PoolsSiteSuspended", c["funded"], c["site"]
    )


def pause_in_cooldown(c: dict):
    paused(c)
    unpaused_at = c["pools"].unpause(by(c, "programme")).timestamp
    return lambda: c["pools"].pause(by(c, "programme")), error("PoolsPauseCoolingDown", unpaused_at + PAUSE_COOLDOWN)


def finalize_below_quorum(c: dict):
    c["certifier"].attest(c["funded"], 0, E1, URI, by(c, "oracle1"))
    return lambda: c["certifier"].finalizeAttestations(c["funded"], 0, E1, URI, by(c, "rando")), error(
        "CertifierBelowQuorum", 1, 2
    )


def beneficiary_change_of_a_site_withdrawn_meanwhile(c: dict):
    tx = pending_beneficiary_change(c)
    c["registry"].setStatus(c["site"], Status.WITHDRAWN, by(c, "programme"))
    warp_past(tx.events["ChangeScheduled"]["executableAt"])
    return lambda: c["registry"].executeChange(tx.return_value, by(c, "rando")), error(
        "RegistrySiteWithdrawn", c["site"]
    )


def after(*prepared_then_call_and_error: Any) -> tuple[Callable[[], Any], str]:
    """A row that prepares state first: its arguments are evaluated in order, and the last two are the call and the
    error it must raise."""
    call, expected = prepared_then_call_and_error[-2:]
    return call, expected


Case = Callable[[dict], tuple[Callable[[], Any], str]]

CASES: dict[str, Case] = {
    # --- SiteRegistry -------------------------------------------------------------------------------------------
    "registerSite by a non-registrar": lambda c: (
        lambda: c["registry"].registerSite("X", b"CN", 7, "", c["manager"], by(c, "rando")),
        unauthorized(c, "registry", "REGISTRAR_ROLE"),
    ),
    "registerSite with an empty name": lambda c: (
        lambda: c["registry"].registerSite("", b"CN", 7, "", c["manager"], by(c, "programme")),
        error("RegistryEmptyName"),
    ),
    "registerSite with a lower-case country code": lambda c: (
        lambda: c["registry"].registerSite("X", b"cn", 7, "", c["manager"], by(c, "programme")),
        error("RegistryInvalidCountryCode", b"cn"),
    ),
    "registerSite with WDPA id zero": lambda c: (
        lambda: c["registry"].registerSite("X", b"CN", 0, "", c["manager"], by(c, "programme")),
        error("RegistryInvalidWdpaId"),
    ),
    "registerSite with the zero beneficiary": lambda c: (
        lambda: c["registry"].registerSite("X", b"CN", 7, "", ZERO_ADDRESS, by(c, "programme")),
        error("RegistryZeroBeneficiary"),
    ),
    "registerSite with an oracle as beneficiary": lambda c: (
        lambda: c["registry"].registerSite("X", b"CN", 7, "", c["oracle1"], by(c, "programme")),
        error("RegistryOracleConflict", c["oracle1"]),
    ),
    "setStatus of an unknown site": lambda c: (
        lambda: c["registry"].setStatus(UNKNOWN, Status.SUSPENDED, by(c, "programme")),
        error("RegistryUnknownSite", UNKNOWN),
    ),
    "setStatus to None": lambda c: (
        lambda: c["registry"].setStatus(c["site"], Status.NONE, by(c, "programme")),
        error("RegistryInvalidTransition", c["site"], Status.CANDIDATE, Status.NONE),
    ),
    "setStatus to the status it has": lambda c: (
        lambda: c["registry"].setStatus(c["site"], Status.CANDIDATE, by(c, "programme")),
        error("RegistryInvalidTransition", c["site"], Status.CANDIDATE, Status.CANDIDATE),
    ),
    "setStatus of a withdrawn site": lambda c: after(
        c["registry"].setStatus(c["site"], Status.WITHDRAWN, by(c, "programme")),
        lambda: c["registry"].setStatus(c["site"], Status.CANDIDATE, by(c, "programme")),
        error("RegistrySiteWithdrawn", c["site"]),
    ),
    "setStatus by a non-registrar": lambda c: (
        lambda: c["registry"].setStatus(c["site"], Status.WITHDRAWN, by(c, "rando")),
        unauthorized(c, "registry", "REGISTRAR_ROLE"),
    ),
    "scheduleBeneficiaryChange to the zero address": lambda c: (
        lambda: c["registry"].scheduleBeneficiaryChange(c["site"], ZERO_ADDRESS, by(c, "programme")),
        error("RegistryZeroBeneficiary"),
    ),
    "scheduleBeneficiaryChange to the current wallet": lambda c: (
        lambda: c["registry"].scheduleBeneficiaryChange(c["site"], c["manager"], by(c, "programme")),
        error("RegistrySameBeneficiary", c["site"], c["manager"]),
    ),
    "scheduleBeneficiaryChange to an oracle": lambda c: (
        lambda: c["registry"].scheduleBeneficiaryChange(c["site"], c["oracle1"], by(c, "programme")),
        error("RegistryOracleConflict", c["oracle1"]),
    ),
    "scheduleBeneficiaryChange of an unknown site": lambda c: (
        lambda: c["registry"].scheduleBeneficiaryChange(UNKNOWN, c["rando"], by(c, "programme")),
        error("RegistryUnknownSite", UNKNOWN),
    ),
    "scheduleBeneficiaryChange by a non-registrar": lambda c: (
        lambda: c["registry"].scheduleBeneficiaryChange(c["site"], c["rando"], by(c, "rando")),
        unauthorized(c, "registry", "REGISTRAR_ROLE"),
    ),
    "setMetadataURI of an unknown site": lambda c: (
        lambda: c["registry"].setMetadataURI(UNKNOWN, "ipfs://x", by(c, "programme")),
        error("RegistryUnknownSite", UNKNOWN),
    ),
    "registry grantRole by a non-admin": lambda c: (
        lambda: c["registry"].grantRole(role(c["registry"], "REGISTRAR_ROLE"), c["rando"], by(c, "rando")),
        unauthorized(c, "registry"),
    ),
    "registry grantRole to an oracle": lambda c: (
        lambda: c["registry"].grantRole(role(c["registry"], "REGISTRAR_ROLE"), c["oracle1"], by(c, "programme")),
        error("RegistryOracleConflict", c["oracle1"]),
    ),
    # --- delayed changes (registry and certifier) ---------------------------------------------------------------
    "registry scheduleChangeDelay by a non-admin": lambda c: (
        lambda: c["registry"].scheduleChangeDelay(MIN_CHANGE_DELAY, by(c, "rando")),
        error("ChangesUnauthorized", c["rando"], Kind.DELAY),
    ),
    "registry scheduleChangeDelay below the floor": lambda c: (
        lambda: c["registry"].scheduleChangeDelay(MIN_CHANGE_DELAY - 1, by(c, "programme")),
        error("ChangesInvalidDelay", MIN_CHANGE_DELAY - 1, MIN_CHANGE_DELAY, MAX_CHANGE_DELAY),
    ),
    "certifier scheduleChangeDelay above the ceiling": lambda c: (
        lambda: c["certifier"].scheduleChangeDelay(MAX_UINT, by(c, "programme")),
        error("ChangesInvalidDelay", MAX_UINT, MIN_CHANGE_DELAY, MAX_CHANGE_DELAY),
    ),
    "certifier scheduleChangeDelay by a non-admin": lambda c: (
        lambda: c["certifier"].scheduleChangeDelay(MIN_CHANGE_DELAY, by(c, "rando")),
        error("ChangesUnauthorized", c["rando"], Kind.DELAY),
    ),
    "registry executeChange of an unknown change": lambda c: (
        lambda: c["registry"].executeChange(UNKNOWN, by(c, "rando")),
        error("ChangesUnknownChange", UNKNOWN),
    ),
    "certifier executeChange of change zero": lambda c: (
        lambda: c["certifier"].executeChange(0, by(c, "rando")),
        error("ChangesUnknownChange", 0),
    ),
    "registry executeChange before it is due": lambda c: not_due(c, "registry", pending_beneficiary_change(c)),
    "certifier executeChange before it is due": lambda c: not_due(
        c, "certifier", c["certifier"].scheduleQuorumDecrease(1, by(c, "programme"))
    ),
    "executeChange twice": lambda c: after(
        (change_id := executed_change(c)),
        lambda: c["registry"].executeChange(change_id, by(c, "rando")),
        error("ChangesNotPending", change_id, ChangeState.EXECUTED),
    ),
    "executeChange of a cancelled change": lambda c: after(
        (change_id := cancelled_change(c)),
        lambda: c["registry"].executeChange(change_id, by(c, "rando")),
        error("ChangesNotPending", change_id, ChangeState.CANCELLED),
    ),
    "executeChange whose conditions no longer hold": beneficiary_change_of_a_site_withdrawn_meanwhile,
    "cancelChange of an executed change": lambda c: after(
        (change_id := executed_change(c)),
        lambda: c["registry"].cancelChange(change_id, by(c, "programme")),
        error("ChangesNotPending", change_id, ChangeState.EXECUTED),
    ),
    "cancelChange of a cancelled change": lambda c: after(
        (change_id := cancelled_change(c)),
        lambda: c["registry"].cancelChange(change_id, by(c, "programme")),
        error("ChangesNotPending", change_id, ChangeState.CANCELLED),
    ),
    "cancelChange by someone who may not schedule it": lambda c: after(
        (change_id := pending_beneficiary_change(c).return_value),
        lambda: c["registry"].cancelChange(change_id, by(c, "rando")),
        error("ChangesUnauthorized", c["rando"], Kind.BENEFICIARY),
    ),
    "certifier cancelChange by a non-admin": lambda c: after(
        (change_id := c["certifier"].scheduleQuorumDecrease(1, by(c, "programme")).return_value),
        lambda: c["certifier"].cancelChange(change_id, by(c, "oracle1")),
        error("ChangesUnauthorized", c["oracle1"], Kind.LOWER_QUORUM),
    ),
    "cancelChange of an unknown change": lambda c: (
        lambda: c["certifier"].cancelChange(UNKNOWN, by(c, "programme")),
        error("ChangesUnknownChange", UNKNOWN),
    ),
    # --- ImpactPools: the programme -----------------------------------------------------------------------------
    "openPool by a non-programme account": lambda c: (
        lambda: c["pools"].openPool(tuple(c["params"]), c["schedule"], by(c, "rando")),
        unauthorized(c, "pools", "PROGRAMME_ROLE"),
    ),
    "openPool for an unknown site": lambda c: (
        lambda: c["pools"].openPool(with_params(c, siteId=UNKNOWN), c["schedule"], by(c, "programme")),
        error("PoolsSiteNotFundable", UNKNOWN, Status.NONE),
    ),
    "openPool with a zero price": lambda c: (
        lambda: c["pools"].openPool(with_params(c, price=0), c["schedule"], by(c, "programme")),
        error("PoolsZeroPrice"),
    ),
    "openPool with a zero cap": lambda c: (
        lambda: c["pools"].openPool(with_params(c, goalTokens=0, capTokens=0), c["schedule"], by(c, "programme")),
        error("PoolsInvalidGoal", 0, 0),
    ),
    "openPool with a goal above the cap": lambda c: (
        lambda: c["pools"].openPool(with_params(c, goalTokens=101), c["schedule"], by(c, "programme")),
        error("PoolsInvalidGoal", 101, 100),
    ),
    "openPool with a challenge window above the maximum": lambda c: (
        lambda: c["pools"].openPool(
            with_params(c, challengeWindow=MAX_CHALLENGE_WINDOW + 1), c["schedule"], by(c, "programme")
        ),
        error("PoolsInvalidChallengeWindow", MAX_CHALLENGE_WINDOW + 1, MAX_CHALLENGE_WINDOW),
    ),
    "openPool with no milestones": lambda c: (
        lambda: c["pools"].openPool(tuple(c["params"]), [], by(c, "programme")),
        error("PoolsInvalidMilestoneCount", 0),
    ),
    "openPool with a milestone of zero share": lambda c: (
        lambda: c["pools"].openPool(
            tuple(c["params"]), milestone_schedule(c["params"][6], shares=(0, 10_000)), by(c, "programme")
        ),
        error("PoolsZeroShare", 0),
    ),
    "pause by a non-pauser": lambda c: (
        lambda: c["pools"].pause(by(c, "rando")),
        unauthorized(c, "pools", "PAUSER_ROLE"),
    ),
    "pause while paused": lambda c: after(
        (ends_at := paused(c)),
        lambda: c["pools"].pause(by(c, "programme")),
        error("PoolsPaused", ends_at),
    ),
    "pause within the cool-down": pause_in_cooldown,
    "unpause by a non-pauser": lambda c: (
        lambda: c["pools"].unpause(by(c, "rando")),
        unauthorized(c, "pools", "PAUSER_ROLE"),
    ),
    "unpause when not paused": lambda c: (
        lambda: c["pools"].unpause(by(c, "programme")),
        error("PoolsNotPaused"),
    ),
    "pools grantRole to an oracle": lambda c: (
        lambda: c["pools"].grantRole(role(c["pools"], "PAUSER_ROLE"), c["oracle1"], by(c, "programme")),
        error("PoolsOracleConflict", c["oracle1"]),
    ),
    "recordCertification by anyone but the certifier": lambda c: (
        lambda: c["pools"].recordCertification(c["funded"], 0, E1, URI, by(c, "programme")),
        error("PoolsNotCertifier", c["programme"]),
    ),
    "pools voidCertification by anyone but the certifier": lambda c: after(
        certified(c),
        lambda: c["pools"].voidCertification(c["funded"], 0, c["reviewer"], REASON, URI, by(c, "reviewer")),
        error("PoolsNotCertifier", c["reviewer"]),
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
        lambda: c["pools"].buy(c["open"], 0, c["alice"], by(c, "alice")),
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
    "buy while paused": lambda c: after(
        (ends_at := paused(c)),
        lambda: c["pools"].buy(c["open"], 1, c["alice"], {"from": c["alice"], "value": c["price"]}),
        error("PoolsPaused", ends_at),
    ),
    "release from an unknown pool": lambda c: (
        lambda: c["pools"].release(UNKNOWN, 0, by(c, "rando")),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    "release an out-of-range milestone": lambda c: (
        lambda: c["pools"].release(c["funded"], 7, by(c, "rando")),
        error("PoolsUnknownMilestone", c["funded"], 7),
    ),
    "release an overflowing milestone id": lambda c: (
        lambda: c["pools"].release(c["funded"], MAX_UINT, by(c, "rando")),
        error("PoolsUnknownMilestone", c["funded"], MAX_UINT),
    ),
    "release an uncertified milestone": lambda c: (
        lambda: c["pools"].release(c["funded"], 0, by(c, "rando")),
        error("PoolsMilestoneNotCertified", c["funded"], 0),
    ),
    "release inside the challenge window": release_inside_window,
    "release to a suspended site": release_suspended,
    "release while paused": lambda c: after(
        certified(c),
        pass_challenge_window(c["pools"], c["funded"], 0),
        (ends_at := paused(c)),
        lambda: c["pools"].release(c["funded"], 0, by(c, "rando")),
        error("PoolsPaused", ends_at),
    ),
    "withdrawCredit with no credit": lambda c: (
        lambda: c["pools"].withdrawCredit(c["funded"], 0, by(c, "rando")),
        error("PoolsNothingToWithdraw", c["funded"], 0),
    ),
    "withdrawCredit from an unknown pool": lambda c: (
        lambda: c["pools"].withdrawCredit(UNKNOWN, 0, by(c, "rando")),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    "withdrawCredit of an out-of-range milestone": lambda c: (
        lambda: c["pools"].withdrawCredit(c["funded"], MAX_UINT, by(c, "rando")),
        error("PoolsUnknownMilestone", c["funded"], MAX_UINT),
    ),
    "withdrawCredit by neither the payee nor the beneficiary": lambda c: after(
        credited(c),
        lambda: c["pools"].withdrawCredit(c["funded"], 0, by(c, "manager")),
        error("PoolsNotPayee", c["funded"], 0, c["manager"]),
    ),
    "fail an unknown pool": lambda c: (
        lambda: c["pools"].fail(UNKNOWN, by(c, "rando")),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    "fail a healthy pool": lambda c: (
        lambda: c["pools"].fail(c["funded"], by(c, "rando")),
        error("PoolsCannotFail", c["funded"]),
    ),
    "fail while a challenge window is open": lambda c: after(
        certified(c),
        c["registry"].setStatus(c["site"], Status.WITHDRAWN, by(c, "programme")),
        lambda: c["pools"].fail(c["funded"], by(c, "rando")),
        error("PoolsCannotFail", c["funded"]),
    ),
    "refund from an unknown pool": lambda c: (
        lambda: c["pools"].refund(UNKNOWN, 1, by(c, "alice")),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    "refund before the pool failed": lambda c: (
        lambda: c["pools"].refund(c["funded"], 1, by(c, "alice")),
        error("PoolsNotFailed", c["funded"]),
    ),
    "refund zero tokens": lambda c: after(
        (pool_id := failed(c)),
        lambda: c["pools"].refund(pool_id, 0, by(c, "alice")),
        error("PoolsZeroTokens"),
    ),
    "exit with no pending change": lambda c: (
        lambda: c["pools"].exit(c["funded"], 1, by(c, "alice")),
        error("PoolsNoPendingChange", c["funded"]),
    ),
    "exit from an unknown pool": lambda c: (
        lambda: c["pools"].exit(UNKNOWN, 1, by(c, "alice")),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    "exit from a failed pool": lambda c: after(
        pending_beneficiary_change(c),
        (pool_id := failed(c)),
        lambda: c["pools"].exit(pool_id, 1, by(c, "alice")),
        error("PoolsPoolFailed", pool_id, 3),
    ),
    "exit zero tokens": lambda c: after(
        pending_beneficiary_change(c),
        lambda: c["pools"].exit(c["funded"], 0, by(c, "alice")),
        error("PoolsZeroTokens"),
    ),
    "exit more tokens than held": lambda c: after(
        pending_beneficiary_change(c),
        lambda: c["pools"].exit(c["funded"], MAX_UINT, by(c, "alice")),
        error("ERC1155InsufficientBalance", c["alice"], 100, MAX_UINT, c["funded"]),
    ),
    "transfer impact tokens to the zero address": lambda c: (
        lambda: c["pools"].safeTransferFrom(c["alice"], ZERO_ADDRESS, c["funded"], 1, b"", by(c, "alice")),
        error("ERC1155InvalidReceiver", ZERO_ADDRESS),
    ),
    "transfer someone else's impact tokens": lambda c: (
        lambda: c["pools"].safeTransferFrom(c["alice"], c["rando"], c["funded"], 1, b"", by(c, "rando")),
        error("ERC1155MissingApprovalForAll", c["rando"], c["alice"]),
    ),
    # --- MilestoneCertifier: oracles and reviewers --------------------------------------------------------------
    "attest by a non-oracle": lambda c: (
        lambda: c["certifier"].attest(c["funded"], 0, E1, URI, by(c, "rando")),
        error("CertifierNotOracle", c["rando"]),
    ),
    "attest zero evidence": lambda c: (
        lambda: c["certifier"].attest(c["funded"], 0, b"\x00" * 32, URI, by(c, "oracle1")),
        error("CertifierZeroEvidence"),
    ),
    "attest twice": lambda c: after(
        c["certifier"].attest(c["funded"], 0, E1, URI, by(c, "oracle1")),
        lambda: c["certifier"].attest(c["funded"], 0, b"\x03" * 32, URI, by(c, "oracle1")),
        error("CertifierAlreadyAttested", c["funded"], 0, c["oracle1"]),
    ),
    "attest voided evidence": lambda c: after(
        certified(c),
        c["certifier"].voidCertification(c["funded"], 0, REASON, URI, by(c, "reviewer")),
        lambda: c["certifier"].attest(c["funded"], 0, E1, URI, by(c, "oracle1")),
        error("CertifierEvidenceVoided", c["funded"], 0, E1),
    ),
    "attest for an unknown pool": lambda c: (
        lambda: c["certifier"].attest(UNKNOWN, 0, E1, URI, by(c, "oracle1")),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    "attest an out-of-range milestone": lambda c: (
        lambda: c["certifier"].attest(c["funded"], MAX_UINT, E1, URI, by(c, "oracle1")),
        error("PoolsUnknownMilestone", c["funded"], MAX_UINT),
    ),
    "finalizeAttestations below the quorum": finalize_below_quorum,
    "finalizeAttestations with another URI": lambda c: after(
        c["certifier"].attest(c["funded"], 0, E1, URI, by(c, "oracle1")),
        lambda: c["certifier"].finalizeAttestations(c["funded"], 0, E1, "ipfs://other", by(c, "rando")),
        error("CertifierBelowQuorum", 0, c["certifier"].quorum()),
    ),
    "onPoolOpened by anyone but the pools": lambda c: (
        lambda: c["certifier"].onPoolOpened(c["funded"], by(c, "rando")),
        error("CertifierNotPools", c["rando"]),
    ),
    "certifyWithSignatures with no signatures": lambda c: (
        lambda: c["certifier"].certifyWithSignatures(
            c["funded"], 0, E1, URI, latest_time() + 3_600, b"", by(c, "rando")
        ),
        error("CertifierBelowQuorum", 0, 2),
    ),
    "certifyWithSignatures with one 65-byte entry short of the quorum": lambda c: (
        lambda: c["certifier"].certifyWithSignatures(
            c["funded"], 0, E1, URI, latest_time() + 3_600, b"\x01" * 129, by(c, "rando")
        ),
        error("CertifierBelowQuorum", 1, 2),
    ),
    "certifyWithSignatures past their deadline": expired_signatures,
    "certifyWithSignatures of voided evidence": voided_evidence_by_signatures,
    "certifyWithSignatures of zero evidence": lambda c: (
        lambda: c["certifier"].certifyWithSignatures(
            c["funded"], 0, b"\x00" * 32, URI, latest_time() + 3_600, b"", by(c, "rando")
        ),
        error("CertifierZeroEvidence"),
    ),
    "voidCertification by a non-reviewer": lambda c: after(
        certified(c),
        lambda: c["certifier"].voidCertification(c["funded"], 0, REASON, URI, by(c, "oracle1")),
        error("CertifierNotReviewer", c["oracle1"]),
    ),
    "voidCertification without a reason": lambda c: after(
        certified(c),
        lambda: c["certifier"].voidCertification(c["funded"], 0, b"\x00" * 32, URI, by(c, "reviewer")),
        error("CertifierZeroReason"),
    ),
    "voidCertification outside the window": void_outside_window,
    "voidCertification of an uncertified milestone": lambda c: (
        lambda: c["certifier"].voidCertification(c["funded"], 0, REASON, URI, by(c, "reviewer")),
        error("PoolsMilestoneNotCertified", c["funded"], 0),
    ),
    "voidCertification of an unknown pool": lambda c: (
        lambda: c["certifier"].voidCertification(UNKNOWN, 0, REASON, URI, by(c, "reviewer")),
        error("PoolsUnknownPool", UNKNOWN),
    ),
    # --- MilestoneCertifier: the programme ----------------------------------------------------------------------
    "scheduleOracleAccreditation by a non-admin": lambda c: (
        lambda: c["certifier"].scheduleOracleAccreditation(c["rando"], by(c, "rando")),
        unauthorized(c, "certifier"),
    ),
    "scheduleOracleAccreditation of the zero address": lambda c: (
        lambda: c["certifier"].scheduleOracleAccreditation(ZERO_ADDRESS, by(c, "programme")),
        error("CertifierZeroAddress"),
    ),
    "scheduleOracleAccreditation of an oracle": lambda c: (
        lambda: c["certifier"].scheduleOracleAccreditation(c["oracle1"], by(c, "programme")),
        error("CertifierAlreadyOracle", c["oracle1"]),
    ),
    "scheduleOracleAccreditation of a beneficiary": lambda c: (
        lambda: c["certifier"].scheduleOracleAccreditation(c["manager"], by(c, "programme")),
        error("CertifierDutyConflict", c["manager"], BENEFICIARY_DUTY),
    ),
    "scheduleOracleAccreditation of a reviewer": lambda c: (
        lambda: c["certifier"].scheduleOracleAccreditation(c["reviewer"], by(c, "programme")),
        error("CertifierDutyConflict", c["reviewer"], REVIEWER_ROLE),
    ),
    "revokeOracle of a non-oracle": lambda c: (
        lambda: c["certifier"].revokeOracle(c["rando"], by(c, "programme")),
        error("CertifierNotOracle", c["rando"]),
    ),
    "revokeOracle by a non-admin": lambda c: (
        lambda: c["certifier"].revokeOracle(c["oracle1"], by(c, "rando")),
        unauthorized(c, "certifier"),
    ),
    "raiseQuorum to the same quorum": lambda c: (
        lambda: c["certifier"].raiseQuorum(2, by(c, "programme")),
        error("CertifierWrongQuorumDirection", 2, 2),
    ),
    "raiseQuorum above the number of oracles": lambda c: (
        lambda: c["certifier"].raiseQuorum(MAX_UINT, by(c, "programme")),
        error("CertifierInvalidQuorum", MAX_UINT, 3),
    ),
    "raiseQuorum by a non-admin": lambda c: (
        lambda: c["certifier"].raiseQuorum(3, by(c, "rando")),
        unauthorized(c, "certifier"),
    ),
    "scheduleQuorumDecrease to zero": lambda c: (
        lambda: c["certifier"].scheduleQuorumDecrease(0, by(c, "programme")),
        error("CertifierInvalidQuorum", 0, 3),
    ),
    "scheduleQuorumDecrease to a higher quorum": lambda c: (
        lambda: c["certifier"].scheduleQuorumDecrease(3, by(c, "programme")),
        error("CertifierWrongQuorumDirection", 3, 2),
    ),
    "scheduleQuorumDecrease by a non-admin": lambda c: (
        lambda: c["certifier"].scheduleQuorumDecrease(1, by(c, "rando")),
        unauthorized(c, "certifier"),
    ),
    "accreditReviewer of the zero address": lambda c: (
        lambda: c["certifier"].accreditReviewer(ZERO_ADDRESS, by(c, "programme")),
        error("CertifierZeroAddress"),
    ),
    "accreditReviewer of an oracle": lambda c: (
        lambda: c["certifier"].accreditReviewer(c["oracle1"], by(c, "programme")),
        error("CertifierDutyConflict", c["oracle1"], REVIEWER_ROLE),
    ),
    "accreditReviewer of a reviewer": lambda c: (
        lambda: c["certifier"].accreditReviewer(c["reviewer"], by(c, "programme")),
        error("CertifierAlreadyReviewer", c["reviewer"]),
    ),
    "accreditReviewer by a non-admin": lambda c: (
        lambda: c["certifier"].accreditReviewer(c["rando"], by(c, "rando")),
        unauthorized(c, "certifier"),
    ),
    "scheduleReviewerRevocation of a non-reviewer": lambda c: (
        lambda: c["certifier"].scheduleReviewerRevocation(c["rando"], by(c, "programme")),
        error("CertifierNotReviewer", c["rando"]),
    ),
    "scheduleReviewerRevocation by a non-admin": lambda c: (
        lambda: c["certifier"].scheduleReviewerRevocation(c["reviewer"], by(c, "rando")),
        unauthorized(c, "certifier"),
    ),
    "certifier grantRole to an oracle": lambda c: (
        lambda: c["certifier"].grantRole(REVIEWER_ROLE, c["oracle1"], by(c, "programme")),
        error("CertifierDutyConflict", c["oracle1"], REVIEWER_ROLE),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_reverts_with_its_error_and_moves_nothing(ctx, case):
    call, expected = CASES[case](ctx)
    watched = [ctx["alice"], ctx["rando"], ctx["manager"], ctx["programme"]]
    pool_ids = [ctx["funded"], ctx["open"]]
    # Callers pay gas for a reverted transaction, so their ETH is not compared; the site manager's is (when it is
    # not the caller).
    manager_pays = case == "withdrawCredit by neither the payee nor the beneficiary"
    before = money_snapshot_with_manager(ctx, pool_ids, watched, manager_pays)
    with brownie.reverts(expected):
        call()
    assert money_snapshot_with_manager(ctx, pool_ids, watched, manager_pays) == before


def money_snapshot_with_manager(ctx, pool_ids, watched, manager_pays):
    manager_eth = None if manager_pays else ctx["manager"].balance()
    return money_snapshot(ctx["pools"], pool_ids, watched, ctx["usdc"]), manager_eth
