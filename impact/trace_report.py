"""Human-readable tables for traces (the `--json` output is the dataclasses themselves)."""

from __future__ import annotations

from collections.abc import Sequence

from impact.output import plural
from impact.trace import InvestorTrace, LotTrace, PoolTrace


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join("  " + line for line in lines)


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
    certified = [m for m in t.milestones if m.certified]
    out += ["", "Certified milestones of these pools"]
    if not certified:
        out.append("  none yet")
    for m in certified:
        out.append(
            f"  pool {m.pool_id} milestone {m.milestone_id} — {m.standard_ref} ({m.share_bps / 100:g}% of the "
            f"raise), certified {m.certified_time}"
        )
        out.append(f"    evidence {m.evidence_hash} at {m.evidence_uri}")
        for a in m.attestations:
            out.append(f"    attested by {a.oracle} ({a.how}), {a.time}")
        if m.release:
            r = m.release
            out.append(
                f"    tranche {r.amount.text} {'credited to' if r.credited else 'paid to'} {r.beneficiary} "
                f"{r.time}; yours: {r.holding}/{r.supply} tokens = {r.attributable.text}"
            )
        else:
            out.append("    tranche not released yet")
    if t.refunds:
        out += ["", "Refunds"]
        out.append(
            table(
                ["time", "pool", "tokens", "amount", "tx"],
                [(r.time, r.pool_id, r.tokens, r.amount.text, r.tx) for r in t.refunds],
            )
        )
    out += ["", "Summary"] + [f"  {p.summary}" for p in t.pools]
    return "\n".join(out)


def pool(t: PoolTrace) -> str:
    a = t.account
    out = [f"Pool {a.pool_id} — {a.site} ({a.asset})" + (f" — FAILED: {a.failure}" if a.failure else ""), ""]
    out.append(
        table(
            ["raised", "released", "refunded", "escrow", "supply"],
            [(a.raised.text, a.released.text, a.refunded.text, a.escrow.text, a.supply)],
        )
    )
    out += ["", "Investors"]
    out.append(
        table(
            ["address", "bought", "paid", "holds", "refunded"],
            [(h.address, h.tokens_bought, h.paid.text, h.holding, h.refunded.text) for h in t.holders],
        )
    )
    out += ["", "Milestones"]
    out.append(
        table(
            ["#", "criterion", "share", "deadline", "certified", "released"],
            [
                (
                    m.milestone_id,
                    m.standard_ref,
                    f"{m.share_bps / 100:g}%",
                    m.deadline,
                    m.certified_time or "no",
                    m.release.amount.text if m.release else "no",
                )
                for m in t.milestones
            ],
        )
    )
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
