"""The index as a trace's `LogSource`: the same questions as the node's (`get_logs` with OR lists per topic position,
block timestamps), answered from the database.

It answers exactly what the node would: the logs of our contracts come from the raw `logs` table, filtered as
`eth_getLogs` filters, in chain order, and decoded by the same ABI; anything the index does not hold is asked of the
node (another address, blocks past the index's head). All of a trace's reads see one snapshot of the database, so a
sync committing meanwhile cannot mix two states into one answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextlib import ExitStack
from typing import Any

from impact.chain.logs import Event, LogFetcher, LogSource
from impact.index.database import EventIndex
from impact.index.decode import EventCodec, checksum


class IndexSource(LogSource):
    def __init__(self, index: EventIndex, direct: LogFetcher) -> None:
        self.index = index
        self.w3 = index.w3
        self.direct = direct
        self.queries = 0
        self.seconds_in_database = 0.0
        self._codecs: dict[int, EventCodec] = {}
        self._stack = ExitStack()
        self._stack.enter_context(index.store.snapshot())
        self.state = index.state()
        self._ours = set(index.contract_of)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> IndexSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The counters a benchmark reads, as on the direct source: node requests made for what the index lacked.
    @property
    def requests(self) -> int:
        return self.direct.requests

    @property
    def seconds_in_node(self) -> float:
        return self.direct.seconds_in_node

    def get_logs(self, addresses: list[str], topics: list[Any], from_block: int, to_block: int) -> list[Any]:
        if not {a.lower() for a in addresses} <= self._ours:
            return self.direct.get_logs(addresses, topics, from_block, to_block)
        topics = list(topics)
        while topics and topics[-1] is None:
            topics.pop()
        synced_to = self.state.synced_to
        # Our contracts have no logs before the block that deployed the first of them.
        low, high = max(from_block, self.index.start), min(to_block, synced_to)
        logs: list[Any] = []
        if low <= high:
            asked = time.perf_counter()
            rows = self.index.logs(addresses, topics, low, high)
            self.queries += 1
            self.seconds_in_database += time.perf_counter() - asked
            logs = [_log(row) for row in rows]
        if to_block > synced_to:
            logs += self.direct.get_logs(addresses, topics, max(from_block, synced_to + 1), to_block)
        return logs

    def block_times(self, blocks: Iterable[int]) -> dict[int, int]:
        wanted = set(blocks)
        asked = time.perf_counter()
        found = self.index.block_times(b for b in wanted if b <= self.state.synced_to)
        self.queries += 1
        self.seconds_in_database += time.perf_counter() - asked
        missing = wanted - found.keys()
        if missing:
            found.update(self.direct.block_times(missing))
        return found

    def decode(self, item: dict[str, Any], log: Any) -> Event:
        codec = self._codecs.get(id(item))
        if codec is None:
            codec = self._codecs[id(item)] = EventCodec(item)  # the codec keeps `item` alive, so its id stays its own
        args = codec.args(self.w3, log)
        tx = "0x" + bytes(log["transactionHash"]).hex()
        return Event(item["name"], args, int(log["blockNumber"]), int(log["logIndex"]), tx, log["address"])

    def unconfirmed(self, blocks: Iterable[int]) -> list[int]:
        """Which of `blocks` the index holds but had not yet seen `confirmations` deep."""
        return sorted(b for b in set(blocks) if self.state.final_to < b <= self.state.synced_to)


def _log(row: tuple[Any, ...]) -> dict[str, Any]:
    """A stored log with the fields and value types of web3's (bytes for hashes, topics and data; checksummed
    address)."""
    block, log_index, tx, tx_index, address, t0, t1, t2, t3, data, block_hash = row
    return {
        "address": checksum(bytes.fromhex(address[2:])),
        "topics": [bytes.fromhex(t[2:]) for t in (t0, t1, t2, t3) if t is not None],
        "data": bytes.fromhex(data[2:]),
        "blockNumber": int(block),
        "blockHash": bytes.fromhex(block_hash[2:]),
        "transactionHash": bytes.fromhex(tx[2:]),
        "transactionIndex": int(tx_index),
        "logIndex": int(log_index),
        "removed": False,
    }


def blocks_of(value: Any) -> set[int]:
    """Every block number a trace (as `asdict` or its JSON document) names: the values of its `block` keys."""
    if isinstance(value, dict):
        found = {value["block"]} if isinstance(value.get("block"), int) else set()
        for v in value.values():
            found |= blocks_of(v)
        return found
    if isinstance(value, list):
        return set().union(*(blocks_of(v) for v in value)) if value else set()
    return set()
