"""Separation of duties: an oracle cannot be a reviewer, a site's beneficiary, or hold any role in the registry, the
pools or the certifier, and the reverse; the zero address is never an oracle. Checked when the certifier is built,
when an accreditation is scheduled and again when it is executed, and whenever a role or a wallet is given."""

import brownie
import pytest
from brownie import ZERO_ADDRESS, MilestoneCertifier, accounts, chain
from support import (
    ADMIN_ROLE,
    BENEFICIARY_DUTY,
    CHANGE_DELAY,
    REVIEWER_ROLE,
    deploy_system,
    error,
    execute_after_delay,
    next_block_at,
)


@pytest.fixture(scope="module")
def duties(programme):
    """A system with one account per duty (funded), a site with its own wallet, one oracle and one reviewer."""
    names = ["registry_admin", "pools_admin", "admin", "registrar", "programme", "pauser", "reviewer", "oracle"]
    who = {name: accounts.add() for name in names}
    for account in who.values():
        programme.transfer(account, 10**18)
    registry, pools, certifier = deploy_system(
        programme,
        admin=who["admin"],
        registry_admin=who["registry_admin"],
        pools_admin=who["pools_admin"],
        registrar=who["registrar"],
        programme=who["programme"],
        pauser=who["pauser"],
        oracles=[who["oracle"]],
        reviewers=[who["reviewer"]],
    )
    who["beneficiary"] = accounts.add()
    registry.registerSite("Site", b"CN", 7, "", who["beneficiary"], {"from": who["registrar"]})
    return {"registry": registry, "pools": pools, "certifier": certifier, **who}


DUTY_OF = {
    "registry_admin": ADMIN_ROLE,
    "pools_admin": ADMIN_ROLE,
    "admin": ADMIN_ROLE,
    "registrar": "REGISTRAR_ROLE",
    "programme": "PROGRAMME_ROLE",
    "pauser": "PAUSER_ROLE",
    "reviewer": REVIEWER_ROLE,
    "beneficiary": BENEFICIARY_DUTY,
}


def duty_id(d, name):
    duty = DUTY_OF[name]
    if duty == "REGISTRAR_ROLE":
        return d["registry"].REGISTRAR_ROLE()
    if duty in ("PROGRAMME_ROLE", "PAUSER_ROLE"):
        return getattr(d["pools"], duty)()
    return duty


# --- when the certifier is built ----------------------------------------------------------------------------------


@pytest.mark.parametrize("holder", ["registry_admin", "pools_admin", "admin", "registrar", "programme", "pauser"])
def test_the_certifier_refuses_an_oracle_holding_a_duty_at_construction(programme, holder):
    who = {name: accounts.add() for name in DUTY_OF}
    registry, pools, _ = deploy_system(
        programme,
        registry_admin=who["registry_admin"],
        pools_admin=who["pools_admin"],
        registrar=who["registrar"],
        programme=who["programme"],
        pauser=who["pauser"],
        deploy_certifier=False,
    )
    expected = {"registrar": registry.REGISTRAR_ROLE(), "programme": pools.PROGRAMME_ROLE()}
    expected["pauser"] = pools.PAUSER_ROLE()
    with brownie.reverts(error("CertifierDutyConflict", who[holder], expected.get(holder, ADMIN_ROLE))):
        MilestoneCertifier.deploy(
            0, who["admin"], CHANGE_DELAY, registry, pools, [who[holder]], 1, [], {"from": programme}
        )


def test_the_certifier_refuses_an_oracle_that_is_also_a_reviewer_at_construction(programme):
    registry, pools, _ = deploy_system(programme, deploy_certifier=False)
    both = accounts.add()
    with brownie.reverts(error("CertifierDutyConflict", both, REVIEWER_ROLE)):
        MilestoneCertifier.deploy(0, programme, CHANGE_DELAY, registry, pools, [both], 1, [both], {"from": programme})


def test_the_certifier_refuses_the_zero_address_as_an_oracle_at_construction(programme):
    registry, pools, _ = deploy_system(programme, deploy_certifier=False)
    with brownie.reverts(error("CertifierZeroAddress")):
        MilestoneCertifier.deploy(
            0, programme, CHANGE_DELAY, registry, pools, [ZERO_ADDRESS], 1, [], {"from": programme}
        )


def test_the_certifier_refuses_an_oracle_listed_twice_at_construction(programme):
    registry, pools, _ = deploy_system(programme, deploy_certifier=False)
    oracle = accounts.add()
    with brownie.reverts(error("CertifierAlreadyOracle", oracle)):
        MilestoneCertifier.deploy(
            0, programme, CHANGE_DELAY, registry, pools, [oracle, oracle], 1, [], {"from": programme}
        )


# --- when an accreditation is scheduled ---------------------------------------------------------------------------


@pytest.mark.parametrize("holder", list(DUTY_OF))
def test_no_duty_holder_can_be_scheduled_for_accreditation(duties, holder):
    certifier = duties["certifier"]
    with brownie.reverts(error("CertifierDutyConflict", duties[holder], duty_id(duties, holder))):
        certifier.scheduleOracleAccreditation(duties[holder], {"from": duties["admin"]})
    assert certifier.changeCount() == 0


def test_the_zero_address_can_never_be_scheduled_for_accreditation(duties):
    with brownie.reverts(error("CertifierZeroAddress")):
        duties["certifier"].scheduleOracleAccreditation(ZERO_ADDRESS, {"from": duties["admin"]})


def test_an_oracle_cannot_be_scheduled_for_accreditation_again(duties):
    with brownie.reverts(error("CertifierAlreadyOracle", duties["oracle"])):
        duties["certifier"].scheduleOracleAccreditation(duties["oracle"], {"from": duties["admin"]})


# --- when an accreditation is executed ----------------------------------------------------------------------------


def make_beneficiary(d, account):
    d["registry"].registerSite("Site B", b"KE", 42, "", account, {"from": d["registrar"]})
    return BENEFICIARY_DUTY


def make_reviewer(d, account):
    d["certifier"].accreditReviewer(account, {"from": d["admin"]})
    return REVIEWER_ROLE


def make_programme(d, account):
    d["pools"].grantRole(d["pools"].PROGRAMME_ROLE(), account, {"from": d["pools_admin"]})
    return d["pools"].PROGRAMME_ROLE()


def make_pools_admin(d, account):
    d["pools"].grantRole(ADMIN_ROLE, account, {"from": d["pools_admin"]})
    return ADMIN_ROLE


@pytest.mark.parametrize("make", [make_beneficiary, make_reviewer, make_programme, make_pools_admin])
def test_an_accreditation_whose_target_took_a_duty_meanwhile_cannot_be_executed(duties, make, rando):
    certifier, target = duties["certifier"], accounts.add()
    tx = certifier.scheduleOracleAccreditation(target, {"from": duties["admin"]})
    duty = make(duties, target)
    next_block_at(tx.events["ChangeScheduled"]["executableAt"])
    with brownie.reverts(error("CertifierDutyConflict", target, duty)):
        certifier.executeChange(tx.return_value, {"from": rando})
    assert not certifier.isOracle(target)


def test_a_beneficiary_change_whose_target_became_an_oracle_meanwhile_cannot_be_executed(duties, rando):
    registry, certifier, target = duties["registry"], duties["certifier"], accounts.add()
    beneficiary_change = registry.scheduleBeneficiaryChange(1, target, {"from": duties["registrar"]})
    execute_after_delay(certifier, certifier.scheduleOracleAccreditation(target, {"from": duties["admin"]}))
    next_block_at(max(chain[-1].timestamp + 1, beneficiary_change.events["ChangeScheduled"]["executableAt"]))
    with brownie.reverts(error("RegistryOracleConflict", target)):
        registry.executeChange(beneficiary_change.return_value, {"from": rando})
    assert registry.site(1).dict()["beneficiary"] == duties["beneficiary"]


# --- the reverse: no duty for an oracle -----------------------------------------------------------------------------


def test_an_oracle_gets_no_role_in_the_registry(duties):
    registry, oracle = duties["registry"], duties["oracle"]
    with brownie.reverts(error("RegistryOracleConflict", oracle)):
        registry.grantRole(registry.REGISTRAR_ROLE(), oracle, {"from": duties["registry_admin"]})


@pytest.mark.parametrize("role", ["PROGRAMME_ROLE", "PAUSER_ROLE", "DEFAULT_ADMIN_ROLE"])
def test_an_oracle_gets_no_role_in_the_pools(duties, role):
    pools, oracle = duties["pools"], duties["oracle"]
    with brownie.reverts(error("PoolsOracleConflict", oracle)):
        pools.grantRole(getattr(pools, role)(), oracle, {"from": duties["pools_admin"]})


def test_an_oracle_gets_no_role_in_the_certifier(duties):
    certifier, oracle = duties["certifier"], duties["oracle"]
    any_role = "0x" + "ab" * 32
    with brownie.reverts(error("CertifierDutyConflict", oracle, any_role)):
        certifier.grantRole(any_role, oracle, {"from": duties["admin"]})


def test_an_oracle_cannot_accept_the_registrys_admin_role(duties):
    registry, oracle = duties["registry"], duties["oracle"]
    registry.beginDefaultAdminTransfer(oracle, {"from": duties["registry_admin"]})
    chain.sleep(1)
    with brownie.reverts(error("RegistryOracleConflict", oracle)):
        registry.acceptDefaultAdminTransfer({"from": oracle})
    assert registry.defaultAdmin() == duties["registry_admin"]


def test_an_oracle_cannot_accept_the_certifiers_admin_role(duties):
    certifier, oracle = duties["certifier"], duties["oracle"]
    certifier.beginDefaultAdminTransfer(oracle, {"from": duties["admin"]})
    chain.sleep(1)
    with brownie.reverts(error("CertifierDutyConflict", oracle, ADMIN_ROLE)):
        certifier.acceptDefaultAdminTransfer({"from": oracle})
    assert certifier.defaultAdmin() == duties["admin"]


def test_an_oracle_cannot_be_a_new_sites_beneficiary(duties):
    with brownie.reverts(error("RegistryOracleConflict", duties["oracle"])):
        duties["registry"].registerSite("Site B", b"KE", 42, "", duties["oracle"], {"from": duties["registrar"]})


def test_an_oracle_cannot_be_scheduled_as_a_beneficiary(duties):
    registry = duties["registry"]
    with brownie.reverts(error("RegistryOracleConflict", duties["oracle"])):
        registry.scheduleBeneficiaryChange(1, duties["oracle"], {"from": duties["registrar"]})
    assert registry.changeCount() == 0


def test_an_oracle_cannot_be_accredited_as_a_reviewer(duties):
    with brownie.reverts(error("CertifierDutyConflict", duties["oracle"], REVIEWER_ROLE)):
        duties["certifier"].accreditReviewer(duties["oracle"], {"from": duties["admin"]})


def test_a_revoked_oracle_may_take_a_duty(duties):
    certifier, pools, oracle = duties["certifier"], duties["pools"], duties["oracle"]
    certifier.revokeOracle(oracle, {"from": duties["admin"]})
    pools.grantRole(pools.PAUSER_ROLE(), oracle, {"from": duties["pools_admin"]})
    assert tuple(pools.dutyOf(oracle)) == (True, pools.PAUSER_ROLE())
