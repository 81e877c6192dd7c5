"""ImpactPools' constructor: the registry and the certifier are immutables that cannot be zero, the first roles go
to the accounts named, and the certifier named is the one the pools take certifications from."""

import brownie
import pytest
from brownie import ZERO_ADDRESS, ImpactPools, MockCertifier, SiteRegistry, accounts
from support import ADMIN_ROLE, CHANGE_DELAY, DAY, PRICE_ETH, TOKEN_URI, error, latest_time, milestone_schedule


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


@pytest.fixture
def mock_wired(programme, alice):
    """A registry and pools wired to a mock certifier, with a sold-out pool whose first milestone is certifiable."""
    mock = MockCertifier.deploy({"from": programme})
    registry = SiteRegistry.deploy(0, programme, programme, CHANGE_DELAY, mock, {"from": programme})
    pools = ImpactPools.deploy(programme, programme, programme, registry, mock, TOKEN_URI, {"from": programme})
    mock.setPools(pools, {"from": programme})
    site_id = registry.registerSite("Site", b"CN", 7, "", accounts.add(), {"from": programme}).return_value
    now = latest_time()
    params = (site_id, ZERO_ADDRESS, PRICE_ETH, 1, 10, now - 1, now + DAY, 0)
    pool_id = pools.openPool(params, milestone_schedule(now + DAY), {"from": programme}).return_value
    pools.buy(pool_id, 10, alice, {"from": alice, "value": 10 * PRICE_ETH})
    return mock, pools, pool_id


def test_the_pools_refuse_a_zero_evidence_hash_even_from_their_certifier(mock_wired):
    mock, pools, pool_id = mock_wired
    with brownie.reverts(error("PoolsZeroEvidence")):
        mock.record(pools, pool_id, 0, "0x" + "00" * 32, "ipfs://x", {"from": accounts[0]})
    assert pools.pool(pool_id).dict()["certifiedCount"] == 0


def test_the_pools_take_a_certification_from_the_certifier_they_were_built_with(mock_wired):
    mock, pools, pool_id = mock_wired
    mock.record(pools, pool_id, 0, "0x" + "01" * 32, "ipfs://x", {"from": accounts[0]})
    assert pools.milestone(pool_id, 0).dict()["certified"]
