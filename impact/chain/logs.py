"""Fetching and decoding contract events: indexed-topic filters over block ranges fetched in chunks that shrink
when the node refuses a range as too large.

A trace reads through a `LogSource`: its logs (`get_logs`, the node's `eth_getLogs` semantics) and the timestamps of
blocks. `LogFetcher` asks the node; `impact.index.source.IndexSource` answers the same questions from the index."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from eth_utils import event_abi_to_log_topic
from tqdm import tqdm
from web3 import Web3
from web3._utils.events import get_event_data
from web3.exceptions import Web3RPCError

from impact.chain.artifacts import abi

_TOO_LARGE = ("range", "too many", "too large", "limit", "exceed", "more than", "10000 results", "response size")


@cache
def event_abi(contract: str, event: str) -> dict[str, Any]:
    return next(i for i in abi(contract) if i.get("type") == "event" and i["name"] == event)


def topic0(contract: str, event: str) -> str:
    return "0x" + event_abi_to_log_topic(event_abi(contract, event)).hex()


def address_topic(address: str) -> str:
    return "0x" + "00" * 12 + address.lower().removeprefix("0x")


def uint_topic(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def any_of(values: Iterable[str]) -> list[str] | None:
    """A topic position matching any of `values` (an OR list)."""
    items = sorted(set(values))
    return items or None


@dataclass(frozen=True)
class Event:
    """A decoded log with its position on chain."""

    name: str
    args: dict[str, Any]
    block: int
    log_index: int
    tx: str
    address: str = ""  # the emitting contract, for events two contracts share (delayed changes)

    @property
    def position(self) -> tuple[int, int]:
        return (self.block, self.log_index)


@dataclass(frozen=True)
class Source:
    """Events of one deployed contract: its artifact name, address, and the event names wanted."""

    contract: str
    address: str
    events: tuple[str, ...]


class LogSource:
    """Where a trace gets its logs and block times. Subclasses answer `get_logs` and `block_times`; decoding is shared
    (`decode` may be overridden by a source that decodes faster, with the same result)."""

    w3: Web3

    def get_logs(self, addresses: list[str], topics: list[Any], from_block: int, to_block: int) -> list[Any]:
        """Raw logs emitted by any of `addresses` matching `topics` (OR lists allowed in every position), in chain
        order, as `eth_getLogs` returns them."""
        raise NotImplementedError

    def block_times(self, blocks: Iterable[int]) -> dict[int, int]:
        """The timestamps of `blocks`."""
        raise NotImplementedError

    def decode(self, item: dict[str, Any], log: Any) -> Event:
        d = get_event_data(self.w3.codec, item, log)
        tx = "0x" + bytes(d["transactionHash"]).hex()
        return Event(item["name"], dict(d["args"]), d["blockNumber"], d["logIndex"], tx, log["address"])

    def events(
        self, contract: str, address: str, event: str, topics: Sequence[Any], from_block: int, to_block: int
    ) -> list[Event]:
        """Every `event` of `contract` at `address` matching the indexed `topics` (after topic0), decoded."""
        return self.events_of([Source(contract, address, (event,))], topics, from_block, to_block)

    def events_of(
        self, sources: Sequence[Source], topics: Sequence[Any], from_block: int, to_block: int
    ) -> list[Event]:
        """Every event named in `sources` matching the indexed `topics` (after topic0), decoded, in one request
        per block range: a node without a log index walks the range once for all of them, not once per event."""
        wanted: dict[tuple[str, str], dict[str, Any]] = {
            (source.address.lower(), topic0(source.contract, name)): event_abi(source.contract, name)
            for source in sources
            for name in source.events
        }
        addresses = sorted({source.address for source in sources})
        raw = self.get_logs(addresses, [sorted({t for _, t in wanted}), *topics], from_block, to_block)
        events = []
        for log in raw:
            item = wanted.get((log["address"].lower(), "0x" + bytes(log["topics"][0]).hex()))
            if item is None:  # the same event name and topic0 at the other address: not asked for
                continue
            events.append(self.decode(item, log))
        return events


@dataclass
class LogFetcher(LogSource):
    """The direct source: every question goes to the node."""

    w3: Web3
    chunk: int = 100_000
    progress: bool = False
    requests: int = field(default=0, init=False)
    # Wall time spent waiting for eth_getLogs answers: the node's share of a trace, which a benchmark reports.
    seconds_in_node: float = field(default=0.0, init=False)

    def block_times(self, blocks: Iterable[int]) -> dict[int, int]:
        """The timestamps of `blocks`, in one JSON-RPC batch rather than a round trip per block."""
        wanted = sorted(set(blocks))
        if not wanted:
            return {}
        with self.w3.batch_requests() as batch:
            for block in wanted:
                batch.add(self.w3.eth.get_block(block))
            headers = batch.execute()
        return {block: int(header["timestamp"]) for block, header in zip(wanted, headers, strict=True)}

    def get_logs(self, addresses: list[str], topics: list[Any], from_block: int, to_block: int) -> list[Any]:
        """Raw logs emitted by any of `addresses` matching `topics` (OR lists allowed in every position)."""
        while topics and topics[-1] is None:
            topics = topics[:-1]
        found: list[Any] = []
        start, size = from_block, self.chunk
        total = to_block - from_block + 1
        with tqdm(
            total=total,
            unit="block",
            file=sys.stderr,
            disable=not self.progress or total <= size,
            desc="scanning",
            leave=False,
        ) as bar:
            while start <= to_block:
                end = min(start + size - 1, to_block)
                try:
                    self.requests += 1
                    asked = time.perf_counter()
                    logs = self.w3.eth.get_logs(
                        {
                            "address": [Web3.to_checksum_address(a) for a in addresses],
                            "topics": topics,
                            "fromBlock": start,
                            "toBlock": end,
                        }
                    )
                    self.seconds_in_node += time.perf_counter() - asked
                    found.extend(logs)
                except (Web3RPCError, ValueError) as exc:
                    if size > 1 and _refused_as_too_large(exc):
                        size = max(1, size // 2)  # the node refused the range: ask for half as many blocks
                        continue
                    raise
                bar.update(end - start + 1)
                start = end + 1
        return found


def _refused_as_too_large(exc: Exception) -> bool:
    message = str(exc).lower()
    return any(marker in message for marker in _TOO_LARGE)
