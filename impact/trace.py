"""Tracing money through the pools, from events alone.

`trace_investor` rebuilds an investor's story: purchases, tokens received and sent on, holdings, every certified
milestone of their pools (criterion, evidence, oracles, the tranche released) with the part of each tranche
attributable to them (their holding just before the release over the supply then), refunds, and a summary.
`trace_pool` is the site's view; `trace_lot` follows one purchase's tokens through transfers (first in, first out).

Every query filters on indexed topics (pool id, site id, investor address), so the cost grows with the events of
interest, not with the chain.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from impact.accounts import parse_address
from impact.encoding import format_amount, format_time, from_bytes32
from impact.errors import UserError
from impact.logs import Event, LogFetcher, LogSource, Source, address_topic, any_of, uint_topic
from impact.system import System

FAILURE = ["", "goal not reached", "milestone missed", "site withdrawn"]
# What a pool's story is made of: the events whose first indexed argument is the pool id.
POOL_EVENTS = (
    "PoolOpened",
    "MilestoneScheduled",
    "TokensPurchased",
    "MilestoneCertified",
    "TrancheReleased",
    "PoolFailed",
    "Refunded",
)
CERTIFIER_EVENTS = ("OracleAttested", "CertifiedBySignatures")
# The events a milestone's story shows with a time.
MILESTONE_EVENTS = ("OracleAttested", "CertifiedBySignatures", "MilestoneCertified", "TrancheReleased")
TRANSFER_EVENTS = ("TransferSingle", "TransferBatch")


# ------------------------------------------------------------------------------------------------------------------
# What a trace returns
# ------------------------------------------------------------------------------------------------------------------


@dataclass
class Money:
    amount: int
    text: str


@dataclass
class Purchase:
    tx: str
    block: int
    time: str
    pool_id: int
    site: str
    buyer: str
    recipient: str
    tokens: int
    paid: Money


@dataclass
class Movement:
    tx: str
    block: int
    time: str
    pool_id: int
    direction: str  # "received" or "sent"
    counterparty: str
    tokens: int


@dataclass
class Attestation:
    oracle: str
    evidence_hash: str
    tx: str
    time: str
    how: str  # "on chain" or "signature relayed by 0x…"


@dataclass
class Release:
    tx: str
    block: int
    time: str
    beneficiary: str
    amount: Money
    credited: bool
    holding: int
    supply: int
    attributable: Money


@dataclass
class MilestoneStory:
    pool_id: int
    milestone_id: int
    standard_ref: str
    share_bps: int
    deadline: str
    certified: bool
    evidence_hash: str | None = None
    evidence_uri: str | None = None
    certified_tx: str | None = None
    certified_time: str | None = None
    attestations: list[Attestation] = field(default_factory=list)
    release: Release | None = None


@dataclass
class Refund:
    tx: str
    block: int
    time: str
    pool_id: int
    tokens: int
    amount: Money


@dataclass
class PoolAccount:
    pool_id: int
    site: str
    asset: str
    raised: Money
    released: Money
    refunded: Money
    escrow: Money
    supply: int
    failure: str


@dataclass
class InvestorPool:
    pool_id: int
    site: str
    paid: Money
    holding: int
    reached_site: Money
    refunded: Money
    in_escrow: Money
    certified_milestones: int
    summary: str


@dataclass
class InvestorTrace:
    investor: str
    purchases: list[Purchase]
    movements: list[Movement]
    holdings: dict[int, int]
    milestones: list[MilestoneStory]
    refunds: list[Refund]
    pools: list[InvestorPool]


@dataclass
class Holder:
    address: str
    paid: Money
    tokens_bought: int
    holding: int
    refunded: Money


@dataclass
class PoolTrace:
    account: PoolAccount
    holders: list[Holder]
    milestones: list[MilestoneStory]


@dataclass
class LotStep:
    tx: str
    block: int
    time: str
    sender: str
    receiver: str
    tokens: int


@dataclass
class LotTrace:
    purchase: Purchase
    steps: list[LotStep]
    now_held: dict[str, int]
    redeemed: int


# ------------------------------------------------------------------------------------------------------------------
# The tracer
# ------------------------------------------------------------------------------------------------------------------


class Tracer:
    def __init__(self, system: System, fetcher: LogSource | None = None) -> None:
        self.system = system
        self.w3 = system.w3
        self.fetch = fetcher or LogFetcher(system.w3)
        self.start = system.deployment.block
        self.end = self.w3.eth.block_number
        self._times: dict[int, int] = {}
        self._sites: dict[int, str] = {}

    # -- investor -------------------------------------------------------------------------------------------

    def investor(self, address: str) -> InvestorTrace:
        investor = parse_address(address, "investor address")
        me = address_topic(investor)
        # Two log requests find all the investor did: TokensPurchased and ERC-1155's transfers both index the buyer
        # or sender second and the recipient third, so one filter per position takes purchases and transfers
        # together (a purchase for the investor is also a mint to them). A third fetches all about those pools, and
        # a fourth their sites' names, over the blocks before the pools opened only.
        paid, sent = self._purchases_and_transfers([None, me])
        bought_for_me, received = self._purchases_and_transfers([None, None, me])
        transfers = _unique(sent + received)
        pool_ids = sorted({e.args["poolId"] for e in paid} | {t[1] for t in transfers})

        context = self._pool_context(pool_ids)
        refunds = [e for p in pool_ids for e in context[p]["Refunded"] if e.args["holder"] == investor]
        self._fetch_times(
            [e.block for e in paid + bought_for_me + refunds]
            + [t[0][0] for t in transfers]
            + [block for p in pool_ids for block in _story_blocks(context[p])]
        )

        purchases = [self._purchase(e, context) for e in _by_position(_unique_events(paid + bought_for_me))]
        movements = [
            Movement(
                tx,
                block,
                self._time(block),
                pool_id,
                "sent" if sender == investor else "received",
                receiver if sender == investor else sender,
                tokens,
            )
            for (block, _, tx), pool_id, sender, receiver, tokens in transfers
            if int(sender, 16) != 0 and int(receiver, 16) != 0
        ]
        holdings = {p: self._balance(transfers, investor, p) for p in pool_ids}

        stories: list[MilestoneStory] = []
        pools: list[InvestorPool] = []
        for pool_id in pool_ids:
            pool = context[pool_id]
            pool_stories = self._milestone_stories(pool_id, pool, holder=investor, holder_transfers=transfers)
            stories.extend(pool_stories)
            pools.append(
                self._investor_pool(pool_id, pool, investor, purchases, refunds, holdings[pool_id], pool_stories)
            )
        return InvestorTrace(
            investor=investor,
            purchases=purchases,
            movements=movements,
            holdings=holdings,
            milestones=stories,
            refunds=[self._refund(e, context) for e in _by_position(refunds)],
            pools=pools,
        )

    # -- pool -----------------------------------------------------------------------------------------------

    def pool(self, pool_id: int) -> PoolTrace:
        self.system.pool(pool_id)  # a clear error for an unknown pool
        pool = self._pool_context([pool_id])[pool_id]
        self._fetch_times(_story_blocks(pool))
        holders = self._holders(pool_id, pool)
        return PoolTrace(
            account=self._account(pool_id, pool), holders=holders, milestones=self._milestone_stories(pool_id, pool)
        )

    # -- token lot ------------------------------------------------------------------------------------------

    def lot(self, tx_hash: str) -> LotTrace:
        try:
            receipt = self.w3.eth.get_transaction_receipt(tx_hash)
        except Exception:  # noqa: BLE001 - unknown hash, malformed hash: the same answer for the user
            raise UserError(f"no transaction {tx_hash} on this chain") from None
        purchase_logs = [
            log
            for log in receipt["logs"]
            if log["address"] == self.system.pools.address and _hex(log["topics"][0]) == _topic("TokensPurchased")
        ]
        if not purchase_logs:
            raise UserError(f"transaction {tx_hash} is not a purchase of impact tokens")
        decoded = self.system.pools.events.TokensPurchased().process_log(purchase_logs[0])
        event = Event(
            "TokensPurchased",
            dict(decoded["args"]),
            decoded["blockNumber"],
            decoded["logIndex"],
            "0x" + bytes(decoded["transactionHash"]).hex(),
        )
        pool_id, recipient, lot_tokens = event.args["poolId"], event.args["recipient"], event.args["tokens"]
        context = self._pool_context([pool_id])

        # Holders to follow grow as the lot spreads; each round fetches the transfers of the new ones only.
        tracked: set[str] = {recipient}
        fetched: set[str] = set()
        transfers: list[tuple] = []
        while tracked - fetched:
            new = sorted(tracked - fetched)
            topics = [address_topic(a) for a in new]
            transfers = _unique(transfers + self._transfers(from_=topics) + self._transfers(to=topics))
            fetched |= set(new)
            steps, held, redeemed = _follow_lot(transfers, pool_id, event.tx, recipient, lot_tokens)
            tracked |= set(held) | {s.receiver for s in steps if int(s.receiver, 16) != 0}
        steps, held, redeemed = _follow_lot(transfers, pool_id, event.tx, recipient, lot_tokens)
        self._fetch_times([event.block, *(s.block for s in steps)])
        return LotTrace(
            purchase=self._purchase(event, context),
            steps=[LotStep(s.tx, s.block, self._time(s.block), s.sender, s.receiver, s.tokens) for s in steps],
            now_held={k: v for k, v in held.items() if v},
            redeemed=redeemed,
        )

    # -- building blocks ------------------------------------------------------------------------------------

    def _purchases_and_transfers(self, topics: list[Any]) -> tuple[list[Event], list[tuple]]:
        """TokensPurchased events and transfer rows (see `_transfer_rows`) matching `topics`, in one request."""
        source = Source("ImpactPools", self.system.pools.address, ("TokensPurchased", *TRANSFER_EVENTS))
        events = self.fetch.events_of([source], topics, self.start, self.end)
        purchases = [e for e in events if e.name == "TokensPurchased"]
        return purchases, _transfer_rows(e for e in events if e.name in TRANSFER_EVENTS)

    def _transfers(self, from_: list[str] | None = None, to: list[str] | None = None) -> list[tuple]:
        """Transfer rows (see `_transfer_rows`) from any of `from_` or to any of `to` (topics)."""
        topics = [None, any_of(from_ or []), any_of(to or [])]
        source = Source("ImpactPools", self.system.pools.address, TRANSFER_EVENTS)
        return _transfer_rows(self.fetch.events_of([source], topics, self.start, self.end))

    def _pool_context(self, pool_ids: list[int]) -> dict[int, dict[str, Any]]:
        """Per pool, from events: parameters, schedule, purchases, certifications, releases, failure, refunds."""
        if not pool_ids:
            return {}
        ids = any_of(uint_topic(p) for p in pool_ids)
        # Every one of these events has the pool id as its first indexed argument: one request fetches them all.
        sources = [
            Source("ImpactPools", self.system.pools.address, POOL_EVENTS),
            Source("MilestoneCertifier", self.system.certifier.address, CERTIFIER_EVENTS),
        ]
        fetched = self.fetch.events_of(sources, [ids], self.start, self.end)
        grouped: dict[str, dict[int, list[Event]]] = {
            name: _group([e for e in fetched if e.name == name]) for name in POOL_EVENTS + CERTIFIER_EVENTS
        }
        opened: dict[int, Event] = {}
        for pool_id in pool_ids:
            if pool_id not in grouped["PoolOpened"]:
                raise UserError(f"there is no pool {pool_id}")
            opened[pool_id] = grouped["PoolOpened"][pool_id][0]
        self._fetch_site_names(list(opened.values()))
        return {
            pool_id: {
                "params": opened[pool_id].args,
                "site": self._sites[opened[pool_id].args["siteId"]],
                **{name: _by_position(events.get(pool_id, [])) for name, events in grouped.items()},
            }
            for pool_id in pool_ids
        }

    def _fetch_site_names(self, openings: list[Event]) -> None:
        """The names of the sites these pools fund, in one request. A site is registered before a pool can fund
        it, so the request stops at the last of these openings instead of walking the chain to its head."""
        missing = {e.args["siteId"] for e in openings} - self._sites.keys()
        if not missing:
            return
        events = self.fetch.events(
            "SiteRegistry",
            self.system.registry.address,
            "SiteRegistered",
            [any_of(uint_topic(site_id) for site_id in missing)],
            self.start,
            max(e.block for e in openings if e.args["siteId"] in missing),
        )
        names = {e.args["siteId"]: e.args["name"] for e in events}
        for site_id in missing:
            self._sites[site_id] = names.get(site_id, f"site {site_id}")

    def _money(self, pool: dict[str, Any], amount: int) -> Money:
        decimals, symbol = self.system.asset_units(pool["params"]["asset"])
        return Money(amount, format_amount(amount, decimals, symbol))

    def _purchase(self, e: Event, context: dict[int, dict[str, Any]]) -> Purchase:
        pool = context[e.args["poolId"]]
        return Purchase(
            e.tx,
            e.block,
            self._time(e.block),
            e.args["poolId"],
            pool["site"],
            e.args["buyer"],
            e.args["recipient"],
            e.args["tokens"],
            self._money(pool, e.args["amountPaid"]),
        )

    def _refund(self, e: Event, context: dict[int, dict[str, Any]]) -> Refund:
        pool = context[e.args["poolId"]]
        return Refund(
            e.tx, e.block, self._time(e.block), e.args["poolId"], e.args["tokens"], self._money(pool, e.args["amount"])
        )

    def _milestone_stories(
        self, pool_id: int, pool: dict[str, Any], holder: str | None = None, holder_transfers: list[tuple] | None = None
    ) -> list[MilestoneStory]:
        certified = {e.args["milestoneId"]: e for e in pool["MilestoneCertified"]}
        released = {e.args["milestoneId"]: e for e in pool["TrancheReleased"]}
        attested = defaultdict(list)
        for e in pool["OracleAttested"]:
            attested[e.args["milestoneId"]].append(
                Attestation(e.args["oracle"], _hex(e.args["evidenceHash"]), e.tx, self._time(e.block), "on chain")
            )
        for e in pool["CertifiedBySignatures"]:
            for signer in e.args["signers"]:
                attested[e.args["milestoneId"]].append(
                    Attestation(
                        signer,
                        _hex(e.args["evidenceHash"]),
                        e.tx,
                        self._time(e.block),
                        f"signature relayed by {e.args['relayer']}",
                    )
                )
        stories = []
        for m in pool["MilestoneScheduled"]:
            k = m.args["milestoneId"]
            story = MilestoneStory(
                pool_id,
                k,
                from_bytes32(m.args["standardRef"]),
                m.args["shareBps"],
                format_time(m.args["deadline"]),
                k in certified,
                attestations=attested.get(k, []),
            )
            if k in certified:
                c = certified[k]
                story.evidence_hash, story.evidence_uri = _hex(c.args["evidenceHash"]), c.args["evidenceURI"]
                story.certified_tx, story.certified_time = c.tx, self._time(c.block)
            if k in released:
                r = released[k]
                supply = _supply_before(pool, r.position)
                holding = _balance_before(holder_transfers or [], holder, pool_id, r.position) if holder else 0
                share = r.args["amount"] * holding // supply if supply else 0
                story.release = Release(
                    r.tx,
                    r.block,
                    self._time(r.block),
                    r.args["beneficiary"],
                    self._money(pool, r.args["amount"]),
                    r.args["credited"],
                    holding,
                    supply,
                    self._money(pool, share),
                )
            stories.append(story)
        return stories

    def _account(self, pool_id: int, pool: dict[str, Any]) -> PoolAccount:
        raised = sum(e.args["amountPaid"] for e in pool["TokensPurchased"])
        released = sum(e.args["amount"] for e in pool["TrancheReleased"])
        refunded = sum(e.args["amount"] for e in pool["Refunded"])
        failure = pool["PoolFailed"][0].args["reason"] if pool["PoolFailed"] else 0
        return PoolAccount(
            pool_id,
            pool["site"],
            self.system.asset_units(pool["params"]["asset"])[1],
            self._money(pool, raised),
            self._money(pool, released),
            self._money(pool, refunded),
            self._money(pool, raised - released - refunded),
            _supply_before(pool, (10**18, 0)),
            FAILURE[failure],
        )

    def _investor_pool(
        self,
        pool_id: int,
        pool: dict[str, Any],
        investor: str,
        purchases: list[Purchase],
        refunds: list[Event],
        holding: int,
        stories: list[MilestoneStory],
    ) -> InvestorPool:
        paid = sum(p.paid.amount for p in purchases if p.pool_id == pool_id and p.buyer == investor)
        reached = sum(s.release.attributable.amount for s in stories if s.release)
        refunded = sum(e.args["amount"] for e in refunds if e.args["poolId"] == pool_id)
        account = self._account(pool_id, pool)
        escrow_share = account.escrow.amount * holding // account.supply if account.supply else 0
        certified = sum(1 for s in stories if s.certified)
        summary = (
            f"pool {pool_id}: of {self._money(pool, paid).text} paid, {self._money(pool, reached).text} reached "
            f"{pool['site']} through {certified} certified milestone{'s' if certified != 1 else ''}"
        )
        if refunded:
            summary += f", {self._money(pool, refunded).text} was refunded"
        if escrow_share:
            upcoming = next((s for s in stories if not s.certified), None)
            if account.failure:
                summary += f", {self._money(pool, escrow_share).text} is refundable (pool failed: {account.failure})"
            elif upcoming:
                summary += (
                    f", {self._money(pool, escrow_share).text} is in escrow awaiting milestone "
                    f"{upcoming.milestone_id} ({upcoming.standard_ref}) due {upcoming.deadline[:10]}"
                )
            else:
                summary += f", {self._money(pool, escrow_share).text} is certified and awaits release"
        return InvestorPool(
            pool_id,
            pool["site"],
            self._money(pool, paid),
            holding,
            self._money(pool, reached),
            self._money(pool, refunded),
            self._money(pool, escrow_share),
            certified,
            summary,
        )

    def _holders(self, pool_id: int, pool: dict[str, Any]) -> list[Holder]:
        """Everyone who bought or holds the pool's tokens: start from the recipients of purchases and follow
        transfers out of known holders (by indexed `from` topic) until no new holder appears."""
        known = {e.args["recipient"] for e in pool["TokensPurchased"]} | {
            e.args["buyer"] for e in pool["TokensPurchased"]
        }
        fetched: set[str] = set()
        transfers: list[tuple] = []
        while known - fetched:
            new = sorted(known - fetched)
            transfers = _unique(transfers + self._transfers(from_=[address_topic(a) for a in new]))
            fetched |= set(new)
            known |= {row[3] for row in transfers if row[1] == pool_id and int(row[3], 16) != 0}
        # Incoming transfers of every known holder complete each balance (mints come from the zero address).
        transfers = _unique(transfers + self._transfers(to=[address_topic(a) for a in sorted(known)]))
        holders = []
        for address in sorted(known):
            bought = [e for e in pool["TokensPurchased"] if e.args["buyer"] == address]
            refunded = [e for e in pool["Refunded"] if e.args["holder"] == address]
            holders.append(
                Holder(
                    address,
                    self._money(pool, sum(e.args["amountPaid"] for e in bought)),
                    sum(e.args["tokens"] for e in bought),
                    self._balance(transfers, address, pool_id),
                    self._money(pool, sum(e.args["amount"] for e in refunded)),
                )
            )
        return holders

    def _balance(self, transfers: list[tuple], holder: str, pool_id: int) -> int:
        return _balance_before(transfers, holder, pool_id, (10**18, 0))

    def _fetch_times(self, blocks: Iterable[int]) -> None:
        """The timestamps of `blocks`, in one question to the source rather than one per block."""
        missing = set(blocks) - self._times.keys()
        if missing:
            self._times.update(self.fetch.block_times(missing))

    def _time(self, block: int) -> str:
        self._fetch_times([block])  # nothing to fetch when the trace fetched its blocks' times up front
        return format_time(self._times[block])


# ------------------------------------------------------------------------------------------------------------------
# Pure helpers
# ------------------------------------------------------------------------------------------------------------------


def _topic(event: str) -> str:
    from impact.logs import topic0

    return topic0("ImpactPools", event)


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex()


def _group(events: Iterable[Event]) -> dict[int, list[Event]]:
    grouped: dict[int, list[Event]] = defaultdict(list)
    for e in events:
        grouped[e.args["poolId"]].append(e)
    return grouped


def _by_position(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda e: e.position)


def _unique_events(events: Iterable[Event]) -> list[Event]:
    return list({(e.block, e.log_index): e for e in events}.values())


def _story_blocks(pool: dict[str, Any]) -> list[int]:
    """The blocks of the events a pool's milestone stories show with a time."""
    return [e.block for name in MILESTONE_EVENTS for e in pool[name]]


def _transfer_rows(events: Iterable[Event]) -> list[tuple]:
    """((block, logIndex, tx), poolId, from, to, tokens) for single and batch transfers, one row per id and log.

    A batch may name the same id more than once (`safeBatchTransferFrom(a, b, [1, 1], [2, 3])` moves 5 tokens of
    pool 1, and ERC-1155 counts every entry): its entries are summed per id here, so that a row is identified by
    (block, logIndex, id) and nothing downstream that keys rows that way (`_unique`) can drop an entry."""
    rows = []
    for e in events:
        single = e.name == "TransferSingle"
        ids, values = ([e.args["id"]], [e.args["value"]]) if single else (e.args["ids"], e.args["values"])
        moved: dict[int, int] = {}
        for token_id, value in zip(ids, values, strict=True):
            moved[token_id] = moved.get(token_id, 0) + value
        for token_id, value in moved.items():
            rows.append(((e.block, e.log_index, e.tx), token_id, e.args["from"], e.args["to"], value))
    return rows


def _unique(rows: Iterable[tuple]) -> list[tuple]:
    """Transfer rows without duplicates (a self-transfer or an overlapping query returns the same log twice)."""
    return sorted({(row[0][0], row[0][1], row[1]): row for row in rows}.values(), key=lambda row: row[0])


def _balance_before(transfers: list[tuple], holder: str | None, pool_id: int, position: tuple[int, int]) -> int:
    balance = 0
    for (block, log_index, _), token_id, sender, receiver, tokens in transfers:
        if token_id != pool_id or (block, log_index) >= position:
            continue
        if receiver == holder:
            balance += tokens
        if sender == holder:
            balance -= tokens
    return balance


def _supply_before(pool: dict[str, Any], position: tuple[int, int]) -> int:
    minted = sum(e.args["tokens"] for e in pool["TokensPurchased"] if e.position < position)
    burned = sum(e.args["tokens"] for e in pool["Refunded"] if e.position < position)
    return minted - burned


@dataclass
class _Step:
    tx: str
    block: int
    sender: str
    receiver: str
    tokens: int


def _follow_lot(
    transfers: list[tuple], pool_id: int, lot_tx: str, recipient: str, lot_tokens: int
) -> tuple[list[_Step], dict[str, int], int]:
    """First in, first out: each holder's tokens leave in the order they arrived; the lot is one of the queues."""
    queues: dict[str, deque] = defaultdict(deque)  # holder -> deque of [is_lot, tokens]
    steps: list[_Step] = []
    redeemed = 0
    for (block, _, tx), token_id, sender, receiver, tokens in transfers:
        if token_id != pool_id:
            continue
        if int(sender, 16) == 0:  # a mint: the lot itself, or other tokens
            is_lot = tx == lot_tx and receiver == recipient and tokens == lot_tokens
            queues[receiver].append([is_lot, tokens])
            continue
        remaining, moved = tokens, 0
        queue = queues[sender]
        while remaining and queue:
            is_lot, available = queue[0]
            taken = min(available, remaining)
            if is_lot:
                moved += taken
            if taken == available:
                queue.popleft()
            else:
                queue[0][1] -= taken
            remaining -= taken
            if int(receiver, 16) != 0:
                queues[receiver].append([is_lot, taken])
        if moved:
            steps.append(_Step(tx, block, sender, receiver, moved))
            if int(receiver, 16) == 0:
                redeemed += moved
    held = {holder: sum(t for is_lot, t in queue if is_lot) for holder, queue in queues.items()}
    return steps, held, redeemed
