"""What the web tests share: the story's world with a hostile site and a claim, and the checks a page is held to
(every figure equals the trace's JSON; every chart segment is as wide as its amount). A module of its own, with a
name no other test folder uses: `from conftest import …` would find whichever conftest Python imported last."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "index"))  # the index tests' World: one story for both

from world import DAY, World  # noqa: E402

from impact.web.charts import WIDTH  # noqa: E402
from impact.web.pages import lookup, show  # noqa: E402

CHROMIUM = os.environ.get("IMPACT_CHROMIUM", "/usr/bin/chromium")
REPORTS = ROOT / "reports" / "web"
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_URI = "javascript:alert(1)"
CLAIM_FOR = "Acme Tea <b>Co.</b>"  # markup in a beneficiary's name is text too
CLAIM_REASON = "Sustainability report 2027, scope 3"


class WebWorld(World):
    """`World.story()`, then a second site whose name and URIs are attacks (site 2), funding a pool whose milestone
    is certified with a `javascript:` evidence URI and voided with a `javascript:` reason, then certified again."""

    def hostile_story(self) -> None:
        a, b, _, _ = self.investors
        self.send(
            self.programme,
            self.registry.functions.registerSite(HOSTILE_NAME, b"XX", 555_000_002, HOSTILE_URI, self.beneficiary),
        )
        pool = self.open_pool(goal=5, cap=10, milestones=2, challenge_window=DAY, site_id=2)
        assert self.buy(b, pool, 6) and self.buy(a, pool, 4)  # sold out: the sale closes
        assert self.certify(pool, 0, uri=HOSTILE_URI)
        assert self.void(pool, 0, uri=HOSTILE_URI)
        assert self.certify(pool, 0, uri=HOSTILE_URI + "//again")
        self.hostile_pool = pool

    def complete_pool(self) -> int:
        """A pool of site 1 whose one milestone is certified and final at once (no challenge window)."""
        a, b, _, _ = self.investors
        pool = self.open_pool(goal=2, cap=10, milestones=1)
        assert self.buy(a, pool, 6) and self.buy(b, pool, 4)  # sold out: the sale closes
        assert self.certify(pool, 0, uri="https://example.org/evidence/complete")
        assert self.release(pool, 0)
        return pool

    def claim(self, who: str, pool: int, tokens: int, beneficiary: str, reason: str) -> bool:
        data = encode(["string", "string"], [beneficiary, reason])
        claims = self.system.claims.address
        return self.attempt(who, self.pools.functions.safeTransferFrom(who, claims, pool, tokens, data))

    def claim_story(self) -> None:
        self.claimed_pool = self.complete_pool()
        assert self.claim(self.investors[0], self.claimed_pool, 3, CLAIM_FOR, CLAIM_REASON)


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def figures(tab) -> list[dict]:
    """Every figure on the page: its JSON path, the text shown, and for a chart's segment its amount and width."""
    return tab.page.eval_on_selector_all(
        "[data-figure]",
        """els => els.map(e => ({
            path: e.dataset.figure,
            text: e.textContent,
            amount: e.dataset.amount === undefined ? null : e.dataset.amount,
            width: e.getAttribute('width'),
            chart: e.tagName.toLowerCase() === 'rect',
        }))""",
    )


def assert_figures_match(tab, doc: dict) -> int:
    found = figures(tab)
    for f in found:
        value = lookup(doc, f["path"])
        if f["chart"]:
            assert int(f["amount"]) == value, f
        else:
            assert f["text"] == show(value), f
    # Each chart's segments are as wide as their share of the bar: the amount paid or raised (or, for a holder who
    # was also sent tokens, the larger sum of the segments).
    bars = tab.page.eval_on_selector_all(
        "svg.bar",
        """svgs => svgs.map(s => ({scale: +s.dataset.scale, segments: [...s.querySelectorAll('rect.segment')]
            .map(r => [+r.dataset.amount, +r.getAttribute('width')])}))""",
    )
    for bar in bars:
        assert sum(amount for amount, _ in bar["segments"]) <= bar["scale"]
        for amount, width in bar["segments"]:
            assert width == pytest.approx(WIDTH * amount / bar["scale"], abs=0.01)
    return len(found)


def screenshot(tab: Any, name: str) -> Path:
    """A full-page screenshot under reports/web/, for review."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / f"{name}.png"
    tab.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
