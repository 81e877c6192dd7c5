"""Tracing money through the pools, from events alone.

`trace_investor` rebuilds an investor's story: purchases, tokens received and sent on, holdings, every certified
milestone of their pools (criterion, evidence, oracles, payee, challenge window, voided certifications, the tranche
released) with the part of each tranche attributable to them, refunds, exits, the delayed changes that affect their
pools, and a summary. `trace_pool` is the site's view; `trace_lot` follows one purchase's tokens through transfers
(first in, first out).

The accounting is the contracts' own, per token (docs/escrow.md): milestone k, once final, has earned
`e_k = floor(price x c_k / 10,000)` of every token live at that moment, and its tranche is those tokens x
`(e_k - e_{k-1})`. So the part of a tranche attributable to a holder is the tokens they held when the milestone
became final x that difference; what is still in escrow for them is their tokens x the unearned `price - e_f`, plus
their part of final tranches not yet released. For a holder who received no tokens from others, paid = reached the
site + in escrow + refunded + exited, exactly.

Every query filters on indexed topics (pool id, site id, investor address), so the cost grows with the events of
interest, not with the chain; the one exception is the governance and pause history (few events, by design).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from impact.chain.accounts import parse_address
from impact.chain.encoding import format_amount, format_duration, format_time, from_bytes32
from impact.chain.errors import UserError
from impact.chain.logs import Event, LogFetcher, LogSource, Source, address_topic, any_of, uint_topic
from impact.chain.system import System
from impact.programme import governance

FAILURE = ["", "goal not reached", "milestone missed", "site withdrawn"]
# What a pool's story is made of: the events whose first indexed argument is the pool id.
POOL_EVENTS = (
    "PoolOpened",
    "MilestoneScheduled",
    "TokensPurchased",
    "MilestoneCertified",
    "CertificationVoided",
    "TrancheReleased",
    "CreditWithdrawn",
    "PoolFailed",
    "Refunded",
    "Exited",
)
CERTIFIER_EVENTS = ("OracleAttested", "CertifiedBySignatures", "AttestationsFinalized")
# Impact claims (retirement), indexed by pool id first too: they come in the same request as the pool's events.
CLAIM_EVENTS = ("ImpactClaimed",)
# The events a milestone's story shows with a time; with the pool's opening (its clock starts) and its burns (the
# tokens live when a milestone became final).
MILESTONE_EVENTS = (
    "OracleAttested",
    "CertifiedBySignatures",
    "AttestationsFinalized",
    "MilestoneCertified",
    "CertificationVoided",
    "TrancheReleased",
    "CreditWithdrawn",
    "PoolOpened",
    "Exited",
    "Refunded",
    "ImpactClaimed",
)
TRANSFER_EVENTS = ("TransferSingle", "TransferBatch")
# Contract-wide history, indexed by nothing a trace knows in advance: the delayed changes of the registry and the
# certifier, and the pauses of the pools (a pool's clock stops while paused). Few events, in one request.
CHANGE_EVENTS = ("ChangeScheduled", "ChangeExecuted", "ChangeCancelled")
PAUSE_EVENTS = ("Paused", "Unpaused")
BPS = 10_000


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
    block: int | None = None


@dataclass
class Release:
    tx: str
    block: int
    time: str
    beneficiary: str
    amount: Money
    credited: bool
    holding: int  # the holder's tokens when the milestone became final (0 in a pool trace)
    supply: int  # the tokens live then: the tranche is supply x the milestone's share of a token
    attributable: Money  # holding x the milestone's share of a token
    withdrawn_by: str | None = None  # a credited tranche, once withdrawn
    withdrawn_tx: str | None = None


@dataclass
class Void:
    """A reviewer voided a certification within its challenge window."""

    reviewer: str
    evidence_hash: str
    reason_hash: str
    reason_uri: str
    tx: str
    block: int
    time: str


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
    payee: str | None = None  # the site's beneficiary when the quorum certified it: the tranche goes there
    challenge_ends_at: str | None = None  # when its challenge window ends (moved later by pauses)
    challenge_ends_at_unix: int | None = None
    final: bool = False  # certified and past its challenge window
    attestations: list[Attestation] = field(default_factory=list)
    voided: list[Void] = field(default_factory=list)
    release: Release | None = None
    certified_block: int | None = None


@dataclass
class Refund:
    tx: str
    block: int
    time: str
    pool_id: int
    tokens: int
    amount: Money


@dataclass
class Exit:
    """Tokens redeemed from a live pool while a change affecting it was pending."""

    tx: str
    block: int
    time: str
    pool_id: int
    holder: str
    tokens: int
    amount: Money


@dataclass
class ChangeStory:
    """A delayed change of the registry or the certifier that affects the pool."""

    change: str  # "registry:1"
    what: str
    scheduled_by: str
    scheduled_tx: str
    scheduled_time: str
    executable_at: str
    executable_at_unix: int
    state: str  # "pending", "executed" or "cancelled"
    settled_by: str | None = None
    settled_tx: str | None = None
    settled_time: str | None = None
    scheduled_block: int | None = None
    settled_block: int | None = None


@dataclass
class ClaimedMilestone:
    """A milestone a claim rests on: its criterion and the evidence the claim's event names."""

    milestone_id: int
    standard_ref: str
    evidence_hash: str
    evidence_uri: str | None
    certified_tx: str | None


@dataclass
class Claim:
    """Tokens claimed (retired) for a beneficiary: they can never move again (contracts/ImpactClaims.sol)."""

    claim_id: int
    pool_id: int
    site: str
    claimant: str  # whose tokens were retired
    operator: str  # who sent them (the claimant, or an operator it approved)
    beneficiary: str
    reason: str
    tokens: int
    financed: Money  # tokens x price: every milestone was final, so all of it was earned by the site
    milestones: list[ClaimedMilestone]
    tx: str
    block: int
    time: str


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
    exited: Money
    challenge_window: int  # seconds
    challenge_window_text: str
    paused_time: int  # seconds paused since the pool opened: every time of the pool is that much later
    exit_open: bool  # a change affecting the pool is pending and the pool has not failed
    pending_changes: list[ChangeStory] = field(default_factory=list)
    claimed_tokens: int = 0  # tokens retired by claims: they count in the supply and can never move again


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
    exited: Money
    exit_open: bool
    changes: list[ChangeStory] = field(default_factory=list)  # every change affecting the pool since it opened
    claimed_tokens: int = 0  # of this investor's tokens, how many they claimed (retired)


@dataclass
class InvestorTrace:
    investor: str
    purchases: list[Purchase]
    movements: list[Movement]
    holdings: dict[int, int]
    milestones: list[MilestoneStory]
    refunds: list[Refund]
    pools: list[InvestorPool]
    exits: list[Exit] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)  # the impact they claimed


@dataclass
class Holder:
    address: str
    paid: Money
    tokens_bought: int
    holding: int
    refunded: Money
    exited: Money
    reached_site: Money
    in_escrow: Money


@dataclass
class PoolTrace:
    account: PoolAccount
    holders: list[Holder]
    milestones: list[MilestoneStory]
    changes: list[ChangeStory] = field(default_factory=list)  # every change affecting the pool since it opened
    exits: list[Exit] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)


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
        self._history_events: list[Event] | None = None

    # -- investor -------------------------------------------------------------------------------------------

    def investor(self, address: str) -> InvestorTrace:
        investor = parse_address(address, "investor address")
        me = address_topic(investor)
        # Two log requests find all the investor did: TokensPurchased and ERC-1155's transfers both index the buyer
        # or sender second and the recipient third, so one filter per position takes purchases and transfers
        # together (a purchase for the investor is also a mint to them). A third fetches all about those pools, a
        # fourth their sites' names, over the blocks before the pools opened only, and a fifth the history of
        # delayed changes and pauses (few events, contract-wide).
        paid, sent = self._purchases_and_transfers([None, me])
        bought_for_me, received = self._purchases_and_transfers([None, None, me])
        transfers = _unique(sent + received)
        pool_ids = sorted({e.args["poolId"] for e in paid} | {t[1] for t in transfers})

        context = self._pool_context(pool_ids)
        refunds = [e for p in pool_ids for e in context[p]["Refunded"] if e.args["holder"] == investor]
        exits = [e for p in pool_ids for e in context[p]["Exited"] if e.args["holder"] == investor]
        history = self._history() if pool_ids else []
        self._fetch_times(
            [e.block for e in paid + bought_for_me]
            + [t[0][0] for t in transfers]
            + [block for p in pool_ids for block in _story_blocks(context[p])]
            + [e.block for e in history]
            + [self.end]
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
        claims: list[Claim] = []
        for pool_id in pool_ids:
            pool = context[pool_id]
            book = self._book(pool)
            pool_stories = self._milestone_stories(pool_id, pool, book, holder=investor, holder_transfers=transfers)
            stories.extend(pool_stories)
            mine = [c for c in self._claims(pool, pool_stories) if c.claimant == investor]
            claims.extend(mine)
            pools.append(
                self._investor_pool(
                    pool_id, pool, book, investor, purchases, refunds, exits, holdings[pool_id], pool_stories, transfers
                )
            )
            pools[-1].claimed_tokens = sum(c.tokens for c in mine)
            if mine:
                pools[-1].summary += f"; {sum(c.tokens for c in mine)} of its tokens were claimed (retired) for " + (
                    ", ".join(sorted({c.beneficiary for c in mine}))
                )
        return InvestorTrace(
            investor=investor,
            purchases=purchases,
            movements=movements,
            holdings=holdings,
            milestones=stories,
            refunds=[self._refund(e, context) for e in _by_position(refunds)],
            pools=pools,
            exits=[self._exit(e, context) for e in _by_position(exits)],
            claims=sorted(claims, key=lambda c: c.claim_id),
        )

    # -- pool -----------------------------------------------------------------------------------------------

    def pool(self, pool_id: int) -> PoolTrace:
        self.system.pool(pool_id)  # a clear error for an unknown pool
        pool = self._pool_context([pool_id])[pool_id]
        history = self._history()
        self._fetch_times(_story_blocks(pool) + [e.block for e in history] + [self.end])
        book = self._book(pool)
        holders = self._holders(pool_id, pool, book)
        stories = self._milestone_stories(pool_id, pool, book)
        claims = self._claims(pool, stories)
        account = self._account(pool_id, pool, book)
        account.claimed_tokens = sum(c.tokens for c in claims)
        return PoolTrace(
            account=account,
            holders=holders,
            milestones=stories,
            changes=book.changes,
            exits=[self._exit(e, {pool_id: pool}) for e in pool["Exited"]],
            claims=claims,
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
        """Per pool, from events: parameters, schedule, purchases, certifications and voids, releases, failure,
        refunds and exits."""
        if not pool_ids:
            return {}
        ids = any_of(uint_topic(p) for p in pool_ids)
        # Every one of these events has the pool id as its first indexed argument: one request fetches them all.
        sources = [
            Source("ImpactPools", self.system.pools.address, POOL_EVENTS),
            Source("MilestoneCertifier", self.system.certifier.address, CERTIFIER_EVENTS),
        ]
        if self.system.has_claims:  # a deployment recorded before claims existed has no claims contract
            sources.append(Source("ImpactClaims", self.system.claims.address, CLAIM_EVENTS))
        fetched = self.fetch.events_of(sources, [ids], self.start, self.end)
        grouped: dict[str, dict[int, list[Event]]] = {
            name: _group([e for e in fetched if e.name == name])
            for name in POOL_EVENTS + CERTIFIER_EVENTS + CLAIM_EVENTS
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

    def _history(self) -> list[Event]:
        """Every delayed change of the registry and the certifier, and every pause of the pools, in one request:
        contract-wide events, indexed by nothing a trace knows in advance, but rare by design."""
        if self._history_events is None:
            sources = [
                Source("SiteRegistry", self.system.registry.address, CHANGE_EVENTS),
                Source("MilestoneCertifier", self.system.certifier.address, CHANGE_EVENTS),
                Source("ImpactPools", self.system.pools.address, PAUSE_EVENTS),
            ]
            self._history_events = _by_position(self.fetch.events_of(sources, [], self.start, self.end))
        return self._history_events

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

    def _book(self, pool: dict[str, Any]) -> _Book:
        """The pool's per-token accounting, its clock and its governance, from its events and the history."""
        params = pool["params"]
        price, window = params["price"], params["challengeWindow"]
        cumulative, earned = 0, []
        for m in pool["MilestoneScheduled"]:
            cumulative += m.args["shareBps"]
            earned.append(price * cumulative // BPS)
        shares = [e - (earned[k - 1] if k else 0) for k, e in enumerate(earned)]
        now = self._times[self.end]
        pauses = _pause_intervals(self._history(), self._times, now)
        opened = pool["PoolOpened"][0]
        paused_time = _paused_until(pauses, now) - _paused_until(pauses, self._times[opened.block])

        # The current certification of each milestone: the last one that no void has undone.
        current: dict[int, Event] = {}
        for e in _by_position(pool["MilestoneCertified"] + pool["CertificationVoided"]):
            k = e.args["milestoneId"]
            if e.name == "MilestoneCertified":
                current[k] = e
            else:
                current.pop(k, None)
        ends_at = {k: _window_end(self._times[c.block], window, pauses) for k, c in current.items()}
        finalized = 0
        while finalized in current and now >= ends_at[finalized]:
            finalized += 1
        if pool["PoolFailed"]:  # a pool fails only once every certification is final; nothing changes after
            finalized = len(current)

        changes = _changes_affecting(self, params["siteId"], opened.position)
        return _Book(price, earned, shares, current, ends_at, finalized, window, paused_time, changes)

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

    def _exit(self, e: Event, context: dict[int, dict[str, Any]]) -> Exit:
        pool = context[e.args["poolId"]]
        return Exit(
            e.tx,
            e.block,
            self._time(e.block),
            e.args["poolId"],
            e.args["holder"],
            e.args["tokens"],
            self._money(pool, e.args["amount"]),
        )

    def _milestone_stories(
        self,
        pool_id: int,
        pool: dict[str, Any],
        book: _Book,
        holder: str | None = None,
        holder_transfers: list[tuple] | None = None,
    ) -> list[MilestoneStory]:
        released = {e.args["milestoneId"]: e for e in pool["TrancheReleased"]}
        withdrawn = {e.args["milestoneId"]: e for e in pool["CreditWithdrawn"]}
        attested = defaultdict(list)
        for e in pool["OracleAttested"]:
            attested[e.args["milestoneId"]].append(
                Attestation(
                    e.args["oracle"], _hex(e.args["evidenceHash"]), e.tx, self._time(e.block), "on chain", e.block
                )
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
                        e.block,
                    )
                )
        voids = defaultdict(list)
        for e in pool["CertificationVoided"]:
            voids[e.args["milestoneId"]].append(
                Void(
                    e.args["reviewer"],
                    _hex(e.args["evidenceHash"]),
                    _hex(e.args["reasonHash"]),
                    e.args["reasonURI"],
                    e.tx,
                    e.block,
                    self._time(e.block),
                )
            )
        stories = []
        for m in pool["MilestoneScheduled"]:
            k = m.args["milestoneId"]
            certified = book.current.get(k)
            story = MilestoneStory(
                pool_id,
                k,
                from_bytes32(m.args["standardRef"]),
                m.args["shareBps"],
                format_time(m.args["deadline"] + book.paused_time),
                certified is not None,
                attestations=attested.get(k, []),
                voided=voids.get(k, []),
            )
            if certified is not None:
                c = certified
                story.evidence_hash, story.evidence_uri = _hex(c.args["evidenceHash"]), c.args["evidenceURI"]
                story.certified_tx, story.certified_time = c.tx, self._time(c.block)
                story.certified_block = c.block
                story.payee = c.args["payee"]
                story.challenge_ends_at_unix = book.ends_at[k]
                story.challenge_ends_at = format_time(book.ends_at[k])
                story.final = k < book.finalized
            if k in released:
                r = released[k]
                holding = self._holding_at_final(pool, book, k, holder_transfers or [], holder) if holder else 0
                story.release = Release(
                    r.tx,
                    r.block,
                    self._time(r.block),
                    r.args["beneficiary"],
                    self._money(pool, r.args["amount"]),
                    r.args["credited"],
                    holding,
                    self._supply_at_final(pool, book, k),
                    self._money(pool, holding * book.shares[k]),
                )
                if k in withdrawn:
                    story.release.withdrawn_by = withdrawn[k].args["account"]
                    story.release.withdrawn_tx = withdrawn[k].tx
            stories.append(story)
        return stories

    def _claims(self, pool: dict[str, Any], stories: list[MilestoneStory]) -> list[Claim]:
        """The pool's claims, each with the milestones (criterion, evidence) its event says it rests on."""
        claims = []
        for e in pool["ImpactClaimed"]:
            milestones = []
            for k, evidence in enumerate(e.args["evidenceHashes"]):
                story = stories[k] if k < len(stories) else None
                milestones.append(
                    ClaimedMilestone(
                        k,
                        story.standard_ref if story else "",
                        _hex(evidence),
                        story.evidence_uri if story and story.evidence_hash == _hex(evidence) else None,
                        story.certified_tx if story and story.evidence_hash == _hex(evidence) else None,
                    )
                )
            claims.append(
                Claim(
                    e.args["claimId"],
                    e.args["poolId"],
                    pool["site"],
                    e.args["claimant"],
                    e.args["operator"],
                    e.args["beneficiary"],
                    e.args["reason"],
                    e.args["tokens"],
                    self._money(pool, e.args["tokens"] * pool["params"]["price"]),
                    milestones,
                    e.tx,
                    e.block,
                    self._time(e.block),
                )
            )
        return claims

    def _before_final(self, book: _Book, k: int, block: int, log_index: int) -> bool:
        """Whether something at (block, log_index) happened before milestone k's certification became final: before
        the certification itself, or in a block stamped before its challenge window ended."""
        cert = book.current[k]
        return (block, log_index) < cert.position or self._times[block] < book.ends_at[k]

    def _holding_at_final(
        self, pool: dict[str, Any], book: _Book, k: int, transfers: list[tuple], holder: str | None
    ) -> int:
        """The holder's tokens of the pool when milestone k became final."""
        pool_id = pool["params"]["poolId"]
        held = 0
        for (block, log_index, _), token_id, sender, receiver, tokens in transfers:
            if token_id != pool_id or not self._before_final(book, k, block, log_index):
                continue
            held += tokens if receiver == holder else 0
            held -= tokens if sender == holder else 0
        return held

    def _supply_at_final(self, pool: dict[str, Any], book: _Book, k: int) -> int:
        """The tokens live when milestone k became final (what the contract records as `tokensAtFinal`)."""
        minted = sum(e.args["tokens"] for e in pool["TokensPurchased"])
        burned = sum(
            e.args["tokens"]
            for e in pool["Refunded"] + pool["Exited"]
            if self._before_final(book, k, e.block, e.log_index)
        )
        return minted - burned

    def _holder_books(
        self, pool: dict[str, Any], book: _Book, transfers: list[tuple], holder: str, holding: int
    ) -> tuple[int, int]:
        """(reached the site, in escrow) for a holder, per token: their tokens when each final milestone became
        final x its share of a token, released or awaiting release; and the unearned part of the tokens they hold."""
        reached = waiting = 0
        released = {e.args["milestoneId"] for e in pool["TrancheReleased"]}
        for k in range(book.finalized):
            part = self._holding_at_final(pool, book, k, transfers, holder) * book.shares[k]
            if k in released:
                reached += part
            else:
                waiting += part
        earned = book.earned[book.finalized - 1] if book.finalized else 0
        return reached, waiting + holding * (book.price - earned)

    def _account(self, pool_id: int, pool: dict[str, Any], book: _Book) -> PoolAccount:
        raised = sum(e.args["amountPaid"] for e in pool["TokensPurchased"])
        released = sum(e.args["amount"] for e in pool["TrancheReleased"])
        refunded = sum(e.args["amount"] for e in pool["Refunded"])
        exited = sum(e.args["amount"] for e in pool["Exited"])
        failure = pool["PoolFailed"][0].args["reason"] if pool["PoolFailed"] else 0
        pending = [c for c in book.changes if c.state == "pending"]
        return PoolAccount(
            pool_id,
            pool["site"],
            self.system.asset_units(pool["params"]["asset"])[1],
            self._money(pool, raised),
            self._money(pool, released),
            self._money(pool, refunded),
            self._money(pool, raised - released - refunded - exited),
            _supply_before(pool, (10**18, 0)),
            FAILURE[failure],
            self._money(pool, exited),
            book.window,
            format_duration(book.window),
            book.paused_time,
            not failure and bool(pending),
            pending,
        )

    def _investor_pool(
        self,
        pool_id: int,
        pool: dict[str, Any],
        book: _Book,
        investor: str,
        purchases: list[Purchase],
        refunds: list[Event],
        exits: list[Event],
        holding: int,
        stories: list[MilestoneStory],
        transfers: list[tuple],
    ) -> InvestorPool:
        paid = sum(p.paid.amount for p in purchases if p.pool_id == pool_id and p.buyer == investor)
        refunded = sum(e.args["amount"] for e in refunds if e.args["poolId"] == pool_id)
        exited = sum(e.args["amount"] for e in exits if e.args["poolId"] == pool_id)
        reached, in_escrow = self._holder_books(pool, book, transfers, investor, holding)
        account = self._account(pool_id, pool, book)
        certified = sum(1 for s in stories if s.certified)
        m = lambda amount: self._money(pool, amount).text  # noqa: E731
        summary = (
            f"pool {pool_id}: of {m(paid)} paid, {m(reached)} reached {pool['site']} through {certified} certified "
            f"milestone{'s' if certified != 1 else ''}"
        )
        if refunded:
            summary += f", {m(refunded)} was refunded"
        if exited:
            summary += f", {m(exited)} was paid back on exit"
        if in_escrow:
            in_window = next((s for s in stories if s.certified and not s.final), None)
            unreleased = next((s for s in stories if s.final and not s.release), None)
            upcoming = next((s for s in stories if not s.certified), None)
            if account.failure:
                summary += f", {m(in_escrow)} is refundable (pool failed: {account.failure})"
            elif in_window:
                summary += (
                    f", {m(in_escrow)} is in escrow while milestone {in_window.milestone_id}'s challenge window "
                    f"runs (until {in_window.challenge_ends_at})"
                )
            elif unreleased:
                summary += (
                    f", {m(in_escrow)} is in escrow, milestone {unreleased.milestone_id}'s tranche final and "
                    "awaiting release"
                )
            elif upcoming:
                summary += (
                    f", {m(in_escrow)} is in escrow awaiting milestone {upcoming.milestone_id} "
                    f"({upcoming.standard_ref}) due {upcoming.deadline[:10]}"
                )
            else:
                summary += f", {m(in_escrow)} is certified and awaits release"
        if account.exit_open:
            summary += "; exits are open while " + ", ".join(c.change for c in account.pending_changes) + " is pending"
        return InvestorPool(
            pool_id,
            pool["site"],
            self._money(pool, paid),
            holding,
            self._money(pool, reached),
            self._money(pool, refunded),
            self._money(pool, in_escrow),
            certified,
            summary,
            self._money(pool, exited),
            account.exit_open,
            book.changes,
        )

    def _holders(self, pool_id: int, pool: dict[str, Any], book: _Book) -> list[Holder]:
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
        # Only transfers after the pool's first certification can fall after a milestone became final.
        first = pool["MilestoneCertified"][0].position if pool["MilestoneCertified"] else None
        self._fetch_times([row[0][0] for row in transfers if first and row[1] == pool_id and row[0][:2] > first])
        holders = []
        for address in sorted(known):
            bought = [e for e in pool["TokensPurchased"] if e.args["buyer"] == address]
            refunded = [e for e in pool["Refunded"] if e.args["holder"] == address]
            exited = [e for e in pool["Exited"] if e.args["holder"] == address]
            holding = self._balance(transfers, address, pool_id)
            reached, in_escrow = self._holder_books(pool, book, transfers, address, holding)
            holders.append(
                Holder(
                    address,
                    self._money(pool, sum(e.args["amountPaid"] for e in bought)),
                    sum(e.args["tokens"] for e in bought),
                    holding,
                    self._money(pool, sum(e.args["amount"] for e in refunded)),
                    self._money(pool, sum(e.args["amount"] for e in exited)),
                    self._money(pool, reached),
                    self._money(pool, in_escrow),
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


@dataclass
class _Book:
    """A pool's per-token accounting and clock (see the module's docstring)."""

    price: int
    earned: list[int]  # e_k: what each token has earned the site once milestones 0..k are final
    shares: list[int]  # e_k - e_{k-1}: milestone k's share of each token live when it became final
    current: dict[int, Event]  # the certification of each certified milestone (none voided since)
    ends_at: dict[int, int]  # when each certification's challenge window ends, in block time
    finalized: int  # how many milestones are final
    window: int  # the pool's challenge window, in seconds
    paused_time: int  # seconds paused since the pool opened
    changes: list[ChangeStory]


def _changes_affecting(tracer: Tracer, site_id: int, opened: tuple[int, int]) -> list[ChangeStory]:
    """The delayed changes that affect a pool of `site_id` opened at `opened`: pending, or settled after it."""
    events = tracer._history()
    scheduled = [e for e in events if e.name == "ChangeScheduled"]
    settled = {
        (e.address.lower(), e.args["changeId"]): e for e in events if e.name in ("ChangeExecuted", "ChangeCancelled")
    }
    contracts = {
        tracer.system.registry.address.lower(): governance.REGISTRY,
        tracer.system.certifier.address.lower(): governance.CERTIFIER,
    }
    stories = []
    for e in scheduled:
        contract = contracts[e.address.lower()]
        change = governance.Change(
            contract,
            e.args["changeId"],
            e.args["kind"],
            e.args["subject"],
            e.args["value"],
            e.args["scheduledBy"],
            e.args["executableAt"],
        )
        end = settled.get((e.address.lower(), e.args["changeId"]))
        if not change.affects_site(site_id) or (end is not None and end.position < opened):
            continue
        story = ChangeStory(
            change.name,
            change.what,
            change.scheduled_by,
            e.tx,
            tracer._time(e.block),
            format_time(change.executable_at),
            change.executable_at,
            "pending",
            scheduled_block=e.block,
        )
        if end is not None:
            story.state = "executed" if end.name == "ChangeExecuted" else "cancelled"
            story.settled_by = end.args["executedBy" if end.name == "ChangeExecuted" else "cancelledBy"]
            story.settled_tx, story.settled_time = end.tx, tracer._time(end.block)
            story.settled_block = end.block
        stories.append(story)
    return stories


# ------------------------------------------------------------------------------------------------------------------
# Pure helpers
# ------------------------------------------------------------------------------------------------------------------


def _topic(event: str) -> str:
    from impact.chain.logs import topic0

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
    """The blocks of the events a pool's milestone stories show with a time (and its clock needs)."""
    return [e.block for name in MILESTONE_EVENTS for e in pool[name]]


def _pause_intervals(history: list[Event], times: dict[int, int], now: int) -> list[tuple[int, int]]:
    """(start, end) of every pause, in block time: it ends when unpaused or by itself at `endsAt`, and a pause
    still running is counted up to `now`."""
    intervals = []
    running: tuple[int, int] | None = None
    for e in history:
        if e.name == "Paused":
            if running is not None:  # the previous pause ended by itself (no Unpaused event)
                intervals.append(running)
            running = (times[e.block], e.args["endsAt"])
        elif e.name == "Unpaused" and running is not None:
            intervals.append((running[0], min(times[e.block], running[1])))
            running = None
    if running is not None:
        intervals.append((running[0], min(running[1], now)))
    return intervals


def _paused_until(pauses: list[tuple[int, int]], t: int) -> int:
    """Seconds paused before `t`."""
    return sum(max(0, min(end, t) - start) for start, end in pauses)


def _window_end(certified_at: int, window: int, pauses: list[tuple[int, int]]) -> int:
    """When a challenge window of `window` seconds opened at `certified_at` ends: the pool's clock stops while the
    contract is paused, so every pause in the window moves its end later."""
    cursor, left = certified_at, window
    for start, end in sorted(pauses):
        if end <= cursor:
            continue
        if start > cursor:
            if start - cursor >= left:
                break
            left -= start - cursor
        cursor = max(cursor, end)
    return cursor + left


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
    burned = sum(e.args["tokens"] for e in pool["Refunded"] + pool["Exited"] if e.position < position)
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


# ------------------------------------------------------------------------------------------------------------------
# The trace as a JSON document
# ------------------------------------------------------------------------------------------------------------------

KINDS = {InvestorTrace: "investor", PoolTrace: "pool", LotTrace: "lot"}


def document(result: InvestorTrace | PoolTrace | LotTrace) -> dict[str, Any]:
    """The trace's JSON document (version 1, docs/formats.md): its records as they are, plus its `schema`. What
    `impact trace --json` prints, what `impact serve` offers for download, and what its pages are drawn from."""
    from dataclasses import asdict

    return {"schema": f"impact.trace.{KINDS[type(result)]}/1", **asdict(result)}
