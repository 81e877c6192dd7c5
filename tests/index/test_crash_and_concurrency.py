"""A sync killed (SIGKILL) again and again mid-way, then restarted, ends with the same tables as a sync never
interrupted; a sync and several traces at once (processes and threads) all succeed, and every trace is exact."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
from dataclasses import asdict

import pytest
from conftest import Impact, open_index, wait_until
from world import World

from impact.chain.logs import LogFetcher
from impact.index.source import IndexSource
from impact.index.sync import Syncer
from impact.trace.tracer import Tracer


@pytest.fixture(scope="module")
def busy(node) -> World:
    """The story, then 120 more purchases and transfers, one block each: a sync in chunks of two blocks takes long
    enough to be killed many times."""
    world = World(node.url)
    world.story()
    a, b, c, d = world.investors
    pool = world.open_pool(goal=1, cap=10_000)
    for k in range(60):
        assert world.buy((a, b, c, d)[k % 4], pool, 1 + k % 5)
        assert world.transfer((a, b, c, d)[k % 4], (b, c, d, a)[k % 4], pool, 1)
    return world


@pytest.fixture
def impact_busy(busy, tmp_path) -> Impact:
    return Impact(busy, tmp_path / "deployments")


def cursor(target: str) -> int:
    """The index's cursor, read as another reader would; -1 before the index exists."""
    try:
        if target.startswith("postgresql://"):
            import psycopg

            with psycopg.connect(target, autocommit=True) as conn:
                return int(conn.execute('SELECT "synced_to" FROM "sync_state"').fetchone()[0])
        with sqlite3.connect(target, timeout=30) as conn:
            return int(conn.execute('SELECT "synced_to" FROM "sync_state"').fetchone()[0])
    except Exception:  # noqa: BLE001 - no index yet
        return -1


def test_a_sync_killed_at_any_point_converges_to_a_clean_sync(impact_busy, busy, new_target):
    target = new_target()
    head = busy.w3.eth.block_number
    kills, seen = 0, -1
    for fraction in (0.0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9):
        process = impact_busy.start("index", "sync", "--db", target, "--chunk", "2")
        threshold = seen + 1 if fraction == 0.0 else max(seen + 1, int(head * fraction))
        wait_until(lambda p=process, t=threshold: p.poll() is not None or cursor(target) >= t, timeout=60, step=0.002)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
        # Whatever the moment, the index opens, holds whole chunks up to its cursor and nothing after it.
        index = open_index(busy, target)
        state = index.state()
        assert state.synced_to >= seen
        seen = state.synced_to
        assert all(
            row["block_number"] <= state.synced_to for row in index.rows(index.table("ImpactPools", "TransferSingle"))
        )
        index.store.close()
    assert kills >= 4
    impact_busy.ok("index", "sync", "--db", target)
    index = open_index(busy, target)
    clean = open_index(busy, new_target())
    Syncer(clean, confirmations=2).sync()
    assert index.digest() == clean.digest()


def test_a_sync_and_several_traces_at_once_all_succeed_and_agree(impact_busy, busy, new_target):
    target = new_target()
    investors = busy.investors[:2]
    expected = {i: json.loads(impact_busy.ok("trace", "--investor", i, "--direct", "--json")) for i in investors}
    sync = impact_busy.start("index", "sync", "--db", target, "--chunk", "1")
    assert wait_until(lambda: cursor(target) > 0, timeout=60)
    traces = [
        (i, impact_busy.start("trace", "--investor", i, "--db", target, "--json", *extra))
        for i in investors
        for extra in ([], ["--no-sync"])
    ]
    for investor, process in traces:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        assert json.loads(out) == expected[investor]
    _, err = sync.communicate(timeout=180)
    assert sync.returncode == 0, err


def test_threads_tracing_while_a_sync_commits_read_consistent_snapshots(busy, new_target):
    target = new_target()
    investor = busy.investors[0]
    expected = asdict(Tracer(busy.system, LogFetcher(busy.w3)).investor(investor))
    errors: list[BaseException] = []
    done = threading.Event()
    traced = []

    def trace_repeatedly() -> None:
        try:
            index = open_index(busy, target)
            while not done.is_set() or not traced:
                with IndexSource(index, LogFetcher(busy.w3)) as source:
                    assert asdict(Tracer(busy.system, source).investor(investor)) == expected
                traced.append(1)
            index.store.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    open_index(busy, target).store.close()  # the tables exist before the readers start
    readers = [threading.Thread(target=trace_repeatedly) for _ in range(3)]
    for reader in readers:
        reader.start()
    writer = open_index(busy, target)
    Syncer(writer, chunk=1).sync()
    done.set()
    for reader in readers:
        reader.join(timeout=120)
    assert not errors, errors[0]
    assert len(traced) >= 3
