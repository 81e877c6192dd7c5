"""ImpactPools.buy: investors pay the exact price and receive impact tokens, within the cap and the window."""

import brownie
import pytest
from brownie import ZERO_ADDRESS, NonReceiverWallet
from support import DAY, PRICE_ETH, PRICE_USDC, Failure, Status, error, latest_time, money_snapshot


def test_buying_with_eth_mints_tokens_and_escrows_the_payment(pools, eth_pool, alice, buy):
    tx = buy(eth_pool, alice, 25)
    assert pools.balanceOf(alice, eth_pool) == 25
    assert pools.totalSupply(eth_pool) == 25
    assert pools.balance() == 25 * PRICE_ETH
    info = pools.pool(eth_pool).dict()
    assert (info["tokensSold"], info["raised"], info["escrow"]) == (25, 25 * PRICE_ETH, 25 * PRICE_ETH)
    assert tx.return_value == 25 * PRICE_ETH


def test_a_purchase_emits_buyer_recipient_tokens_and_amount(pools, eth_pool, alice, bob, buy):
    tx = buy(eth_pool, alice, 3, recipient=bob)
    event = tx.events["TokensPurchased"]
    assert (event["poolId"], event["buyer"], event["recipient"]) == (eth_pool, alice, bob)
    assert (event["tokens"], event["amountPaid"]) == (3, 3 * PRICE_ETH)
    transfer = tx.events["TransferSingle"]
    assert (transfer["from"], transfer["to"], transfer["id"], transfer["value"]) == (ZERO_ADDRESS, bob, eth_pool, 3)


def test_tokens_can_be_minted_to_a_named_recipient(pools, eth_pool, alice, bob, buy):
    buy(eth_pool, alice, 4, recipient=bob)
    assert pools.balanceOf(bob, eth_pool) == 4
    assert pools.balanceOf(alice, eth_pool) == 0


def test_buying_with_an_erc20_pulls_exactly_the_price(pools, usdc_pool, usdc, alice, buy):
    before = usdc.balanceOf(alice)
    buy(usdc_pool, alice, 10)
    assert usdc.balanceOf(alice) == before - 10 * PRICE_USDC
    assert usdc.balanceOf(pools) == 10 * PRICE_USDC
    assert pools.balanceOf(alice, usdc_pool) == 10


@pytest.mark.parametrize("sent", [0, PRICE_ETH - 1, PRICE_ETH + 1, 2 * PRICE_ETH])
def test_eth_payment_must_be_exact(pools, eth_pool, alice, sent):
    before = money_snapshot(pools, [eth_pool], [alice])
    with brownie.reverts(error("PoolsWrongPayment", PRICE_ETH, sent)):
        pools.buy(eth_pool, 1, alice, {"from": alice, "value": sent})
    assert money_snapshot(pools, [eth_pool], [alice]) == before


def test_no_eth_is_taken_by_an_erc20_pool(pools, usdc_pool, usdc, alice):
    usdc.approve(pools, PRICE_USDC, {"from": alice})
    before = money_snapshot(pools, [usdc_pool], [alice], usdc)
    with brownie.reverts(error("PoolsWrongPayment", 0, 1)):
        pools.buy(usdc_pool, 1, alice, {"from": alice, "value": 1})
    assert money_snapshot(pools, [usdc_pool], [alice], usdc) == before


def test_a_token_that_delivers_less_than_asked_is_rejected(pools, open_pool, fee_token, alice):
    pool_id = open_pool(asset=fee_token.address, price=10**18)
    fee_token.approve(pools, 10**18, {"from": alice})
    before = money_snapshot(pools, [pool_id], [alice], fee_token)
    with brownie.reverts(error("PoolsPaymentShortfall", 10**18, 99 * 10**16)):
        pools.buy(pool_id, 1, alice, {"from": alice})
    assert money_snapshot(pools, [pool_id], [alice], fee_token) == before


def test_an_erc20_purchase_without_allowance_reverts(pools, usdc_pool, usdc, alice):
    with brownie.reverts(error("ERC20InsufficientAllowance", pools, 0, PRICE_USDC)):
        pools.buy(usdc_pool, 1, alice, {"from": alice})
    assert pools.balanceOf(alice, usdc_pool) == 0


def test_the_cap_is_enforced(pools, eth_pool, alice, bob, buy):
    buy(eth_pool, alice, 990)
    before = money_snapshot(pools, [eth_pool], [bob])
    with brownie.reverts(error("PoolsCapExceeded", eth_pool, 10, 11)):
        pools.buy(eth_pool, 11, bob, {"from": bob, "value": 11 * PRICE_ETH})
    assert money_snapshot(pools, [eth_pool], [bob]) == before
    buy(eth_pool, bob, 10)
    assert pools.pool(eth_pool).dict()["tokensSold"] == 1_000


def test_an_overflowing_token_count_is_rejected_by_the_cap(pools, eth_pool, alice):
    with brownie.reverts(error("PoolsCapExceeded", eth_pool, 1_000, 2**256 - 1)):
        pools.buy(eth_pool, 2**256 - 1, alice, {"from": alice, "value": 0})


def test_zero_tokens_and_the_zero_recipient_are_rejected(pools, eth_pool, alice):
    with brownie.reverts(error("PoolsZeroTokens")):
        pools.buy(eth_pool, 0, alice, {"from": alice})
    with brownie.reverts(error("PoolsZeroRecipient")):
        pools.buy(eth_pool, 1, ZERO_ADDRESS, {"from": alice, "value": PRICE_ETH})


def test_an_unknown_pool_takes_no_money(pools, alice):
    with brownie.reverts(error("PoolsUnknownPool", 42)):
        pools.buy(42, 1, alice, {"from": alice, "value": PRICE_ETH})


def test_nothing_is_sold_before_the_window_opens(pools, open_pool, alice):
    start = latest_time() + DAY
    pool_id = open_pool(saleStart=start, saleEnd=start + DAY)
    with brownie.reverts(error("PoolsSaleNotOpen", pool_id, start, start + DAY)):
        pools.buy(pool_id, 1, alice, {"from": alice, "value": PRICE_ETH})


def test_nothing_is_sold_after_the_window_closes(pools, eth_pool, alice, close_sale):
    close_sale(eth_pool)
    info = pools.pool(eth_pool).dict()
    with brownie.reverts(error("PoolsSaleNotOpen", eth_pool, info["saleStart"], info["saleEnd"])):
        pools.buy(eth_pool, 1, alice, {"from": alice, "value": PRICE_ETH})


@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.WITHDRAWN])
def test_a_suspended_or_withdrawn_site_takes_no_new_money(pools, registry, programme, eth_pool, site_id, alice, status):
    registry.setStatus(site_id, status, {"from": programme})
    before = money_snapshot(pools, [eth_pool], [alice])
    with brownie.reverts(error("PoolsSiteNotFundable", site_id, status)):
        pools.buy(eth_pool, 1, alice, {"from": alice, "value": PRICE_ETH})
    assert money_snapshot(pools, [eth_pool], [alice]) == before


def test_a_green_listed_site_takes_money(pools, registry, programme, eth_pool, site_id, alice, buy):
    registry.setStatus(site_id, Status.GREEN_LISTED, {"from": programme})
    buy(eth_pool, alice, 1)
    assert pools.balanceOf(alice, eth_pool) == 1


def test_a_failed_pool_takes_no_money(pools, registry, programme, eth_pool, site_id, alice):
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    pools.fail(eth_pool, {"from": alice})
    with brownie.reverts(error("PoolsPoolFailed", eth_pool, Failure.SITE_WITHDRAWN)):
        pools.buy(eth_pool, 1, alice, {"from": alice, "value": PRICE_ETH})


def test_a_contract_that_cannot_receive_erc1155_cannot_buy_for_itself(pools, eth_pool, alice):
    wallet = NonReceiverWallet.deploy({"from": alice})
    with brownie.reverts(error("ERC1155InvalidReceiver", wallet)):
        wallet.buy(pools, eth_pool, 1, {"from": alice, "value": PRICE_ETH})
    assert pools.balance() == 0
    assert pools.totalSupply(eth_pool) == 0


def test_impact_tokens_are_transferable(pools, eth_pool, alice, bob, buy):
    buy(eth_pool, alice, 5)
    pools.safeTransferFrom(alice, bob, eth_pool, 2, b"", {"from": alice})
    assert (pools.balanceOf(alice, eth_pool), pools.balanceOf(bob, eth_pool)) == (3, 2)
    assert pools.totalSupply(eth_pool) == 5
