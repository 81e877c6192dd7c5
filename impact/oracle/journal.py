"""The oracle service's journal: what it did with each milestone, in SQLite, so a crash never double-submits.

One row per (pool, milestone): an oracle acts on a milestone once. A transaction is signed and its raw bytes and
hash are written here *before* it is broadcast; after a crash the service finds the row in state `broadcast` and
asks the chain for that exact transaction (or re-broadcasts the same bytes, which the nonce makes harmless)
instead of signing a new one.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

PENDING, BROADCAST, DONE, REJECTED = "pending", "broadcast", "done", "rejected"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS milestones (
    pool_id      INTEGER NOT NULL,
    milestone_id INTEGER NOT NULL,
    report       TEXT    NOT NULL,
    evidence     TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    deadline     INTEGER,
    raw_tx       BLOB,
    tx_hash      TEXT,
    output       TEXT,
    detail       TEXT,
    updated_at   REAL    NOT NULL,
    PRIMARY KEY (pool_id, milestone_id)
)
"""


@dataclass(frozen=True)
class Entry:
    pool_id: int
    milestone_id: int
    report: str
    evidence: str
    state: str
    deadline: int | None
    raw_tx: bytes | None
    tx_hash: str | None
    output: str | None
    detail: str | None


class Journal:
    """A small SQLite journal; every write is its own committed transaction (durable before we act on it)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def get(self, pool_id: int, milestone_id: int) -> Entry | None:
        row = self._db.execute(
            "SELECT pool_id, milestone_id, report, evidence, state, deadline, raw_tx, tx_hash, output, detail "
            "FROM milestones WHERE pool_id = ? AND milestone_id = ?",
            (pool_id, milestone_id),
        ).fetchone()
        return Entry(*row) if row else None

    def start(self, pool_id: int, milestone_id: int, report: str, evidence: str, deadline: int | None = None) -> Entry:
        """Records a new milestone as pending (or returns the existing row untouched)."""
        self._db.execute(
            "INSERT OR IGNORE INTO milestones (pool_id, milestone_id, report, evidence, state, deadline, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (pool_id, milestone_id, report, evidence, PENDING, deadline, time.time()),
        )
        entry = self.get(pool_id, milestone_id)
        assert entry is not None
        return entry

    def signing(self, pool_id: int, milestone_id: int, evidence: str, deadline: int) -> None:
        """Sign mode: about to sign `evidence` with `deadline` (again, if the report came back with a new one)."""
        self._update(pool_id, milestone_id, state=PENDING, evidence=evidence, deadline=deadline)

    def broadcasting(self, pool_id: int, milestone_id: int, raw_tx: bytes, tx_hash: str) -> None:
        self._update(pool_id, milestone_id, state=BROADCAST, raw_tx=raw_tx, tx_hash=tx_hash)

    def done(self, pool_id: int, milestone_id: int, output: str | None = None, detail: str | None = None) -> None:
        self._update(pool_id, milestone_id, state=DONE, output=output, detail=detail)

    def rejected(self, pool_id: int, milestone_id: int, detail: str) -> None:
        self._update(pool_id, milestone_id, state=REJECTED, detail=detail)

    def forget(self, pool_id: int, milestone_id: int) -> None:
        """Drops a finished milestone's row, so that a new round (after a reviewer's void, or a revocation that voided
        a signature) is handled afresh. Never for a row in state `broadcast`: that transaction must be followed."""
        self._db.execute(
            "DELETE FROM milestones WHERE pool_id = ? AND milestone_id = ? AND state != ?",
            (pool_id, milestone_id, BROADCAST),
        )

    def entries(self) -> list[Entry]:
        rows = self._db.execute(
            "SELECT pool_id, milestone_id, report, evidence, state, deadline, raw_tx, tx_hash, output, detail "
            "FROM milestones ORDER BY updated_at"
        ).fetchall()
        return [Entry(*row) for row in rows]

    def _update(self, pool_id: int, milestone_id: int, **fields: object) -> None:
        columns = ", ".join(f"{name} = ?" for name in fields)
        self._db.execute(
            f"UPDATE milestones SET {columns}, updated_at = ? WHERE pool_id = ? AND milestone_id = ?",
            (*fields.values(), time.time(), pool_id, milestone_id),
        )
