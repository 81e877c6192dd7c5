"""`impact exit`, `impact pool withdraw-credit`, `impact reviewer void`, `impact oracle finalize`: what holders,
payees, reviewers and anyone can do with the escrow's guarantees (docs/escrow.md)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from impact.chain import output
from impact.chain.encoding import format_iso, format_time, format_until
from impact.chain.errors import FAILURE, UserError
from impact.cli.argtypes import whole
from impact.programme import governance


def _discard() -> Any:
    from web3.logs import DISCARD

    return DISCARD


def _tx(receipt: Any) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()


def _tx_json(receipt: Any) -> dict[str, Any]:
    return output.transaction(receipt)


def _echo(ctx: Any) -> Any:
    """Where a sentence shown before sending goes: stdout, or stderr under --json (stdout is one document)."""
    return sys.stderr if ctx.json else sys.stdout


def register(command: Callable[..., Any], commands: Any, groups: dict[str, Any]) -> None:
    p = command(
        "exit",
        "redeem tokens of a live pool while a change affecting it is pending (for what a refund would pay now)",
        cmd_exit,
    )
    p.add_argument("--pool", type=whole(1), required=True, metavar="P", help="the pool (required)")
    p.add_argument("--tokens", type=whole(1), metavar="N", help="how many (default: all you hold)")

    p = command(
        "withdraw-credit",
        "withdraw a tranche that was credited because its payee rejected the payment (the payee, or the site's "
        "beneficiary now)",
        cmd_withdraw_credit,
        groups["pool"],
    )
    p.add_argument("--pool", type=whole(1), required=True, metavar="P", help="the pool (required)")
    p.add_argument("--milestone", type=whole(0), required=True, metavar="K", help="the milestone, from 0 (required)")

    p = command(
        "void",
        "void a certification within its challenge window, with the hash of your reasons (accredited reviewers)",
        cmd_void,
        groups["reviewer"],
    )
    p.add_argument("--pool", type=whole(1), required=True, metavar="P", help="the pool (required)")
    p.add_argument("--milestone", type=whole(0), required=True, metavar="K", help="the milestone, from 0 (required)")
    p.add_argument(
        "--reason-file", type=Path, required=True, help="the reviewer's reasons; keccak-256 of its bytes goes on chain"
    )
    p.add_argument("--reason-uri", default="", help="where the reasons are published (default: none)")

    p = command(
        "finalize",
        "certify a milestone whose on-chain attestations meet the quorum now, e.g. after it was lowered (anyone)",
        cmd_finalize,
        groups["oracle"],
    )
    p.add_argument(
        "--report",
        type=Path,
        help="assessment report (YAML/JSON); its files give the evidence hash (default: give --pool, --milestone "
        "and --evidence-hash instead)",
    )
    p.add_argument("--pool", type=whole(1), metavar="P", help="the pool (default: the report's)")
    p.add_argument("--milestone", type=whole(0), metavar="K", help="the milestone (default: the report's)")
    p.add_argument("--evidence-hash", metavar="0x…", help="the evidence's keccak-256 (default: the report's)")
    p.add_argument("--uri", help="the URI the oracles attested the evidence with (default: the report's, else empty)")


# ------------------------------------------------------------------------------------------------------------------
# Holders
# ------------------------------------------------------------------------------------------------------------------


def cmd_exit(ctx: Any) -> None:
    a = ctx.args
    system = ctx.system
    info = system.pool(a.pool)
    pools = system.pools
    if info["failure"]:
        raise UserError(
            f"pool {a.pool} has failed ({FAILURE[info['failure']]}): redeem with `impact refund --pool {a.pool}`",
            "pool-failed",
        )
    holder = ctx.signer.address
    held = pools.functions.balanceOf(holder, a.pool).call()
    tokens = held if a.tokens is None else a.tokens
    if tokens < 1:
        raise UserError(f"{holder} holds no tokens of pool {a.pool}", "no-tokens")
    if tokens > held:
        raise UserError(f"{holder} holds {held} tokens of pool {a.pool}, not {tokens}", "too-many-tokens")
    opened = [c for c in governance.pending_changes(system) if c.affects_site(info["siteId"])]
    if not opened:
        raise UserError(
            f"exits of pool {a.pool} are closed: no change affecting it is pending (exits open only while a "
            f"delayed change affecting the pool waits: a new beneficiary for site {info['siteId']}, an oracle "
            "accreditation, a lower quorum, a reviewer's revocation, a new delay)",
            "exit-closed",
        )
    fn = pools.functions.exit(a.pool, tokens)
    amount = ctx.sender.simulate(fn)
    quoted = system.money(info["asset"], amount)
    now = system.now()
    print(f"pool {a.pool}: {tokens} tokens exit for {quoted}, while {_changes_text(opened, now)}", file=_echo(ctx))
    ctx.confirm("Exiting a pool", {"pool": a.pool, "tokens": tokens, "paid back": quoted})
    receipt = ctx.sender.send(fn)
    event = pools.events.Exited().process_receipt(receipt, errors=_discard())[0]["args"]
    ctx.emit(
        "exit/1",
        {
            "pool_id": a.pool,
            "tokens": str(event["tokens"]),
            "paid": output.money(system, info["asset"], event["amount"]),
            "holder": holder,
            "opened_by": [output.change(c, now) for c in opened],
            "transaction": _tx_json(receipt),
        },
        f"exited {event['tokens']} tokens of pool {a.pool} for {system.money(info['asset'], event['amount'])}; "
        f"the pool goes on for the others; tx {_tx(receipt)}",
    )


def _changes_text(changes: list[governance.Change], now: int) -> str:
    listed = "; ".join(f"{c.name} ({c.what}, executable {governance.when(c, now)})" for c in changes)
    return f"{'these changes are' if len(changes) > 1 else 'this change is'} pending: {listed}"


def cmd_withdraw_credit(ctx: Any) -> None:
    a = ctx.args
    system = ctx.system
    info = system.pool(a.pool)
    milestone = system.milestone(a.pool, a.milestone)
    if not milestone["credited"]:
        raise UserError(
            f"no credited tranche is waiting for milestone {a.milestone} of pool {a.pool} "
            f"({'it was paid out or withdrawn' if milestone['released'] else 'its tranche has not been released'})",
            "not-credited",
        )
    fn = system.pools.functions.withdrawCredit(a.pool, a.milestone)
    amount = ctx.sender.simulate(fn)
    ctx.confirm(
        "Withdrawing a credited tranche",
        {"pool": a.pool, "milestone": a.milestone, "amount": system.money(info["asset"], amount)},
    )
    receipt = ctx.sender.send(fn)
    event = system.pools.events.CreditWithdrawn().process_receipt(receipt, errors=_discard())[0]["args"]
    ctx.emit(
        "pool.withdraw-credit/1",
        {
            "pool_id": a.pool,
            "milestone_id": a.milestone,
            "amount": output.money(system, info["asset"], event["amount"]),
            "account": event["account"],
            "transaction": _tx_json(receipt),
        },
        f"withdrew the credited tranche of milestone {a.milestone} of pool {a.pool}: "
        f"{system.money(info['asset'], event['amount'])} to {event['account']}; tx {_tx(receipt)}",
    )


# ------------------------------------------------------------------------------------------------------------------
# Reviewers
# ------------------------------------------------------------------------------------------------------------------


def cmd_void(ctx: Any) -> None:
    a = ctx.args
    system = ctx.system
    try:
        reasons = a.reason_file.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {a.reason_file}: {exc.strerror}", "os-error") from None
    if not reasons.strip():
        raise UserError(f"{a.reason_file} is empty: a void needs the reviewer's reasons", "empty-reasons")
    from eth_utils import keccak

    reason_hash = keccak(reasons)
    info = system.pool(a.pool)
    milestone = system.milestone(a.pool, a.milestone)
    reviewer = ctx.signer.address
    if not system.certifier.functions.isReviewer(reviewer).call():
        raise UserError(f"{reviewer} is not an accredited reviewer", "not-reviewer")
    if not milestone["certified"]:
        raise UserError(
            f"milestone {a.milestone} of pool {a.pool} is not certified: there is nothing to void", "not-certified"
        )
    ends = milestone["challengeEndsAt"]
    opened = ends - info["challengeWindow"]
    if milestone["finalized"]:
        raise UserError(
            f"the challenge window of milestone {a.milestone} of pool {a.pool} ran from {format_iso(opened)} to "
            f"{format_iso(ends)}: its certification is final and can no longer be voided",
            "challenge-window-passed",
        )
    fn = system.certifier.functions.voidCertification(a.pool, a.milestone, reason_hash, a.reason_uri)
    ctx.sender.simulate(fn)
    ctx.confirm(
        "Voiding a certification",
        {"pool": a.pool, "milestone": a.milestone, "reasons": "0x" + reason_hash.hex(), "reasons URI": a.reason_uri},
    )
    receipt = ctx.sender.send(fn)
    voided = system.pools.events.CertificationVoided().process_receipt(receipt, errors=_discard())
    voided = sorted((e["args"] for e in voided), key=lambda e: e["milestoneId"])
    first, later = voided[0], voided[1:]
    also = ""
    if later:
        also = " and of " + ", ".join(
            f"milestone {e['milestoneId']} (evidence 0x{bytes(e['evidenceHash']).hex()})" for e in later
        )
        also += ", certified since"
    deadline = milestone["deadline"] + info["pausedTime"]
    ctx.emit(
        "reviewer.void/1",
        {
            "pool_id": a.pool,
            "milestone_id": a.milestone,
            "reviewer": reviewer,
            "reason_hash": "0x" + reason_hash.hex(),
            "reason_uri": output.nothing(a.reason_uri),
            "voided": [
                {"milestone_id": e["milestoneId"], "evidence_hash": "0x" + bytes(e["evidenceHash"]).hex()}
                for e in voided
            ],
            "challenge_ends_at": output.time(ends),
            "deadline": output.time(deadline),
            "transaction": _tx_json(receipt),
        },
        f"voided the certification of milestone {a.milestone} of pool {a.pool} (evidence "
        f"0x{bytes(first['evidenceHash']).hex()}){also}, within its window (until {format_iso(ends)}); reasons "
        f"0x{reason_hash.hex()} (keccak-256 of {a.reason_file.name}){' at ' + a.reason_uri if a.reason_uri else ''}; "
        f"the voided evidence can never certify it again: the oracles certify it anew with new evidence before "
        f"{format_time(deadline)}; tx {_tx(receipt)}",
    )


# ------------------------------------------------------------------------------------------------------------------
# Anyone
# ------------------------------------------------------------------------------------------------------------------


def cmd_finalize(ctx: Any) -> None:
    from impact.cli.oracle import evidence_from_args

    chosen = evidence_from_args(ctx.args, empty_uri=True)
    pool_id, milestone_id, evidence, uri = chosen.pool_id, chosen.milestone_id, chosen.evidence, chosen.uri
    system = ctx.system
    system.milestone(pool_id, milestone_id)
    certifier = system.certifier
    count = certifier.functions.attestationCount(pool_id, milestone_id, evidence, uri).call()
    quorum = certifier.functions.quorum().call()
    if count < quorum:
        # Oracles back a hash and its URI together: the same hash with another URI has attestations of its own.
        raise UserError(
            f"evidence 0x{evidence.hex()} with {f'URI {uri}' if uri else 'no URI'} of milestone {milestone_id} of "
            f"pool {pool_id} has {count} on-chain attestation{'s' if count != 1 else ''} by accredited oracles in "
            f"this round; the quorum is {quorum}",
            "below-quorum",
        )
    fn = certifier.functions.finalizeAttestations(pool_id, milestone_id, evidence, uri)
    ctx.sender.simulate(fn)
    ctx.confirm("Finalizing attestations", {"pool": pool_id, "milestone": milestone_id, "attestations": count})
    receipt = ctx.sender.send(fn)
    certified = system.pools.events.MilestoneCertified().process_receipt(receipt, errors=_discard())[0]["args"]
    ctx.emit(
        "oracle.finalize/1",
        {
            "pool_id": pool_id,
            "milestone_id": milestone_id,
            "evidence_hash": "0x" + evidence.hex(),
            "evidence_uri": output.nothing(uri),
            "attestations": count,
            "quorum": quorum,
            "payee": certified["payee"],
            "challenge_ends_at": output.time(certified["challengeEndsAt"]),
            "transaction": _tx_json(receipt),
        },
        f"certified milestone {milestone_id} of pool {pool_id} from {count} on-chain attestations of evidence "
        f"0x{evidence.hex()} (quorum {quorum}); payee {certified['payee']}; challenge window until "
        f"{format_until(certified['challengeEndsAt'], system.now())}; tx {_tx(receipt)}",
    )
