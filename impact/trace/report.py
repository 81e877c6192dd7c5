"""Human-readable tables for traces (the `--json` output is the dataclasses themselves)."""

from __future__ import annotations

from collections.abc import Sequence

from impact.chain.output import plural
from impact.trace.tracer import ChangeStory, InvestorTrace, LotTrace, MilestoneStory, PoolTrace


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join("  " + line for line in lines)


def _short(value: str | None) -> str:
    return f"{value[:10]}…" if value and len(value) > 12 else (value or "")


def _changes(changes: Sequence[ChangeStory]) -> list[str]:
    """One line per delayed change affecting a pool: what, who, when, where it stands."""
    lines = []
    for c in changes:
        state = {
            "pending": f"PENDING, executable from {c.executable_at}: holders may exit until it is executed",
            "executed": f"executed {c.settled_time} by {c.settled_by}",
            "cancelled": f"cancelled {c.settled_time} by {c.settled_by}",
        }[c.state]
        lines.append(f"  {c.change} {c.what} — scheduled {c.scheduled_time} by {c.scheduled_by}; {state}")
    return lines


def _certification(m: MilestoneStory) -> list[str]:
    """The lines about a milestone's current certification and the certifications reviewers voided."""
    out = []
    for v in m.voided:
        out.append(
            f"    VOIDED {v.time} by reviewer {v.reviewer}: evidence {v.evidence_hash}; reasons {v.reason_hash}"
            + (f" at {v.reason_uri}" if v.reason_uri else "")
        )
    if m.certified:
        window = "final" if m.final else "open"
        out.append(f"    payee {m.payee}; challenge window until {m.challenge_ends_at} ({window})")
    return out


def investor(t: InvestorTrace) -> str:
    out = [f"Investor {t.investor}", ""]
    out.append("Purchases")
    out.append(
        table(
            ["time", "block", "pool", "site", "tokens", "paid", "recipient", "tx"],
            [
                (
                    p.time,
                    p.block,
                    p.pool_id,
                    p.site,
                    p.tokens,
                    p.paid.text,
                    "self" if p.recipient == t.investor else p.recipient,
                    p.tx,
                )
                for p in t.purchases
            ],
        )
        if t.purchases
        else "  none"
    )
    if t.movements:
        out += ["", "Tokens received and sent on"]
        out.append(
            table(
                ["time", "pool", "", "tokens", "counterparty", "tx"],
                [(m.time, m.pool_id, m.direction, m.tokens, m.counterparty, m.tx) for m in t.movements],
            )
        )
    out += ["", "Holdings now"]
    out.append(table(["pool", "tokens"], sorted(t.holdings.items())))
    certified = [m for m in t.milestones if m.certified or m.voided]
    out += ["", "Certified milestones of these pools"]
    if not certified:
        out.append("  none yet")
    for m in certified:
        head = f"certified {m.certified_time}" if m.certified else "not certified (voided)"
        out.append(
            f"  pool {m.pool_id} milestone {m.milestone_id} — {m.standard_ref} ({m.share_bps / 100:g}% of the "
            f"raise), {head}"
        )
        if m.certified:
            out.append(f"    evidence {m.evidence_hash} at {m.evidence_uri}")
        for a in m.attestations:
            out.append(f"    attested {a.evidence_hash[:10]}… by {a.oracle} ({a.how}), {a.time}")
        out += _certification(m)
        if m.release:
            r = m.release
            out.append(
                f"    tranche {r.amount.text} {'credited to' if r.credited else 'paid to'} {r.beneficiary} "
                f"{r.time}; yours: {r.holding} of the {r.supply} tokens live when it became final = "
                f"{r.attributable.text}"
            )
            if r.withdrawn_by:
                out.append(f"    credited tranche withdrawn by {r.withdrawn_by}")
        elif m.certified:
            out.append("    tranche not released yet")
    if t.refunds:
        out += ["", "Refunds"]
        out.append(
            table(
                ["time", "pool", "tokens", "amount", "tx"],
                [(r.time, r.pool_id, r.tokens, r.amount.text, r.tx) for r in t.refunds],
            )
        )
    if t.exits:
        out += ["", "Exits (while a change affecting the pool was pending)"]
        out.append(
            table(
                ["time", "pool", "tokens", "amount", "tx"],
                [(e.time, e.pool_id, e.tokens, e.amount.text, _short(e.tx)) for e in t.exits],
            )
        )
    for p in t.pools:
        if p.changes:
            out += ["", f"Delayed changes affecting pool {p.pool_id}"] + _changes(p.changes)
    out += ["", "Summary"] + [f"  {p.summary}" for p in t.pools]
    return "\n".join(out)


def pool(t: PoolTrace) -> str:
    a = t.account
    out = [f"Pool {a.pool_id} — {a.site} ({a.asset})" + (f" — FAILED: {a.failure}" if a.failure else ""), ""]
    out.append(
        f"  challenge window {a.challenge_window_text}; paused {a.paused_time} s since it opened; exits "
        + ("OPEN (" + ", ".join(c.change for c in a.pending_changes) + " pending)" if a.exit_open else "closed")
    )
    out.append(
        table(
            ["raised", "released", "refunded", "exited", "escrow", "supply"],
            [(a.raised.text, a.released.text, a.refunded.text, a.exited.text, a.escrow.text, a.supply)],
        )
    )
    out += ["", "Investors"]
    out.append(
        table(
            ["address", "bought", "paid", "holds", "reached site", "in escrow", "refunded", "exited"],
            [
                (
                    h.address,
                    h.tokens_bought,
                    h.paid.text,
                    h.holding,
                    h.reached_site.text,
                    h.in_escrow.text,
                    h.refunded.text,
                    h.exited.text,
                )
                for h in t.holders
            ],
        )
    )
    out += ["", "Milestones"]
    out.append(
        table(
            ["#", "criterion", "share", "deadline", "certified", "payee", "window ends", "released"],
            [
                (
                    m.milestone_id,
                    m.standard_ref,
                    f"{m.share_bps / 100:g}%",
                    m.deadline,
                    m.certified_time or ("voided" if m.voided else "no"),
                    m.payee or "",
                    (m.challenge_ends_at or "") + (" (final)" if m.final else " (open)" if m.certified else ""),
                    m.release.amount.text if m.release else "no",
                )
                for m in t.milestones
            ],
        )
    )
    voided = [(m, v) for m in t.milestones for v in m.voided]
    if voided:
        out += ["", "Voided certifications"]
        out.append(
            table(
                ["#", "time", "reviewer", "evidence", "reasons", "reasons URI"],
                [
                    (m.milestone_id, v.time, v.reviewer, _short(v.evidence_hash), v.reason_hash, v.reason_uri)
                    for m, v in voided
                ],
            )
        )
    if t.exits:
        out += ["", "Exits"]
        out.append(
            table(
                ["time", "holder", "tokens", "amount", "tx"],
                [(e.time, e.holder, e.tokens, e.amount.text, _short(e.tx)) for e in t.exits],
            )
        )
    if t.changes:
        out += ["", "Delayed changes affecting the pool"] + _changes(t.changes)
    return "\n".join(out)


def lot(t: LotTrace) -> str:
    p = t.purchase
    out = [
        f"Lot of {plural(p.tokens, 'token')} of pool {p.pool_id} ({p.site}) bought by {p.buyer} for {p.paid.text}, "
        f"{p.time}, tx {p.tx}",
        "",
    ]
    out.append(
        table(
            ["time", "from", "to", "tokens", "tx"],
            [
                (
                    s.time,
                    s.sender,
                    "redeemed (burned)" if int(s.receiver, 16) == 0 else s.receiver,
                    s.tokens,
                    s.tx,
                )
                for s in t.steps
            ],
        )
        if t.steps
        else "  never transferred"
    )
    out += ["", "Where the lot is now"]
    out.append(table(["holder", "tokens"], sorted(t.now_held.items())) if t.now_held else "  nowhere: fully redeemed")
    if t.redeemed:
        out.append(f"  {plural(t.redeemed, 'token')} of the lot {'was' if t.redeemed == 1 else 'were'} redeemed")
    return "\n".join(out)
