"""The pools' copy of each site's status (`siteStatus`, read by pool openings; and each pool's own copy, in the slot
purchases, releases and failures read anyway, instead of a call to the registry): the registry writes them on every
change, in the same transaction, and nobody else can; so every pool of the site follows every transition at once."""

import brownie
import pytest
from support import PRICE_ETH, Failure, Status, error, milestone_schedule, warp_past

C, G, S, W = Status.CANDIDATE, Status.GREEN_LISTED, Status.SUSPENDED, Status.WITHDRAWN


def follows(pools, registry, site_id) -> int:
    status = registry.site(site_id).dict()["status"]
    assert pools.siteStatus(site_id) == status
    for pool_id in range(1, pools.poolCount() + 1):
        if pools.pool(pool_id).dict()["siteId"] == site_id:
            assert pools.poolSiteStatus(pool_id) == status
    return status


def test_a_new_site_is_a_candidate_in_the_pools_too_and_an_unknown_one_is_none(pools, registry, programme, manager):
    assert pools.siteStatus(registry.siteCount() + 1) == Status.NONE
    unknown = pools.poolCount() + 1
    with brownie.reverts(error("PoolsUnknownPool", unknown)):
        pools.poolSiteStatus(unknown)
    site = registry.registerSite("Copy Park", b"FR", 555_000_091, "", manager, {"from": programme}).return_value
    assert follows(pools, registry, site) == C


def test_purchases_follow_every_transition(pools, registry, programme, site_id, eth_pool, alice):
    def buy_is(accepted: bool, status: int) -> None:
        assert follows(pools, registry, site_id) == status
        if accepted:
            pools.buy(eth_pool, 1, alice, {"from": alice, "value": PRICE_ETH})
        else:
            with brownie.reverts(error("PoolsSiteNotFundable", site_id, status)):
                pools.buy(eth_pool, 1, alice, {"from": alice, "value": PRICE_ETH})

    buy_is(True, C)
    for status, accepted in [(S, False), (C, True), (G, True), (S, False), (G, True), (C, True), (W, False)]:
        registry.setStatus(site_id, status, {"from": programme})  # suspend, reinstate, admit, lapse, withdraw
        buy_is(accepted, status)
    assert pools.balanceOf(alice, eth_pool) == 5


def test_a_pool_opens_only_while_its_site_is_fundable_in_the_copy(pools, registry, programme, site_id, open_pool):
    registry.setStatus(site_id, S, {"from": programme})
    with brownie.reverts(error("PoolsSiteNotFundable", site_id, S)):
        open_pool()
    registry.setStatus(site_id, C, {"from": programme})
    assert open_pool() == pools.poolCount()


def test_a_release_is_refused_while_suspended_and_goes_through_once_reinstated(
    pools, registry, programme, site_id, funded_pool, certify_final, manager, rando
):
    certify_final(funded_pool, 0)
    registry.setStatus(site_id, G, {"from": programme})
    registry.setStatus(site_id, S, {"from": programme})
    assert follows(pools, registry, site_id) == S
    with brownie.reverts(error("PoolsSiteSuspended", funded_pool, site_id)):
        pools.release(funded_pool, 0, {"from": rando})
    registry.setStatus(site_id, G, {"from": programme})
    assert follows(pools, registry, site_id) == G
    before = manager.balance()
    amount = pools.release(funded_pool, 0, {"from": rando}).return_value
    assert amount > 0 and manager.balance() == before + amount


def test_certification_is_refused_and_the_pool_fails_once_the_site_is_withdrawn(
    pools, registry, certifier, programme, site_id, funded_pool, oracle1, rando
):
    assert pools.failureDue(funded_pool) == Failure.NONE
    registry.setStatus(site_id, W, {"from": programme})
    assert follows(pools, registry, site_id) == W
    with brownie.reverts(error("PoolsSiteWithdrawn", funded_pool, site_id)):
        certifier.attest(funded_pool, 0, "0x" + "01" * 32, "ipfs://x", {"from": oracle1})
    assert pools.failureDue(funded_pool) == Failure.SITE_WITHDRAWN
    assert pools.fail(funded_pool, {"from": rando}).return_value == Failure.SITE_WITHDRAWN


def test_a_suspended_pool_that_misses_its_deadline_fails_as_before(
    pools, registry, programme, site_id, funded_pool, rando
):
    registry.setStatus(site_id, S, {"from": programme})
    warp_past(pools.milestone(funded_pool, 0).dict()["deadline"])
    assert pools.fail(funded_pool, {"from": rando}).return_value == Failure.MILESTONE_MISSED


@pytest.mark.parametrize("who", ["programme", "rando"])
def test_only_the_registry_writes_the_copy(pools, site_id, programme, rando, who):
    caller = programme if who == "programme" else rando
    with brownie.reverts(error("PoolsNotRegistry", caller)):
        pools.recordSiteStatus(site_id, S, {"from": caller})
    assert pools.siteStatus(site_id) == C


def test_a_status_change_reaches_every_pool_of_the_site_and_no_other(
    pools, registry, programme, site_id, open_pool, manager, alice
):
    ours = [open_pool() for _ in range(3)]
    other_site = registry.registerSite("Other Park", b"FR", 555_000_092, "", manager, {"from": programme})
    theirs = open_pool(siteId=other_site.return_value)
    registry.setStatus(site_id, S, {"from": programme})
    assert follows(pools, registry, site_id) == S and pools.poolSiteStatus(theirs) == C
    for pool_id in ours:
        with brownie.reverts(error("PoolsSiteNotFundable", site_id, S)):
            pools.buy(pool_id, 1, alice, {"from": alice, "value": PRICE_ETH})
    pools.buy(theirs, 1, alice, {"from": alice, "value": PRICE_ETH})
    registry.setStatus(site_id, C, {"from": programme})
    for pool_id in ours:
        pools.buy(pool_id, 1, alice, {"from": alice, "value": PRICE_ETH})
        assert pools.balanceOf(alice, pool_id) == 1


def test_a_site_has_at_most_the_cap_of_pools_and_a_suspension_at_the_cap_reaches_them_all(
    pools, registry, programme, manager, open_pool, alice
):
    cap = pools.MAX_POOLS_PER_SITE()
    site = registry.registerSite("Busy Park", b"FR", 555_000_093, "", manager, {"from": programme}).return_value
    sale_end = brownie.chain.time() + 30 * 86_400
    one_milestone = milestone_schedule(sale_end, shares=(10_000,))
    opened = [open_pool(siteId=site, saleEnd=sale_end, milestones=one_milestone) for _ in range(cap)]
    with brownie.reverts(error("PoolsTooManyForSite", site, cap)):
        open_pool(siteId=site, saleEnd=sale_end, milestones=one_milestone)
    registry.setStatus(site, S, {"from": programme})
    assert all(pools.poolSiteStatus(pool_id) == S for pool_id in opened)
    for pool_id in (opened[0], opened[-1]):
        with brownie.reverts(error("PoolsSiteNotFundable", site, S)):
            pools.buy(pool_id, 1, alice, {"from": alice, "value": PRICE_ETH})
    registry.setStatus(site, C, {"from": programme})
    pools.buy(opened[-1], 1, alice, {"from": alice, "value": PRICE_ETH})
    assert pools.balanceOf(alice, opened[-1]) == 1
