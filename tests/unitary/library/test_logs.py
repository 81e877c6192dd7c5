"""impact.chain.logs: chunked log fetching that adapts when the node refuses a range."""

from brownie import chain, web3
from web3 import HTTPProvider, Web3

from impact.chain.logs import LogFetcher, address_topic, topic0, uint_topic


class RangeLimitedProvider(HTTPProvider):
    """The real node, behind a gateway that refuses eth_getLogs over more than `limit` blocks (as hosted RPCs do)."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(url)
        self.limit = limit
        self.refused = 0

    def make_request(self, method, params):
        if method == "eth_getLogs":
            query = params[0]
            span = int(query["toBlock"], 16) - int(query["fromBlock"], 16) + 1
            if span > self.limit:
                self.refused += 1
                return {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "error": {"code": -32005, "message": f"query exceeds max block range {self.limit}"},
                }
        return super().make_request(method, params)


def test_a_refused_range_is_halved_until_the_node_accepts_it(pools, eth_pool, buy, alice, bob):
    first = chain.height
    for _ in range(6):
        buy(eth_pool, alice, 1)
    buy(eth_pool, bob, 1)
    provider = RangeLimitedProvider(web3.provider.endpoint_uri, limit=3)
    fetcher = LogFetcher(Web3(provider), chunk=1_000)
    events = fetcher.events(
        "ImpactPools",
        pools.address,
        "TokensPurchased",
        [uint_topic(eth_pool), address_topic(alice.address)],
        first,
        chain.height,
    )
    assert [e.args["buyer"] for e in events] == [alice.address] * 6
    assert provider.refused > 0
    assert fetcher.requests > provider.refused  # it went on with smaller ranges instead of giving up


def test_indexed_topics_select_only_matching_events(pools, eth_pool, buy, alice, bob):
    first = chain.height
    buy(eth_pool, alice, 2)
    buy(eth_pool, bob, 3)
    fetcher = LogFetcher(Web3(HTTPProvider(web3.provider.endpoint_uri)))
    events = fetcher.events(
        "ImpactPools", pools.address, "TokensPurchased", [None, address_topic(bob.address)], first, chain.height
    )
    assert [(e.args["buyer"], e.args["tokens"]) for e in events] == [(bob.address, 3)]


def test_topic0_is_the_keccak_of_the_event_signature():
    expected = Web3.keccak(text="TokensPurchased(uint256,address,address,uint256,uint256)")
    assert topic0("ImpactPools", "TokensPurchased") == "0x" + bytes(expected).hex()
