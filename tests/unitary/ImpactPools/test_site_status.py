"""What a site's status lets its pools do: a suspended site takes no new money and gets no tranche until it is
reinstated, but its milestones can still be certified and its holders can still leave; a withdrawn site's final
tranches stay the site's."""

import brownie
from support import PRICE_ETH, Failure, Status, assert_escrow_adds_up, error, warp_past

RAISED = 200 * PRICE_ETH
TRANCHE = RAISED * 3_000 // 10_000


def test_a_suspended_sites_pools_take_no_money(pools, registry, programme, site_id, eth_pool, alice):
    registry.setStatus(site_id, Status.SUSPENDED, {"from": programme})
    with brownie.reverts(error("PoolsSiteNotFundable", site_id, Status.SUSPENDED)):
        pools.buy(eth_pool, 1, alice, {"from": alice, "value": PRICE_ETH})
    assert pools.balance() == 0


def test_a_suspended_sites_final_tranche_is_not_released(
    pools, registry, programme, site_id, funded_pool, certify_final, manager, rando
):
    certify_final(funded_pool, 0)
    registry.setStatus(site_id, Status.SUSPENDED, {"from": programme})
    before = manager.balance()
    with brownie.reverts(error("PoolsSiteSuspended", funded_pool, site_id)):
        pools.release(funded_pool, 0, {"from": rando})
    assert manager.balance() == before
    assert pools.pool(funded_pool).dict()["escrow"] == RAISED


def test_a_reinstated_sites_tranche_is_released(
    pools, registry, programme, site_id, funded_pool, certify_final, manager, rando
):
    certify_final(funded_pool, 0)
    registry.setStatus(site_id, Status.SUSPENDED, {"from": programme})
    registry.setStatus(site_id, Status.CANDIDATE, {"from": programme})
    before = manager.balance()
    assert pools.release(funded_pool, 0, {"from": rando}).return_value == TRANCHE
    assert manager.balance() - before == TRANCHE


def test_a_suspended_sites_milestone_can_still_be_certified(
    pools, registry, programme, site_id, funded_pool, certify, manager
):
    registry.setStatus(site_id, Status.SUSPENDED, {"from": programme})
    tx = certify(funded_pool, 0)
    assert tx.events["MilestoneCertified"]["payee"] == manager
    assert pools.milestone(funded_pool, 0).dict()["certified"]


def test_a_suspended_sites_holders_can_exit(pools, registry, programme, site_id, funded_pool, alice, rando):
    registry.setStatus(site_id, Status.SUSPENDED, {"from": programme})
    registry.scheduleBeneficiaryChange(site_id, rando, {"from": programme})
    assert pools.exit(funded_pool, 100, {"from": alice}).return_value == 100 * PRICE_ETH
    assert_escrow_adds_up(pools, funded_pool)


def test_a_suspended_sites_pool_that_misses_a_deadline_refunds(
    pools, registry, programme, site_id, funded_pool, alice, rando
):
    registry.setStatus(site_id, Status.SUSPENDED, {"from": programme})
    warp_past(pools.milestone(funded_pool, 0).dict()["deadline"])
    assert pools.fail(funded_pool, {"from": rando}).return_value == Failure.MILESTONE_MISSED
    assert pools.refund(funded_pool, 100, {"from": alice}).return_value == 100 * PRICE_ETH


def test_a_withdrawn_sites_final_tranche_is_still_released_to_it(
    pools, registry, programme, site_id, funded_pool, certify_final, manager, rando
):
    certify_final(funded_pool, 0)
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    pools.fail(funded_pool, {"from": rando})
    before = manager.balance()
    assert pools.release(funded_pool, 0, {"from": rando}).return_value == TRANCHE
    assert manager.balance() - before == TRANCHE
    assert pools.refundQuote(funded_pool, 200) == RAISED - TRANCHE
