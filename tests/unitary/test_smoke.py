import brownie
from conftest import ETH

def test_smoke(pools, eth_pool, alice, buy):
    with brownie.reverts("PoolsWrongPayment: 10000000000000000, 0"):
        pools.buy(eth_pool, 1, alice, {"from": alice, "value": 0})
    buy(eth_pool, alice, 3)
    assert pools.balanceOf(alice, eth_pool) == 3
