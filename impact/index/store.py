"""The database under the index: SQLite (Python's sqlite3, WAL mode) or PostgreSQL (psycopg 3), behind the few
operations the index needs. SQL is written once, with `?` placeholders and double-quoted names, which both accept.

Every database error leaves here as a `StoreError`: one sentence naming the database, never a traceback.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from impact.chain.errors import UserError


class StoreError(UserError):
    """The index's database failed or refused: the message says which and why."""


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def open_store(target: str | Path) -> Store:
    """A store for `target`: a postgresql:// URL, or the path of a SQLite file (created if missing)."""
    text = str(target)
    return PostgresStore(text) if is_postgres_url(text) else SQLiteStore(Path(text))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].strip()


class Store:
    kind: str
    where: str  # how messages name the database (a path, or a URL without its password)

    # -- what each database calls things ---------------------------------------------------------------------

    def column_type(self, kind: str) -> str:
        raise NotImplementedError

    def adapt(self, kind: str, value: Any) -> Any:
        """A Python value as this database stores it in a column of `kind`."""
        return value

    # -- statements ------------------------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.errors():
            return self._query(sql, params)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.errors():
            self._execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            with self.errors():
                self._executemany(sql, rows)

    def table_names(self) -> set[str]:
        raise NotImplementedError

    @contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            if not self._is_database_error(exc):
                raise
            raise StoreError(f"the index database {self.where} failed: {_first_line(exc)}") from None

    # -- transactions and the sync lock ---------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction: all of it is committed, or none (also when the process is killed)."""
        raise NotImplementedError
        yield

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every query inside sees the database as it was when the first one ran."""
        raise NotImplementedError
        yield

    @contextmanager
    def sync_lock(self, wait: bool) -> Iterator[bool]:
        """Held by one sync at a time (so that two never fetch the same blocks); yields False if another holds it
        and `wait` is False. Released when the process dies, however it dies."""
        raise NotImplementedError
        yield

    def close(self) -> None:
        raise NotImplementedError

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        raise NotImplementedError

    def _execute(self, sql: str, params: Sequence[Any]) -> None:
        raise NotImplementedError

    def _executemany(self, sql: str, rows: list[Sequence[Any]]) -> None:
        raise NotImplementedError

    def _is_database_error(self, exc: Exception) -> bool:
        raise NotImplementedError


# ------------------------------------------------------------------------------------------------------------------
# SQLite
# ------------------------------------------------------------------------------------------------------------------


class SQLiteStore(Store):
    """One file per deployment. WAL mode: one writer and any number of readers at once, each reader on a snapshot.
    `synchronous=NORMAL`: a killed process loses nothing committed (a power cut may lose the last transactions,
    which the next sync fetches again)."""

    kind = "sqlite"
    _TYPES = {"int": "INTEGER", "big": "TEXT", "bool": "INTEGER", "text": "TEXT", "json": "TEXT"}

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self._wal = False
        if path.exists() and path.is_dir():
            raise StoreError(f"{path} is a folder, not an index database")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=60, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the index database {path}: {_first_line(exc)}") from None

    def prepare_for_writing(self) -> None:
        """WAL mode and its durability setting, once the file is known to be ours (or new): switching a foreign
        database to WAL would rewrite its header."""
        if not self._wal:
            self.execute("PRAGMA journal_mode=WAL")
            self.execute("PRAGMA synchronous=NORMAL")
            self._wal = True

    def column_type(self, kind: str) -> str:
        return self._TYPES[kind]

    def adapt(self, kind: str, value: Any) -> Any:
        if kind == "big" and value is not None:
            return str(value)
        if kind == "bool" and value is not None:
            return int(value)
        return value

    def table_names(self) -> set[str]:
        rows = self.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'")
        return {r[0] for r in rows}

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("BEGIN IMMEDIATE")  # take the write lock now, not at the first write (no upgrade deadlock)
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        self.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        self.execute("BEGIN")
        try:
            yield
        finally:
            self._rollback()

    @contextmanager
    def sync_lock(self, wait: bool) -> Iterator[bool]:
        try:
            handle = open(f"{self.path}.lock", "a+")  # noqa: SIM115 - held for the whole sync
        except OSError as exc:
            raise StoreError(f"cannot lock the index database {self.path}: {_first_line(exc)}") from None
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()

    def close(self) -> None:
        self.conn.close()

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            with self.errors():
                self.conn.execute("ROLLBACK")

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    def _execute(self, sql: str, params: Sequence[Any]) -> None:
        self.conn.execute(sql, params)

    def _executemany(self, sql: str, rows: list[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def _is_database_error(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.Error)


# ------------------------------------------------------------------------------------------------------------------
# PostgreSQL
# ------------------------------------------------------------------------------------------------------------------


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresStore(Store):
    """One database (or one schema, through libpq's `options=-csearch_path=…`) per deployment. Readers take a
    REPEATABLE READ snapshot; the sync lock is a session advisory lock, which dies with the connection."""

    kind = "postgresql"
    _TYPES = {"int": "BIGINT", "big": "NUMERIC(78, 0)", "bool": "BOOLEAN", "text": "TEXT", "json": "TEXT"}

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self.where = redact(url)
        self._psycopg = psycopg
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to the index database {self.where}: {_first_line(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - a malformed URL: psycopg raises ProgrammingError or ValueError
            raise StoreError(f"cannot use the index database URL {self.where}: {_first_line(exc)}") from None

    def prepare_for_writing(self) -> None:
        pass

    def column_type(self, kind: str) -> str:
        return self._TYPES[kind]

    def table_names(self) -> set[str]:
        rows = self.query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
        return {r[0] for r in rows}

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.errors(), self.conn.transaction():
            yield

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        with self.errors(), self.conn.transaction():
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield

    @contextmanager
    def sync_lock(self, wait: bool) -> Iterator[bool]:
        key = "hashtext(coalesce(current_schema(), '') || ':impact-index-sync')"
        if wait:
            self.query(f"SELECT pg_advisory_lock({key})")
        elif not self.query(f"SELECT pg_try_advisory_lock({key})")[0][0]:
            yield False
            return
        try:
            yield True
        finally:
            if not self.conn.closed:
                self.query(f"SELECT pg_advisory_unlock({key})")

    def close(self) -> None:
        self.conn.close()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        return self.conn.execute(self._sql(sql), params or None).fetchall()

    def _execute(self, sql: str, params: Sequence[Any]) -> None:
        self.conn.execute(self._sql(sql), params or None)

    def _executemany(self, sql: str, rows: list[Sequence[Any]]) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(self._sql(sql), rows)

    def _is_database_error(self, exc: Exception) -> bool:
        return isinstance(exc, self._psycopg.Error)


def default_sqlite_path(deployments_dir: Path, chain_id: int, registry: str) -> Path:
    """Beside the deployments file, named by the chain and the registry's address."""
    return deployments_dir / f"{chain_id}-{registry.lower()}.index.sqlite"


def environment_target() -> str | None:
    return os.environ.get("IMPACT_INDEX_DB") or None
