"""Turning page data into HTML: Jinja2 templates with autoescaping on, and the few helpers that write markup.

Every string that came from the chain (site names, URIs, reasons, the `what` of a change) is attacker-controlled:
the templates never mark such a value safe, and the helpers here escape it before wrapping it in markup. A URI
becomes a link only when its scheme is https or ipfs (`javascript:`, `data:`, `http:` and the rest are shown as
text). The style sheet is inlined and allowed by its hash in the Content-Security-Policy, so the same page works
served by `impact serve` and saved as a self-contained statement, and nothing else can style or script it.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cache
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from impact.web.charts import bar_svg, swatch
from impact.web.pages import Address, Figure

HERE = Path(__file__).resolve().parent
LINKED_SCHEMES = ("https", "ipfs")
# Transaction pages of public explorers, per chain id; a local chain has none. `impact serve --explorer` overrides.
EXPLORERS = {
    1: "https://etherscan.io/tx/{tx}",
    11155111: "https://sepolia.etherscan.io/tx/{tx}",
    137: "https://polygonscan.com/tx/{tx}",
    8453: "https://basescan.org/tx/{tx}",
    10: "https://optimistic.etherscan.io/tx/{tx}",
    42161: "https://arbiscan.io/tx/{tx}",
}
# The World Database on Protected Areas' public page of a site, by its WDPA id.
WDPA_PAGE = "https://www.protectedplanet.net/{wdpa}"


@cache
def stylesheet() -> str:
    return (HERE / "static" / "style.css").read_text()


def style_hash() -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(stylesheet().encode()).digest()).decode()


def content_security_policy(header: bool = True) -> str:
    """Nothing runs, nothing loads: the one inline style sheet by its hash, no script at all, forms only to us. In a
    header it also keeps the page out of frames; a <meta> policy (the statement's) cannot say that."""
    policy = f"default-src 'none'; style-src '{style_hash()}'; img-src data:; base-uri 'none'; form-action 'self'"
    return policy + "; frame-ancestors 'none'" if header else policy


def is_linkable(uri: str | None) -> bool:
    """Only https and ipfs URIs become links; nothing with spaces or control characters (a browser would strip
    them and might read another scheme)."""
    if not uri or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in uri):
        return False
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    return parts.scheme.lower() in LINKED_SCHEMES and bool(parts.netloc)


@dataclass(frozen=True)
class Links:
    """How a page links: to the live pages (served), or not at all (a statement, which must stand alone)."""

    live: bool
    explorer: str | None  # a transaction URL template with {tx}, or None
    # The deployment's own contracts, named where an address would say nothing (the holder of claimed tokens).
    names: dict[str, str] = field(default_factory=dict)

    def uri(self, uri: str | None) -> Markup:
        if not uri:
            return Markup('<span class="none">none</span>')
        if is_linkable(uri):
            return Markup('<a class="uri" href="{0}" rel="noopener noreferrer nofollow">{0}</a>').format(uri)
        return Markup('<code class="uri unlinked" title="not a link: only https and ipfs URIs are">{}</code>').format(
            uri
        )

    def tx(self, tx: str | None) -> Markup:
        if not tx:
            return Markup("")
        short = f"{tx[:10]}…{tx[-4:]}"
        if self.explorer:
            href = self.explorer.replace("{tx}", quote(tx))
            if is_linkable(href):
                return Markup('<a class="tx" href="{}" title="{}" rel="noopener noreferrer">{}</a>').format(
                    href, tx, short
                )
        return Markup('<code class="tx" title="{}">{}</code>').format(tx, short)

    def address(self, value: str | Address | None, investor: bool = True) -> Markup:
        if value is None:
            return Markup('<span class="none">none</span>')
        if isinstance(value, Address):
            value, investor = value.value, value.investor
        name = self.names.get(value.lower())
        if name:
            return Markup('<span class="contract" title="{}">{}</span>').format(value, name)
        if self.live and investor:
            return Markup('<a class="address" href="/investor/{0}"><code>{0}</code></a>').format(value)
        return Markup('<code class="address">{}</code>').format(value)

    def pool(self, pool_id: int, text: str | None = None) -> Markup:
        label = text or f"pool {pool_id}"
        if self.live:
            return Markup('<a href="/pool/{}">{}</a>').format(int(pool_id), label)
        return Markup("{}").format(label)

    def site(self, site_id: int, text: str) -> Markup:
        if self.live:
            return Markup('<a href="/site/{}">{}</a>').format(int(site_id), text)
        return Markup("{}").format(text)

    def wdpa(self, wdpa_id: int) -> Markup:
        return Markup('<a class="wdpa" href="{}" rel="noopener noreferrer">WDPA {}</a>').format(
            WDPA_PAGE.format(wdpa=int(wdpa_id)), int(wdpa_id)
        )


def contract_names(system: Any) -> dict[str, str]:
    """Names for the addresses of the deployment's contracts that show up as holders or counterparties."""
    names = {system.pools.address.lower(): "the pools contract"}
    if system.has_claims:
        names[system.claims.address.lower()] = "the claims contract (retired tokens)"
    return names


def figure(value: Figure) -> Markup:
    return Markup('<span class="figure" data-figure="{}">{}</span>').format(value.path, value.text)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,  # a misspelt name fails the page, never shows as nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["figure"] = figure
    env.globals["bar_svg"] = bar_svg
    env.globals["swatch"] = swatch
    env.globals["stylesheet"] = lambda: Markup(stylesheet())  # our own file, not the chain's
    env.filters["shortaddr"] = lambda a: f"{a[:8]}…{a[-4:]}" if a else ""
    return env


def render(template: str, links: Links, **context: Any) -> str:
    def part(value: Any) -> Markup:
        if isinstance(value, Figure):
            return figure(value)
        if isinstance(value, Address):
            return links.address(value)
        return Markup(escape(str(value), quote=False))

    csp = content_security_policy(header=False)  # the statement's <meta> policy (a served page has the header too)
    return environment().get_template(template).render(links=links, part=part, csp=csp, **context)
