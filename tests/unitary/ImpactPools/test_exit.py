"""ImpactPools.exit: while a delayed change that affects a live pool is pending, every holder may redeem tokens for
exactly what a refund would pay now (the price less what final milestones earned of each token), without failing
the pool for the others. A site's beneficiary change affects that site's pools; every change of the certifier and
every change of the registry's delay affects all pools."""

import brownie
from brownie import ZERO_ADDRESS, accounts
from support import (
    PRICE_ETH,
    PRICE_USDC,
    Failure,
    Status,
    assert_escrow_adds_up,
    error,
    execute_after_delay,
    warp_past,
)

EARNED_0 = PRICE_ETH * 3_000 // 10_000  # what the first milestone earns of each token once final
EARNED_1 = PRICE_ETH * 6_000 // 10_000


def open_exits(registry, programme, site_id):
    """Schedules a beneficiary change of the site: its pools' holders may exit until it executes."""
    return registry.scheduleBeneficiaryChange(site_id, accounts.add(), {"from": programme})


def other_site(registry, programme):
    return registry.registerSite("Site B", b"KE", 42, "ipfs://b", accounts.add(), {"from": programme}).return_value


# --- when exits are open ------------------------------------------------------------------------------------------


def test_no_exit_without_a_pending_change(pools, funded_pool, alice):
    assert not pools.pool(funded_pool).dict()["exitOpen"]
    with brownie.reverts(error("PoolsNoPendingChange", funded_pool)):
        pools.exit(funded_pool, 1, {"from": alice})
    assert pools.balanceOf(alice, funded_pool) == 100


def test_a_pending_beneficiary_change_opens_exits_for_the_sites_pools(
    pools, registry, programme, site_id, funded_pool, alice
):
    open_exits(registry, programme, site_id)
    assert pools.pool(funded_pool).dict()["exitOpen"]
    assert pools.exit(funded_pool, 100, {"from": alice}).return_value == 100 * PRICE_ETH


def test_a_pending_beneficiary_change_opens_no_exit_from_another_sites_pool(
    pools, registry, programme, open_pool, buy, site_id, alice
):
    pool_b = open_pool(siteId=other_site(registry, programme))
    buy(pool_b, alice, 10)
    open_exits(registry, programme, site_id)
    assert not pools.pool(pool_b).dict()["exitOpen"]
    with brownie.reverts(error("PoolsNoPendingChange", pool_b)):
        pools.exit(pool_b, 10, {"from": alice})


def test_a_pending_change_of_the_certifier_opens_exits_from_every_pool(
    pools, registry, certifier, programme, open_pool, buy, funded_pool, alice, rando
):
    pool_b = open_pool(siteId=other_site(registry, programme))
    buy(pool_b, alice, 10)
    certifier.scheduleOracleAccreditation(rando, {"from": programme})
    assert pools.pool(funded_pool).dict()["exitOpen"] and pools.pool(pool_b).dict()["exitOpen"]
    assert pools.exit(pool_b, 10, {"from": alice}).return_value == 10 * PRICE_ETH
    assert pools.exit(funded_pool, 100, {"from": alice}).return_value == 100 * PRICE_ETH


def test_a_pending_change_of_the_registrys_delay_opens_exits_from_every_pool(
    pools, registry, programme, open_pool, buy, alice
):
    pool_b = open_pool(siteId=other_site(registry, programme))
    buy(pool_b, alice, 10)
    registry.scheduleChangeDelay(10 * 86_400, {"from": programme})
    assert pools.exit(pool_b, 10, {"from": alice}).return_value == 10 * PRICE_ETH


def test_exits_close_once_the_change_is_executed(pools, registry, programme, site_id, funded_pool, alice):
    execute_after_delay(registry, open_exits(registry, programme, site_id))
    assert not pools.pool(funded_pool).dict()["exitOpen"]
    with brownie.reverts(error("PoolsNoPendingChange", funded_pool)):
        pools.exit(funded_pool, 1, {"from": alice})


def test_exits_close_once_the_change_is_cancelled(pools, registry, programme, site_id, funded_pool, alice):
    registry.cancelChange(open_exits(registry, programme, site_id).return_value, {"from": programme})
    with brownie.reverts(error("PoolsNoPendingChange", funded_pool)):
        pools.exit(funded_pool, 1, {"from": alice})


def test_a_failed_pool_has_no_exit(pools, registry, programme, site_id, funded_pool, alice):
    open_exits(registry, programme, site_id)
    warp_past(pools.milestone(funded_pool, 0).dict()["deadline"])
    pools.fail(funded_pool, {"from": alice})
    assert not pools.pool(funded_pool).dict()["exitOpen"]
    assert pools.exitQuote(funded_pool, 100) == 0
    with brownie.reverts(error("PoolsPoolFailed", funded_pool, Failure.MILESTONE_MISSED)):
        pools.exit(funded_pool, 100, {"from": alice})
    assert pools.balanceOf(alice, funded_pool) == 100


# --- exits and the goal -------------------------------------------------------------------------------------------


def test_tokens_exited_while_the_sale_is_open_stop_counting_toward_the_goal(
    pools, registry, programme, site_id, open_pool, buy, close_sale, alice, bob
):
    pool_id = open_pool()
    buy(pool_id, alice, 100)
    buy(pool_id, bob, 20)
    open_exits(registry, programme, site_id)
    pools.exit(pool_id, 30, {"from": alice})
    info = pools.pool(pool_id).dict()
    assert (info["tokensSold"], info["tokensTowardGoal"], info["supply"]) == (120, 90, 90)
    close_sale(pool_id)
    with brownie.reverts(error("PoolsGoalNotReached", pool_id, 90, 100)):
        pools.checkCertifiable(pool_id, 0)
    assert pools.fail(pool_id, {"from": bob}).return_value == Failure.GOAL_NOT_REACHED
    assert pools.refund(pool_id, 20, {"from": bob}).return_value == 20 * PRICE_ETH
    assert_escrow_adds_up(pools, pool_id)


def test_exits_after_the_sale_closed_above_its_goal_never_fail_the_pool(
    pools, registry, programme, site_id, funded_pool, alice, bob
):
    open_exits(registry, programme, site_id)
    pools.exit(funded_pool, 100, {"from": alice})
    pools.exit(funded_pool, 50, {"from": bob})
    info = pools.pool(funded_pool).dict()
    assert (info["supply"], info["tokensTowardGoal"], info["goalTokens"]) == (50, 200, 100)
    with brownie.reverts(error("PoolsCannotFail", funded_pool)):
        pools.fail(funded_pool, {"from": bob})
    pools.checkCertifiable(funded_pool, 0)


# --- what an exit pays ------------------------------------------------------------------------------------------


def test_an_exit_burns_the_tokens_and_pays_their_price_before_anything_is_final(
    pools, registry, programme, site_id, funded_pool, alice
):
    open_exits(registry, programme, site_id)
    assert pools.exitQuote(funded_pool, 40) == 40 * PRICE_ETH
    before = alice.balance()
    tx = pools.exit(funded_pool, 40, {"from": alice})
    assert alice.balance() - before + tx.gas_used * tx.gas_price == 40 * PRICE_ETH
    event = tx.events["Exited"]
    assert (event["poolId"], event["holder"], event["tokens"], event["amount"]) == (
        funded_pool,
        alice,
        40,
        40 * PRICE_ETH,
    )
    burn = tx.events["TransferSingle"]
    assert (burn["from"], burn["to"], burn["id"], burn["value"]) == (alice, ZERO_ADDRESS, funded_pool, 40)
    assert pools.balanceOf(alice, funded_pool) == 60
    info = pools.pool(funded_pool).dict()
    assert (info["supply"], info["tokensSold"], info["exited"]) == (160, 200, 40 * PRICE_ETH)
    assert_escrow_adds_up(pools, funded_pool)


def test_an_exit_after_a_final_milestone_pays_the_price_less_what_it_earned(
    pools, registry, programme, site_id, funded_pool, certify_final, alice
):
    certify_final(funded_pool, 0)
    open_exits(registry, programme, site_id)
    assert pools.exitQuote(funded_pool, 100) == 100 * (PRICE_ETH - EARNED_0)
    assert pools.exit(funded_pool, 100, {"from": alice}).return_value == 100 * (PRICE_ETH - EARNED_0)
    assert_escrow_adds_up(pools, funded_pool)


def test_an_exit_inside_a_challenge_window_pays_the_share_the_voidable_milestone_would_earn(
    pools, registry, programme, site_id, funded_pool, certify, alice
):
    certify(funded_pool, 0)  # certified, not final
    open_exits(registry, programme, site_id)
    assert pools.exit(funded_pool, 100, {"from": alice}).return_value == 100 * PRICE_ETH


def test_an_exit_pays_exactly_what_a_refund_would(
    pools, registry, programme, site_id, funded_pool, certify_final, bob, carol
):
    certify_final(funded_pool, 0)
    open_exits(registry, programme, site_id)
    exited = pools.exit(funded_pool, 50, {"from": bob}).return_value
    warp_past(pools.milestone(funded_pool, 1).dict()["deadline"])
    pools.fail(funded_pool, {"from": bob})
    assert pools.refund(funded_pool, 50, {"from": carol}).return_value == exited == 50 * (PRICE_ETH - EARNED_0)


def test_an_exit_from_a_pool_whose_every_milestone_is_final_pays_nothing_and_burns_nothing(
    pools, registry, programme, site_id, funded_pool, certify_final, alice
):
    for k in range(3):
        certify_final(funded_pool, k, f"e{k}")
    open_exits(registry, programme, site_id)
    with brownie.reverts(error("PoolsNothingToRefund", funded_pool, 100)):
        pools.exit(funded_pool, 100, {"from": alice})
    assert pools.balanceOf(alice, funded_pool) == 100


def test_an_exit_quote_for_more_tokens_than_exist_is_the_quote_for_all_of_them(pools, funded_pool):
    assert pools.exitQuote(funded_pool, 201) == pools.exitQuote(funded_pool, 200) == 200 * PRICE_ETH


def test_an_erc20_exit_pays_the_token(pools, registry, programme, site_id, usdc_pool, usdc, buy, alice):
    buy(usdc_pool, alice, 5)
    open_exits(registry, programme, site_id)
    before = usdc.balanceOf(alice)
    pools.exit(usdc_pool, 5, {"from": alice})
    assert usdc.balanceOf(alice) - before == 5 * PRICE_USDC
    assert usdc.balanceOf(pools) == 0


def test_exit_input_is_checked(pools, registry, programme, site_id, funded_pool, alice, rando):
    open_exits(registry, programme, site_id)
    before = pools.balance()
    with brownie.reverts(error("PoolsZeroTokens")):
        pools.exit(funded_pool, 0, {"from": alice})
    with brownie.reverts(error("ERC1155InsufficientBalance", alice, 100, 101, funded_pool)):
        pools.exit(funded_pool, 101, {"from": alice})
    with brownie.reverts(error("ERC1155InsufficientBalance", rando, 0, 1, funded_pool)):
        pools.exit(funded_pool, 1, {"from": rando})
    with brownie.reverts(error("PoolsUnknownPool", 99)):
        pools.exit(99, 1, {"from": alice})
    assert pools.balance() == before


# --- the pool goes on for the others ------------------------------------------------------------------------------


def test_the_pool_goes_on_after_an_exit_and_later_tranches_shrink_in_proportion(
    pools, registry, programme, site_id, funded_pool, certify_final, alice, manager, rando
):
    execute_after_delay(registry, open_exits(registry, programme, site_id))  # tranches now go to the new wallet
    change = open_exits(registry, programme, site_id)
    pools.exit(funded_pool, 100, {"from": alice})  # half the tokens leave before anything is final
    registry.cancelChange(change.return_value, {"from": programme})
    certify_final(funded_pool, 0)
    tranche = pools.release(funded_pool, 0, {"from": rando}).return_value
    assert tranche == 100 * EARNED_0  # half of what 200 tokens would have given
    certify_final(funded_pool, 1, "e1")
    assert pools.release(funded_pool, 1, {"from": rando}).return_value == 100 * (EARNED_1 - EARNED_0)
    assert_escrow_adds_up(pools, funded_pool)


def test_a_tranche_counts_the_tokens_live_when_it_became_final(
    pools, registry, programme, site_id, funded_pool, certify_final, certify, finalize, alice, bob, rando
):
    certify_final(funded_pool, 0)
    open_exits(registry, programme, site_id)
    pools.exit(funded_pool, 100, {"from": alice})  # after milestone 0 is final: its tranche keeps 200 tokens
    certify(funded_pool, 1, "e1")
    pools.exit(funded_pool, 50, {"from": bob})  # inside milestone 1's window: its tranche loses 50 tokens
    finalize(funded_pool, 1)
    assert pools.release(funded_pool, 0, {"from": rando}).return_value == 200 * EARNED_0
    assert pools.release(funded_pool, 1, {"from": rando}).return_value == 50 * (EARNED_1 - EARNED_0)
    assert_escrow_adds_up(pools, funded_pool)


def test_the_books_add_up_to_nothing_left_after_exits_releases_and_refunds(
    pools, registry, programme, site_id, funded_pool, certify_final, certify, finalize, alice, bob, carol, rando
):
    open_exits(registry, programme, site_id)
    pools.exit(funded_pool, 30, {"from": alice})
    assert_escrow_adds_up(pools, funded_pool)
    certify(funded_pool, 0)
    pools.exit(funded_pool, 20, {"from": bob})
    assert_escrow_adds_up(pools, funded_pool)
    finalize(funded_pool, 0)
    pools.exit(funded_pool, 10, {"from": carol})
    assert_escrow_adds_up(pools, funded_pool)
    pools.release(funded_pool, 0, {"from": rando})
    assert_escrow_adds_up(pools, funded_pool)
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    pools.fail(funded_pool, {"from": rando})
    for holder in (alice, bob, carol):
        pools.refund(funded_pool, pools.balanceOf(holder, funded_pool), {"from": holder})
        assert_escrow_adds_up(pools, funded_pool)
    info = pools.pool(funded_pool).dict()
    assert (info["supply"], info["escrow"], pools.balance()) == (0, 0, 0)
    assert info["raised"] == info["released"] + info["refunded"] + info["exited"]
