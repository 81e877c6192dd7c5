"""Decoding logs from the contracts' ABIs, fast, to exactly what web3's `get_event_data` gives.

web3 spends about 300 µs a log (normalisers, attribute dictionaries); an index trace reads about 150 logs, so the
index decodes with this instead: static words sliced by hand, dynamic data through the same ABI codec, addresses
checksummed once each. Any log it cannot decode exactly as web3 would (a padding violation, a missing topic, a
tuple type) goes to web3 itself, which then decodes it or raises just as the direct path does; the tests compare
the two on every event of the ABIs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address
from web3._utils.events import get_event_data
from web3.datastructures import AttributeDict

_STATIC = re.compile(r"^(uint|int)(\d*)$|^(address)$|^(bool)$|^bytes(\d+)$")
_ARRAY = re.compile(r"\[\d*\]$")


class NotExact(Exception):
    """This log must be decoded by web3 itself."""


@lru_cache(maxsize=65_536)
def checksum(raw: bytes) -> str:
    return to_checksum_address(raw)


def _word_reader(abi_type: str):  # noqa: ANN202 - a closure per static type
    """A function from a 32-byte word to the decoded value, raising NotExact where eth-abi would refuse it."""
    match = _STATIC.match(abi_type)
    if match is None:
        return None
    kind, bits, address, boolean, width = match.groups()
    if kind == "uint":
        limit = 1 << int(bits or 256)

        def read_uint(word: bytes) -> int:
            value = int.from_bytes(word, "big")
            if value >= limit:
                raise NotExact
            return value

        return read_uint
    if kind == "int":
        half = 1 << (int(bits or 256) - 1)

        def read_int(word: bytes) -> int:
            value = int.from_bytes(word, "big", signed=True)
            if not -half <= value < half:
                raise NotExact
            return value

        return read_int
    if address:

        def read_address(word: bytes) -> str:
            if any(word[:12]):
                raise NotExact
            return checksum(word[12:])

        return read_address
    if boolean:

        def read_bool(word: bytes) -> bool:
            value = int.from_bytes(word, "big")
            if value > 1:
                raise NotExact
            return value == 1

        return read_bool
    size = int(width)

    def read_bytes(word: bytes) -> bytes:
        if any(word[size:]):
            raise NotExact
        return word[:size]

    return read_bytes


def _checksum_addresses(abi_type: str, value: Any) -> Any:
    """What web3 returns: addresses checksummed, inside arrays too, and arrays as lists."""
    if _ARRAY.search(abi_type):
        inner = _ARRAY.sub("", abi_type, count=1)
        return [_checksum_addresses(inner, v) for v in value]
    if abi_type == "address":
        return to_checksum_address(value)
    return value


class EventCodec:
    """One event of one contract: its topic0 and a decoder for its logs."""

    def __init__(self, item: dict[str, Any]) -> None:
        self.item = item
        self.name: str = item["name"]
        self.topic0 = "0x" + event_abi_to_log_topic(item).hex()
        inputs = item["inputs"]
        self.indexed = [i for i in inputs if i.get("indexed")]
        self.unindexed = [i for i in inputs if not i.get("indexed")]
        self.names = [i["name"] for i in self.indexed] + [i["name"] for i in self.unindexed]
        # An indexed dynamic value (string, bytes, array, tuple) is its keccak hash in the topic: web3 gives bytes32.
        self._topic_readers = [_word_reader(i["type"]) or _word_reader("bytes32") for i in self.indexed]
        self._exact = "tuple" not in str(inputs)
        readers = [_word_reader(i["type"]) for i in self.unindexed]
        self._data_readers = readers if all(readers) else None
        self._data_types = [i["type"] for i in self.unindexed]

    def args(self, w3: Any, log: Any) -> dict[str, Any]:
        """The decoded arguments of `log` (a web3 log or the index's), the same values and types as web3's."""
        try:
            return self._args(w3, log)
        except NotExact:
            # web3 makes arrays lists only for its own (attribute dictionary) logs: give it one.
            entry = log if isinstance(log, AttributeDict) else AttributeDict(log)
            return dict(get_event_data(w3.codec, self.item, entry)["args"])

    def _args(self, w3: Any, log: Any) -> dict[str, Any]:
        topics = log["topics"]
        if not self._exact or len(topics) != len(self._topic_readers) + 1:
            raise NotExact
        values = [read(bytes(topic)) for read, topic in zip(self._topic_readers, topics[1:], strict=True)]
        data = bytes(log["data"])
        if self._data_readers is not None:
            if len(data) < 32 * len(self._data_readers):
                raise NotExact
            values += [read(data[32 * k : 32 * k + 32]) for k, read in enumerate(self._data_readers)]
        else:
            try:
                decoded = w3.codec.decode(self._data_types, data)
            except Exception as exc:  # noqa: BLE001 - web3 decides what to raise for data it cannot decode
                raise NotExact from exc
            values += [_checksum_addresses(t, v) for t, v in zip(self._data_types, decoded, strict=True)]
        return dict(zip(self.names, values, strict=True))
