"""The index's speed: `trace --investor` from a synced index at 2,000, 20,000 and 100,000 background events on Anvil
(the direct trace beside it at 2,000 and 20,000), sync throughput from scratch on SQLite and PostgreSQL, and an
incremental sync of one new block.

The chain is filled as `bench/trace_speed.py` fills it (its `ChainFiller`: JSON-RPC batches from the node's unlocked
accounts), with pools opened from the ABI's own parameter names so the filler follows the contracts. Each wave of
up to BATCH transactions is mined as one block: with one block per transaction, Anvil 1.7.1 slows down as the chain
grows (measured: 4,000 events took 7 s from an empty chain and 63 s past 10,000 blocks, with 2.8 GB resident), so a
100,000-event fill would take hours. A trace from the index reads only the index's tables, whatever the number of
blocks; `bench/trace_speed.py` measures the direct trace with both layouts. Every trace is
the library's `Tracer.investor`, in process, on a fresh `Tracer` and a fresh `IndexSource` each time (no cache
carried over); times are medians. PostgreSQL is a throwaway server in a temporary folder, stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.trace_speed import ACCOUNTS, BATCH, PRICE, ChainFiller
from impact.chain.artifacts import abi
from impact.chain.encoding import to_bytes32
from impact.chain.localnode import LocalAnvil, free_port
from impact.chain.logs import LogFetcher
from impact.index.database import EventIndex
from impact.index.source import IndexSource
from impact.index.store import open_store
from impact.index.sync import Syncer
from impact.trace.tracer import Tracer

SIZES = (2_000, 20_000, 100_000)
DIRECT_SIZES = (2_000, 20_000)
RUNS = 15
TARGET_GROWTH = 1.1
TARGET_TRACE_SECONDS = 0.020
TARGET_INCREMENTAL_SECONDS = 0.050


class IndexChainFiller(ChainFiller):
    """`ChainFiller`, opening pools with the parameters the ABI names (whatever the contracts add, such as a challenge
    window, is zero)."""

    def _open_pool(self, cap: int) -> int:
        now = self.w3.eth.get_block("latest")["timestamp"]
        item = next(i for i in abi("ImpactPools") if i.get("type") == "function" and i["name"] == "openPool")
        given = {"siteId": 1, "asset": "0x" + "00" * 20, "price": PRICE, "goalTokens": 1, "capTokens": cap}
        given |= {"saleStart": now - 60, "saleEnd": now + 30 * 86_400}
        params = tuple(given.get(c["name"], 0) for c in item["inputs"][0]["components"])
        milestones = [(to_bytes32("GLS-V1.1-2.1.1"), to_bytes32("m0"), "ipfs://m0", 10_000, now + 10 * 365 * 86_400)]
        fn = self.pools.functions.openPool(params, milestones)
        pool_id = fn.call({"from": self.programme.address})
        self.programme.send(fn)
        return pool_id


@dataclass
class IndexTiming:
    events: int
    blocks: int
    logs: int
    direct_seconds: float | None
    index_seconds: float
    index_queries: int
    up_to_date_sync_seconds: float
    incremental_sync_seconds: float
    sync_sqlite_seconds: float
    sync_sqlite_logs_per_second: float
    sync_postgresql_seconds: float | None
    sync_postgresql_logs_per_second: float | None


def _postgres_bin() -> Path | None:
    import glob

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def as_postgres_user() -> list[str]:
    """The command prefix that runs a PostgreSQL server program as the `postgres` user when we are root (the server
    refuses to run as root), or nothing otherwise. `runuser` lives in sbin, which a root shell's PATH may lack."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser") or next(
        (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if Path(p).exists()), None
    )
    if runuser is None:
        raise RuntimeError("runuser (util-linux) is missing: it starts PostgreSQL as the postgres user")
    return [runuser, "-u", "postgres", "--"]


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.bin = _postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL's server programs are missing: apt-get install -y postgresql (as root)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="impact-bench-pg-"))
        self.prefix = as_postgres_user()
        if self.prefix:
            shutil.chown(self.dir, "postgres")
        self.count = 0

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, timeout=120, cwd=self.dir)

    def __enter__(self) -> ThrowawayPostgres:
        data = str(self.dir / "data")
        self._run(str(self.bin / "initdb"), "-D", data, "-A", "trust", "-U", "postgres")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._run(str(self.bin / "pg_ctl"), "-D", data, "-o", options, "-l", str(self.dir / "log"), "-w", "start")
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def new_database(self) -> str:
        import psycopg

        self.count += 1
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "bench_{self.count}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/bench_{self.count}"


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def _sync_from_scratch(filler: ChainFiller, target: str) -> tuple[EventIndex, float, int]:
    index = EventIndex.open(open_store(target), filler.deployment, filler.w3, notify=lambda m: None)
    started = time.perf_counter()
    report = Syncer(index).sync()
    return index, time.perf_counter() - started, report.logs


def _index_trace(filler: ChainFiller, index: EventIndex, expected: Any) -> tuple[float, int]:
    def once() -> tuple[float, int]:
        started = time.perf_counter()
        with IndexSource(index, LogFetcher(filler.w3)) as source:
            trace = Tracer(filler.system, source).investor(filler.investor)
        elapsed = time.perf_counter() - started
        if source.requests:
            raise RuntimeError("the index trace asked the node for logs: the index was not synced")
        if expected is not None and asdict(trace) != expected:
            raise RuntimeError("the index trace differs from the direct trace")
        return elapsed, source.queries

    runs = [once() for _ in range(RUNS)]
    return _median([r[0] for r in runs]), runs[0][1]


def _incremental(filler: ChainFiller, index: EventIndex) -> tuple[float, float]:
    """(an up-to-date sync, a sync of one new block holding one transfer), medians of five."""
    up_to_date, one_block = [], []
    for _ in range(5):
        started = time.perf_counter()
        Syncer(index).sync()
        up_to_date.append(time.perf_counter() - started)
        crowd = filler.crowd[0]  # a purchase in a crowd pool: the investor's own story stays as it was
        filler._send_batches([filler._buy(crowd, filler.crowd_pools[0], 1, crowd)])
        started = time.perf_counter()
        report = Syncer(index).sync()
        one_block.append(time.perf_counter() - started)
        if report.blocks != 1:
            raise RuntimeError(f"expected one new block, synced {report.blocks}")
    return _median(up_to_date), _median(one_block)


def run(sizes: tuple[int, ...] = SIZES) -> list[dict[str, Any]]:
    print("\nThe index: trace --investor from a synced index (in process), syncs on SQLite and PostgreSQL\n")
    timings: list[IndexTiming] = []
    work = Path(tempfile.mkdtemp(prefix="impact-bench-index-"))
    try:
        with LocalAnvil(["--accounts", str(ACCOUNTS)]) as node, ThrowawayPostgres() as postgres:
            filler = IndexChainFiller(node.url, per_block=BATCH)
            for size in sizes:
                filler.fill_to(size)
                direct = None
                expected = None
                if size in DIRECT_SIZES:
                    seconds, _, _ = filler.trace()
                    direct = seconds
                    expected = asdict(Tracer(filler.system, LogFetcher(filler.w3)).investor(filler.investor))
                index, sqlite_seconds, logs = _sync_from_scratch(filler, str(work / f"index-{size}.sqlite"))
                pg_index, pg_seconds, _ = _sync_from_scratch(filler, postgres.new_database())
                pg_index.store.close()
                trace_seconds, queries = _index_trace(filler, index, expected)
                up_to_date, incremental = _incremental(filler, index)
                timings.append(
                    IndexTiming(
                        events=size,
                        blocks=filler.w3.eth.block_number,
                        logs=logs,
                        direct_seconds=direct,
                        index_seconds=trace_seconds,
                        index_queries=queries,
                        up_to_date_sync_seconds=up_to_date,
                        incremental_sync_seconds=incremental,
                        sync_sqlite_seconds=sqlite_seconds,
                        sync_sqlite_logs_per_second=logs / sqlite_seconds,
                        sync_postgresql_seconds=pg_seconds,
                        sync_postgresql_logs_per_second=logs / pg_seconds,
                    )
                )
                index.store.close()
                print(f"  {size:,} events: done", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(render(timings))
    return [{k: (round(v, 5) if isinstance(v, float) else v) for k, v in asdict(t).items()} for t in timings]


def render(timings: list[IndexTiming]) -> str:
    def ms(value: float | None) -> str:
        return "—" if value is None else f"{value * 1000:.1f}"

    lines = [
        "| background events | blocks | logs indexed | direct trace ms | index trace ms | up-to-date sync ms "
        "| one-block sync ms | sync SQLite s (logs/s) | sync PostgreSQL s (logs/s) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in timings:
        lines.append(
            f"| {t.events:,} | {t.blocks:,} | {t.logs:,} | {ms(t.direct_seconds)} | {ms(t.index_seconds)} | "
            f"{ms(t.up_to_date_sync_seconds)} | {ms(t.incremental_sync_seconds)} | "
            f"{t.sync_sqlite_seconds:.2f} ({t.sync_sqlite_logs_per_second:,.0f}) | "
            f"{t.sync_postgresql_seconds:.2f} ({t.sync_postgresql_logs_per_second:,.0f}) |"
        )
    lines.append("")
    first, last = timings[0], timings[-1]
    growth = last.index_seconds / first.index_seconds
    lines.append(
        f"index trace at {last.events:,} ÷ at {first.events:,} = {growth:.2f} (target ≤ {TARGET_GROWTH}: "
        f"{'met' if growth <= TARGET_GROWTH else 'missed'})"
    )
    lines.append(
        f"index trace at {last.events:,}: {last.index_seconds * 1000:.1f} ms (target ≤ "
        f"{TARGET_TRACE_SECONDS * 1000:.0f} ms: {'met' if last.index_seconds <= TARGET_TRACE_SECONDS else 'missed'})"
    )
    worst = max(t.incremental_sync_seconds for t in timings)
    lines.append(
        f"one-block sync, slowest size: {worst * 1000:.1f} ms (target ≤ {TARGET_INCREMENTAL_SECONDS * 1000:.0f} ms: "
        f"{'met' if worst <= TARGET_INCREMENTAL_SECONDS else 'missed'})"
    )
    for t in timings:
        if t.direct_seconds:
            lines.append(f"at {t.events:,}: direct ÷ index = {t.direct_seconds / t.index_seconds:.1f}")
    return "\n".join(lines)
