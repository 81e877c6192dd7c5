"""Attackers around the money: a token that returns false instead of reverting (and one that returns nothing, which
must still work), and buyers or holders who try to get ahead of a pool's failure."""

import brownie
import pytest
from brownie import FalseReturningToken, NoReturnToken
from support import Failure, Status, assert_escrow_adds_up, error, money_snapshot, warp_past

PRICE = 10**18


@pytest.fixture
def false_token(programme, alice, bob):
    token = FalseReturningToken.deploy({"from": programme})
    for holder in (alice, bob):
        token.mint(holder, 1_000 * PRICE, {"from": programme})
    return token


@pytest.fixture
def false_pool(open_pool, false_token, alice, bob, pools, close_sale):
    """A pool paid in the false-returning token, sold above its goal (alice 60, bob 60), sale closed."""
    pool_id = open_pool(asset=false_token.address, price=PRICE)
    for buyer in (alice, bob):
        false_token.approve(pools, 60 * PRICE, {"from": buyer})
        pools.buy(pool_id, 60, buyer, {"from": buyer})
    close_sale(pool_id)
    return pool_id


# --- a token that returns false -----------------------------------------------------------------------------------


def test_a_payment_the_token_refuses_with_false_mints_nothing(pools, open_pool, false_token, alice):
    pool_id = open_pool(asset=false_token.address, price=PRICE)
    false_token.approve(pools, PRICE, {"from": alice})
    false_token.setRefuse(True, {"from": alice})
    before = money_snapshot(pools, [pool_id], [alice], false_token)
    with brownie.reverts(error("SafeERC20FailedOperation", false_token)):
        pools.buy(pool_id, 1, alice, {"from": alice})
    assert money_snapshot(pools, [pool_id], [alice], false_token) == before


def test_a_refund_the_token_refuses_keeps_the_holders_tokens(
    pools, registry, programme, site_id, false_pool, false_token, alice
):
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    pools.fail(false_pool, {"from": alice})
    false_token.setRefuse(True, {"from": alice})
    before = money_snapshot(pools, [false_pool], [alice], false_token)
    with brownie.reverts(error("SafeERC20FailedOperation", false_token)):
        pools.refund(false_pool, 60, {"from": alice})
    assert money_snapshot(pools, [false_pool], [alice], false_token) == before
    # Once the token works again, the refund is whole.
    false_token.setRefuse(False, {"from": alice})
    assert pools.refund(false_pool, 60, {"from": alice}).return_value == 60 * PRICE
    assert_escrow_adds_up(pools, false_pool)


def test_a_tranche_the_token_refuses_is_credited_not_lost(
    pools, false_pool, false_token, certify_final, manager, rando
):
    certify_final(false_pool, 0)
    false_token.setRefuse(True, {"from": rando})
    tx = pools.release(false_pool, 0, {"from": rando})
    tranche = tx.return_value
    assert tranche == 120 * PRICE * 3_000 // 10_000
    assert tx.events["TrancheReleased"]["credited"] is True
    assert pools.milestone(false_pool, 0).dict()["credited"]
    assert false_token.balanceOf(manager) == 0
    assert false_token.balanceOf(pools) == 120 * PRICE
    false_token.setRefuse(False, {"from": rando})
    assert pools.withdrawCredit(false_pool, 0, {"from": manager}).return_value == tranche
    assert false_token.balanceOf(manager) == tranche
    assert not pools.milestone(false_pool, 0).dict()["credited"]
    assert_escrow_adds_up(pools, false_pool)


# --- a token that returns nothing ---------------------------------------------------------------------------------


def test_a_token_that_returns_nothing_pays_for_tokens_and_refunds_them(
    pools, registry, programme, site_id, open_pool, close_sale, alice
):
    token = NoReturnToken.deploy({"from": programme})
    token.mint(alice, 200 * PRICE, {"from": programme})
    pool_id = open_pool(asset=token.address, price=PRICE)
    token.approve(pools, 150 * PRICE, {"from": alice})
    pools.buy(pool_id, 150, alice, {"from": alice})
    assert pools.balanceOf(alice, pool_id) == 150
    assert token.balanceOf(pools) == 150 * PRICE and token.balanceOf(alice) == 50 * PRICE
    # No allowance left: the token's own revert comes through, and nothing moves.
    before = money_snapshot(pools, [pool_id], [alice], token)
    with brownie.reverts("allowance"):
        pools.buy(pool_id, 1, alice, {"from": alice})
    assert money_snapshot(pools, [pool_id], [alice], token) == before

    close_sale(pool_id)
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    pools.fail(pool_id, {"from": alice})
    assert pools.refund(pool_id, 150, {"from": alice}).return_value == 150 * PRICE
    assert token.balanceOf(alice) == 200 * PRICE and token.balanceOf(pools) == 0
    assert_escrow_adds_up(pools, pool_id)


# --- getting ahead of a failure -----------------------------------------------------------------------------------


def test_a_buyer_cannot_slip_in_after_the_sale_closed_below_its_goal(pools, eth_pool, buy, alice, bob):
    buy(eth_pool, alice, 10)  # below the goal of 100
    info = pools.pool(eth_pool).dict()
    warp_past(info["saleEnd"])
    # fail() has not been called yet, and cannot be front-run by a purchase that would lift the pool over its goal
    before = money_snapshot(pools, [eth_pool], [alice, bob])
    with brownie.reverts(error("PoolsSaleNotOpen", eth_pool, info["saleStart"], info["saleEnd"])):
        pools.buy(eth_pool, 90, bob, {"from": bob, "value": 90 * info["price"]})
    assert money_snapshot(pools, [eth_pool], [alice, bob]) == before
    assert pools.fail(eth_pool, {"from": bob}).return_value == Failure.GOAL_NOT_REACHED


def test_a_buyer_cannot_slip_in_once_the_site_is_withdrawn(pools, registry, programme, site_id, eth_pool, bob):
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    before = money_snapshot(pools, [eth_pool], [bob])
    with brownie.reverts(error("PoolsSiteNotFundable", site_id, Status.WITHDRAWN)):
        pools.buy(eth_pool, 10, bob, {"from": bob, "value": 10 * pools.pool(eth_pool).dict()["price"]})
    assert money_snapshot(pools, [eth_pool], [bob]) == before


def test_no_holder_can_refund_ahead_of_the_failure(pools, funded_pool, alice, bob, carol):
    warp_past(pools.milestone(funded_pool, 0).dict()["deadline"])  # the failure is due, not yet recorded
    with brownie.reverts(error("PoolsNotFailed", funded_pool)):
        pools.refund(funded_pool, 100, {"from": alice})
    pools.fail(funded_pool, {"from": bob})
    # Every holder then gets the same share per token, whoever moved first.
    quote = pools.refundQuote(funded_pool, 50)
    assert quote > 0
    assert pools.refund(funded_pool, 50, {"from": bob}).return_value == quote
    assert pools.refund(funded_pool, 50, {"from": carol}).return_value == quote
    assert_escrow_adds_up(pools, funded_pool)
