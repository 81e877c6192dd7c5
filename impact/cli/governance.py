"""`impact governance pending | execute | cancel | delay`, and the commands that schedule or make changes:
`oracle accredit | revoke | quorum`, `reviewer accredit | revoke`, `site beneficiary`.

What makes certification easier or redirects money is scheduled in public and waits the change delay, while the
holders of every affected live pool may exit (`impact exit`); anyone executes it once due. What makes
certification harder (revoking an oracle, raising the quorum, accrediting a reviewer) is immediate.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from impact.chain import output
from impact.chain.encoding import format_duration, format_iso
from impact.chain.errors import UserError
from impact.cli.argtypes import whole
from impact.programme import governance
from impact.programme.governance import CERTIFIER, REGISTRY, Change


def parse_address(value: str, what: str) -> str:
    from impact.chain.accounts import parse_address as parse

    return parse(value, what)


def _discard() -> Any:
    from web3.logs import DISCARD

    return DISCARD


def _tx(receipt: Any) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()


def _oracles(count: int) -> str:
    return f"{count} oracle{'s' if count != 1 else ''}"


def _tx_json(receipt: Any) -> dict[str, Any]:
    return output.transaction(receipt)


def _warn(text: str) -> None:
    print("warning: " + " ".join(text.split()), file=sys.stderr)


def register(command: Callable[..., Any], commands: Any, groups: dict[str, Any]) -> None:
    """Adds the commands to the parser (`groups` holds the existing `site`, `pool` and `oracle` sub-parsers; the
    new `governance` and `reviewer` groups are added to it)."""
    gov = commands.add_parser("governance", help="delayed changes: list, execute, cancel; change a contract's delay")
    sub = gov.add_subparsers(dest="governance_command", required=True, metavar="ACTION")
    groups["governance"] = sub
    command(
        "pending",
        "every pending change of the registry and the certifier, and the exits it opens",
        cmd_pending,
        sub,
        kind="read",  # impact.cli.READ: no account, shows something (--json)
    )
    p = command("execute", "make a due change take effect (anyone may)", cmd_execute, sub)
    p.add_argument("--change", required=True, metavar="ID", help="e.g. registry:1 or certifier:2")
    p = command("cancel", "cancel a pending change (the default admin, or the role that scheduled it)", cmd_cancel, sub)
    p.add_argument("--change", required=True, metavar="ID", help="e.g. registry:1 or certifier:2")
    p = command("delay", "schedule a new change delay for a contract (the default admin)", cmd_delay, sub)
    p.add_argument("--contract", required=True, choices=(REGISTRY, CERTIFIER), help="whose delay changes (required)")
    p.add_argument(
        "--seconds", required=True, type=whole(0), help="the new delay: 172800 (2 days) to 2592000 (30 days)"
    )

    oracle = groups["oracle"]
    p = command("accredit", "schedule the accreditation of an oracle (a delayed change)", cmd_oracle_accredit, oracle)
    p.add_argument("address", help="the oracle's address (EIP-55 checksum, or all lowercase)")
    p = command("revoke", "revoke an oracle at once (attestations stop counting, signatures void)", cmd_revoke, oracle)
    p.add_argument("address", help="the oracle's address (EIP-55 checksum, or all lowercase)")
    p = command("quorum", "raise the quorum at once, or schedule a lower one", cmd_quorum, oracle)
    p.add_argument("quorum", type=whole(1), help="the new quorum, from 1 to the number of accredited oracles")

    reviewer = commands.add_parser("reviewer", help="Independent Reviewers: accredit, revoke, void a certification")
    reviewer_sub = reviewer.add_subparsers(dest="reviewer_command", required=True, metavar="ACTION")
    groups["reviewer"] = reviewer_sub
    p = command("accredit", "accredit a reviewer at once", cmd_reviewer_accredit, reviewer_sub)
    p.add_argument("address", help="the reviewer's address (EIP-55 checksum, or all lowercase)")
    p = command("revoke", "schedule the revocation of a reviewer (a delayed change)", cmd_reviewer_revoke, reviewer_sub)
    p.add_argument("address", help="the reviewer's address (EIP-55 checksum, or all lowercase)")

    p = command(
        "beneficiary",
        "schedule a change of the wallet that receives a site's tranches (a delayed change)",
        cmd_beneficiary,
        groups["site"],
    )
    p.add_argument("--site", type=whole(1), required=True, metavar="N", help="the site (required)")
    p.add_argument("--address", required=True, help="the new wallet")


# ------------------------------------------------------------------------------------------------------------------
# Listing, executing, cancelling
# ------------------------------------------------------------------------------------------------------------------


def cmd_pending(ctx: Any) -> None:
    system = ctx.system
    now = system.now()
    changes = governance.pending_changes(system)
    pools = governance.live_pools(system)
    rows = [(change, governance.affected_pools(system, change, pools)) for change in changes]
    listed = [
        {**output.change(change, now), "pools": [output.affected_pool(system, p) for p in affected]}
        for change, affected in rows
    ]
    ctx.emit("governance.pending/1", {"now": output.time(now), "changes": listed}, "\n".join(_pending_lines(rows, now)))


def _pending_lines(rows: list[tuple[Change, list[dict[str, Any]]]], now: int) -> list[str]:
    if not rows:
        return ["no pending changes: exits are closed, and nothing waits to take effect"]
    lines = [f"{len(rows)} pending change{'s' if len(rows) != 1 else ''} (chain time {format_iso(now)})"]
    for change, pools in rows:
        lines += [
            "",
            f"{change.name}  {change.what}",
            f"  scheduled by {change.scheduled_by}",
            f"  executable from {governance.when(change, now)}",
        ]
        if pools:
            exits = ", ".join(
                f"pool {p['pool']} (site {p['site']}): exit {'open' if p['exit_open'] else 'closed'}, "
                + (f"{p['exit_per_token_text']} a token" if p["supply"] else "no tokens live")
                for p in pools
            )
            lines.append(f"  affects {change.affects}: {exits}")
        else:
            lines.append(f"  affects {change.affects}: no live pool")
        lines.append(
            f"  `impact governance execute --change {change.name}` (anyone, once due); "
            f"`impact governance cancel --change {change.name}`"
        )
    return lines


def cmd_execute(ctx: Any) -> None:
    change = _pending(ctx, ctx.args.change)
    now = ctx.system.now()
    if change.executable_at > now:
        raise UserError(
            f"change {change.name} ({change.what}) becomes executable at {governance.when(change, now)}; "
            "nothing was sent",
            "not-due",
        )
    fn = governance.contract_of(ctx.system, change.contract).functions.executeChange(change.change_id)
    try:
        ctx.sender.simulate(fn)
    except UserError as exc:
        raise UserError(
            f"change {change.name} ({change.what}) can no longer take effect: {exc}; it can only be cancelled "
            f"(`impact governance cancel --change {change.name}`)",
            exc.code,
        ) from None
    ctx.confirm("Executing a delayed change", {"change": change.name, "what": change.what})
    receipt = ctx.sender.send(fn)
    ctx.emit(
        "governance.execute/1",
        {"change": _change_after(ctx, change), "transaction": _tx_json(receipt)},
        f"executed {change.name}: {change.what}; the exits it opened close unless another change is pending; "
        f"tx {_tx(receipt)}",
    )


def cmd_cancel(ctx: Any) -> None:
    change = _pending(ctx, ctx.args.change)
    fn = governance.contract_of(ctx.system, change.contract).functions.cancelChange(change.change_id)
    ctx.sender.simulate(fn)
    ctx.confirm("Cancelling a delayed change", {"change": change.name, "what": change.what})
    receipt = ctx.sender.send(fn)
    ctx.emit(
        "governance.cancel/1",
        {"change": _change_after(ctx, change), "transaction": _tx_json(receipt)},
        f"cancelled {change.name}: {change.what}; it can never be executed; tx {_tx(receipt)}",
    )


def _change_after(ctx: Any, change: Change) -> dict[str, Any]:
    """The change as its contract has it now (executed or cancelled), as `--json` shows it."""
    return output.change(governance.read_change(ctx.system, change.contract, change.change_id), ctx.system.now())


def _pending(ctx: Any, name: str) -> Change:
    contract, change_id = governance.parse_change_name(name)
    change = governance.read_change(ctx.system, contract, change_id)
    if not change.pending:
        raise UserError(f"change {change.name} ({change.what}) was already {change.state_name}", "not-pending")
    return change


# ------------------------------------------------------------------------------------------------------------------
# Scheduling
# ------------------------------------------------------------------------------------------------------------------


def cmd_delay(ctx: Any) -> None:
    a = ctx.args
    target = governance.contract_of(ctx.system, a.contract)
    fn = target.functions.scheduleChangeDelay(a.seconds)
    _schedule(
        ctx,
        a.contract,
        fn,
        f"Scheduling a new {a.contract} change delay",
        {"delay": f"{a.seconds} s"},
        "governance.delay/1",
        {"contract": a.contract, "delay_seconds": a.seconds},
    )


def cmd_oracle_accredit(ctx: Any) -> None:
    oracle = parse_address(ctx.args.address, "oracle address")
    fn = ctx.system.certifier.functions.scheduleOracleAccreditation(oracle)
    _schedule(
        ctx,
        CERTIFIER,
        fn,
        "Scheduling an oracle accreditation",
        {"oracle": oracle},
        "oracle.accredit/1",
        {"oracle": oracle},
    )


def cmd_revoke(ctx: Any) -> None:
    oracle = parse_address(ctx.args.address, "oracle address")
    certifier = ctx.system.certifier
    if not certifier.functions.isOracle(oracle).call():
        raise UserError(f"{oracle} is not an accredited oracle", "not-oracle")
    count, quorum = certifier.functions.oracleCount().call(), certifier.functions.quorum().call()
    epoch = certifier.functions.signatureEpoch().call()
    fn = certifier.functions.revokeOracle(oracle)
    ctx.sender.simulate(fn)
    if count - 1 < quorum:
        _warn(
            f"this leaves {count - 1} accredited oracle{'s' if count - 1 != 1 else ''}, fewer than the quorum of "
            f"{quorum}: no milestone can be certified until another oracle is accredited (a delayed change) or the "
            "quorum is lowered (also delayed); pools whose deadlines pass meanwhile can be failed and refunded"
        )
    _warn(
        f"every outstanding signature becomes void (the signature epoch goes from {epoch} to {epoch + 1}): "
        "oracles must sign again; on-chain attestations of the others still count"
    )
    ctx.confirm("Revoking an oracle", {"oracle": oracle, "oracles left": count - 1, "quorum": quorum})
    receipt = ctx.sender.send(fn)
    left, epoch = certifier.functions.oracleCount().call(), certifier.functions.signatureEpoch().call()
    ctx.emit(
        "oracle.revoke/1",
        {
            "oracle": oracle,
            "oracles": left,
            "quorum": quorum,
            "below_quorum": left < quorum,
            "signature_epoch": epoch,
            "transaction": _tx_json(receipt),
        },
        f"oracle {oracle} revoked at once: its attestations no longer count; {_oracles(left)}, quorum {quorum}; "
        f"signature epoch {epoch}; tx {_tx(receipt)}",
    )


def cmd_quorum(ctx: Any) -> None:
    wanted = ctx.args.quorum
    certifier = ctx.system.certifier
    current, count = certifier.functions.quorum().call(), certifier.functions.oracleCount().call()
    if wanted == current:
        raise UserError(f"the quorum is already {current}", "same-quorum")
    if wanted > current:
        fn = certifier.functions.raiseQuorum(wanted)
        ctx.sender.simulate(fn)
        ctx.confirm("Raising the quorum", {"from": current, "to": wanted, "oracles": count})
        receipt = ctx.sender.send(fn)
        ctx.emit(
            "oracle.quorum/1",
            {
                "from": current,
                "to": wanted,
                "oracles": count,
                "immediate": True,
                "change": None,
                "transaction": _tx_json(receipt),
            },
            f"quorum raised from {current} to {wanted} of {count} oracles, at once (a higher quorum only makes "
            f"certification harder); tx {_tx(receipt)}",
        )
        return
    fn = certifier.functions.scheduleQuorumDecrease(wanted)
    _schedule(
        ctx,
        CERTIFIER,
        fn,
        "Scheduling a lower quorum",
        {"from": current, "to": wanted},
        "oracle.quorum/1",
        {"from": current, "to": wanted, "oracles": count, "immediate": False},
    )


def cmd_reviewer_accredit(ctx: Any) -> None:
    reviewer = parse_address(ctx.args.address, "reviewer address")
    fn = ctx.system.certifier.functions.accreditReviewer(reviewer)
    ctx.sender.simulate(fn)
    ctx.confirm("Accrediting a reviewer", {"reviewer": reviewer})
    receipt = ctx.sender.send(fn)
    ctx.emit(
        "reviewer.accredit/1",
        {"reviewer": reviewer, "transaction": _tx_json(receipt)},
        f"reviewer {reviewer} accredited at once: they may void a certification within its pool's challenge "
        f"window; tx {_tx(receipt)}",
    )


def cmd_reviewer_revoke(ctx: Any) -> None:
    reviewer = parse_address(ctx.args.address, "reviewer address")
    fn = ctx.system.certifier.functions.scheduleReviewerRevocation(reviewer)
    _schedule(
        ctx,
        CERTIFIER,
        fn,
        "Scheduling a reviewer's revocation",
        {"reviewer": reviewer},
        "reviewer.revoke/1",
        {"reviewer": reviewer},
    )


def cmd_beneficiary(ctx: Any) -> None:
    a = ctx.args
    wallet = parse_address(a.address, "beneficiary address")
    registry = ctx.system.registry
    if not 0 < a.site <= registry.functions.siteCount().call():
        raise UserError(f"there is no site {a.site}", "RegistryUnknownSite")
    fn = registry.functions.scheduleBeneficiaryChange(a.site, wallet)
    _schedule(
        ctx,
        REGISTRY,
        fn,
        "Scheduling a beneficiary change",
        {"site": a.site, "new beneficiary": wallet},
        "site.beneficiary/1",
        {"site_id": a.site, "beneficiary": wallet},
    )


def _schedule(
    ctx: Any,
    contract: str,
    fn: Any,
    what: str,
    details: dict[str, Any],
    schema: str,
    data: dict[str, Any],
) -> None:
    """Simulates, confirms, sends a scheduling call, then says what was scheduled, when it is due, what it opens
    (with --json: the document `schema` holding `data`, the change with the live pools it opens, the transaction)."""
    change_id = ctx.sender.simulate(fn)
    ctx.confirm(what, details)
    receipt = ctx.sender.send(fn)
    target = governance.contract_of(ctx.system, contract)
    events = target.events.ChangeScheduled().process_receipt(receipt, errors=_discard())
    change_id = events[0]["args"]["changeId"] if events else change_id
    change = governance.read_change(ctx.system, contract, change_id)
    now = ctx.system.now()
    delay = change.executable_at - now
    if ctx.json:
        affected = governance.affected_pools(ctx.system, change, governance.live_pools(ctx.system))
        data = {
            **data,
            "change": {**output.change(change, now), "pools": [output.affected_pool(ctx.system, p) for p in affected]},
        }
    ctx.emit(
        schema,
        {**data, "transaction": _tx_json(receipt)},
        f"scheduled {change.name}: {change.what}; executable from {governance.when(change, now)} by anyone "
        f"(`impact governance execute --change {change.name}`); until then the holders of {change.live_pools} may "
        f"exit (`impact exit`); tx {_tx(receipt)}",
    )
    if delay <= 0:
        _warn(f"the change is due already ({format_duration(-delay)} ago)")
