"""Who a tranche goes to: the payee recorded when the quorum certified the milestone, whatever the beneficiary is at
release; a tranche the payee rejects is credited to the milestone, and can be withdrawn by the recorded payee or by
the site's beneficiary now (so a payee that can never withdraw does not strand the site's money), by nobody else."""

import brownie
from brownie import NonReceiverWallet, RejectingBeneficiary, accounts
from support import PRICE_ETH, assert_escrow_adds_up, error, execute_after_delay

TRANCHE = 200 * PRICE_ETH * 3_000 // 10_000


def change_beneficiary(registry, programme, site_id, wallet):
    return execute_after_delay(registry, registry.scheduleBeneficiaryChange(site_id, wallet, {"from": programme}))


def test_a_certification_records_the_beneficiary_as_payee(pools, funded_pool, certify, manager):
    assert certify(funded_pool, 0).events["MilestoneCertified"]["payee"] == manager
    assert pools.milestone(funded_pool, 0).dict()["payee"] == manager


def test_a_tranche_goes_to_the_recorded_payee_even_if_the_beneficiary_changed_before_release(
    pools, registry, programme, site_id, funded_pool, certify_final, manager, rando
):
    # The registrar attack: point the site at a wallet of one's own between certification and release.
    certify_final(funded_pool, 0)
    change_beneficiary(registry, programme, site_id, rando)
    manager_before, rando_before = manager.balance(), rando.balance()
    tx = pools.release(funded_pool, 0, {"from": manager})
    assert tx.events["TrancheReleased"]["beneficiary"] == manager
    assert rando.balance() == rando_before
    assert manager.balance() - manager_before + tx.gas_used * tx.gas_price == TRANCHE


def test_a_milestone_certified_after_a_beneficiary_change_pays_the_new_wallet(
    pools, registry, programme, site_id, funded_pool, certify, manager
):
    new_wallet = accounts.add()
    change_beneficiary(registry, programme, site_id, new_wallet)
    assert certify(funded_pool, 0).events["MilestoneCertified"]["payee"] == new_wallet


def stranded_credit(pools, registry, programme, site_id, funded_pool, certify_final, rando, wallet):
    """Makes `wallet` the beneficiary, certifies milestone 0 to it and releases: the push fails, the tranche is
    credited."""
    change_beneficiary(registry, programme, site_id, wallet)
    certify_final(funded_pool, 0)
    assert pools.release(funded_pool, 0, {"from": rando}).events["TrancheReleased"]["credited"] is True


def test_a_credit_its_payee_can_never_withdraw_is_withdrawn_by_the_new_beneficiary(
    pools, registry, programme, site_id, funded_pool, certify_final, rando
):
    stuck = NonReceiverWallet.deploy({"from": programme})  # takes no ETH and cannot call withdrawCredit
    stranded_credit(pools, registry, programme, site_id, funded_pool, certify_final, rando, stuck)
    new_wallet = accounts.add()
    change_beneficiary(registry, programme, site_id, new_wallet)
    programme.transfer(new_wallet, 10**17)
    before = new_wallet.balance()
    tx = pools.withdrawCredit(funded_pool, 0, {"from": new_wallet})
    assert tx.events["CreditWithdrawn"]["account"] == new_wallet
    assert new_wallet.balance() - before + tx.gas_used * tx.gas_price == TRANCHE
    assert not pools.milestone(funded_pool, 0).dict()["credited"]
    assert_escrow_adds_up(pools, funded_pool)


def test_the_recorded_payee_may_still_withdraw_after_a_beneficiary_change(
    pools, registry, programme, site_id, funded_pool, certify_final, rando, manager
):
    wallet = RejectingBeneficiary.deploy({"from": programme})
    stranded_credit(pools, registry, programme, site_id, funded_pool, certify_final, rando, wallet)
    change_beneficiary(registry, programme, site_id, manager)
    wallet.setAccepting(True, {"from": programme})
    assert wallet.withdrawFrom(pools, funded_pool, 0, {"from": programme}).return_value == TRANCHE
    assert wallet.balance() == TRANCHE


def test_nobody_else_withdraws_a_credit(
    pools, registry, programme, site_id, funded_pool, certify_final, rando, manager
):
    wallet = RejectingBeneficiary.deploy({"from": programme})
    stranded_credit(pools, registry, programme, site_id, funded_pool, certify_final, rando, wallet)
    # The previous beneficiary (manager) is neither the recorded payee nor the beneficiary now.
    for account in (rando, manager, programme):
        with brownie.reverts(error("PoolsNotPayee", funded_pool, 0, account)):
            pools.withdrawCredit(funded_pool, 0, {"from": account})
    assert pools.milestone(funded_pool, 0).dict()["credited"]
    assert pools.balance() == 200 * PRICE_ETH


def test_a_credit_is_withdrawn_in_full_once_whoever_withdraws(
    pools, registry, programme, site_id, funded_pool, certify_final, rando
):
    wallet = RejectingBeneficiary.deploy({"from": programme})
    stranded_credit(pools, registry, programme, site_id, funded_pool, certify_final, rando, wallet)
    new_wallet = accounts.add()
    change_beneficiary(registry, programme, site_id, new_wallet)
    programme.transfer(new_wallet, 10**17)
    pools.withdrawCredit(funded_pool, 0, {"from": new_wallet})
    wallet.setAccepting(True, {"from": programme})
    with brownie.reverts(error("PoolsNothingToWithdraw", funded_pool, 0)):
        wallet.withdrawFrom(pools, funded_pool, 0, {"from": programme})
    assert wallet.balance() == 0


def test_withdrawing_needs_a_known_pool_and_milestone(pools, funded_pool, manager):
    with brownie.reverts(error("PoolsUnknownPool", 99)):
        pools.withdrawCredit(99, 0, {"from": manager})
    with brownie.reverts(error("PoolsUnknownMilestone", funded_pool, 3)):
        pools.withdrawCredit(funded_pool, 3, {"from": manager})
