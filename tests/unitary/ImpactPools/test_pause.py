"""Pausing stops buying, certifying and releasing; refunds, failing and credited withdrawals go on."""

import brownie
from support import PRICE_ETH, Status, error

from impact.encoding import to_bytes32


def test_only_the_pauser_pauses_and_unpauses(pools, rando, programme):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, pools.PAUSER_ROLE())):
        pools.pause({"from": rando})
    tx = pools.pause({"from": programme})
    assert pools.paused() and "Paused" in tx.events
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, pools.PAUSER_ROLE())):
        pools.unpause({"from": rando})
    pools.unpause({"from": programme})
    assert not pools.paused()


def test_pausing_stops_buying(pools, eth_pool, programme, alice):
    pools.pause({"from": programme})
    with brownie.reverts(error("EnforcedPause")):
        pools.buy(eth_pool, 1, alice, {"from": alice, "value": PRICE_ETH})
    assert pools.balance() == 0


def test_pausing_stops_certifying(pools, certifier, funded_pool, programme, oracle1):
    pools.pause({"from": programme})
    with brownie.reverts(error("EnforcedPause")):
        certifier.attest(funded_pool, 0, to_bytes32("evidence"), "uri", {"from": oracle1})


def test_pausing_stops_releasing(pools, funded_pool, certify, programme, rando):
    certify(funded_pool, 0)
    pools.pause({"from": programme})
    with brownie.reverts(error("EnforcedPause")):
        pools.release(funded_pool, 0, {"from": rando})
    pools.unpause({"from": programme})
    assert pools.release(funded_pool, 0, {"from": rando}).return_value > 0


def test_failing_and_refunds_work_while_paused(pools, registry, programme, funded_pool, site_id, alice):
    pools.pause({"from": programme})
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    pools.fail(funded_pool, {"from": alice})
    assert pools.refund(funded_pool, 100, {"from": alice}).return_value == 100 * PRICE_ETH
