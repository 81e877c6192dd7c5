"""ImpactPools' constructor: the registry and the certifier are immutables that cannot be zero, and the first roles go
to the accounts named."""

import brownie
import pytest
from brownie import ZERO_ADDRESS, ImpactPools, accounts
from support import ADMIN_ROLE, TOKEN_URI, error


@pytest.mark.parametrize("missing", ["registry", "certifier"])
def test_the_pools_refuse_a_zero_registry_or_certifier(programme, registry, certifier, missing):
    wiring = {"registry": registry, "certifier": certifier, missing: ZERO_ADDRESS}
    with brownie.reverts(error("PoolsZeroAddress")):
        ImpactPools.deploy(
            programme, programme, programme, wiring["registry"], wiring["certifier"], TOKEN_URI, {"from": programme}
        )


def test_the_pools_give_each_first_role_to_the_account_named(programme, registry, certifier):
    admin, opener, pauser = accounts.add(), accounts.add(), accounts.add()
    pools = ImpactPools.deploy(admin, opener, pauser, registry, certifier, TOKEN_URI, {"from": programme})
    assert pools.hasRole(ADMIN_ROLE, admin) and not pools.hasRole(ADMIN_ROLE, programme)
    assert pools.hasRole(pools.PROGRAMME_ROLE(), opener)
    assert pools.hasRole(pools.PAUSER_ROLE(), pauser)
    assert (pools.registry(), pools.certifier()) == (registry, certifier)
    assert tuple(pools.dutyOf(accounts.add())) == (False, "0x" + "00" * 32)


def test_the_pools_refuse_a_first_role_for_an_accredited_oracle(programme, registry, certifier, oracle1):
    with brownie.reverts(error("PoolsOracleConflict", oracle1)):
        ImpactPools.deploy(programme, oracle1, programme, registry, certifier, TOKEN_URI, {"from": programme})
