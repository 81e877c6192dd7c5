"""Delayed changes (`DelayedChanges`, in the registry and the certifier): a change is scheduled in public, can be
executed by anyone once due, and until then cancelled by the role that schedules its kind or the default admin.
The delay lies between a floor (2 days) and a ceiling (30 days), and changes only through a delayed change of its
own. A change's conditions are checked again when it is executed."""

import brownie
import pytest
from brownie import SiteRegistry, accounts
from support import (
    CHANGE_DELAY,
    DAY,
    MAX_CHANGE_DELAY,
    MIN_CHANGE_DELAY,
    ChangeState,
    Kind,
    deploy_system,
    error,
    execute_after_delay,
    next_block_at,
)


def schedule(kind_name, registry, certifier, programme, site_id, reviewer):
    """Schedules one change of the named kind; returns (contract, tx, kind, subject, value)."""
    target = accounts.add()
    if kind_name == "registry delay":
        return registry, registry.scheduleChangeDelay(5 * DAY, {"from": programme}), Kind.DELAY, 0, 5 * DAY
    if kind_name == "beneficiary":
        tx = registry.scheduleBeneficiaryChange(site_id, target, {"from": programme})
        return registry, tx, Kind.BENEFICIARY, site_id, int(target.address, 16)
    if kind_name == "certifier delay":
        return certifier, certifier.scheduleChangeDelay(5 * DAY, {"from": programme}), Kind.DELAY, 0, 5 * DAY
    if kind_name == "accredit oracle":
        tx = certifier.scheduleOracleAccreditation(target, {"from": programme})
        return certifier, tx, Kind.ACCREDIT_ORACLE, 0, int(target.address, 16)
    if kind_name == "lower quorum":
        return certifier, certifier.scheduleQuorumDecrease(1, {"from": programme}), Kind.LOWER_QUORUM, 0, 1
    tx = certifier.scheduleReviewerRevocation(reviewer, {"from": programme})
    return certifier, tx, Kind.REVOKE_REVIEWER, 0, int(reviewer.address, 16)


KINDS = ["registry delay", "beneficiary", "certifier delay", "accredit oracle", "lower quorum", "revoke reviewer"]


@pytest.fixture(params=KINDS)
def scheduled(request, registry, certifier, programme, site_id, reviewer):
    return schedule(request.param, registry, certifier, programme, site_id, reviewer)


@pytest.fixture(params=["registry", "certifier"])
def queue(request, registry, certifier):
    return {"registry": registry, "certifier": certifier}[request.param]


# --- schedule, execute, cancel ------------------------------------------------------------------------------------


def test_scheduling_emits_what_is_changed_by_whom_and_when(scheduled, programme):
    contract, tx, kind, subject, value = scheduled
    event = tx.events["ChangeScheduled"]
    assert (event["changeId"], event["kind"], event["subject"], event["value"]) == (
        tx.return_value,
        kind,
        subject,
        value,
    )
    assert (event["scheduledBy"], event["executableAt"]) == (programme, tx.timestamp + CHANGE_DELAY)
    change = contract.change(tx.return_value).dict()
    assert (change["kind"], change["state"], change["subject"], change["value"]) == (
        kind,
        ChangeState.PENDING,
        subject,
        value,
    )
    assert (change["scheduledBy"], change["executableAt"]) == (programme, tx.timestamp + CHANGE_DELAY)
    assert (contract.changeCount(), contract.pendingChangeCount()) == (1, 1)


def test_a_change_cannot_be_executed_before_it_is_due(scheduled, rando):
    contract, tx, *_ = scheduled
    executable_at = tx.events["ChangeScheduled"]["executableAt"]
    now = next_block_at(executable_at - 1)
    with brownie.reverts(error("ChangesNotDue", tx.return_value, executable_at, now)):
        contract.executeChange(tx.return_value, {"from": rando})
    assert contract.change(tx.return_value).dict()["state"] == ChangeState.PENDING


def test_anyone_executes_a_change_once_it_is_due(scheduled, rando):
    contract, tx, *_ = scheduled
    next_block_at(tx.events["ChangeScheduled"]["executableAt"])
    executed = contract.executeChange(tx.return_value, {"from": rando})
    event = executed.events["ChangeExecuted"]
    assert (event["changeId"], event["executedBy"]) == (tx.return_value, rando)
    assert contract.change(tx.return_value).dict()["state"] == ChangeState.EXECUTED
    assert contract.pendingChangeCount() == 0


def test_a_change_is_executed_only_once(scheduled, rando):
    contract, tx, *_ = scheduled
    execute_after_delay(contract, tx)
    with brownie.reverts(error("ChangesNotPending", tx.return_value, ChangeState.EXECUTED)):
        contract.executeChange(tx.return_value, {"from": rando})


def test_an_executed_change_cannot_be_cancelled(scheduled, programme):
    contract, tx, *_ = scheduled
    execute_after_delay(contract, tx)
    with brownie.reverts(error("ChangesNotPending", tx.return_value, ChangeState.EXECUTED)):
        contract.cancelChange(tx.return_value, {"from": programme})


def test_a_cancelled_change_is_never_executed(scheduled, programme, rando):
    contract, tx, *_ = scheduled
    cancelled = contract.cancelChange(tx.return_value, {"from": programme})
    event = cancelled.events["ChangeCancelled"]
    assert (event["changeId"], event["cancelledBy"]) == (tx.return_value, programme)
    assert contract.pendingChangeCount() == 0
    next_block_at(tx.events["ChangeScheduled"]["executableAt"])
    with brownie.reverts(error("ChangesNotPending", tx.return_value, ChangeState.CANCELLED)):
        contract.executeChange(tx.return_value, {"from": rando})


def test_a_cancelled_change_cannot_be_cancelled_again(scheduled, programme):
    contract, tx, *_ = scheduled
    contract.cancelChange(tx.return_value, {"from": programme})
    with brownie.reverts(error("ChangesNotPending", tx.return_value, ChangeState.CANCELLED)):
        contract.cancelChange(tx.return_value, {"from": programme})


def test_nobody_else_cancels_a_change(scheduled, rando, oracle1):
    contract, tx, kind, *_ = scheduled
    for account in (rando, oracle1):
        with brownie.reverts(error("ChangesUnauthorized", account, kind)):
            contract.cancelChange(tx.return_value, {"from": account})
    assert contract.change(tx.return_value).dict()["state"] == ChangeState.PENDING


def test_an_unknown_change_is_refused(queue, rando):
    for change_id in (0, 99):
        with brownie.reverts(error("ChangesUnknownChange", change_id)):
            queue.executeChange(change_id, {"from": rando})
        with brownie.reverts(error("ChangesUnknownChange", change_id)):
            queue.cancelChange(change_id, {"from": rando})
        with brownie.reverts(error("ChangesUnknownChange", change_id)):
            queue.change(change_id)


# --- who cancels a beneficiary change: the registrars or the admin ------------------------------------------------


@pytest.fixture(scope="module")
def split_duties(programme):
    """A system whose admin and registrar are different accounts, with a site."""
    admin, registrar, other_registrar = accounts.add(), accounts.add(), accounts.add()
    for account in (admin, registrar, other_registrar):
        programme.transfer(account, 10**18)
    registry, pools, certifier = deploy_system(programme, admin=admin, registrar=registrar, oracles=[accounts.add()])
    registry.grantRole(registry.REGISTRAR_ROLE(), other_registrar, {"from": admin})
    site_id = registry.registerSite("Site", b"CN", 7, "", accounts.add(), {"from": registrar}).return_value
    return {"registry": registry, "admin": admin, "registrar": registrar, "other": other_registrar, "site": site_id}


@pytest.mark.parametrize("canceller", ["registrar", "other", "admin"])
def test_the_registrars_and_the_admin_cancel_a_beneficiary_change(split_duties, canceller):
    registry, site = split_duties["registry"], split_duties["site"]
    tx = registry.scheduleBeneficiaryChange(site, accounts.add(), {"from": split_duties["registrar"]})
    registry.cancelChange(tx.return_value, {"from": split_duties[canceller]})
    assert registry.change(tx.return_value).dict()["state"] == ChangeState.CANCELLED


def test_a_registrar_cannot_cancel_a_change_of_the_delay(split_duties):
    registry, registrar = split_duties["registry"], split_duties["registrar"]
    tx = registry.scheduleChangeDelay(5 * DAY, {"from": split_duties["admin"]})
    with brownie.reverts(error("ChangesUnauthorized", registrar, Kind.DELAY)):
        registry.cancelChange(tx.return_value, {"from": registrar})


def test_only_the_admin_schedules_a_change_of_the_delay(queue, rando):
    with brownie.reverts(error("ChangesUnauthorized", rando, Kind.DELAY)):
        queue.scheduleChangeDelay(5 * DAY, {"from": rando})
    assert queue.changeCount() == 0


# --- the delay: bounded, and changed only through the delay -------------------------------------------------------


@pytest.mark.parametrize("delay", [MIN_CHANGE_DELAY - 1, MAX_CHANGE_DELAY + 1, 0])
def test_the_registry_refuses_a_delay_outside_the_bounds_at_construction(programme, delay):
    with brownie.reverts(error("ChangesInvalidDelay", delay, MIN_CHANGE_DELAY, MAX_CHANGE_DELAY)):
        SiteRegistry.deploy(0, programme, programme, delay, accounts.add(), {"from": programme})


@pytest.mark.parametrize("delay", [MIN_CHANGE_DELAY - 1, MAX_CHANGE_DELAY + 1])
def test_the_certifier_refuses_a_delay_outside_the_bounds_at_construction(programme, delay):
    with brownie.reverts(error("ChangesInvalidDelay", delay, MIN_CHANGE_DELAY, MAX_CHANGE_DELAY)):
        deploy_system(programme, oracles=[accounts.add()], certifier_delay=delay)


@pytest.mark.parametrize("delay", [MIN_CHANGE_DELAY, MAX_CHANGE_DELAY])
def test_the_bounds_themselves_are_accepted_at_construction(programme, delay):
    registry, _, certifier = deploy_system(programme, oracles=[accounts.add()], delay=delay)
    assert registry.changeDelay() == certifier.changeDelay() == delay
    event = certifier.tx.events["ChangeDelaySet"]
    assert (event["previousDelay"], event["newDelay"]) == (0, delay)


@pytest.mark.parametrize("delay", [MIN_CHANGE_DELAY - 1, MAX_CHANGE_DELAY + 1])
def test_a_delay_outside_the_bounds_cannot_be_scheduled(queue, programme, delay):
    with brownie.reverts(error("ChangesInvalidDelay", delay, MIN_CHANGE_DELAY, MAX_CHANGE_DELAY)):
        queue.scheduleChangeDelay(delay, {"from": programme})
    assert queue.changeCount() == 0


def test_the_delay_changes_only_when_its_own_change_is_executed(queue, programme):
    tx = queue.scheduleChangeDelay(10 * DAY, {"from": programme})
    assert queue.changeDelay() == CHANGE_DELAY
    meanwhile = queue.scheduleChangeDelay(3 * DAY, {"from": programme})  # still waits the old delay
    assert meanwhile.events["ChangeScheduled"]["executableAt"] == meanwhile.timestamp + CHANGE_DELAY
    executed = execute_after_delay(queue, tx)
    event = executed.events["ChangeDelaySet"]
    assert (event["previousDelay"], event["newDelay"]) == (CHANGE_DELAY, 10 * DAY)
    later = queue.scheduleChangeDelay(4 * DAY, {"from": programme})
    assert later.events["ChangeScheduled"]["executableAt"] == later.timestamp + 10 * DAY
    # A change scheduled before keeps the time it was given.
    assert queue.change(meanwhile.return_value).dict()["executableAt"] == meanwhile.timestamp + CHANGE_DELAY


# --- conditions are checked again when a change is executed -------------------------------------------------------


def test_an_accreditation_whose_target_became_a_registrar_cannot_be_executed(certifier, registry, programme, rando):
    tx = certifier.scheduleOracleAccreditation(rando, {"from": programme})
    registry.grantRole(registry.REGISTRAR_ROLE(), rando, {"from": programme})
    next_block_at(tx.events["ChangeScheduled"]["executableAt"])
    with brownie.reverts(error("CertifierDutyConflict", rando, registry.REGISTRAR_ROLE())):
        certifier.executeChange(tx.return_value, {"from": rando})
    assert not certifier.isOracle(rando)
    # It can only be cancelled.
    assert certifier.change(tx.return_value).dict()["state"] == ChangeState.PENDING
    certifier.cancelChange(tx.return_value, {"from": programme})
    assert certifier.pendingChangeCount() == 0


def test_a_beneficiary_change_of_a_site_withdrawn_meanwhile_cannot_be_executed(
    registry, programme, site_id, manager, rando
):
    tx = registry.scheduleBeneficiaryChange(site_id, rando, {"from": programme})
    registry.setStatus(site_id, 4, {"from": programme})
    next_block_at(tx.events["ChangeScheduled"]["executableAt"])
    with brownie.reverts(error("RegistrySiteWithdrawn", site_id)):
        registry.executeChange(tx.return_value, {"from": rando})
    assert registry.site(site_id).dict()["beneficiary"] == manager


def test_a_second_change_to_the_same_beneficiary_cannot_be_executed(registry, programme, site_id, rando):
    first = registry.scheduleBeneficiaryChange(site_id, rando, {"from": programme})
    second = registry.scheduleBeneficiaryChange(site_id, rando, {"from": programme})
    execute_after_delay(registry, first)
    with brownie.reverts(error("RegistrySameBeneficiary", site_id, rando)):
        registry.executeChange(second.return_value, {"from": rando})


def test_a_quorum_decrease_above_the_oracles_left_cannot_be_executed(certifier, programme, oracle1, oracle2, rando):
    certifier.raiseQuorum(3, {"from": programme})
    tx = certifier.scheduleQuorumDecrease(2, {"from": programme})
    certifier.revokeOracle(oracle1, {"from": programme})
    certifier.revokeOracle(oracle2, {"from": programme})
    next_block_at(tx.events["ChangeScheduled"]["executableAt"])
    with brownie.reverts(error("CertifierInvalidQuorum", 2, 1)):
        certifier.executeChange(tx.return_value, {"from": rando})
    assert certifier.quorum() == 3


def test_a_second_revocation_of_the_same_reviewer_cannot_be_executed(certifier, programme, reviewer, rando):
    first = certifier.scheduleReviewerRevocation(reviewer, {"from": programme})
    second = certifier.scheduleReviewerRevocation(reviewer, {"from": programme})
    execute_after_delay(certifier, first)
    with brownie.reverts(error("CertifierNotReviewer", reviewer)):
        certifier.executeChange(second.return_value, {"from": rando})


# --- which pools a pending change affects -------------------------------------------------------------------------


def test_a_beneficiary_change_affects_its_site_and_a_delay_change_every_site(registry, programme, site_id, manager):
    other = registry.registerSite("Site B", b"KE", 42, "", manager, {"from": programme}).return_value
    registry.scheduleBeneficiaryChange(site_id, accounts.add(), {"from": programme})
    assert (registry.pendingChangesAffecting(site_id), registry.pendingChangesAffecting(other)) == (1, 0)
    registry.scheduleChangeDelay(5 * DAY, {"from": programme})
    assert (registry.pendingChangesAffecting(site_id), registry.pendingChangesAffecting(other)) == (2, 1)
