"""Fixtures for the web pages, tested as a person uses them: a chain of its own with a realistic history (the index
tests' story, plus a hostile site), a live `impact serve` on a free port, and headless Chromium driven by Playwright.

Chromium is Debian's (`make chromium` installs it: `apt-get install -y chromium`, as root); Playwright's own browser
download cannot work offline, so it is pointed at /usr/bin/chromium. Nothing is mocked: the node, the index, the
server and the browser are real processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "index"))  # the index tests' World: one story for both

from web_support import CHROMIUM, WebWorld  # noqa: E402
from world import World  # noqa: E402

from impact.chain.localnode import LocalAnvil, free_port  # noqa: E402


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    first_line: str
    env: dict[str, str] = field(default_factory=dict)


def _impact(world: World, env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "impact", *args, "--rpc-url", world.url],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def node() -> Iterator[LocalAnvil]:
    with LocalAnvil(["--accounts", "12"]) as anvil:
        yield anvil


@pytest.fixture(scope="module")
def world(node) -> WebWorld:
    w = WebWorld(node.url)
    w.story()
    w.hostile_story()
    w.claim_story()
    return w


@pytest.fixture(scope="module")
def env(world, tmp_path_factory) -> dict[str, str]:
    """The environment of every `impact` command here: the world's deployments file, its index beside it."""
    folder = tmp_path_factory.mktemp("deployments")
    environment = {**os.environ, "IMPACT_DEPLOYMENTS": str(folder)}
    environment.pop("IMPACT_INDEX_DB", None)
    world.save(folder)  # the file `impact` looks for on this (local) chain
    return environment


@pytest.fixture(scope="module")
def impact(world, env):
    """Runs `impact …` against the world's node; returns the finished process."""

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return _impact(world, env, *args, timeout=timeout)

    return run


@pytest.fixture(scope="module")
def trace_json(impact):
    """`impact trace … --json`, read directly from the node (the reference every page is held to)."""
    cache: dict[tuple[str, ...], dict] = {}

    def read(*target: str) -> dict:
        if target not in cache:
            done = impact("trace", *target, "--direct", "--json")
            assert done.returncode == 0, done.stderr
            cache[target] = json.loads(done.stdout)
        return cache[target]

    return read


@pytest.fixture(scope="module")
def server(world, env) -> Iterator[Server]:
    """`impact serve` on a free port, as a user starts it; every request syncs the index first (--sync-every 0)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "impact", "serve", "--port", str(port), "--sync-every", "0", "--rpc-url", world.url],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # printed once the first sync is done, just before it listens
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    import urllib.request

    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"impact serve stopped: {first}{process.stderr.read() if process.stderr else ''}")
        try:
            urllib.request.urlopen(url + "/", timeout=5).read()
            break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("impact serve did not answer within 60 s")
    yield Server(url, process, first, env)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium was not found at {CHROMIUM}: run `make chromium` (as root on Debian: apt-get install -y "
            "chromium), or point $IMPACT_CHROMIUM at one",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@dataclass
class Tab:
    """A browser page that remembers every console error, uncaught exception, dialog and request."""

    page: object
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def goto(self, url: str) -> object:
        return self.page.goto(url)  # type: ignore[attr-defined]


@pytest.fixture
def tab(browser) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    tab = Tab(page)
    page.on("console", lambda m: tab.errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: tab.errors.append(f"page error: {e}"))

    def dialog(d) -> None:
        tab.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.on("request", lambda r: tab.requests.append(r.url))
    yield tab
    context.close()
