"""Pauses are bounded and stop the pools' clocks: pausing stops buying, certifying and releasing, never exits,
refunds, failing, voiding or withdrawals; a pause ends by itself after `MAX_PAUSE_DURATION`, the next cannot start
within `PAUSE_COOLDOWN`, and every time of a pool (sale window, deadlines, challenge windows) moves later by the
time paused, so a pause cannot make a pool miss its goal or a deadline."""

import brownie
from brownie import RejectingBeneficiary
from support import (
    DAY,
    MAX_PAUSE_DURATION,
    PAUSE_COOLDOWN,
    PRICE_ETH,
    Failure,
    Status,
    error,
    execute_after_delay,
    latest_time,
    next_block_at,
    warp_past,
)

from impact.chain.encoding import to_bytes32

EVIDENCE = to_bytes32("evidence")
URI = "ipfs://sample/evidence"


def pause(pools, programme) -> int:
    """Pauses and returns when the pause ends by itself."""
    return pools.pause({"from": programme}).events["Paused"]["endsAt"]


def pause_exactly(pools, programme, seconds: int) -> tuple[int, int]:
    """Pauses at the next second and unpauses `seconds` later; returns (start, end)."""
    start = next_block_at()
    pools.pause({"from": programme})
    end = next_block_at(start + seconds)
    pools.unpause({"from": programme})
    return start, end


# --- who pauses, and what a pause looks like ----------------------------------------------------------------------


def test_only_the_pauser_pauses_and_unpauses(pools, rando, programme):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, pools.PAUSER_ROLE())):
        pools.pause({"from": rando})
    tx = pools.pause({"from": programme})
    assert pools.paused()
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, pools.PAUSER_ROLE())):
        pools.unpause({"from": rando})
    tx = pools.unpause({"from": programme})
    assert tx.events["Unpaused"]["account"] == programme
    assert not pools.paused()


def test_a_pause_says_who_paused_and_when_it_ends_by_itself(pools, programme):
    tx = pools.pause({"from": programme})
    event = tx.events["Paused"]
    assert (event["account"], event["endsAt"]) == (programme, tx.timestamp + MAX_PAUSE_DURATION)
    assert pools.pauseEndsAt() == tx.timestamp + MAX_PAUSE_DURATION


def test_a_second_pause_during_a_pause_is_refused_with_its_end(pools, programme):
    ends_at = pause(pools, programme)
    with brownie.reverts(error("PoolsPaused", ends_at)):
        pools.pause({"from": programme})


def test_unpausing_when_not_paused_is_refused(pools, programme):
    with brownie.reverts(error("PoolsNotPaused")):
        pools.unpause({"from": programme})


# --- what a pause stops -------------------------------------------------------------------------------------------


def test_pausing_stops_buying(pools, eth_pool, programme, alice):
    ends_at = pause(pools, programme)
    with brownie.reverts(error("PoolsPaused", ends_at)):
        pools.buy(eth_pool, 1, alice, {"from": alice, "value": PRICE_ETH})
    assert pools.balance() == 0


def test_pausing_stops_certifying(pools, certifier, funded_pool, programme, oracle1):
    ends_at = pause(pools, programme)
    with brownie.reverts(error("PoolsPaused", ends_at)):
        certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    assert not certifier.hasAttested(funded_pool, 0, oracle1)


def test_pausing_stops_finalizing_attestations(pools, certifier, funded_pool, programme, oracle1, oracle2):
    certifier.raiseQuorum(3, {"from": programme})
    for oracle in (oracle1, oracle2):
        certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle})
    execute_after_delay(certifier, certifier.scheduleQuorumDecrease(2, {"from": programme}))
    ends_at = pause(pools, programme)
    with brownie.reverts(error("PoolsPaused", ends_at)):
        certifier.finalizeAttestations(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 0


def test_pausing_stops_releasing(pools, funded_pool, certify_final, programme, rando):
    certify_final(funded_pool, 0)
    ends_at = pause(pools, programme)
    with brownie.reverts(error("PoolsPaused", ends_at)):
        pools.release(funded_pool, 0, {"from": rando})
    pools.unpause({"from": programme})
    assert pools.release(funded_pool, 0, {"from": rando}).return_value == 200 * PRICE_ETH * 3_000 // 10_000


# --- what a pause never stops -------------------------------------------------------------------------------------


def test_failing_and_refunds_work_while_paused(pools, registry, programme, funded_pool, site_id, alice):
    pools.pause({"from": programme})
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    assert pools.fail(funded_pool, {"from": alice}).return_value == Failure.SITE_WITHDRAWN
    assert pools.refund(funded_pool, 100, {"from": alice}).return_value == 100 * PRICE_ETH


def test_exits_work_while_paused(pools, registry, programme, funded_pool, site_id, rando, alice):
    registry.scheduleBeneficiaryChange(site_id, rando, {"from": programme})
    pools.pause({"from": programme})
    tx = pools.exit(funded_pool, 100, {"from": alice})
    assert tx.return_value == 100 * PRICE_ETH
    assert pools.balanceOf(alice, funded_pool) == 0


def test_withdrawing_a_credit_works_while_paused(
    pools, registry, programme, funded_pool, site_id, certify_final, rando
):
    wallet = RejectingBeneficiary.deploy({"from": programme})
    execute_after_delay(registry, registry.scheduleBeneficiaryChange(site_id, wallet, {"from": programme}))
    certify_final(funded_pool, 0)
    pools.release(funded_pool, 0, {"from": rando})  # credited: the wallet rejects ETH
    wallet.setAccepting(True, {"from": programme})
    pools.pause({"from": programme})
    tx = wallet.withdrawFrom(pools, funded_pool, 0, {"from": programme})
    assert wallet.balance() == 200 * PRICE_ETH * 3_000 // 10_000
    assert tx.events["CreditWithdrawn"]["account"] == wallet


def test_a_reviewer_can_void_while_paused(pools, certifier, funded_pool, certify, programme, reviewer):
    certify(funded_pool, 0)
    pools.pause({"from": programme})
    certifier.voidCertification(funded_pool, 0, to_bytes32("reasons"), "ipfs://reasons", {"from": reviewer})
    assert not pools.milestone(funded_pool, 0).dict()["certified"]


# --- bounds -------------------------------------------------------------------------------------------------------


def test_a_pause_ends_by_itself_after_the_maximum_duration(pools, eth_pool, programme, alice, buy):
    ends_at = pause(pools, programme)
    next_block_at(ends_at - 1)
    with brownie.reverts(error("PoolsPaused", ends_at)):
        pools.buy(eth_pool, 1, alice, {"from": alice, "value": PRICE_ETH})
    next_block_at(ends_at)
    buy(eth_pool, alice, 1)
    assert pools.balanceOf(alice, eth_pool) == 1
    assert not pools.paused() and pools.pauseEndsAt() == 0


def test_a_new_pause_waits_out_the_cooldown_after_an_unpause(pools, programme):
    pools.pause({"from": programme})
    unpaused_at = pools.unpause({"from": programme}).timestamp
    with brownie.reverts(error("PoolsPauseCoolingDown", unpaused_at + PAUSE_COOLDOWN)):
        pools.pause({"from": programme})
    next_block_at(unpaused_at + PAUSE_COOLDOWN)
    pools.pause({"from": programme})
    assert pools.paused()


def test_a_new_pause_waits_out_the_cooldown_after_a_pause_that_ended_by_itself(pools, programme):
    ends_at = pause(pools, programme)
    warp_past(ends_at)
    with brownie.reverts(error("PoolsPauseCoolingDown", ends_at + PAUSE_COOLDOWN)):
        pools.pause({"from": programme})
    with brownie.reverts(error("PoolsNotPaused")):
        pools.unpause({"from": programme})
    next_block_at(ends_at + PAUSE_COOLDOWN)
    pools.pause({"from": programme})
    assert pools.paused()


# --- the pools' clocks stop -----------------------------------------------------------------------------------------


def test_a_pause_just_before_a_deadline_does_not_make_the_pool_fail(
    pools, certifier, funded_pool, programme, oracle1, oracle2, rando
):
    # The attack: pause an hour before the first deadline and let the pause run its full week.
    deadline = pools.milestone(funded_pool, 0).dict()["deadline"]
    warp_past(deadline - 3_600)
    ends_at = pause(pools, programme)
    warp_past(ends_at)
    assert latest_time() > deadline  # by the wall clock the deadline has passed ...
    assert pools.failureDue(funded_pool) == Failure.NONE  # ... but not on the pool's clock
    with brownie.reverts(error("PoolsCannotFail", funded_pool)):
        pools.fail(funded_pool, {"from": rando})
    assert pools.pool(funded_pool).dict()["pausedTime"] == MAX_PAUSE_DURATION
    # The oracles still have the hour the pause took from them.
    certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    assert certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle2}).return_value is True


def test_a_deadline_moves_later_by_the_time_paused(pools, certifier, funded_pool, programme, oracle1, rando):
    deadline = pools.milestone(funded_pool, 0).dict()["deadline"]
    start, end = pause_exactly(pools, programme, 3 * DAY)
    paused = end - start
    assert pools.pool(funded_pool).dict()["pausedTime"] == paused
    warp_past(deadline + paused - 1)
    assert pools.failureDue(funded_pool) == Failure.NONE
    warp_past(deadline + paused)
    assert pools.failureDue(funded_pool) == Failure.MILESTONE_MISSED
    with brownie.reverts(error("PoolsMilestoneDeadlinePassed", funded_pool, 0, deadline + paused)):
        certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})


def test_the_sale_window_moves_later_by_the_time_paused(pools, eth_pool, programme, alice, buy):
    info = pools.pool(eth_pool).dict()
    start, end = pause_exactly(pools, programme, 2 * DAY)
    paused = end - start
    warp_past(info["saleEnd"] + 1)  # past the sale's end by the wall clock, not on the pool's clock
    buy(eth_pool, alice, 1)
    warp_past(info["saleEnd"] + paused)
    with brownie.reverts(error("PoolsSaleNotOpen", eth_pool, info["saleStart"] + paused, info["saleEnd"] + paused)):
        pools.buy(eth_pool, 1, alice, {"from": alice, "value": PRICE_ETH})
    assert pools.balanceOf(alice, eth_pool) == 1


def test_a_challenge_window_moves_later_by_the_time_paused(pools, funded_pool, certify, programme, rando):
    ends_before = certify(funded_pool, 0).events["MilestoneCertified"]["challengeEndsAt"]
    start, end = pause_exactly(pools, programme, DAY)
    paused = end - start
    assert pools.milestone(funded_pool, 0).dict()["challengeEndsAt"] == ends_before + paused
    warp_past(ends_before)
    with brownie.reverts(error("PoolsChallengeWindowOpen", funded_pool, 0, ends_before + paused)):
        pools.release(funded_pool, 0, {"from": rando})
    warp_past(ends_before + paused - 1)
    assert pools.release(funded_pool, 0, {"from": rando}).return_value > 0


def test_time_paused_before_a_pool_opened_does_not_move_it(pools, programme, open_pool):
    pause_exactly(pools, programme, DAY)
    pool_id = open_pool()
    assert pools.pool(pool_id).dict()["pausedTime"] == 0


def test_a_pool_opened_during_a_pause_is_moved_by_the_rest_of_it(pools, programme, open_pool):
    pools.pause({"from": programme})
    opened = next_block_at(latest_time() + 3_600)
    pool_id = open_pool()
    unpaused = next_block_at(opened + DAY)
    pools.unpause({"from": programme})
    assert pools.pool(pool_id).dict()["pausedTime"] == unpaused - opened


def test_the_time_of_successive_pauses_adds_up_from_each_pools_opening(pools, programme, eth_pool, open_pool):
    start, end = pause_exactly(pools, programme, DAY)
    later_pool = open_pool()  # opened after the first pause
    warp_past(end + PAUSE_COOLDOWN)
    second_start, second_end = pause_exactly(pools, programme, 2 * DAY)
    assert pools.pool(eth_pool).dict()["pausedTime"] == (end - start) + (second_end - second_start)
    assert pools.pool(later_pool).dict()["pausedTime"] == second_end - second_start
