"""ImpactPools.openPool: the programme opens a pool with a validated schedule of milestones."""

import brownie
import pytest
from brownie import ZERO_ADDRESS
from support import (
    CHALLENGE_WINDOW,
    DAY,
    ETH,
    MAX_CHALLENGE_WINDOW,
    PRICE_ETH,
    Status,
    error,
    latest_time,
    milestone_schedule,
)

from impact.chain.encoding import from_bytes32, to_bytes32


def test_a_pool_records_its_parameters(pools, eth_pool, site_id):
    info = pools.pool(eth_pool).dict()
    assert eth_pool == 1
    assert info["siteId"] == site_id
    assert info["asset"] == ETH
    assert info["price"] == PRICE_ETH
    assert (info["goalTokens"], info["capTokens"]) == (100, 1_000)
    assert info["milestoneCount"] == 3
    assert info["challengeWindow"] == CHALLENGE_WINDOW
    assert (info["tokensSold"], info["supply"], info["raised"], info["escrow"]) == (0, 0, 0, 0)
    assert (info["certifiedCount"], info["finalizedCount"], info["pausedTime"], info["exitOpen"]) == (0, 0, 0, False)
    assert pools.poolCount() == 1


def test_milestones_record_their_green_list_reference_share_and_deadline(pools, eth_pool):
    sale_end = pools.pool(eth_pool).dict()["saleEnd"]
    first = pools.milestone(eth_pool, 0).dict()
    assert from_bytes32(first["standardRef"]) == "GLS-V1.1-1.1.1"
    assert first["shareBps"] == 3_000
    assert first["deadline"] == sale_end + 90 * DAY
    assert first["descriptionURI"] == "ipfs://sample/milestone-0.json"
    assert not first["certified"] and not first["finalized"] and not first["released"]
    assert (first["challengeEndsAt"], first["payee"]) == (0, ZERO_ADDRESS)


def test_opening_emits_the_pool_and_each_milestone(pools, programme, site_id):
    now = latest_time()
    schedule = milestone_schedule(now + DAY, shares=(5_000, 5_000))
    tx = pools.openPool((site_id, ETH, 1, 1, 1, now, now + DAY, 3 * DAY), schedule, {"from": programme})
    assert tx.events["PoolOpened"]["poolId"] == tx.return_value
    assert tx.events["PoolOpened"]["milestoneCount"] == 2
    assert tx.events["PoolOpened"]["challengeWindow"] == 3 * DAY
    scheduled = tx.events["MilestoneScheduled"]
    assert [e["milestoneId"] for e in scheduled] == [0, 1]
    assert [e["shareBps"] for e in scheduled] == [5_000, 5_000]


def test_only_the_programme_opens_pools(pools, open_pool, rando):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, pools.PROGRAMME_ROLE())):
        pools.openPool((1, ETH, 1, 1, 1, latest_time(), latest_time() + DAY, 0), [], {"from": rando})


def _params(site_id, **overrides):
    now = latest_time()
    params = dict(
        siteId=site_id,
        asset=ETH,
        price=PRICE_ETH,
        goalTokens=10,
        capTokens=100,
        saleStart=now,
        saleEnd=now + 10 * DAY,
        challengeWindow=CHALLENGE_WINDOW,
    )
    params.update(overrides)
    return params


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (dict(siteId=99), ("PoolsSiteNotFundable", 99, Status.NONE)),
        (dict(price=0), ("PoolsZeroPrice",)),
        (dict(goalTokens=0), ("PoolsInvalidGoal", 0, 100)),
        (dict(goalTokens=101), ("PoolsInvalidGoal", 101, 100)),
        (
            dict(asset="0x000000000000000000000000000000000000dEaD"),
            ("PoolsInvalidAsset", "0x000000000000000000000000000000000000dEaD"),
        ),
        (
            dict(challengeWindow=MAX_CHALLENGE_WINDOW + 1),
            ("PoolsInvalidChallengeWindow", MAX_CHALLENGE_WINDOW + 1, MAX_CHALLENGE_WINDOW),
        ),
    ],
)
def test_bad_pool_parameters_revert_with_the_reason(pools, programme, site_id, certifier, overrides, expected):
    params = _params(site_id, **overrides)
    count = pools.poolCount()
    with brownie.reverts(error(*expected)):
        pools.openPool(tuple(params.values()), milestone_schedule(params["saleEnd"]), {"from": programme})
    assert pools.poolCount() == count


@pytest.mark.parametrize("window", [0, MAX_CHALLENGE_WINDOW])
def test_a_challenge_window_from_zero_to_the_maximum_is_accepted(pools, programme, site_id, window):
    params = _params(site_id, challengeWindow=window)
    tx = pools.openPool(tuple(params.values()), milestone_schedule(params["saleEnd"]), {"from": programme})
    assert pools.pool(tx.return_value).dict()["challengeWindow"] == window


def test_an_empty_past_or_overlong_sale_window_is_rejected(pools, programme, site_id):
    now = latest_time()
    # Empty, past, and longer than a pool can hold (2^32 seconds, about 136 years).
    for start, end in ((now + 10, now + 10), (now - 20, now - 10), (now - 10, now - 10 + 2**32)):
        params = _params(site_id, saleStart=start, saleEnd=end)
        with brownie.reverts(error("PoolsInvalidSaleWindow", start, end)):
            pools.openPool(tuple(params.values()), milestone_schedule(now + DAY), {"from": programme})


def test_the_longest_sale_window_is_kept_to_the_second(pools, programme, site_id):
    start = latest_time() - 10
    end = start + 2**32 - 1
    params = _params(site_id, saleStart=start, saleEnd=end)
    tx = pools.openPool(tuple(params.values()), milestone_schedule(end), {"from": programme})
    info = pools.pool(tx.return_value).dict()
    assert (info["saleStart"], info["saleEnd"]) == (start, end)


@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.WITHDRAWN])
def test_no_pool_for_a_site_that_takes_no_money(pools, registry, programme, site_id, status):
    registry.setStatus(site_id, status, {"from": programme})
    params = _params(site_id)
    with brownie.reverts(error("PoolsSiteNotFundable", site_id, status)):
        pools.openPool(tuple(params.values()), milestone_schedule(params["saleEnd"]), {"from": programme})


def test_a_pool_needs_at_least_one_and_at_most_32_milestones(pools, programme, site_id):
    params = _params(site_id)
    with brownie.reverts(error("PoolsInvalidMilestoneCount", 0)):
        pools.openPool(tuple(params.values()), [], {"from": programme})
    too_many = milestone_schedule(params["saleEnd"], shares=[1] * 33, spacing=DAY)
    with brownie.reverts(error("PoolsInvalidMilestoneCount", 33)):
        pools.openPool(tuple(params.values()), too_many, {"from": programme})


def test_shares_must_add_up_to_exactly_10000_bps(pools, programme, site_id):
    params = _params(site_id)
    for shares, total in (((3_000, 3_000, 3_999), 9_999), ((6_000, 4_001), 10_001)):
        with brownie.reverts(error("PoolsSharesNotWhole", total)):
            pools.openPool(tuple(params.values()), milestone_schedule(params["saleEnd"], shares), {"from": programme})


def test_a_zero_share_is_rejected(pools, programme, site_id):
    params = _params(site_id)
    with brownie.reverts(error("PoolsZeroShare", 1)):
        schedule = milestone_schedule(params["saleEnd"], shares=(10_000, 0))
        pools.openPool(tuple(params.values()), schedule, {"from": programme})


def test_deadlines_must_follow_the_sale_and_each_other(pools, programme, site_id):
    params = _params(site_id)
    sale_end = params["saleEnd"]
    schedule = milestone_schedule(sale_end)
    at_sale_end = [schedule[0][:4] + (sale_end,)] + schedule[1:]
    with brownie.reverts(error("PoolsInvalidDeadline", 0, sale_end, sale_end)):
        pools.openPool(tuple(params.values()), at_sale_end, {"from": programme})
    unordered = [schedule[0], schedule[1][:4] + (schedule[0][4],), schedule[2]]
    with brownie.reverts(error("PoolsInvalidDeadline", 1, schedule[0][4], schedule[0][4])):
        pools.openPool(tuple(params.values()), unordered, {"from": programme})


def test_a_milestone_needs_a_standard_reference_and_a_description(pools, programme, site_id):
    params = _params(site_id)
    schedule = milestone_schedule(params["saleEnd"])
    no_ref = [(to_bytes32(""),) + schedule[0][1:]] + schedule[1:]
    with brownie.reverts(error("PoolsInvalidMilestone", 0)):
        pools.openPool(tuple(params.values()), no_ref, {"from": programme})
    no_description = schedule[:2] + [schedule[2][:1] + (to_bytes32(""),) + schedule[2][2:]]
    with brownie.reverts(error("PoolsInvalidMilestone", 2)):
        pools.openPool(tuple(params.values()), no_description, {"from": programme})


def test_unknown_pools_and_milestones_are_rejected_by_the_views(pools, eth_pool):
    with brownie.reverts(error("PoolsUnknownPool", 7)):
        pools.pool(7)
    with brownie.reverts(error("PoolsUnknownMilestone", eth_pool, 3)):
        pools.milestone(eth_pool, 3)


def test_the_token_reports_erc1155_and_access_control_interfaces(pools):
    assert pools.supportsInterface("0xd9b67a26")  # ERC-1155
    assert pools.supportsInterface("0x7965db0b")  # AccessControl
    assert not pools.supportsInterface("0xffffffff")
    assert pools.uri(1) == "ipfs://impact/{id}.json"
    assert ZERO_ADDRESS != pools.registry()
