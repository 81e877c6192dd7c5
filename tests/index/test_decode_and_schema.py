"""The index's decoder gives what web3's `get_event_data` gives, value for value and type for type, for every event of
every ABI and random arguments; the schema follows the ABIs, so a new event is a new table without a line of code."""

from __future__ import annotations

import os

from eth_abi import encode
from hexbytes import HexBytes
from hypothesis import given, settings
from hypothesis import strategies as st
from web3 import Web3
from web3._utils.events import get_event_data
from web3.datastructures import AttributeDict

from impact.chain.artifacts import abi
from impact.chain.deployments import INDEXED_NAMES as CONTRACT_NAMES
from impact.index import schema
from impact.index.decode import EventCodec

W3 = Web3()
EVENTS = [(c, i) for c in CONTRACT_NAMES for i in abi(c) if i.get("type") == "event" and not i.get("anonymous")]


def value(abi_type: str) -> st.SearchStrategy:
    if abi_type.endswith("[]"):
        return st.lists(value(abi_type[:-2]), max_size=4)
    if abi_type == "address":
        return st.binary(min_size=20, max_size=20).map(lambda b: Web3.to_checksum_address(b))
    if abi_type == "bool":
        return st.booleans()
    if abi_type == "string":
        return st.text(max_size=40)
    if abi_type == "bytes":
        return st.binary(max_size=70)
    if abi_type.startswith("bytes"):
        size = int(abi_type[5:])
        return st.binary(min_size=size, max_size=size)
    if abi_type.startswith("uint"):
        return st.integers(0, 2 ** int(abi_type[4:] or 256) - 1)
    if abi_type.startswith("int"):
        bits = int(abi_type[3:] or 256)
        return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    raise AssertionError(f"no strategy for {abi_type}")


@st.composite
def logs(draw):
    contract, item = draw(st.sampled_from(EVENTS))
    codec = EventCodec(item)
    topics = [HexBytes(codec.topic0)]
    data_types, data_values = [], []
    for arg in item["inputs"]:
        v = draw(value(arg["type"]))
        if arg.get("indexed"):
            topics.append(HexBytes(encode([arg["type"]], [v])))
        else:
            data_types.append(arg["type"])
            data_values.append(v)
    log = AttributeDict(
        {
            "address": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            "topics": topics,
            "data": HexBytes(encode(data_types, data_values)),
            "blockNumber": 7,
            "blockHash": HexBytes(os.urandom(32)),
            "transactionHash": HexBytes(os.urandom(32)),
            "transactionIndex": 0,
            "logIndex": 3,
            "removed": False,
        }
    )
    return item, codec, log


def typed(value):
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [typed(v) for v in value])
    return (type(value).__name__, value)


@settings(max_examples=400, deadline=None)
@given(logs())
def test_the_fast_decoder_equals_web3_on_every_event_of_the_abis(case):
    item, codec, log = case
    expected = dict(get_event_data(W3.codec, item, log)["args"])
    assert {k: typed(v) for k, v in codec.args(W3, log).items()} == {k: typed(v) for k, v in expected.items()}
    assert list(codec.args(W3, log)) == list(expected)  # the same argument order too


def test_a_log_the_fast_path_would_misread_goes_to_web3():
    """An address word with dirty high bytes: eth-abi refuses it, and so must the index's decoder (as the direct
    trace would fail on it)."""
    item = next(i for c, i in EVENTS if i["name"] == "TokensPurchased")
    codec = EventCodec(item)
    dirty = HexBytes(b"\x01" + b"\x00" * 11 + os.urandom(20))
    log = AttributeDict(
        {
            "address": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            "topics": [HexBytes(codec.topic0), HexBytes(encode(["uint256"], [1])), dirty, dirty],
            "data": HexBytes(encode(["uint256", "uint256"], [1, 2])),
            "blockNumber": 7,
            "blockHash": HexBytes(os.urandom(32)),
            "transactionHash": HexBytes(os.urandom(32)),
            "transactionIndex": 0,
            "logIndex": 3,
        }
    )
    errors = []
    for decode in (lambda: get_event_data(W3.codec, item, log), lambda: codec.args(W3, log)):
        try:
            decode()
        except Exception as exc:  # noqa: BLE001 - comparing what each raises
            errors.append(type(exc))
    assert len(errors) == 2 and errors[0] == errors[1]


def test_every_event_of_the_abis_gets_a_table_and_a_new_event_a_new_one(monkeypatch):
    names = {t.name for t in schema.event_tables()}
    assert len(names) == len(EVENTS)
    assert {"pools_exited", "certifier_attestations_finalized", "registry_change_scheduled"} <= names
    pools_abi = abi("ImpactPools")
    new_event = {
        "type": "event",
        "name": "PoolRenamed",
        "anonymous": False,
        "inputs": [
            {"name": "poolId", "type": "uint256", "indexed": True},
            {"name": "name", "type": "string", "indexed": False},
            {"name": "amounts", "type": "uint128[]", "indexed": False},
        ],
    }
    schema.event_tables.cache_clear()
    monkeypatch.setattr(schema, "abi", lambda name: pools_abi + [new_event] if name == "ImpactPools" else abi(name))
    try:
        tables = {t.name: t for t in schema.event_tables(("ImpactPools",))}
    finally:
        monkeypatch.undo()
        schema.event_tables.cache_clear()
    renamed = tables["pools_pool_renamed"]
    assert [(c.name, c.kind) for c in renamed.columns] == [
        ("block_number", "int"),
        ("log_index", "int"),
        ("tx_hash", "text"),
        ("pool_id", "big"),
        ("name", "text"),
        ("amounts", "json"),
    ]
    assert renamed.indexes == (("pool_id",),)


def test_the_fingerprint_changes_with_any_event_signature(monkeypatch):
    before = schema.fingerprint()
    pools_abi = [dict(i) for i in abi("ImpactPools")]
    opened = next(i for i in pools_abi if i.get("name") == "PoolOpened")
    opened["inputs"] = opened["inputs"] + [{"name": "extra", "type": "uint256", "indexed": False}]
    schema.event_tables.cache_clear()
    monkeypatch.setattr(schema, "abi", lambda name: pools_abi if name == "ImpactPools" else abi(name))
    try:
        assert schema.fingerprint() != before
    finally:
        monkeypatch.undo()
        schema.event_tables.cache_clear()
    assert schema.fingerprint() == before
