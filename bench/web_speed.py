"""The investor page's speed: an investor with about 50 events of their own (the trace benchmark's story) among
2,000 background events on Anvil, from a synced SQLite index. Target: ≤ 100 ms server-side.

Two measures, medians of 15:
- server-side: what `impact serve`'s handler does for `/investor/0x…`, in process: the request's sync (nothing new
  to fetch, one request to the node), the trace from the index, the figures and charts, the template;
- over HTTP: a GET of the same page from a live `impact serve` (uvicorn), as a browser would, which adds the HTTP
  round trip on 127.0.0.1.
Every request syncs first (`--sync-every 0`): the worst case of the default's "sync when 5 s behind".
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.index_speed import IndexChainFiller
from bench.trace_speed import ACCOUNTS
from impact.chain.deployments import path_for
from impact.chain.localnode import LocalAnvil, free_port
from impact.index.database import EventIndex
from impact.index.store import open_store
from impact.index.sync import Syncer
from impact.web.pages import Reader
from impact.web.render import Links, render

BACKGROUND = 2_000
RUNS = 15
TARGET_SECONDS = 0.100
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class WebTiming:
    background_events: int
    investor_events: int
    blocks: int
    server_seconds: float  # in process: sync check + trace + render
    http_seconds: float  # a GET from a live `impact serve`
    page_bytes: int


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _server_side(reader: Reader, investor: str) -> tuple[float, int]:
    links = Links(live=True, explorer=None)
    times, size = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        view = reader.investor(investor)
        html = render("investor.html", links, view=view, freshness=view.freshness)
        times.append(time.perf_counter() - started)
        size = len(html.encode())
    return _median(times), size


def _over_http(env: dict[str, str], node_url: str, investor: str) -> float:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "impact", "serve", "--port", str(port), "--sync-every", "0", "--rpc-url", node_url],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    page = f"http://127.0.0.1:{port}/investor/{investor}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(page, timeout=30).read()  # the first request also warms the templates
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("impact serve did not answer") from None
                time.sleep(0.05)
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            with urllib.request.urlopen(page, timeout=30) as response:
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"GET {page}: {response.status}")
            times.append(time.perf_counter() - started)
        return _median(times)
    finally:
        server.terminate()
        server.wait(timeout=10)


def run(background: int = BACKGROUND) -> list[dict[str, Any]]:
    print(f"\nThe investor page: {background:,} background events, an investor with ~50 events, a synced index\n")
    work = Path(tempfile.mkdtemp(prefix="impact-bench-web-"))
    try:
        with LocalAnvil(["--accounts", str(ACCOUNTS)]) as node:
            filler = IndexChainFiller(node.url)
            filler.fill_to(background)
            deployment = filler.system.deployment
            folder = work / "deployments"
            folder.mkdir()
            record = folder / path_for(deployment.chain_id, deployment.genesis_hash, deployment.local).name
            record.write_text(json.dumps(deployment.to_json()))
            index_path = work / "index.sqlite"
            index = EventIndex.open(open_store(index_path), deployment, filler.w3, notify=lambda m: None)
            Syncer(index).sync()
            reader = Reader(filler.system, index, confirmations=2, sync_every=0)
            server_seconds, size = _server_side(reader, filler.investor)
            index.store.close()
            env = {**os.environ, "IMPACT_DEPLOYMENTS": str(folder), "IMPACT_INDEX_DB": str(index_path)}
            http_seconds = _over_http(env, node.url, filler.investor)
            timing = WebTiming(
                background, filler.investor_events, filler.w3.eth.block_number, server_seconds, http_seconds, size
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(render_table([timing]))
    return [{k: (round(v, 5) if isinstance(v, float) else v) for k, v in asdict(timing).items()}]


def render_table(timings: list[WebTiming]) -> str:
    lines = [
        "| background events | investor events | blocks | server-side ms | over HTTP ms | page kB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in timings:
        lines.append(
            f"| {t.background_events:,} | {t.investor_events} | {t.blocks:,} | {t.server_seconds * 1000:.1f} | "
            f"{t.http_seconds * 1000:.1f} | {t.page_bytes / 1000:.0f} |"
        )
    worst = max(t.server_seconds for t in timings)
    lines.append(
        f"\ninvestor page server-side: {worst * 1000:.1f} ms (target ≤ {TARGET_SECONDS * 1000:.0f} ms: "
        f"{'met' if worst <= TARGET_SECONDS else 'missed'})"
    )
    return "\n".join(lines)
