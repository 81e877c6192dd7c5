"""ImpactPools.fail and refund: a pool that misses its goal, a milestone deadline or loses its site refunds
every token the same: its price less what final milestones earned of it (the site's share rounded down)."""

import brownie
import pytest
from brownie import ZERO_ADDRESS
from support import (
    DAY,
    PRICE_ETH,
    PRICE_USDC,
    Failure,
    Status,
    assert_escrow_adds_up,
    error,
    latest_time,
    milestone_schedule,
    warp_past,
)

RAISED = 200 * PRICE_ETH


def test_a_pool_below_its_goal_fails_when_the_sale_closes(pools, eth_pool, buy, alice, close_sale, rando):
    buy(eth_pool, alice, 40)
    assert pools.failureDue(eth_pool) == Failure.NONE
    close_sale(eth_pool)
    assert pools.failureDue(eth_pool) == Failure.GOAL_NOT_REACHED
    tx = pools.fail(eth_pool, {"from": rando})
    assert tx.return_value == Failure.GOAL_NOT_REACHED
    assert tx.events["PoolFailed"]["reason"] == Failure.GOAL_NOT_REACHED
    assert pools.pool(eth_pool).dict()["failure"] == Failure.GOAL_NOT_REACHED


def test_a_missed_milestone_deadline_fails_the_pool(pools, funded_pool, rando):
    warp_past(pools.milestone(funded_pool, 0).dict()["deadline"])
    assert pools.fail(funded_pool, {"from": rando}).return_value == Failure.MILESTONE_MISSED


def test_a_withdrawn_site_fails_the_pool_even_during_the_sale(pools, registry, programme, eth_pool, site_id, rando):
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    assert pools.fail(eth_pool, {"from": rando}).return_value == Failure.SITE_WITHDRAWN


def test_a_healthy_pool_cannot_be_failed(pools, open_pool, funded_pool, registry, programme, site_id, rando):
    on_sale = open_pool()
    registry.setStatus(site_id, Status.SUSPENDED, {"from": programme})  # suspended is not withdrawn
    for pool_id in (on_sale, funded_pool):
        with brownie.reverts(error("PoolsCannotFail", pool_id)):
            pools.fail(pool_id, {"from": rando})


def test_a_pool_fails_only_once(pools, registry, programme, eth_pool, site_id, rando):
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    pools.fail(eth_pool, {"from": rando})
    with brownie.reverts(error("PoolsCannotFail", eth_pool)):
        pools.fail(eth_pool, {"from": rando})


def test_a_completed_pool_cannot_fail(pools, funded_pool, certify, registry, programme, site_id, rando):
    for k in range(3):
        certify(funded_pool, k, f"e{k}")
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    with brownie.reverts(error("PoolsCannotFail", funded_pool)):
        pools.fail(funded_pool, {"from": rando})


def test_holders_of_a_failed_pool_get_their_money_back(pools, eth_pool, buy, alice, bob, close_sale):
    buy(eth_pool, alice, 30)
    buy(eth_pool, bob, 20)
    close_sale(eth_pool)
    pools.fail(eth_pool, {"from": bob})
    before = alice.balance()
    tx = pools.refund(eth_pool, 30, {"from": alice})
    assert tx.return_value == 30 * PRICE_ETH
    assert alice.balance() - before + tx.gas_used * tx.gas_price == 30 * PRICE_ETH
    assert pools.balanceOf(alice, eth_pool) == 0
    assert pools.totalSupply(eth_pool) == 20
    event = tx.events["Refunded"]
    assert (event["poolId"], event["holder"], event["tokens"], event["amount"]) == (eth_pool, alice, 30, 30 * PRICE_ETH)
    assert tx.events["TransferSingle"]["to"] == ZERO_ADDRESS
    assert_escrow_adds_up(pools, eth_pool)


def test_refunds_exclude_what_final_milestones_earned(pools, funded_pool, certify, alice, bob, carol):
    certify(funded_pool, 0)  # 30% earned by the site once final, released or not
    warp_past(pools.milestone(funded_pool, 1).dict()["deadline"])
    pools.fail(funded_pool, {"from": alice})
    refundable = RAISED * 7_000 // 10_000
    assert pools.refundQuote(funded_pool, 100) == refundable * 100 // 200
    paid = [
        pools.refund(funded_pool, n, {"from": who}).return_value for who, n in ((alice, 100), (bob, 50), (carol, 50))
    ]
    assert sum(paid) == refundable
    # The certified tranche is still the site's, and can be released after the failure.
    pools.release(funded_pool, 0, {"from": alice})
    info = pools.pool(funded_pool).dict()
    assert info["escrow"] == 0 and pools.balance() == 0
    assert_escrow_adds_up(pools, funded_pool)


def test_with_nothing_earned_every_token_refunds_its_price(pools, open_pool, buy, alice, bob, close_sale):
    pool_id = open_pool(price=7, goalTokens=10, capTokens=100)
    buy(pool_id, alice, 2)
    buy(pool_id, bob, 1)
    close_sale(pool_id)
    pools.fail(pool_id, {"from": alice})
    # Refund one token at a time: each gets its price less what final milestones earned of it, here nothing.
    paid = [pools.refund(pool_id, 1, {"from": alice}).return_value for _ in range(2)]
    paid.append(pools.refund(pool_id, 1, {"from": bob}).return_value)
    assert paid == [7, 7, 7]
    assert pools.pool(pool_id).dict()["escrow"] == 0


def test_many_tiny_refunds_extract_exactly_what_one_big_one_would(
    pools, open_pool, buy, bob, carol, close_sale, certify
):
    # 7 wei a token, 30 % earned: 2.1 wei a token, rounded down to 2 for the site; 5 back for each token.
    pool_id = open_pool(price=7, goalTokens=1, capTokens=100)
    buy(pool_id, bob, 50)
    buy(pool_id, carol, 50)
    close_sale(pool_id)
    certify(pool_id, 0)
    warp_past(pools.milestone(pool_id, 1).dict()["deadline"])
    pools.fail(pool_id, {"from": bob})
    one_big = pools.refundQuote(pool_id, 50)
    assert one_big == 50 * (7 - 7 * 3_000 // 10_000)
    tiny = sum(pools.refund(pool_id, 1, {"from": bob}).return_value for _ in range(50))
    assert tiny == one_big
    # Whoever redeems first, every token gets the same.
    assert pools.refund(pool_id, 50, {"from": carol}).return_value == one_big
    assert_escrow_adds_up(pools, pool_id)


def test_a_quote_for_more_tokens_than_exist_is_the_quote_for_all_of_them(pools, funded_pool, alice):
    warp_past(pools.milestone(funded_pool, 0).dict()["deadline"])
    pools.fail(funded_pool, {"from": alice})
    supply = pools.totalSupply(funded_pool)
    assert pools.refundQuote(funded_pool, supply + 1) == pools.refundQuote(funded_pool, supply) == RAISED


def test_a_failed_pool_that_sold_nothing_owes_nothing(pools, eth_pool, close_sale, rando):
    close_sale(eth_pool)
    pools.fail(eth_pool, {"from": rando})
    assert pools.refundQuote(eth_pool, 1) == 0
    info = pools.pool(eth_pool).dict()
    assert (info["raised"], info["refunded"], info["escrow"]) == (0, 0, 0)


def test_refunds_need_a_failed_pool(pools, funded_pool, alice):
    with brownie.reverts(error("PoolsNotFailed", funded_pool)):
        pools.refund(funded_pool, 1, {"from": alice})
    with brownie.reverts(error("PoolsNotFailed", funded_pool)):
        pools.refundQuote(funded_pool, 1)


def test_refund_input_is_checked(pools, registry, programme, funded_pool, site_id, alice, rando):
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    pools.fail(funded_pool, {"from": rando})
    before = pools.balance()
    with brownie.reverts(error("PoolsZeroTokens")):
        pools.refund(funded_pool, 0, {"from": alice})
    with brownie.reverts(error("ERC1155InsufficientBalance", alice, 100, 101, funded_pool)):
        pools.refund(funded_pool, 101, {"from": alice})
    with brownie.reverts(error("ERC1155InsufficientBalance", rando, 0, 1, funded_pool)):
        pools.refund(funded_pool, 1, {"from": rando})
    with brownie.reverts(error("PoolsUnknownPool", 99)):
        pools.refund(99, 1, {"from": alice})
    assert pools.balance() == before
    assert pools.balanceOf(alice, funded_pool) == 100


def test_the_site_takes_the_rounding_of_its_share_down_and_the_holder_the_rest(
    pools, open_pool, buy, alice, bob, close_sale, certify_final
):
    sale_end = latest_time() + DAY
    pool_id = open_pool(
        price=1, goalTokens=3, capTokens=3, saleEnd=sale_end, milestones=milestone_schedule(sale_end, shares=(9_999, 1))
    )
    buy(pool_id, alice, 2)
    buy(pool_id, bob, 1)
    certify_final(pool_id, 0)  # sold out: certifiable; 99.99 % of 1 wei is 0 wei a token, rounded down
    warp_past(pools.milestone(pool_id, 1).dict()["deadline"])
    pools.fail(pool_id, {"from": alice})
    assert pools.refund(pool_id, 2, {"from": alice}).return_value == 2
    assert pools.release(pool_id, 0, {"from": alice}).return_value == 0
    assert pools.refund(pool_id, 1, {"from": bob}).return_value == 1
    info = pools.pool(pool_id).dict()
    assert (info["escrow"], info["supply"], pools.balance()) == (0, 0, 0)  # no dust left behind
    assert_escrow_adds_up(pools, pool_id)


def test_erc20_refunds_pay_the_token(pools, usdc_pool, usdc, buy, alice, close_sale):
    buy(usdc_pool, alice, 5)
    close_sale(usdc_pool)
    pools.fail(usdc_pool, {"from": alice})
    before = usdc.balanceOf(alice)
    pools.refund(usdc_pool, 5, {"from": alice})
    assert usdc.balanceOf(alice) - before == 5 * PRICE_USDC
    assert usdc.balanceOf(pools) == 0


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_transferred_tokens_are_refunded_to_whoever_holds_them(pools, eth_pool, buy, alice, bob, close_sale, who):
    buy(eth_pool, alice, 10)
    pools.safeTransferFrom(alice, bob, eth_pool, 4, b"", {"from": alice})
    close_sale(eth_pool)
    pools.fail(eth_pool, {"from": alice})
    holder = {"alice": alice, "bob": bob}[who]
    tokens = pools.balanceOf(holder, eth_pool)
    assert pools.refund(eth_pool, tokens, {"from": holder}).return_value == tokens * PRICE_ETH
