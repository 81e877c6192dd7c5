"""Attackers that re-enter the pools from an ERC-1155 receive hook or an ETH receive gain nothing."""

from brownie import ReentrantReceiver
from support import PRICE_ETH, assert_escrow_adds_up

REENTRANCY_GUARD = "0x3ee5aeb5"  # ReentrancyGuardReentrantCall()


def test_a_receiver_re_entering_buy_from_its_mint_hook_is_stopped(pools, eth_pool, alice):
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.arm(1, eth_pool, 1_000, {"from": alice})  # try to buy the whole cap again from inside the hook
    attacker.buy(eth_pool, 10, {"from": alice, "value": 10 * PRICE_ETH})
    assert attacker.reentered()
    assert attacker.reentryError() == REENTRANCY_GUARD
    assert pools.balanceOf(attacker, eth_pool) == 10
    assert pools.totalSupply(eth_pool) == 10
    assert pools.balance() == 10 * PRICE_ETH
    assert_escrow_adds_up(pools, eth_pool)


def test_a_holder_re_entering_refund_from_its_eth_receive_is_paid_once(pools, eth_pool, alice, bob, buy, close_sale):
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.buy(eth_pool, 10, {"from": alice, "value": 10 * PRICE_ETH})
    buy(eth_pool, bob, 10)
    close_sale(eth_pool)
    pools.fail(eth_pool, {"from": alice})
    attacker.arm(2, eth_pool, 5, {"from": alice})
    attacker.refund(eth_pool, 5, {"from": alice})
    assert attacker.reentered()
    assert attacker.reentryError() == REENTRANCY_GUARD
    assert attacker.balance() == 5 * PRICE_ETH
    assert pools.balanceOf(attacker, eth_pool) == 5
    assert pools.balance() == 15 * PRICE_ETH
    assert_escrow_adds_up(pools, eth_pool)
    # bob's share is intact
    assert pools.refundQuote(eth_pool, 10) == 10 * PRICE_ETH
