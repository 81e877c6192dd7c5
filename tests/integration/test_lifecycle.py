"""Multi-actor scenarios, checking after every step that escrow accounting adds up and is fully backed."""

from brownie import RejectingBeneficiary
from support import ETH, PRICE_ETH, PRICE_USDC, Failure, Status, warp_past

from impact.encoding import to_bytes32


def check_books(pools, usdc, pool_ids, holders):
    """The accounting invariant: per pool raised = released + refunded + escrow and supply = sum of holdings;
    per asset the contract's balance covers every pool's escrow plus every credited payment."""
    escrow = {ETH: 0, usdc.address: 0}
    for pool_id in pool_ids:
        info = pools.pool(pool_id).dict()
        assert info["raised"] == info["tokensSold"] * info["price"]
        assert info["raised"] == info["released"] + info["refunded"] + info["escrow"]
        assert info["supply"] == sum(pools.balanceOf(h, pool_id) for h in holders)
        escrow[info["asset"]] += info["escrow"]
    credits_eth = sum(pools.creditOf(h, ETH) for h in holders)
    assert pools.balance() >= escrow[ETH] + credits_eth
    assert usdc.balanceOf(pools) >= escrow[usdc.address]


def test_two_pools_from_sale_to_release_and_refund(
    pools,
    certifier,
    registry,
    usdc,
    open_pool,
    buy,
    close_sale,
    programme,
    site_id,
    alice,
    bob,
    carol,
    manager,
    oracle1,
    oracle2,
    oracle3,
    rando,
):
    holders = [alice, bob, carol, manager, rando]
    eth_pool = open_pool()
    usdc_pool = open_pool(asset=usdc.address, price=PRICE_USDC, goalTokens=500)
    ids = [eth_pool, usdc_pool]
    books = lambda: check_books(pools, usdc, ids, holders)  # noqa: E731
    books()

    buy(eth_pool, alice, 120)
    books()
    buy(eth_pool, bob, 60, recipient=carol)
    books()
    buy(usdc_pool, alice, 100)
    books()
    buy(usdc_pool, bob, 50)
    books()
    pools.safeTransferFrom(carol, rando, eth_pool, 10, b"", {"from": carol})
    books()

    # Both sales close (the USDC pool was opened a block later, so its sale may end a second later).
    close_sale(eth_pool)
    close_sale(usdc_pool)
    assert pools.failureDue(usdc_pool) == Failure.GOAL_NOT_REACHED
    pools.fail(usdc_pool, {"from": rando})
    books()

    evidence = to_bytes32("EAGL report 2027")
    certifier.attest(eth_pool, 0, evidence, "ipfs://sample/report", {"from": oracle3})
    books()
    certifier.attest(eth_pool, 0, evidence, "ipfs://sample/report", {"from": oracle1})
    books()
    before = manager.balance()
    pools.release(eth_pool, 0, {"from": rando})
    books()
    assert manager.balance() - before == 180 * PRICE_ETH * 3_000 // 10_000

    refunded = pools.refund(usdc_pool, 100, {"from": alice}).return_value
    books()
    assert refunded == 100 * PRICE_USDC
    pools.refund(usdc_pool, 50, {"from": bob})
    books()
    assert usdc.balanceOf(pools) == 0

    # The site manager's wallet is replaced by one that rejects ETH: releases are credited, nothing is stuck.
    wallet = RejectingBeneficiary.deploy({"from": programme})
    registry.setBeneficiary(site_id, wallet, {"from": programme})
    holders.append(wallet)
    certifier.attest(eth_pool, 1, evidence, "ipfs://sample/report-2", {"from": oracle2})
    books()
    certifier.attest(eth_pool, 1, evidence, "ipfs://sample/report-2", {"from": oracle3})
    books()
    pools.release(eth_pool, 1, {"from": rando})
    books()
    assert pools.creditOf(wallet, ETH) == 180 * PRICE_ETH * 3_000 // 10_000

    # The site is withdrawn before the last milestone: holders get back the last 40%.
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    pools.fail(eth_pool, {"from": rando})
    books()
    for holder in (alice, carol, rando):
        tokens = pools.balanceOf(holder, eth_pool)
        pools.refund(eth_pool, tokens, {"from": holder})
        books()
    info = pools.pool(eth_pool).dict()
    assert info["supply"] == 0
    assert info["refunded"] == 180 * PRICE_ETH * 4_000 // 10_000
    assert pools.balance() == pools.creditOf(wallet, ETH)

    wallet.setAccepting(True, {"from": programme})
    wallet.withdrawFrom(pools, {"from": programme})
    books()
    assert pools.balance() == 0


def test_a_pool_that_misses_a_milestone_deadline_refunds_the_unearned_part(
    pools, funded_pool, certify, usdc, alice, bob, carol, rando
):
    holders = [alice, bob, carol]
    certify(funded_pool, 0)
    check_books(pools, usdc, [funded_pool], holders)
    warp_past(pools.milestone(funded_pool, 1).dict()["deadline"])
    assert pools.fail(funded_pool, {"from": rando}).return_value == Failure.MILESTONE_MISSED
    for holder in holders:
        pools.refund(funded_pool, pools.balanceOf(holder, funded_pool), {"from": holder})
        check_books(pools, usdc, [funded_pool], holders)
    pools.release(funded_pool, 0, {"from": rando})
    check_books(pools, usdc, [funded_pool], holders)
    assert pools.balance() == 0
