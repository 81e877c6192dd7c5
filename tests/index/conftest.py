"""Fixtures for the index: real chains (an Anvil of each module's own) and real databases: a SQLite file, and a
PostgreSQL server these tests start themselves in a temporary folder (a throwaway cluster owned by the `postgres`
user, on a free port, stopped at the end). Every test that takes `target` runs once on each.

Nothing is skipped: without PostgreSQL's server programs the PostgreSQL runs fail, saying how to install them.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from world import World

from bench.index_speed import as_postgres_user
from impact.chain.localnode import LocalAnvil, free_port
from impact.index.database import EventIndex
from impact.index.store import open_store

ROOT = Path(__file__).resolve().parents[2]
INSTALL = "install PostgreSQL's server programs (as root on Debian: apt-get install -y postgresql)"


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and shutil.which("initdb"):
        return Path(pg_ctl).parent
    pytest.fail(f"PostgreSQL's initdb and pg_ctl were not found: {INSTALL}", pytrace=False)


class PostgresServer:
    """A PostgreSQL cluster in a temporary folder, run as the `postgres` user when the tests run as root (the server
    refuses to run as root)."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="impact-pg-"))
        self.as_postgres = as_postgres_user()
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.as_postgres, *args], capture_output=True, text=True, timeout=120, cwd=self.dir)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> PostgresServer:
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = f"index_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
    except RuntimeError as exc:
        server.stop()
        pytest.fail(f"could not start a throwaway PostgreSQL server: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def new_target(backend, tmp_path, request):
    """Makes a new, empty index database of this test's backend each time it is called."""
    counter = itertools.count(1)

    def make() -> str:
        if backend == "sqlite":
            return str(tmp_path / f"index-{next(counter)}.sqlite")
        return request.getfixturevalue("postgres").new_database()

    return make


@pytest.fixture
def target(new_target) -> str:
    return new_target()


# --- chains -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def node() -> Iterator[LocalAnvil]:
    with LocalAnvil(["--accounts", "12"]) as anvil:
        yield anvil


@pytest.fixture(scope="module")
def world(node) -> World:
    """The deployment with `World.story()` on it: every kind of event the trace reads."""
    w = World(node.url)
    w.story()
    return w


def open_index(world: World, target: str) -> EventIndex:
    return EventIndex.open(open_store(target), world.deployment, world.w3, notify=lambda message: None)


# --- the program, as a user runs it ---------------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    out: str
    err: str


class Impact:
    """`python -m impact …` against `world`'s node, with the world's deployments file."""

    def __init__(self, world: World, folder: Path) -> None:
        self.world = world
        self.folder = folder
        world.save(folder)
        self.env = {**os.environ, "IMPACT_DEPLOYMENTS": str(folder)}
        self.env.pop("IMPACT_INDEX_DB", None)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "impact", *args, "--rpc-url", self.world.url]

    def __call__(self, *args: str, timeout: float = 120) -> Run:
        done = subprocess.run(
            self.command(*args), env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.code == 0, result.err
        return result.out

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(*args), env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )


@pytest.fixture
def impact(world, tmp_path) -> Impact:
    return Impact(world, tmp_path / "deployments")


def wait_until(condition, timeout: float = 30.0, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False
