"""What the pages show, read from the index: an investor's and a pool's trace (the very `Tracer` of `impact trace`,
over the index as its `LogSource`), a site's identity and Green List history, and the list of sites and pools.

Every figure of an investor or pool page is read from the trace's JSON document (`impact.trace.tracer.document`,
round-tripped through JSON so that its keys and values are exactly what the download gives): the templates ask for
a figure by its path in that document (`fig("pools.0.paid.text")`), so the page cannot show a number the JSON does
not have, and the browser tests compare each one with the download.

The index is kept in step with the node by the requests themselves: a request syncs it first when the last sync is
older than `sync_every` seconds (one `eth_getBlockByNumber` when nothing happened). All of it runs under one lock:
the index's connection, web3's provider and the sync are not meant for several threads at once, and a local
read-only site for a handful of readers loses nothing by answering one request at a time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from impact.chain.encoding import format_amount, format_duration, format_time
from impact.chain.errors import STATUS, UserError
from impact.chain.logs import LogFetcher
from impact.chain.system import System
from impact.index.database import EventIndex
from impact.index.source import IndexSource, blocks_of
from impact.index.sync import Syncer
from impact.trace.tracer import Tracer, document
from impact.web.charts import COLOURS, SITE_SHADES, Bar, Segment

DEFAULT_SYNC_EVERY = 5.0  # seconds: how far behind the node a page may be before its request syncs the index


class NotFound(Exception):
    """An address, pool, site or claim that this deployment does not know: a friendly 404 page says this."""


# ------------------------------------------------------------------------------------------------------------------
# What a page is made of
# ------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """How current a page is: the block its trace was taken at, how far the index is synced, what is not final."""

    chain_id: int
    block: int  # the trace's last block (the node's head when the request was answered)
    block_hash: str
    block_time: str
    synced_to: int  # the index holds every block up to here; later ones were read from the node
    confirmations: int
    unconfirmed: tuple[int, ...]  # blocks of this page fewer than `confirmations` deep: they may still change
    synced_at: str  # when the index was last synced (wall clock, UTC)

    @property
    def read_from_node(self) -> int:
        return max(0, self.block - self.synced_to)


@dataclass(frozen=True)
class Figure:
    """A value of the trace's JSON shown on the page, with its path in the document."""

    path: str
    text: str


@dataclass(frozen=True)
class Address:
    """An account named in a sentence: a link to its investor page where it may have one."""

    value: str
    investor: bool = True


Part = str | Figure | Address


@dataclass(frozen=True)
class Entry:
    """One line of a timeline: something that happened in a transaction."""

    time: str
    block: int | None
    tx: str | None
    pool_id: int | None
    parts: tuple[Part, ...]

    @classmethod
    def of(cls, event: dict[str, Any], pool_id: int | None, *parts: Part, when: str = "") -> Entry:
        """The entry of a trace document's `event`, whose time, block and transaction are its `{when}time`,
        `{when}block` (which some events lack) and `{when}tx`."""
        return cls(event[f"{when}time"], event.get(f"{when}block"), event[f"{when}tx"], pool_id, parts)


@dataclass
class TraceView:
    """An investor's or a pool's page: the trace's JSON document and what is drawn from it."""

    kind: str  # "investor", "pool" or "claim" (a claim's certificate is drawn from its pool's trace)
    subject: str  # the investor's address, the pool's or the claim's id, as text
    doc: dict[str, Any]
    freshness: Freshness
    timeline: list[Entry]
    bars: dict[int, Bar]  # per pool id
    claim_index: int | None = None  # a certificate: where its claim is in the pool trace's `claims`

    def value(self, path: str) -> Any:
        return lookup(self.doc, path)

    def fig(self, path: str) -> Figure:
        return Figure(path, show(self.value(path)))

    @property
    def json_text(self) -> str:
        return json.dumps(self.doc, indent=2)


@dataclass(frozen=True)
class StatusChange:
    time: str
    block: int
    tx: str
    previous: str
    new: str


@dataclass(frozen=True)
class PoolSummary:
    pool_id: int
    site_id: int
    site: str
    asset: str
    price: str
    goal_tokens: int
    cap_tokens: int
    sale_start: str
    sale_end: str
    milestones: int
    challenge_window: str
    opened_tx: str


@dataclass
class SiteView:
    site_id: int
    name: str
    country: str
    wdpa_id: int
    beneficiary: str
    metadata_uri: str
    status: str
    registered_time: str
    registered_tx: str
    statuses: list[StatusChange]
    pools: list[PoolSummary]
    freshness: Freshness | None = None  # set once the page's source has been read


@dataclass
class Overview:
    sites: list[SiteView]
    pools: list[PoolSummary]
    freshness: Freshness


# ------------------------------------------------------------------------------------------------------------------
# The reader
# ------------------------------------------------------------------------------------------------------------------


@dataclass
class Reader:
    """One deployment's index, kept in step with the node, and the pages built from it."""

    system: System
    index: EventIndex
    confirmations: int = 2
    sync_every: float = DEFAULT_SYNC_EVERY
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _last_sync: float | None = field(default=None, init=False)
    _synced_at: str = field(default="never", init=False)

    @contextmanager
    def _source(self) -> Iterator[IndexSource]:
        """The index as a trace's source, synced first if it is due, under the reader's lock."""
        with self._lock:
            now = self.clock()
            if self._last_sync is None or now - self._last_sync >= self.sync_every:
                # wait=False: a sync already running elsewhere (`impact index sync`) is not waited for; what it has
                # not committed yet is read from the node.
                Syncer(self.index, confirmations=self.confirmations, notify=lambda message: None).sync(wait=False)
                self._last_sync = now
                self._synced_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            with IndexSource(self.index, LogFetcher(self.system.w3)) as source:
                yield source

    def _freshness(self, source: IndexSource, end: int, blocks: set[int]) -> Freshness:
        header = self.system.w3.eth.get_block(end)
        deep_enough = end - self.confirmations
        return Freshness(
            chain_id=self.index.deployment.chain_id,
            block=end,
            block_hash="0x" + bytes(header["hash"]).hex(),
            block_time=format_time(int(header["timestamp"])),
            synced_to=source.state.synced_to,
            confirmations=self.confirmations,
            unconfirmed=tuple(sorted(b for b in blocks if b > deep_enough)),
            synced_at=self._synced_at,
        )

    # -- traces --------------------------------------------------------------------------------------------

    def investor(self, address: str) -> TraceView:
        from impact.chain.accounts import parse_address

        try:
            investor = parse_address(address, "investor address")
        except UserError as exc:
            raise NotFound(str(exc)) from None
        with self._source() as source:
            tracer = Tracer(self.system, source)
            trace = tracer.investor(investor)
            doc = _as_json(document(trace))
            freshness = self._freshness(source, tracer.end, blocks_of(doc))
        if not doc["pools"]:
            raise NotFound(f"no impact tokens of this deployment were ever bought by or sent to {investor}")
        bars = {p["pool_id"]: investor_bar(doc, i) for i, p in enumerate(doc["pools"])}
        return TraceView("investor", investor, doc, freshness, investor_timeline(doc), bars)

    def pool(self, pool_id: int) -> TraceView:
        with self._source() as source:
            tracer = Tracer(self.system, source)
            try:
                trace = tracer.pool(pool_id)
            except UserError as exc:
                raise NotFound(str(exc)) from None
            doc = _as_json(document(trace))
            freshness = self._freshness(source, tracer.end, blocks_of(doc))
        return TraceView("pool", str(pool_id), doc, freshness, pool_timeline(doc), {pool_id: pool_bar(doc)})

    def claim(self, claim_id: int) -> TraceView:
        """A claim's certificate: its pool's trace (criteria, evidence, the claim itself) and where the claim is."""
        if not self.system.has_claims:
            raise NotFound("this deployment has no claims contract (it was deployed before claims existed)")
        with self._source() as source:
            rows = self._rows("ImpactClaims", "ImpactClaimed", "claim_id", claim_id)
            if not rows:
                raise NotFound(f"there is no claim {claim_id} in this deployment")
            tracer = Tracer(self.system, source)
            doc = _as_json(document(tracer.pool(rows[0]["pool_id"])))
            freshness = self._freshness(source, tracer.end, {c["block"] for c in doc["claims"]})
        index = next(i for i, c in enumerate(doc["claims"]) if c["claim_id"] == claim_id)
        return TraceView("claim", str(claim_id), doc, freshness, [], {}, claim_index=index)

    # -- sites and the overview ----------------------------------------------------------------------------

    def site(self, site_id: int) -> SiteView:
        with self._source() as source:
            sites = self._sites(source, site_id)
            if not sites:
                raise NotFound(f"there is no site {site_id} in this deployment")
            end = self.system.w3.eth.block_number
            freshness = self._freshness(source, end, {s.block for s in sites[0].statuses})
        return _with(sites[0], freshness)

    def overview(self) -> Overview:
        with self._source() as source:
            sites = self._sites(source, None)
            pools = self._pools(source, None, {s.site_id: s.name for s in sites})
            end = self.system.w3.eth.block_number
            freshness = self._freshness(source, end, set())
        return Overview([_with(s, freshness) for s in sites], pools, freshness)

    def _rows(self, contract: str, event: str, column: str | None = None, value: int | None = None) -> list[dict]:
        table = self.index.table(contract, event)
        if column is None:
            return self.index.rows(table)
        kind = next(c.kind for c in table.columns if c.name == column)
        return self.index.rows(table, f'"{column}" = ?', [self.index.store.adapt(kind, value)])

    def _sites(self, source: IndexSource, site_id: int | None) -> list[SiteView]:
        """Sites from their events in the index: registration, status changes, wallet and metadata changes."""
        registered = self._rows("SiteRegistry", "SiteRegistered", *(("site_id", site_id) if site_id else ()))
        if not registered:
            return []
        statuses = self._rows("SiteRegistry", "SiteStatusChanged", *(("site_id", site_id) if site_id else ()))
        wallets = self._rows("SiteRegistry", "SiteBeneficiaryChanged", *(("site_id", site_id) if site_id else ()))
        metadata = self._rows("SiteRegistry", "SiteMetadataChanged", *(("site_id", site_id) if site_id else ()))
        blocks = {r["block_number"] for r in registered + statuses}
        times = source.block_times(blocks)
        names = {r["site_id"]: r["name"] for r in registered}
        pools = self._pools(source, site_id, names)
        views = []
        for r in registered:
            sid = r["site_id"]
            history = [
                StatusChange(
                    format_time(times[s["block_number"]]),
                    s["block_number"],
                    s["tx_hash"],
                    _status(s["previous_status"]),
                    _status(s["new_status"]),
                )
                for s in statuses
                if s["site_id"] == sid
            ]
            wallet = [w["new_beneficiary"] for w in wallets if w["site_id"] == sid]
            uris = [m["metadata_uri"] for m in metadata if m["site_id"] == sid]
            views.append(
                SiteView(
                    site_id=sid,
                    name=r["name"],
                    country=_country(r["country_code"]),
                    wdpa_id=r["wdpa_id"],
                    beneficiary=wallet[-1] if wallet else r["beneficiary"],
                    metadata_uri=uris[-1] if uris else r["metadata_uri"],
                    status=history[-1].new if history else STATUS[1],
                    registered_time=format_time(times[r["block_number"]]),
                    registered_tx=r["tx_hash"],
                    statuses=history,
                    pools=[p for p in pools if p.site_id == sid],
                )
            )
        return views

    def _pools(self, source: IndexSource, site_id: int | None, names: dict[int, str]) -> list[PoolSummary]:
        opened = self._rows("ImpactPools", "PoolOpened", *(("site_id", site_id) if site_id else ()))
        summaries = []
        for r in opened:
            decimals, symbol = self.system.asset_units(r["asset"])
            summaries.append(
                PoolSummary(
                    pool_id=r["pool_id"],
                    site_id=r["site_id"],
                    site=names.get(r["site_id"], f"site {r['site_id']}"),
                    asset=symbol,
                    price=format_amount(r["price"], decimals, symbol),
                    goal_tokens=r["goal_tokens"],
                    cap_tokens=r["cap_tokens"],
                    sale_start=format_time(r["sale_start"]),
                    sale_end=format_time(r["sale_end"]),
                    milestones=r["milestone_count"],
                    challenge_window=format_duration(r["challenge_window"]),
                    opened_tx=r["tx_hash"],
                )
            )
        return summaries


def _with(site: SiteView, freshness: Freshness) -> SiteView:
    site.freshness = freshness
    return site


def _status(value: int) -> str:
    return STATUS[value] if 0 <= value < len(STATUS) else f"status {value}"


def _country(code: str) -> str:
    """The ISO 3166 code of a site (stored as 0x-hex of its two bytes)."""
    raw = bytes.fromhex(code[2:]) if code.startswith("0x") else code.encode()
    return raw.rstrip(b"\0").decode("ascii", errors="replace")


# ------------------------------------------------------------------------------------------------------------------
# The JSON document and figures in it
# ------------------------------------------------------------------------------------------------------------------


def _as_json(doc: dict[str, Any]) -> dict[str, Any]:
    """The document exactly as its JSON reads back (pool ids as keys become strings), as `impact trace --json`."""
    return json.loads(json.dumps(doc, default=str))


def lookup(doc: Any, path: str) -> Any:
    """The value at a dotted path (`pools.0.paid.text`) of a JSON document."""
    value = doc
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    return value


def show(value: Any) -> str:
    """How a figure of the JSON is written on a page: exactly its text (numbers in digits, as JSON has them)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# ------------------------------------------------------------------------------------------------------------------
# Timelines: every event of a trace in chain order
# ------------------------------------------------------------------------------------------------------------------


def _f(doc: dict[str, Any], path: str) -> Figure:
    return Figure(path, show(lookup(doc, path)))


def _milestone_entries(doc: dict[str, Any], me: str | None) -> list[Entry]:
    entries = []
    for i, m in enumerate(doc["milestones"]):
        base = f"milestones.{i}"
        pool, k = m["pool_id"], m["milestone_id"]
        what = f"milestone {k} of pool {pool} ({m['standard_ref']})"
        for j, a in enumerate(m["attestations"]):
            evidence = _f(doc, f"{base}.attestations.{j}.evidence_hash")
            oracle = Address(a["oracle"], False)
            entries.append(
                Entry.of(a, pool, "assessor ", oracle, f" backed {what}: evidence ", evidence, f" ({a['how']})")
            )
        for j, v in enumerate(m["voided"]):
            evidence = _f(doc, f"{base}.voided.{j}.evidence_hash")
            reviewer = Address(v["reviewer"], False)
            entries.append(
                Entry.of(
                    v, pool, "reviewer ", reviewer, f" voided the certification of {what} (evidence ", evidence, ")"
                )
            )
        if m["certified"]:
            window = _f(doc, f"{base}.challenge_ends_at")
            text = f"{what} certified by the assessors' quorum; challenge window until "
            entries.append(Entry.of(m, pool, text, window, when="certified_"))
        r = m["release"]
        if r:
            parts: list[Part] = [
                f"the tranche of {what}, ",
                _f(doc, f"{base}.release.amount.text"),
                ", was released to the site's wallet ",
                Address(r["beneficiary"], False),
            ]
            if me is not None:
                parts += ["; your part: ", _f(doc, f"{base}.release.attributable.text")]
            entries.append(Entry.of(r, pool, *parts))
    return entries


def _change_entries(doc: dict[str, Any], changes_path: str, pool: int | None) -> list[Entry]:
    entries = []
    for j, c in enumerate(lookup(doc, changes_path)):
        due = _f(doc, f"{changes_path}.{j}.executable_at")
        text = f"change {c['change']} scheduled ({c['what']}), executable from "
        entries.append(Entry.of(c, pool, text, due, when="scheduled_"))
        if c["state"] != "pending":
            by = Address(c["settled_by"], False)
            entries.append(Entry.of(c, pool, f"change {c['change']} {c['state']} by ", by, when="settled_"))
    return entries


def _ordered(entries: list[Entry]) -> list[Entry]:
    # Chain order: by block (an entry without one sorts by its time alone, after the blocks of its minute).
    return sorted(entries, key=lambda e: (e.time, e.block if e.block is not None else 1 << 62))


def investor_timeline(doc: dict[str, Any]) -> list[Entry]:
    me = doc["investor"]
    entries: list[Entry] = []
    for i, p in enumerate(doc["purchases"]):
        base = f"purchases.{i}"
        if p["buyer"] == me:
            parts: list[Part] = [
                "bought ",
                _f(doc, f"{base}.tokens"),
                f" tokens of pool {p['pool_id']} ({p['site']}) for ",
                _f(doc, f"{base}.paid.text"),
            ]
            if p["recipient"] != me:
                parts += [" for ", Address(p["recipient"])]
        else:
            parts = [
                "received ",
                _f(doc, f"{base}.tokens"),
                f" tokens of pool {p['pool_id']} bought by ",
                Address(p["buyer"]),
            ]
        entries.append(Entry.of(p, p["pool_id"], *parts))
    for i, m in enumerate(doc["movements"]):
        way = "to" if m["direction"] == "sent" else "from"
        tokens, counterparty = _f(doc, f"movements.{i}.tokens"), Address(m["counterparty"])
        text = f" tokens of pool {m['pool_id']} {way} "
        entries.append(Entry.of(m, m["pool_id"], f"{m['direction']} ", tokens, text, counterparty))
    entries += _milestone_entries(doc, me)
    for i, r in enumerate(doc["refunds"]):
        amount, tokens = _f(doc, f"refunds.{i}.amount.text"), _f(doc, f"refunds.{i}.tokens")
        entries.append(
            Entry.of(r, r["pool_id"], "refunded ", amount, " for ", tokens, f" tokens of pool {r['pool_id']}")
        )
    for i, x in enumerate(doc["exits"]):
        tokens, amount = _f(doc, f"exits.{i}.tokens"), _f(doc, f"exits.{i}.amount.text")
        entries.append(Entry.of(x, x["pool_id"], "exited ", tokens, f" tokens of pool {x['pool_id']}, paid ", amount))
    for i, p in enumerate(doc["pools"]):
        entries += _change_entries(doc, f"pools.{i}.changes", p["pool_id"])
    entries += _claim_entries(doc)
    return _ordered(entries)


def _claim_entries(doc: dict[str, Any]) -> list[Entry]:
    return [
        Entry.of(
            c,
            c["pool_id"],
            Address(c["claimant"]),
            " claimed ",
            _f(doc, f"claims.{i}.tokens"),
            f" tokens of pool {c['pool_id']} for ",
            _f(doc, f"claims.{i}.beneficiary"),
            f" (claim {c['claim_id']}: retired for good)",
        )
        for i, c in enumerate(doc.get("claims", []))
    ]


def pool_timeline(doc: dict[str, Any]) -> list[Entry]:
    pool = doc["account"]["pool_id"]
    entries = _milestone_entries(doc, None)
    for i, x in enumerate(doc["exits"]):
        tokens, amount = _f(doc, f"exits.{i}.tokens"), _f(doc, f"exits.{i}.amount.text")
        entries.append(Entry.of(x, pool, Address(x["holder"]), " exited ", tokens, " tokens, paid ", amount))
    entries += _change_entries(doc, "changes", pool)
    entries += _claim_entries(doc)
    return _ordered(entries)


# ------------------------------------------------------------------------------------------------------------------
# Charts: where the money went
# ------------------------------------------------------------------------------------------------------------------


def _tranches(doc: dict[str, Any], pool_id: int, field_: str) -> list[Segment]:
    segments = []
    for i, m in enumerate(doc["milestones"]):
        if m["pool_id"] != pool_id or not m["release"]:
            continue
        money = m["release"][field_]
        segments.append(
            Segment(
                f"milestone {m['milestone_id']} ({m['standard_ref']}): reached the site",
                money["amount"],
                money["text"],
                f"milestones.{i}.release.{field_}.amount",
                SITE_SHADES[m["milestone_id"] % len(SITE_SHADES)],
            )
        )
    return segments


def investor_bar(doc: dict[str, Any], i: int) -> Bar:
    """One pool of an investor: what they paid, milestone by milestone to the site, in escrow, refunded, exited."""
    p = doc["pools"][i]
    base = f"pools.{i}"
    segments = _tranches(doc, p["pool_id"], "attributable")
    for key, label, colour in (
        ("in_escrow", "waiting in escrow", COLOURS["escrow"]),
        ("refunded", "refunded", COLOURS["refunded"]),
        ("exited", "paid back on exit", COLOURS["exited"]),
    ):
        segments.append(Segment(label, p[key]["amount"], p[key]["text"], f"{base}.{key}.amount", colour))
    return Bar(f"pool {p['pool_id']}: where the {p['paid']['text']} paid went", tuple(segments), p["paid"]["amount"])


def pool_bar(doc: dict[str, Any]) -> Bar:
    """A pool: what it raised, released milestone by milestone, in escrow, refunded, exited."""
    a = doc["account"]
    segments = _tranches(doc, a["pool_id"], "amount")
    for key, label, colour in (
        ("escrow", "in escrow", COLOURS["escrow"]),
        ("refunded", "refunded", COLOURS["refunded"]),
        ("exited", "paid back on exit", COLOURS["exited"]),
    ):
        segments.append(Segment(label, a[key]["amount"], a[key]["text"], f"account.{key}.amount", colour))
    return Bar(
        f"pool {a['pool_id']}: where the {a['raised']['text']} raised went", tuple(segments), a["raised"]["amount"]
    )
