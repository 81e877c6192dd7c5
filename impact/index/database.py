"""The index of one deployment in one database: opening it (created, checked, or rebuilt), writing synced chunks and
rollbacks, each in one transaction, and the reads a trace and a web page need.

Opening never writes to a database that is not this deployment's index: a file that is not SQLite, a database with
tables of its own, or the index of another deployment is refused with one sentence, untouched. An index of this
deployment made by another schema version (or from other ABIs) is rebuilt, and says so.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from impact.chain.deployments import INDEXED_NAMES, Deployment
from impact.index import schema
from impact.index.schema import BLOCKS, LOGS, META, SYNC_STATE, TOKEN_TRANSFERS, EventTable, Table
from impact.index.store import SQLiteStore, Store, StoreError


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass(frozen=True)
class SyncState:
    synced_to: int  # every block up to this one is in the index (start - 1 when none is)
    head_hash: str | None
    final_to: int  # blocks up to this one were at least `confirmations` deep at the last sync
    final_hash: str | None


@dataclass
class Chunk:
    """What one step of a sync fetched: the logs of blocks first..last, the headers of the blocks holding them, and
    the hashes that let the next sync see whether the chain changed under it."""

    first: int
    last: int
    last_hash: str
    final_to: int
    final_hash: str | None
    logs: list[Any]
    blocks: dict[int, tuple[str, int]] = field(default_factory=dict)  # number -> (hash, timestamp)


class EventIndex:
    def __init__(self, store: Store, deployment: Deployment, w3: Any, notify: Callable[[str], None] = _stderr):
        self.store = store
        self.deployment = deployment
        self.w3 = w3
        self.notify = notify
        # Every ABI's tables, whichever contracts this deployment has: the layout (and its fingerprint) is the
        # program's, and a deployment made before the claims contract simply has no rows in its tables.
        self.tables = schema.event_tables(INDEXED_NAMES)
        self.contract_of = {deployment.address(name).lower(): name for name in deployment.indexed}
        self.start = min(deployment.contracts[name].block for name in deployment.indexed)
        self._by_topic = {(t.contract, t.codec.topic0): t for t in self.tables}
        self._insert_sql = {t.name: _insert(t) for t in (*self.tables, LOGS, BLOCKS, TOKEN_TRANSFERS)}

    # -- opening -------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, store: Store, deployment: Deployment, w3: Any, notify: Callable[[str], None] = _stderr) -> EventIndex:
        index = cls(store, deployment, w3, notify)
        index._check_or_create()
        return index

    def identity(self) -> dict[str, str]:
        """What says which deployment an index belongs to."""
        return {
            "chain_id": str(self.deployment.chain_id),
            **{name: self.deployment.address(name).lower() for name in self.deployment.indexed},
            "start_block": str(self.start),
        }

    def _check_or_create(self) -> None:
        try:
            names = self.store.table_names()
        except StoreError as exc:
            raise StoreError(
                f"{self.store.where} is not an index database ({str(exc).split(': ', 1)[-1]}); not touching it: "
                "delete it or give another --db"
            ) from None
        if not names:
            self._prepare()
            with self.store.transaction():
                self._create()
            return
        meta = self._meta() if "meta" in names else {}
        if meta.get("format") != schema.FORMAT:
            raise StoreError(
                f"{self.store.where} is not an impact index (it holds tables of its own: "
                f"{', '.join(sorted(names)[:3])}{'…' if len(names) > 3 else ''}); not touching it: give another --db"
            )
        mine = self.identity()
        theirs = {key: meta.get(key) for key in mine}
        if theirs != mine:
            raise StoreError(
                f"{self.store.where} is the index of another deployment (chain {theirs['chain_id']}, registry "
                f"{theirs['SiteRegistry']}), not of this one (chain {mine['chain_id']}, registry "
                f"{mine['SiteRegistry']}); not touching it: give another --db"
            )
        expected = {"schema_version": str(schema.SCHEMA_VERSION), "abi_fingerprint": schema.fingerprint()}
        if {key: meta.get(key) for key in expected} != expected:
            self.notify(
                f"the index {self.store.where} was built with schema version {meta.get('schema_version')} "
                f"(ABIs {meta.get('abi_fingerprint')}); this program uses version {schema.SCHEMA_VERSION} "
                f"(ABIs {expected['abi_fingerprint']}): rebuilding it from block {self.start}"
            )
            self._prepare()
            with self.store.transaction():
                self._drop(json.loads(meta.get("tables", "[]")))
                self._create()
            return
        self._prepare()

    def _prepare(self) -> None:
        if isinstance(self.store, SQLiteStore):
            self.store.prepare_for_writing()

    def _meta(self) -> dict[str, str]:
        return dict(self.store.query('SELECT "key", "value" FROM "meta"'))

    def _create(self) -> None:
        tables = schema.all_tables(INDEXED_NAMES)
        for table in tables:
            for statement in _ddl(self.store, table):
                self.store.execute(statement)
        meta = {
            "format": schema.FORMAT,
            "schema_version": str(schema.SCHEMA_VERSION),
            "abi_fingerprint": schema.fingerprint(),
            **self.identity(),
            "tables": json.dumps([t.name for t in tables]),
        }
        self.store.executemany('INSERT INTO "meta" ("key", "value") VALUES (?, ?)', sorted(meta.items()))
        self.store.execute(
            'INSERT INTO "sync_state" ("id", "synced_to", "head_hash", "final_to", "final_hash") '
            "VALUES (1, ?, NULL, ?, NULL)",
            (self.start - 1, self.start - 1),
        )

    def _drop(self, names: Iterable[str]) -> None:
        for name in sorted(set(names) | {t.name for t in schema.all_tables(INDEXED_NAMES)}):
            self.store.execute(f'DROP TABLE IF EXISTS "{name}"')

    def rebuild(self) -> None:
        """Drops every table of the index and creates them anew, empty (in one transaction)."""
        with self.store.transaction():
            self._drop(json.loads(self._meta().get("tables", "[]")))
            self._create()

    # -- the cursor ----------------------------------------------------------------------------------------

    def state(self) -> SyncState:
        row = self.store.query(
            'SELECT "synced_to", "head_hash", "final_to", "final_hash" FROM "sync_state" WHERE "id" = 1'
        )[0]
        return SyncState(int(row[0]), row[1], int(row[2]), row[3])

    def _locked_synced_to(self) -> int:
        lock = " FOR UPDATE" if self.store.kind == "postgresql" else ""
        return int(self.store.query(f'SELECT "synced_to" FROM "sync_state" WHERE "id" = 1{lock}')[0][0])

    # -- writing -------------------------------------------------------------------------------------------

    def commit(self, chunk: Chunk) -> None:
        """Stores one chunk and moves the cursor past it, in one transaction. Refuses a chunk that does not start
        right after the cursor (another writer got there first)."""
        rows = self._rows(chunk)
        with self.store.transaction():
            synced_to = self._locked_synced_to()
            if synced_to != chunk.first - 1:
                raise StoreError(
                    f"the index {self.store.where} moved to block {synced_to} while blocks {chunk.first}–"
                    f"{chunk.last} were being fetched (another sync?); run the sync again"
                )
            for name, table_rows in rows.items():
                self.store.executemany(self._insert_sql[name], table_rows)
            self._mark_final(chunk.final_to)
            self.store.execute(
                'UPDATE "sync_state" SET "synced_to" = ?, "head_hash" = ?, "final_to" = ?, "final_hash" = ? '
                'WHERE "id" = 1',
                (chunk.last, chunk.last_hash, chunk.final_to, chunk.final_hash),
            )

    def mark_final(self, final_to: int, final_hash: str) -> None:
        with self.store.transaction():
            self._locked_synced_to()
            self._mark_final(final_to)
            self.store.execute(
                'UPDATE "sync_state" SET "final_to" = ?, "final_hash" = ? WHERE "id" = 1', (final_to, final_hash)
            )

    def _mark_final(self, final_to: int) -> None:
        true, false = (self.store.adapt("bool", v) for v in (True, False))
        self.store.execute(
            'UPDATE "blocks" SET "confirmed" = ? WHERE "number" <= ? AND "confirmed" = ?', (true, final_to, false)
        )

    def _rows(self, chunk: Chunk) -> dict[str, list[tuple]]:
        """Every row the chunk adds, per table, as the database stores them."""
        adapt = self.store.adapt
        rows: dict[str, list[tuple]] = {"blocks": [], "logs": [], "token_transfers": []}
        for number in sorted(chunk.blocks):
            block_hash, timestamp = chunk.blocks[number]
            rows["blocks"].append((number, block_hash, timestamp, adapt("bool", number <= chunk.final_to)))
        for log in chunk.logs:
            address = log["address"].lower()
            topics = ["0x" + bytes(t).hex() for t in log["topics"]]
            position = (int(log["blockNumber"]), int(log["logIndex"]), "0x" + bytes(log["transactionHash"]).hex())
            table = self._by_topic.get((self.contract_of.get(address), topics[0] if topics else None))
            args = None
            if table is not None:
                try:
                    args = table.codec.args(self.w3, log)
                except Exception:  # noqa: BLE001 - a log the ABI cannot decode is kept raw, undecoded
                    table = None
            rows["logs"].append(
                (
                    *position[:2],
                    position[2],
                    int(log["transactionIndex"]),
                    address,
                    *(topics + [None] * 4)[:4],
                    "0x" + bytes(log["data"]).hex(),
                    table.name if table else None,
                )
            )
            if table is None:
                continue
            rows.setdefault(table.name, []).append(_adapted(self.store, table, table.row(position, args)))
            if schema.is_erc1155_transfer(table):
                rows["token_transfers"].extend(
                    _adapted(self.store, TOKEN_TRANSFERS, row) for row in _transfer_entries(position, address, args)
                )
        return rows

    def rollback_to(self, block: int, block_hash: str | None, final_to: int, final_hash: str | None) -> None:
        """Forgets every block after `block` (whose hash is `block_hash`) and counts as final only the blocks up to
        `final_to`, in one transaction."""
        with self.store.transaction():
            self._locked_synced_to()
            for table in (*self.tables, LOGS, TOKEN_TRANSFERS):
                self.store.execute(f'DELETE FROM "{table.name}" WHERE "block_number" > ?', (block,))
            self.store.execute('DELETE FROM "blocks" WHERE "number" > ?', (block,))
            self.store.execute(
                'UPDATE "blocks" SET "confirmed" = ? WHERE "number" > ?', (self.store.adapt("bool", False), final_to)
            )
            self.store.execute(
                'UPDATE "sync_state" SET "synced_to" = ?, "head_hash" = ?, "final_to" = ?, "final_hash" = ? '
                'WHERE "id" = 1',
                (block, block_hash, final_to, final_hash),
            )

    # -- reading -------------------------------------------------------------------------------------------

    def stored_blocks(self, below: int, limit: int) -> list[tuple[int, str]]:
        """(number, hash) of stored blocks at or below `below`, newest first."""
        rows = self.store.query(
            'SELECT "number", "hash" FROM "blocks" WHERE "number" <= ? ORDER BY "number" DESC LIMIT ?',
            (below, limit),
        )
        return [(int(n), h) for n, h in rows]

    def logs(
        self, addresses: Sequence[str], topics: Sequence[Any], from_block: int, to_block: int
    ) -> list[tuple[Any, ...]]:
        """Raw rows (block, log index, tx, tx index, address, topic0-3, data, block hash) matching an
        `eth_getLogs` filter: any of `addresses`, and in each topic position None (anything), one value, or any of
        a list; a log with fewer topics than a constrained position does not match."""
        where = ['l."block_number" BETWEEN ? AND ?']
        params: list[Any] = [from_block, to_block]
        wanted = sorted({a.lower() for a in addresses})
        where.append(f'l."address" IN ({", ".join("?" * len(wanted))})')
        params += wanted
        for position, topic in enumerate(topics):
            if topic is None:
                continue
            values = sorted({_hex(t) for t in (topic if isinstance(topic, (list, tuple)) else [topic])})
            where.append(f'l."topic{position}" IN ({", ".join("?" * len(values))})')
            params += values
        return self.store.query(
            'SELECT l."block_number", l."log_index", l."tx_hash", l."tx_index", l."address", l."topic0", '
            'l."topic1", l."topic2", l."topic3", l."data", b."hash" FROM "logs" l '
            'JOIN "blocks" b ON b."number" = l."block_number" '
            f'WHERE {" AND ".join(where)} ORDER BY l."block_number", l."log_index"',
            params,
        )

    def block_times(self, blocks: Iterable[int]) -> dict[int, int]:
        wanted = sorted(set(blocks))
        found: dict[int, int] = {}
        for k in range(0, len(wanted), 500):
            part = wanted[k : k + 500]
            rows = self.store.query(
                f'SELECT "number", "timestamp" FROM "blocks" WHERE "number" IN ({", ".join("?" * len(part))})', part
            )
            found.update((int(n), int(t)) for n, t in rows)
        return found

    def unconfirmed(self, blocks: Iterable[int]) -> list[int]:
        """Which of `blocks` are in the index but were not yet final at the last sync."""
        state = self.state()
        return sorted(b for b in set(blocks) if state.final_to < b <= state.synced_to)

    def counts(self) -> dict[str, int]:
        names = ["logs", "blocks", "token_transfers", *(t.name for t in self.tables)]
        return {name: int(self.store.query(f'SELECT COUNT(*) FROM "{name}"')[0][0]) for name in names}

    def rows(self, table: Table, where: str = "", params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of `table` (optionally `WHERE …`), in chain order, as Python values whichever the database."""
        order = ", ".join(f'"{k}"' for k in table.key)
        names = ", ".join(f'"{c}"' for c in table.column_names)
        sql = f'SELECT {names} FROM "{table.name}"' + (f" WHERE {where}" if where else "") + f" ORDER BY {order}"
        return [
            {c.name: schema.from_db(c, v) for c, v in zip(table.columns, row, strict=True)}
            for row in self.store.query(sql, params)
        ]

    def table(self, contract: str, event: str) -> EventTable:
        """The decoded table of `contract`'s `event` (e.g. `table("ImpactPools", "TokensPurchased")`)."""
        return next(t for t in self.tables if t.contract == contract and t.codec.name == event)

    def digest(self) -> dict[str, str]:
        """A hash of every table's rows, as Python values: equal for two indexes of the same chain, whichever the
        database and however their syncs were cut into chunks, interrupted or rolled back."""
        digests = {}
        for table in schema.all_tables(INDEXED_NAMES):
            h = hashlib.sha256()
            for row in self.rows(table):
                h.update(json.dumps(list(row.values()), default=str).encode() + b"\n")
            digests[table.name] = h.hexdigest()[:16]
        return digests


# ------------------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------------------


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower()
    return "0x" + bytes(value).hex()


def _insert(table: Table) -> str:
    names = ", ".join(f'"{c}"' for c in table.column_names)
    return f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(table.columns))})'


def _adapted(store: Store, table: Table, row: Sequence[Any]) -> tuple:
    return tuple(store.adapt(c.kind, v) for c, v in zip(table.columns, row, strict=True))


def _transfer_entries(position: tuple[int, int, str], address: str, args: dict[str, Any]) -> list[tuple]:
    """One row per (id, value) entry: a batch naming the same id twice gives two rows."""
    batch = "ids" in args
    ids, values = (args["ids"], args["values"]) if batch else ([args["id"]], [args["value"]])
    return [
        (*position[:2], entry, position[2], address, args["operator"], args["from"], args["to"], i, v, batch)
        for entry, (i, v) in enumerate(zip(ids, values, strict=True))
    ]


def identifier(name: str) -> str:
    """`name`, or if longer than PostgreSQL's 63 characters, its start and a hash (the database would cut it)."""
    if len(name) <= 63:
        return name
    return name[:54] + "_" + hashlib.sha256(name.encode()).hexdigest()[:8]


def _ddl(store: Store, table: Table) -> list[str]:
    columns = [f'"{c.name}" {store.column_type(c.kind)}{"" if c.nullable else " NOT NULL"}' for c in table.columns]
    key = ", ".join(f'"{k}"' for k in table.key)
    statements = [f'CREATE TABLE "{table.name}" ({", ".join(columns)}, PRIMARY KEY ({key}))']
    for columns_ in table.indexes:
        name = identifier(f"{table.name}__{'_'.join(columns_)}")
        statements.append(
            f'CREATE INDEX "{name}" ON "{table.name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns_)})'
        )
    return statements


__all__ = ["EventIndex", "Chunk", "SyncState", "META", "SYNC_STATE"]
