"""Multi-actor scenarios, checking after every step that escrow accounting adds up and is fully backed."""

from brownie import RejectingBeneficiary
from support import (
    ETH,
    PRICE_ETH,
    PRICE_USDC,
    Failure,
    Status,
    credits,
    execute_after_delay,
    pass_challenge_window,
    warp_past,
)

from impact.chain.encoding import to_bytes32

EARNED_0 = PRICE_ETH * 3_000 // 10_000  # per token, once milestone 0 is final
EARNED_1 = PRICE_ETH * 6_000 // 10_000


def check_books(pools, usdc, pool_ids, holders):
    """The accounting invariant: per pool raised = released + refunded + exited + escrow and supply = sum of
    holdings; per asset the contract's balance covers every pool's escrow plus every credited tranche."""
    escrow = {ETH: 0, usdc.address: 0}
    credited = {ETH: 0, usdc.address: 0}
    for pool_id in pool_ids:
        info = pools.pool(pool_id).dict()
        assert info["raised"] == info["tokensSold"] * info["price"]
        assert info["raised"] == info["released"] + info["refunded"] + info["exited"] + info["escrow"]
        assert info["supply"] == sum(pools.balanceOf(h, pool_id) for h in holders)
        escrow[info["asset"]] += info["escrow"]
        credited[info["asset"]] += credits(pools, pool_id)
    assert pools.balance() == escrow[ETH] + credited[ETH]
    assert usdc.balanceOf(pools) == escrow[usdc.address] + credited[usdc.address]


def test_two_pools_from_sale_to_release_exit_and_refund(
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
    pass_challenge_window(pools, eth_pool, 0)
    before = manager.balance()
    pools.release(eth_pool, 0, {"from": rando})
    books()
    assert manager.balance() - before == 180 * EARNED_0

    refunded = pools.refund(usdc_pool, 100, {"from": alice}).return_value
    books()
    assert refunded == 100 * PRICE_USDC
    pools.refund(usdc_pool, 50, {"from": bob})
    books()
    assert usdc.balanceOf(pools) == 0

    # The site manager's wallet is to be replaced by one that rejects ETH: a delayed change, during which rando
    # leaves with what a refund would pay.
    wallet = RejectingBeneficiary.deploy({"from": programme})
    holders.append(wallet)
    change = registry.scheduleBeneficiaryChange(site_id, wallet, {"from": programme})
    assert pools.exit(eth_pool, 10, {"from": rando}).return_value == 10 * (PRICE_ETH - EARNED_0)
    books()
    execute_after_delay(registry, change)

    # The next tranche is recorded for the new wallet, which rejects it: credited, nothing is stuck.
    evidence_2 = to_bytes32("EAGL report 2028")
    certifier.attest(eth_pool, 1, evidence_2, "ipfs://sample/report-2", {"from": oracle2})
    books()
    certifier.attest(eth_pool, 1, evidence_2, "ipfs://sample/report-2", {"from": oracle3})
    books()
    pass_challenge_window(pools, eth_pool, 1)
    pools.release(eth_pool, 1, {"from": rando})
    books()
    assert pools.milestone(eth_pool, 1).dict()["credited"]
    assert credits(pools, eth_pool) == 170 * (EARNED_1 - EARNED_0)  # the 10 tokens that left earn it nothing

    # The site is withdrawn before the last milestone: holders get back the last 40% of each token.
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    pools.fail(eth_pool, {"from": rando})
    books()
    for holder in (alice, carol):
        tokens = pools.balanceOf(holder, eth_pool)
        pools.refund(eth_pool, tokens, {"from": holder})
        books()
    info = pools.pool(eth_pool).dict()
    assert info["supply"] == 0
    assert info["refunded"] == 170 * (PRICE_ETH - EARNED_1)
    assert info["escrow"] == 0
    assert pools.balance() == credits(pools, eth_pool)

    wallet.setAccepting(True, {"from": programme})
    wallet.withdrawFrom(pools, eth_pool, 1, {"from": programme})
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


def test_a_void_a_pause_and_exits_during_an_accreditation_keep_the_books(
    pools, certifier, funded_pool, certify, finalize, usdc, programme, reviewer, alice, bob, carol, rando
):
    holders = [alice, bob, carol]
    books = lambda: check_books(pools, usdc, [funded_pool], holders)  # noqa: E731
    certify(funded_pool, 0, "first report")
    books()
    # The reviewer voids it; the oracles certify again with new evidence.
    certifier.voidCertification(funded_pool, 0, to_bytes32("reasons"), "ipfs://review", {"from": reviewer})
    books()
    certify(funded_pool, 0, "second report")
    books()
    # A new oracle is scheduled: every pool's holders may exit, also while paused.
    accreditation = certifier.scheduleOracleAccreditation(rando, {"from": programme})
    pools.pause({"from": programme})
    assert pools.exit(funded_pool, 50, {"from": bob}).return_value == 50 * PRICE_ETH  # milestone 0 is not final
    books()
    pools.unpause({"from": programme})
    finalize(funded_pool, 0)
    assert pools.exit(funded_pool, 50, {"from": carol}).return_value == 50 * (PRICE_ETH - EARNED_0)
    books()
    execute_after_delay(certifier, accreditation)
    assert pools.release(funded_pool, 0, {"from": rando}).return_value == 150 * EARNED_0
    books()
    for k in (1, 2):
        certify(funded_pool, k, f"report {k}")
        finalize(funded_pool, k)
        pools.release(funded_pool, k, {"from": rando})
        books()
    info = pools.pool(funded_pool).dict()
    assert (info["escrow"], pools.balance()) == (0, 0)
    assert info["released"] == 100 * PRICE_ETH + 50 * EARNED_0
