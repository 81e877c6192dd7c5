"""Attackers that re-enter the pools (buy, refund, release, exit) from an ERC-1155 receive hook or an ETH receive
gain nothing."""

import brownie
from brownie import ReentrantReceiver
from support import PRICE_ETH, assert_escrow_adds_up, error

REENTRANCY_GUARD = "0x3ee5aeb5"  # ReentrancyGuardReentrantCall()
BUY, REFUND, RELEASE, EXIT = 1, 2, 3, 4  # ReentrantReceiver.Attack


def test_a_receiver_re_entering_buy_from_its_mint_hook_is_stopped(pools, eth_pool, alice):
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.arm(BUY, eth_pool, 1_000, {"from": alice})  # try to buy the whole cap again from inside the hook
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
    attacker.arm(REFUND, eth_pool, 5, {"from": alice})
    attacker.refund(eth_pool, 5, {"from": alice})
    assert attacker.reentered()
    assert attacker.reentryError() == REENTRANCY_GUARD
    assert attacker.balance() == 5 * PRICE_ETH
    assert pools.balanceOf(attacker, eth_pool) == 5
    assert pools.balance() == 15 * PRICE_ETH
    assert_escrow_adds_up(pools, eth_pool)
    # bob's share is intact
    assert pools.refundQuote(eth_pool, 10) == 10 * PRICE_ETH


def test_a_receiver_re_entering_release_from_its_mint_hook_is_stopped(
    pools, open_pool, funded_pool, certify_final, manager, alice
):
    certify_final(funded_pool, 0)  # a tranche that could be released, in another pool
    eth_pool = open_pool()
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.arm(RELEASE, funded_pool, 0, {"from": alice})
    manager_before = manager.balance()
    attacker.buy(eth_pool, 10, {"from": alice, "value": 10 * PRICE_ETH})
    assert attacker.reentered()
    assert attacker.reentryError() == REENTRANCY_GUARD
    assert manager.balance() == manager_before  # nothing was released from inside the purchase
    assert not pools.milestone(funded_pool, 0).dict()["released"]
    assert_escrow_adds_up(pools, funded_pool)
    assert_escrow_adds_up(pools, eth_pool)


def test_a_receiver_re_entering_release_from_a_transfer_hook_releases_the_tranche_only_once(
    pools, funded_pool, certify_final, manager, alice
):
    certify_final(funded_pool, 0)
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.arm(RELEASE, funded_pool, 0, {"from": alice})
    manager_before = manager.balance()
    # A transfer holds no lock: the hook's release goes through, as anyone's release would ...
    pools.safeTransferFrom(alice, attacker, funded_pool, 1, b"", {"from": alice})
    assert attacker.reentered()
    tranche = pools.milestone(funded_pool, 0).dict()["trancheAmount"]
    assert manager.balance() == manager_before + tranche
    # ... and pays the site, once: a second release is refused.
    with brownie.reverts(error("PoolsTrancheAlreadyReleased", funded_pool, 0)):
        pools.release(funded_pool, 0, {"from": alice})
    assert manager.balance() == manager_before + tranche
    assert_escrow_adds_up(pools, funded_pool)


def test_a_holder_re_entering_exit_from_its_eth_receive_is_paid_once(
    pools, registry, programme, site_id, eth_pool, alice, bob, buy, rando
):
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.buy(eth_pool, 10, {"from": alice, "value": 10 * PRICE_ETH})
    buy(eth_pool, bob, 10)
    registry.scheduleBeneficiaryChange(site_id, rando, {"from": programme})  # exits open
    attacker.arm(EXIT, eth_pool, 5, {"from": alice})
    tx = attacker.exit(eth_pool, 5, {"from": alice})
    assert attacker.reentered()
    assert attacker.reentryError() == REENTRANCY_GUARD
    assert attacker.balance() == 5 * PRICE_ETH
    assert pools.balanceOf(attacker, eth_pool) == 5
    assert len(tx.events["Exited"]) == 1
    assert pools.balance() == 15 * PRICE_ETH
    assert_escrow_adds_up(pools, eth_pool)
    assert pools.exitQuote(eth_pool, 10) == 10 * PRICE_ETH  # bob's share is intact
