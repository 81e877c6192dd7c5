"""The index's tables, made from the contracts' ABIs.

Fixed tables hold what every index has: `meta` (what this database is), `sync_state` (the cursor), `blocks` (every
block holding one of our logs: number, hash, timestamp, confirmed), `logs` (every raw log of our contracts, exactly
as the node gave it) and `token_transfers` (ERC-1155 transfers, one row per (id, value) entry of a batch). Then one
table per event of each contract's ABI, `<contract>_<event>` in snake case (`pools_tokens_purchased`,
`certifier_oracle_attested`, …), with the log's position and one column per argument. Nothing here names an event
of ours: a new event in an ABI is a new table, and a changed one changes the ABI fingerprint, which rebuilds the index.

Column kinds: `int` (integers of up to 63 bits unsigned or 64 signed: INTEGER / BIGINT), `big` (wider integers:
NUMERIC(78) in PostgreSQL and decimal TEXT in SQLite, which has no exact type that wide), `bool`, `text` (addresses
checksummed, bytes as 0x-hex, strings), `json` (arrays, as JSON text).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from impact.chain.artifacts import abi
from impact.chain.deployments import INDEXED_NAMES
from impact.index.decode import EventCodec

# The layout of the fixed tables and of the event tables made from an ABI. Bump it when either changes: an index of
# another version is rebuilt, never read.
SCHEMA_VERSION = 1
FORMAT = "impact-index"
PREFIX = {
    "SiteRegistry": "registry",
    "ImpactPools": "pools",
    "MilestoneCertifier": "certifier",
    "ImpactClaims": "claims",
}
POSITION = ("block_number", "log_index", "tx_hash")
ERC1155_SINGLE = "TransferSingle(address,address,address,uint256,uint256)"
ERC1155_BATCH = "TransferBatch(address,address,address,uint256[],uint256[])"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # int, big, bool, text, json
    nullable: bool = False
    arg: str | None = None  # the event argument it holds
    abi_type: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class EventTable(Table):
    contract: str = ""
    signature: str = ""
    codec: EventCodec | None = None

    def row(self, position: tuple[int, int, str], args: dict[str, Any]) -> tuple:
        """The table's row for a decoded log (Python values; `to_db` makes them the database's)."""
        return (*position, *(to_column(c, args[c.arg]) for c in self.columns[len(POSITION) :]))


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def kind_of(abi_type: str, indexed: bool) -> str:
    if indexed and (abi_type in ("string", "bytes") or "[" in abi_type or abi_type.startswith("tuple")):
        return "text"  # the topic holds the value's hash
    if "[" in abi_type or abi_type.startswith("tuple"):
        return "json"
    match = re.fullmatch(r"(u?)int(\d*)", abi_type)
    if match:
        bits = int(match.group(2) or 256)
        return "int" if bits < 64 or (bits == 64 and not match.group(1)) else "big"
    return "bool" if abi_type == "bool" else "text"


def _n(kind: str, n: int) -> Column:
    return Column(f"topic{n}", kind, nullable=True)


META = Table("meta", (Column("key", "text"), Column("value", "text")), ("key",))
SYNC_STATE = Table(
    "sync_state",
    (
        Column("id", "int"),
        Column("synced_to", "int"),  # every block up to this one is in the index
        Column("head_hash", "text", nullable=True),  # the hash of block synced_to
        Column("final_to", "int"),  # blocks up to this one were at least `confirmations` deep when synced
        Column("final_hash", "text", nullable=True),
    ),
    ("id",),
)
BLOCKS = Table(
    "blocks",
    (Column("number", "int"), Column("hash", "text"), Column("timestamp", "int"), Column("confirmed", "bool")),
    ("number",),
)
LOGS = Table(
    "logs",
    (
        Column("block_number", "int"),
        Column("log_index", "int"),
        Column("tx_hash", "text"),
        Column("tx_index", "int"),
        Column("address", "text"),  # lower-case hex
        *(_n("text", n) for n in range(4)),  # 0x-hex, NULL past the log's last topic
        Column("data", "text"),
        Column("event_table", "text", nullable=True),  # where the decoded log is; NULL if no ABI event matched
    ),
    ("block_number", "log_index"),
    (("topic1",), ("topic2",), ("topic3",), ("topic0", "block_number")),
)
TOKEN_TRANSFERS = Table(
    "token_transfers",
    (
        Column("block_number", "int"),
        Column("log_index", "int"),
        Column("entry", "int"),  # the position in a batch (0 for a single transfer)
        Column("tx_hash", "text"),
        Column("address", "text"),
        Column("operator", "text"),
        Column("from_address", "text"),
        Column("to_address", "text"),
        Column("token_id", "big"),
        Column("value", "big"),
        Column("batch", "bool"),
    ),
    ("block_number", "log_index", "entry"),
    (("from_address",), ("to_address",), ("token_id",)),
)
FIXED = (META, SYNC_STATE, BLOCKS, LOGS, TOKEN_TRANSFERS)


@cache
def event_tables(contracts: tuple[str, ...] = INDEXED_NAMES) -> tuple[EventTable, ...]:
    """One table per non-anonymous event of each contract's ABI."""
    tables = []
    for contract in contracts:
        items = [i for i in abi(contract) if i.get("type") == "event" and not i.get("anonymous")]
        names = [i["name"] for i in items]
        for item in items:
            codec = EventCodec(item)
            name = f"{PREFIX.get(contract, snake(contract))}_{snake(item['name'])}"
            if names.count(item["name"]) > 1 or len(name) > 54:  # overloaded or too long: the signature decides
                name = name[:45] + "_" + codec.topic0[2:10]
            columns = [Column("block_number", "int"), Column("log_index", "int"), Column("tx_hash", "text")]
            taken = set(POSITION)
            indexes = []
            for k, arg in enumerate(item["inputs"]):
                column = snake(arg["name"]) if arg["name"] else f"arg{k}"
                while column in taken:
                    column += "_"
                taken.add(column)
                kind = kind_of(arg["type"], bool(arg.get("indexed")))
                columns.append(Column(column, kind, arg=arg["name"], abi_type=arg["type"]))
                if arg.get("indexed"):
                    indexes.append((column,))
            tables.append(
                EventTable(
                    name,
                    tuple(columns),
                    ("block_number", "log_index"),
                    tuple(indexes),
                    contract=contract,
                    signature=signature(item),
                    codec=codec,
                )
            )
    return tuple(tables)


def signature(item: dict[str, Any]) -> str:
    inputs = ",".join(("indexed " if i.get("indexed") else "") + i["type"] for i in item["inputs"])
    return f"{item['name']}({inputs})"


def all_tables(contracts: tuple[str, ...] = INDEXED_NAMES) -> tuple[Table, ...]:
    return FIXED + event_tables(contracts)


def fingerprint(contracts: tuple[str, ...] = INDEXED_NAMES) -> str:
    """What the index's layout depends on: the schema version and every event signature of the ABIs."""
    described = [SCHEMA_VERSION] + [[t.contract, t.signature, t.name] for t in event_tables(contracts)]
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:16]


def is_erc1155_transfer(table: EventTable) -> bool:
    plain = table.signature.replace("indexed ", "")
    return plain in (ERC1155_SINGLE, ERC1155_BATCH)


# ------------------------------------------------------------------------------------------------------------------
# Values: Python <-> column
# ------------------------------------------------------------------------------------------------------------------


def to_column(column: Column, value: Any) -> Any:
    """A decoded argument as the column's Python value (int, bool, str; JSON text for arrays)."""
    if column.kind == "json":
        return json.dumps(_jsonable(value), separators=(",", ":"))
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str):
        return clean_text(value)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str):
        return clean_text(value)
    return value


def clean_text(value: str) -> str:
    """A string any database stores: PostgreSQL refuses NUL characters and neither takes lone surrogates. The raw log
    keeps the exact bytes; the decoded tables are for reading."""
    if value.isprintable() or value.isascii() and "\x00" not in value:
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\x00", "\ufffd")


def from_db(column: Column, value: Any) -> Any:
    """A value read back from either database, as the same Python value."""
    if value is None:
        return None
    if column.kind in ("big", "int"):
        return int(value)  # SQLite's decimal text and PostgreSQL's Decimal alike
    if column.kind == "bool":
        return bool(value)
    return value
