"""ImpactPools.release: a final milestone's tranche goes to the payee recorded at certification, and no payee can
block it: a payment it rejects is credited to the milestone for withdrawal."""

import brownie
import pytest
from brownie import RejectingBeneficiary
from support import PRICE_ETH, PRICE_USDC, assert_escrow_adds_up, error, execute_after_delay

RAISED = 200 * PRICE_ETH  # funded_pool: 100 + 50 + 50 tokens


def test_a_final_tranche_is_paid_to_the_beneficiary(pools, funded_pool, certify_final, manager, rando):
    certify_final(funded_pool, 0)
    before = manager.balance()
    tx = pools.release(funded_pool, 0, {"from": rando})
    assert tx.return_value == RAISED * 3_000 // 10_000
    assert manager.balance() - before == RAISED * 3_000 // 10_000
    event = tx.events["TrancheReleased"]
    assert (event["poolId"], event["milestoneId"], event["beneficiary"]) == (funded_pool, 0, manager)
    assert (event["amount"], event["credited"]) == (RAISED * 3_000 // 10_000, False)
    info = pools.pool(funded_pool).dict()
    assert info["released"] == RAISED * 3_000 // 10_000
    assert info["escrow"] == RAISED - info["released"]
    assert pools.milestone(funded_pool, 0).dict()["released"]
    assert_escrow_adds_up(pools, funded_pool)


def test_a_tranche_is_released_only_once(pools, funded_pool, certify_final, rando):
    certify_final(funded_pool, 0)
    pools.release(funded_pool, 0, {"from": rando})
    with brownie.reverts(error("PoolsTrancheAlreadyReleased", funded_pool, 0)):
        pools.release(funded_pool, 0, {"from": rando})


def test_an_uncertified_tranche_stays_in_escrow(pools, funded_pool, rando):
    before = pools.balance()
    with brownie.reverts(error("PoolsMilestoneNotCertified", funded_pool, 0)):
        pools.release(funded_pool, 0, {"from": rando})
    with brownie.reverts(error("PoolsUnknownMilestone", funded_pool, 3)):
        pools.release(funded_pool, 3, {"from": rando})
    with brownie.reverts(error("PoolsUnknownPool", 77)):
        pools.release(77, 0, {"from": rando})
    assert pools.balance() == before


def test_all_tranches_add_up_to_exactly_the_amount_raised(
    pools, open_pool, buy, alice, close_sale, certify_final, manager
):
    # 7 tokens at 3 wei with shares that do not divide evenly: rounding must not leave dust in escrow.
    from support import latest_time, milestone_schedule

    now = latest_time()
    pool_id = open_pool(
        price=3,
        goalTokens=1,
        capTokens=7,
        milestones=milestone_schedule(now + 86_400 * 30, shares=(3_333, 3_333, 3_334)),
    )
    buy(pool_id, alice, 7)
    close_sale(pool_id)
    paid = []
    for k in range(3):
        certify_final(pool_id, k, f"evidence {k}")
        paid.append(pools.release(pool_id, k, {"from": alice}).return_value)
    assert sum(paid) == 21
    assert pools.pool(pool_id).dict()["escrow"] == 0
    assert_escrow_adds_up(pools, pool_id)


def test_tranches_can_be_released_in_any_order_once_final(pools, funded_pool, certify, finalize, rando):
    certify(funded_pool, 0, "e0")
    certify(funded_pool, 1, "e1")
    finalize(funded_pool, 1)
    second = pools.release(funded_pool, 1, {"from": rando}).return_value
    # The amount released is derived from the released tranches: here only the second one so far.
    assert pools.pool(funded_pool).dict()["released"] == second
    assert_escrow_adds_up(pools, funded_pool)
    first = pools.release(funded_pool, 0, {"from": rando}).return_value
    assert (first, second) == (RAISED * 3_000 // 10_000, RAISED * 3_000 // 10_000)
    assert pools.pool(funded_pool).dict()["released"] == first + second


def rejecting_beneficiary(registry, programme, site_id):
    """Makes a wallet that rejects ETH the site's beneficiary (a delayed change, executed)."""
    wallet = RejectingBeneficiary.deploy({"from": programme})
    execute_after_delay(registry, registry.scheduleBeneficiaryChange(site_id, wallet, {"from": programme}))
    return wallet


def test_a_beneficiary_that_rejects_eth_is_credited_instead(
    pools, registry, programme, funded_pool, site_id, certify_final, rando
):
    wallet = rejecting_beneficiary(registry, programme, site_id)
    certify_final(funded_pool, 0)
    tx = pools.release(funded_pool, 0, {"from": rando})
    tranche = RAISED * 3_000 // 10_000
    event = tx.events["TrancheReleased"]
    assert (event["beneficiary"], event["amount"], event["credited"]) == (wallet, tranche, True)
    milestone = pools.milestone(funded_pool, 0).dict()
    assert milestone["released"] and milestone["credited"] and milestone["trancheAmount"] == tranche
    assert wallet.balance() == 0
    assert pools.balance() == RAISED  # the credit is still held, outside the escrow
    assert_escrow_adds_up(pools, funded_pool)


def test_a_rejecting_payee_does_not_block_the_next_tranche(
    pools, registry, programme, funded_pool, site_id, certify_final, rando
):
    rejecting_beneficiary(registry, programme, site_id)
    certify_final(funded_pool, 0, "e0")
    pools.release(funded_pool, 0, {"from": rando})
    certify_final(funded_pool, 1, "e1")
    assert pools.release(funded_pool, 1, {"from": rando}).events["TrancheReleased"]["credited"] is True
    assert [pools.milestone(funded_pool, k).dict()["credited"] for k in range(3)] == [True, True, False]


def test_a_credited_tranche_is_withdrawn_by_its_payee(
    pools, registry, programme, funded_pool, site_id, certify_final, rando
):
    wallet = rejecting_beneficiary(registry, programme, site_id)
    certify_final(funded_pool, 0)
    pools.release(funded_pool, 0, {"from": rando})
    tranche = RAISED * 3_000 // 10_000
    wallet.setAccepting(True, {"from": programme})
    tx = wallet.withdrawFrom(pools, funded_pool, 0, {"from": programme})
    assert tx.return_value == tranche
    assert wallet.balance() == tranche
    assert not pools.milestone(funded_pool, 0).dict()["credited"]
    event = tx.events["CreditWithdrawn"]
    assert (event["poolId"], event["milestoneId"], event["account"], event["amount"]) == (
        funded_pool,
        0,
        wallet,
        tranche,
    )
    assert pools.balance() == RAISED - tranche


def test_nothing_to_withdraw_is_an_error(pools, funded_pool, certify_final, manager):
    with brownie.reverts(error("PoolsNothingToWithdraw", funded_pool, 0)):
        pools.withdrawCredit(funded_pool, 0, {"from": manager})
    certify_final(funded_pool, 0)
    pools.release(funded_pool, 0, {"from": manager})  # pushed: nothing credited
    with brownie.reverts(error("PoolsNothingToWithdraw", funded_pool, 0)):
        pools.withdrawCredit(funded_pool, 0, {"from": manager})


def test_a_credit_is_withdrawn_only_once(pools, registry, programme, funded_pool, site_id, certify_final, rando):
    wallet = rejecting_beneficiary(registry, programme, site_id)
    certify_final(funded_pool, 0)
    pools.release(funded_pool, 0, {"from": rando})
    wallet.setAccepting(True, {"from": programme})
    wallet.withdrawFrom(pools, funded_pool, 0, {"from": programme})
    with brownie.reverts(error("PoolsNothingToWithdraw", funded_pool, 0)):
        wallet.withdrawFrom(pools, funded_pool, 0, {"from": programme})
    assert wallet.balance() == RAISED * 3_000 // 10_000


def test_a_withdrawal_to_a_wallet_that_still_rejects_eth_reverts_and_keeps_the_credit(
    pools, registry, programme, funded_pool, site_id, certify_final, rando
):
    wallet = rejecting_beneficiary(registry, programme, site_id)
    certify_final(funded_pool, 0)
    pools.release(funded_pool, 0, {"from": rando})
    tranche = RAISED * 3_000 // 10_000
    with brownie.reverts(error("PoolsPaymentFailed", wallet, tranche)):
        wallet.withdrawFrom(pools, funded_pool, 0, {"from": programme})
    assert pools.milestone(funded_pool, 0).dict()["credited"]
    assert pools.balance() == RAISED


def test_an_erc20_tranche_is_paid_in_the_token(pools, usdc_pool, usdc, buy, alice, close_sale, certify_final, manager):
    buy(usdc_pool, alice, 100)
    close_sale(usdc_pool)
    certify_final(usdc_pool, 0)
    before = usdc.balanceOf(manager)
    pools.release(usdc_pool, 0, {"from": alice})
    assert usdc.balanceOf(manager) - before == 100 * PRICE_USDC * 3_000 // 10_000
    assert usdc.balanceOf(pools) == 100 * PRICE_USDC * 7_000 // 10_000
    assert_escrow_adds_up(pools, usdc_pool)


@pytest.mark.parametrize("milestone_id", [0, 1, 2])
def test_the_tranche_is_the_milestones_share_of_every_token_live_when_it_became_final(
    pools, funded_pool, certify_final, milestone_id
):
    for k in range(milestone_id + 1):
        certify_final(funded_pool, k, f"e{k}")
    share = (3_000, 3_000, 4_000)[milestone_id]
    assert pools.milestone(funded_pool, milestone_id).dict()["trancheAmount"] == 200 * (PRICE_ETH * share // 10_000)
