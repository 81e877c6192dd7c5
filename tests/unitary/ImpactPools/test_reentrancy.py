"""Attackers that re-enter the pools (buy, refund, release, exit, withdraw a credit) from an ERC-1155 receive hook,
an ETH receive or a token's transfer gain nothing; nor does a site's wallet that withdraws a credit while a release
pays it.

Which calls hold the lock: exit, release and a purchase paid in a token. An ETH purchase, a refund and a credit
withdrawal do not (each does every effect before its one external call, the last thing it does); a call back from
inside them behaves as a later transaction would. Every purchase and every certification still checks the lock, so
none runs inside a call that holds it."""

import brownie
import pytest
from brownie import CreditWithdrawingWallet, ReentrantReceiver, ReentrantToken, chain, web3
from eth_abi import encode
from support import PRICE_ETH, assert_escrow_adds_up, error, latest_time

from impact.oracle import certification as cert

REENTRANCY_GUARD = "0x3ee5aeb5"  # ReentrancyGuardReentrantCall()
BUY, REFUND, RELEASE, EXIT, WITHDRAW = 1, 2, 3, 4, 5  # ReentrantReceiver.Attack


def revert_data(signature: str, *args) -> str:
    """The revert data of custom error `signature` (e.g. "PoolsZeroTokens()") with `args`, as 0x-hex."""
    types = signature[signature.index("(") + 1 : -1]
    encoded = encode(types.split(","), list(args)) if types else b""
    return "0x" + (web3.keccak(text=signature)[:4] + encoded).hex()


# --- an ETH purchase: no lock, its hook comes after every effect -----------------------------------------------------


def test_a_receiver_re_entering_buy_from_its_mint_hook_finds_the_cap_already_counted(pools, eth_pool, alice):
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.arm(BUY, eth_pool, 1_000, {"from": alice})  # try to buy the whole cap again from inside the hook
    attacker.buy(eth_pool, 10, {"from": alice, "value": 10 * PRICE_ETH})
    assert attacker.reentered()
    # The purchase in progress is already counted: 990 left, not 1,000.
    assert attacker.reentryError() == revert_data("PoolsCapExceeded(uint256,uint256,uint256)", eth_pool, 990, 1_000)
    assert pools.balanceOf(attacker, eth_pool) == 10
    assert pools.totalSupply(eth_pool) == 10
    assert pools.balance() == 10 * PRICE_ETH
    assert_escrow_adds_up(pools, eth_pool)


def test_a_purchase_from_inside_a_purchases_hook_is_a_purchase_like_any_later_one(pools, eth_pool, alice):
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.armBuy(eth_pool, 5, {"from": alice, "value": 5 * PRICE_ETH})
    tx = attacker.buy(eth_pool, 10, {"from": alice, "value": 10 * PRICE_ETH})
    assert attacker.reentered() and attacker.reentryError() == "0x"
    assert [e["tokens"] for e in tx.events["TokensPurchased"]] == [10, 5]
    assert pools.balanceOf(attacker, eth_pool) == 15
    assert pools.pool(eth_pool).dict()["tokensSold"] == 15
    assert pools.balance() == 15 * PRICE_ETH
    assert_escrow_adds_up(pools, eth_pool)


def test_a_release_from_inside_a_purchases_hook_releases_the_tranche_once(
    pools, open_pool, funded_pool, certify_final, manager, alice, rando
):
    certify_final(funded_pool, 0)  # a tranche that could be released, in another pool
    eth_pool = open_pool()
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.arm(RELEASE, funded_pool, 0, {"from": alice})
    manager_before = manager.balance()
    attacker.buy(eth_pool, 10, {"from": alice, "value": 10 * PRICE_ETH})
    assert attacker.reentered() and attacker.reentryError() == "0x"
    tranche = pools.milestone(funded_pool, 0).dict()["trancheAmount"]
    assert manager.balance() == manager_before + tranche  # as anyone's release after the purchase would
    with brownie.reverts(error("PoolsTrancheAlreadyReleased", funded_pool, 0)):
        pools.release(funded_pool, 0, {"from": rando})
    assert pools.balanceOf(attacker, eth_pool) == 10
    assert_escrow_adds_up(pools, funded_pool)
    assert_escrow_adds_up(pools, eth_pool)


@pytest.fixture
def attacker_with_exits_open(pools, registry, programme, site_id, eth_pool, alice, bob, buy, rando):
    """A receiver contract holding 10 tokens of the ETH pool (bob holds 10 more) while a change is pending, so
    that exits are open."""
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.buy(eth_pool, 10, {"from": alice, "value": 10 * PRICE_ETH})
    buy(eth_pool, bob, 10)
    registry.scheduleBeneficiaryChange(site_id, rando, {"from": programme})
    return attacker


def test_a_purchase_from_inside_a_guarded_call_is_still_stopped(pools, eth_pool, alice, attacker_with_exits_open):
    attacker = attacker_with_exits_open
    attacker.armBuy(eth_pool, 1, {"from": alice, "value": PRICE_ETH})
    attacker.exit(eth_pool, 5, {"from": alice})  # the exit's payment calls back into buy
    assert attacker.reentered()
    assert attacker.reentryError() == REENTRANCY_GUARD
    assert pools.balanceOf(attacker, eth_pool) == 5
    assert pools.pool(eth_pool).dict()["tokensSold"] == 20
    assert_escrow_adds_up(pools, eth_pool)


# --- a purchase paid in a token keeps the lock ---------------------------------------------------------------------


def test_a_purchase_from_inside_a_token_purchases_payment_is_stopped(pools, open_pool, programme, alice, bob):
    token = ReentrantToken.deploy({"from": programme})
    token.mint(alice, 100 * PRICE_ETH, {"from": programme})
    token.mint(bob, 100 * PRICE_ETH, {"from": programme})
    token_pool = open_pool(asset=token.address, price=PRICE_ETH)
    token.approve(pools, 100 * PRICE_ETH, {"from": bob})
    # Inside alice's payment, a purchase by bob: its own payment would count toward alice's balance check.
    nested = pools.buy.encode_input(token_pool, 5, bob)
    token.arm(pools, nested, 0, {"from": bob})
    token.approve(pools, 10 * PRICE_ETH, {"from": alice})
    pools.buy(token_pool, 10, alice, {"from": alice})
    assert token.reentered()
    assert token.reentryError() == REENTRANCY_GUARD
    assert pools.balanceOf(alice, token_pool) == 10 and pools.balanceOf(bob, token_pool) == 0
    assert token.balanceOf(pools) == 10 * PRICE_ETH
    # An ETH purchase from inside it is stopped too: the token path holds the lock until it returns.
    eth_pool = open_pool()
    token.arm(pools, pools.buy.encode_input(eth_pool, 1, bob), PRICE_ETH, {"from": bob, "value": PRICE_ETH})
    token.approve(pools, 10 * PRICE_ETH, {"from": alice})
    pools.buy(token_pool, 10, alice, {"from": alice})
    assert token.reentryError() == REENTRANCY_GUARD
    assert pools.totalSupply(eth_pool) == 0
    assert_escrow_adds_up(pools, token_pool)


def test_a_certification_from_inside_a_guarded_call_is_stopped(
    pools, certifier, funded_pool, open_pool, signing_oracles, programme, alice, rando
):
    evidence = bytes(web3.keccak(text="report"))
    claim = cert.Certification(
        funded_pool, 0, evidence, "ipfs://report", latest_time() + 86_400, certifier.signatureEpoch()
    )
    pairs = cert.ordered(
        {s.address: cert.sign(claim, chain.id, certifier.address, s.private_key) for s in signing_oracles[:2]}
    )
    args = (funded_pool, 0, claim.evidence_hash, claim.evidence_uri, claim.deadline, cert.pack(pairs))
    token = ReentrantToken.deploy({"from": programme})
    token.mint(alice, 10 * PRICE_ETH, {"from": programme})
    token_pool = open_pool(asset=token.address, price=PRICE_ETH)
    # Inside a token purchase's payment (which holds the pools' lock), a relayed certification of another pool.
    token.arm(certifier, certifier.certifyWithSignatures.encode_input(*args), 0, {"from": rando})
    token.approve(pools, 10 * PRICE_ETH, {"from": alice})
    pools.buy(token_pool, 10, alice, {"from": alice})
    assert token.reentered()
    assert token.reentryError() == REENTRANCY_GUARD
    assert not pools.milestone(funded_pool, 0).dict()["certified"]
    # The same signatures certify from a transaction of their own.
    certifier.certifyWithSignatures(*args, {"from": rando})
    assert pools.milestone(funded_pool, 0).dict()["evidenceHash"] == "0x" + claim.evidence_hash.hex()


# --- a refund: no lock, the tokens are burned and counted before the payment ---------------------------------------


def test_a_holder_re_entering_refund_from_its_eth_receive_is_paid_for_each_token_once(
    pools, eth_pool, alice, bob, buy, close_sale
):
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.buy(eth_pool, 10, {"from": alice, "value": 10 * PRICE_ETH})
    buy(eth_pool, bob, 10)
    close_sale(eth_pool)
    pools.fail(eth_pool, {"from": alice})
    # Refunds 5, and from the payment asks for 6 more: only 5 are left, the first 5 being burned already.
    attacker.arm(REFUND, eth_pool, 6, {"from": alice})
    attacker.refund(eth_pool, 5, {"from": alice})
    assert attacker.reentered()
    expected = revert_data(
        "ERC1155InsufficientBalance(address,uint256,uint256,uint256)", attacker.address, 5, 6, eth_pool
    )
    assert attacker.reentryError() == expected
    assert attacker.balance() == 5 * PRICE_ETH
    assert pools.balanceOf(attacker, eth_pool) == 5
    assert pools.balance() == 15 * PRICE_ETH
    assert_escrow_adds_up(pools, eth_pool)
    assert pools.refundQuote(eth_pool, 10) == 10 * PRICE_ETH  # bob's share is intact


def test_a_refund_from_inside_a_refunds_payment_is_a_refund_like_any_later_one(
    pools, eth_pool, alice, bob, buy, close_sale
):
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    attacker.buy(eth_pool, 10, {"from": alice, "value": 10 * PRICE_ETH})
    buy(eth_pool, bob, 10)
    close_sale(eth_pool)
    pools.fail(eth_pool, {"from": alice})
    attacker.arm(REFUND, eth_pool, 5, {"from": alice})
    tx = attacker.refund(eth_pool, 5, {"from": alice})
    assert attacker.reentered() and attacker.reentryError() == "0x"
    assert [e["tokens"] for e in tx.events["Refunded"]] == [5, 5]
    assert attacker.balance() == 10 * PRICE_ETH  # ten tokens, each paid once
    assert pools.balanceOf(attacker, eth_pool) == 0
    assert pools.balance() == 10 * PRICE_ETH
    assert_escrow_adds_up(pools, eth_pool)
    assert pools.refundQuote(eth_pool, 10) == 10 * PRICE_ETH  # bob's share is intact


# --- a credit withdrawal: no lock, the credit is cleared before the payment ----------------------------------------


@pytest.fixture
def sold_pool_paying(registry, programme, open_pool, buy, alice, bob, close_sale):
    """A pool whose sale closed above its goal (alice and bob 100 tokens each), of a new site whose wallet is
    `wallet`: returns its id."""

    def _pool(wallet, wdpa: int) -> int:
        site = registry.registerSite("Wallet Park", b"ES", wdpa, "", wallet, {"from": programme}).return_value
        pool_id = open_pool(siteId=site)
        buy(pool_id, alice, 100)
        buy(pool_id, bob, 100)
        close_sale(pool_id)
        return pool_id

    return _pool


def test_a_payee_re_entering_withdraw_credit_from_its_eth_receive_is_paid_once(
    pools, sold_pool_paying, alice, certify_final, rando
):
    attacker = ReentrantReceiver.deploy(pools, {"from": alice})
    pool_id = sold_pool_paying(attacker, 555_000_077)
    certify_final(pool_id, 0)
    attacker.setRejecting(True, {"from": alice})
    pools.release(pool_id, 0, {"from": rando})  # refused: credited
    tranche = pools.milestone(pool_id, 0).dict()["trancheAmount"]
    assert pools.milestone(pool_id, 0).dict()["credited"]
    attacker.setRejecting(False, {"from": alice})
    attacker.arm(WITHDRAW, pool_id, 0, {"from": alice})
    tx = attacker.withdrawCredit(pool_id, 0, {"from": alice})
    assert attacker.reentered()
    assert attacker.reentryError() == revert_data("PoolsNothingToWithdraw(uint256,uint256)", pool_id, 0)
    assert len(tx.events["CreditWithdrawn"]) == 1
    assert attacker.balance() == tranche
    assert not pools.milestone(pool_id, 0).dict()["credited"]
    assert_escrow_adds_up(pools, pool_id)


@pytest.fixture
def wallet_site_pool(pools, sold_pool_paying, alice):
    """A sold pool of a site whose wallet tries to withdraw a credit when paid (within the push's gas limit, so that
    the push itself goes through)."""
    wallet = CreditWithdrawingWallet.deploy(pools, {"from": alice})
    return wallet, sold_pool_paying(wallet, 555_000_078)


def test_a_payee_withdrawing_the_tranche_being_pushed_to_it_finds_no_credit(
    pools, wallet_site_pool, certify_final, alice, rando
):
    """The release holds the lock but `withdrawCredit` does not check it: what stops a second payment is that the
    milestone's credit is set only after a push that failed."""
    wallet, pool_id = wallet_site_pool
    certify_final(pool_id, 0)
    wallet.arm(pool_id, 0, {"from": alice})
    tx = pools.release(pool_id, 0, {"from": rando})
    attempt = tx.events["WithdrawalAttempted"]
    assert len(attempt) == 1
    assert attempt["error"] == revert_data("PoolsNothingToWithdraw(uint256,uint256)", pool_id, 0)
    tranche = pools.milestone(pool_id, 0).dict()["trancheAmount"]
    assert tx.events["TrancheReleased"]["amount"] == tranche and not tx.events["TrancheReleased"]["credited"]
    assert "CreditWithdrawn" not in tx.events
    assert wallet.balance() == tranche
    assert not pools.milestone(pool_id, 0).dict()["credited"]
    assert_escrow_adds_up(pools, pool_id)


def test_a_payee_withdrawing_an_earlier_credit_while_a_release_pays_it_is_paid_each_tranche_once(
    pools, wallet_site_pool, certify_final, alice, rando
):
    wallet, pool_id = wallet_site_pool
    certify_final(pool_id, 0)
    wallet.setRejecting(True, {"from": alice})
    pools.release(pool_id, 0, {"from": rando})  # refused by the wallet: credited
    assert pools.milestone(pool_id, 0).dict()["credited"]
    wallet.setRejecting(False, {"from": alice})
    certify_final(pool_id, 1, "second evidence")
    wallet.arm(pool_id, 0, {"from": alice})
    tx = pools.release(pool_id, 1, {"from": rando})
    # The earlier credit is withdrawn from inside the push, as it could be in the next transaction.
    assert tx.events["WithdrawalAttempted"]["error"] == "0x"
    first, second = (pools.milestone(pool_id, k).dict()["trancheAmount"] for k in (0, 1))
    assert tx.events["CreditWithdrawn"]["amount"] == first
    assert tx.events["TrancheReleased"]["amount"] == second and not tx.events["TrancheReleased"]["credited"]
    assert wallet.balance() == first + second
    assert not pools.milestone(pool_id, 0).dict()["credited"]
    assert not pools.milestone(pool_id, 1).dict()["credited"]
    with brownie.reverts(error("PoolsNothingToWithdraw", pool_id, 0)):
        wallet.withdrawCredit(pool_id, 0, {"from": alice})
    assert wallet.balance() == first + second
    assert_escrow_adds_up(pools, pool_id)


# --- exit and release keep the lock --------------------------------------------------------------------------------


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


def test_a_holder_re_entering_exit_from_its_eth_receive_is_paid_once(pools, eth_pool, alice, attacker_with_exits_open):
    attacker = attacker_with_exits_open
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
