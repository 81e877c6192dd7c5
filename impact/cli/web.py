"""`impact serve` and `impact statement`: what investors look at (impact.web).

    impact serve [--host 127.0.0.1] [--port 8000] [--db TARGET] [--sync-every S] [--explorer URL]
    impact statement --investor A [--out FILE.html] [--pdf FILE.pdf] [--db TARGET]

Both read the index (synced first, as `impact trace` does). Starlette, Jinja2 and uvicorn are imported by the
handlers only: `impact --help` must stay quick.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8000
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _reader(ctx: Any) -> Any:
    from impact.cli.index import open_index
    from impact.web.pages import Reader

    index = open_index(ctx)
    return Reader(ctx.system, index, confirmations=ctx.args.confirmations, sync_every=ctx.args.sync_every)


def cmd_serve(ctx: Any) -> None:
    import uvicorn

    from impact.chain.errors import UserError
    from impact.web.app import create_app
    from impact.web.render import EXPLORERS, is_linkable

    a = ctx.args
    explorer = a.explorer or EXPLORERS.get(ctx.net.chain_id)
    if a.explorer and ("{tx}" not in a.explorer or not is_linkable(a.explorer.replace("{tx}", "0x"))):
        raise UserError(f"--explorer must be an https URL with {{tx}} in it, not {a.explorer!r}", "bad-value")
    _check_port(a.host, a.port)
    reader = _reader(ctx)
    try:
        reader.overview()  # the first sync, before the first visitor waits for it; fails here, in one line
        if a.host not in LOOPBACK:
            print(f"warning: serving on {a.host}, reachable from other machines; the pages are public", file=sys.stderr)
        shown = f"[{a.host}]" if ":" in a.host else a.host
        print(
            f"serving http://{shown}:{a.port}/ for {ctx.net.describe()} (index {reader.index.store.where};"
            " read-only: no keys, no writes); Ctrl-C stops",
            flush=True,
        )
        config = uvicorn.Config(create_app(reader, explorer), host=a.host, port=a.port, log_level="warning")
        server = uvicorn.Server(config)
        server.run()
        if not server.started:
            raise UserError(f"could not listen on {a.host}:{a.port} (is the port taken?)", "port-taken")
    finally:
        reader.index.store.close()


def _check_port(host: str, port: int) -> None:
    """One sentence when the address cannot be listened on (uvicorn would log a traceback-like error first)."""
    import socket

    from impact.chain.errors import UserError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UserError(f"--host {host} is not an address this machine knows ({exc.strerror})", "bad-value") from None
    family, kind, _, _, address = infos[0]
    with socket.socket(family, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a closed socket's port is free
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(
                f"cannot listen on {host}:{port} ({exc.strerror}): is another server using it? give another --port",
                "port-taken",
            ) from None


def cmd_statement(ctx: Any) -> None:
    from impact.chain.accounts import parse_address
    from impact.chain.errors import UserError
    from impact.web.pages import NotFound
    from impact.web.render import contract_names
    from impact.web.statement import certificate_html, print_pdf, statement_html, write_statement

    a = ctx.args
    names = contract_names(ctx.system)
    registry = ctx.system.deployment.address("SiteRegistry")
    investor = parse_address(a.investor, "investor address") if a.investor else None
    reader = _reader(ctx)
    try:
        try:
            view = reader.investor(investor) if investor else reader.claim(a.claim)
        except NotFound as exc:
            raise UserError(str(exc), "not-found") from None
    finally:
        reader.index.store.close()
    if investor:
        out = Path(a.out or f"statement-{investor}.html")
        write_statement(statement_html(view, registry, names=names), out)
        lines = [f"statement of {investor} at block {view.freshness.block} written to {out}"]
        recheck = f"impact trace --investor {investor} --json"
    else:
        out = Path(a.out or f"claim-{a.claim}.html")
        write_statement(certificate_html(view, registry, ctx.system.claims.address, names=names), out)
        lines = [f"certificate of claim {a.claim} at block {view.freshness.block} written to {out}"]
        recheck = f"impact claim show --claim {a.claim}"
    if a.pdf:
        print_pdf(out, Path(a.pdf))
        lines.append(f"PDF written to {a.pdf}")
    lines.append(f"re-check it: {recheck}")
    print("\n".join(lines))


def cmd_claim_make(ctx: Any) -> None:
    """Claims (retires) tokens of a complete pool for a beneficiary: they go to ImpactClaims and never move again."""
    from eth_abi import encode

    from impact.chain.errors import UserError
    from impact.chain.output import plural

    a = ctx.args
    claims, pools = ctx.system.claims, ctx.system.pools
    ctx.system.pool(a.pool)  # an unknown pool is one sentence
    holder = ctx.signer.address
    held = pools.functions.balanceOf(holder, a.pool).call()
    tokens = held if a.tokens is None else a.tokens
    if held < 1:
        raise UserError(f"{holder} holds no tokens of pool {a.pool}", "no-tokens")
    if tokens > held:
        raise UserError(f"{holder} holds {plural(held, 'token')} of pool {a.pool}, not {tokens}", "too-many-tokens")
    data = encode(["string", "string"], [a.beneficiary, a.reason])
    fn = pools.functions.safeTransferFrom(holder, claims.address, a.pool, tokens, data)
    ctx.sender.simulate(fn)  # an incomplete or failed pool, a missing beneficiary: the contract's sentence
    ctx.confirm(
        "Claiming impact (the tokens are retired for good)",
        {"pool": a.pool, "tokens": tokens, "for": a.beneficiary, "reason": a.reason},
    )
    receipt = ctx.sender.send(fn)
    event = claims.events.ImpactClaimed().process_receipt(receipt, errors=_discard())[0]["args"]
    ctx.emit(
        "claim/1",
        {
            "claim_id": event["claimId"],
            "pool_id": a.pool,
            "tokens": str(event["tokens"]),
            "claimant": event["claimant"],
            "beneficiary": event["beneficiary"],
            "reason": event["reason"],
            "evidence_hashes": ["0x" + bytes(h).hex() for h in event["evidenceHashes"]],
            "transaction": _tx_json(receipt),
        },
        f"claim {event['claimId']}: {plural(event['tokens'], 'token')} of pool {a.pool} claimed for "
        f"{event['beneficiary']} and retired for good; tx 0x{bytes(receipt['transactionHash']).hex()}; its "
        f"certificate: impact statement --claim {event['claimId']}",
    )


def cmd_claim_show(ctx: Any) -> None:
    import json

    from impact.chain.errors import UserError
    from impact.web.pages import NotFound

    reader = _reader(ctx)
    try:
        try:
            view = reader.claim(ctx.args.claim)
        except NotFound as exc:
            raise UserError(str(exc), "ClaimsUnknownClaim") from None
    finally:
        reader.index.store.close()
    claim = view.doc["claims"][view.claim_index]
    if ctx.args.json:
        print(json.dumps({"schema": "impact.claim.show/1", "network": ctx.network_json(), "claim": claim}, indent=2))
        return
    lines = [
        f"claim {claim['claim_id']}: {claim['tokens']} tokens of pool {claim['pool_id']} ({claim['site']}) claimed "
        f"{claim['time']} by {claim['claimant']} for {claim['beneficiary']}",
        f"  reason: {claim['reason']}",
        f"  financed: {claim['financed']['text']}, every milestone certified and final; tx {claim['tx']}",
    ]
    lines += [
        f"  milestone {m['milestone_id']} {m['standard_ref']}: evidence {m['evidence_hash']}"
        + (f" at {m['evidence_uri']}" if m["evidence_uri"] else "")
        for m in claim["milestones"]
    ]
    print("\n".join(lines))


def _discard() -> Any:
    from web3.logs import DISCARD

    return DISCARD


def _tx_json(receipt: Any) -> dict[str, Any]:
    from impact.chain.output import transaction

    return transaction(receipt)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number, not {text!r}") from None
    if not 0 < value < 65_536:
        raise argparse.ArgumentTypeError("must be a port number from 1 to 65535")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {text!r}") from None
    if not 0 <= value <= 86_400:
        raise argparse.ArgumentTypeError("must be 0 to 86400 seconds")
    return value


def _whole(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1, not {text!r}")
    return int(text)


def register(command: Callable[..., argparse.ArgumentParser], commands: Any, read: str, send: str = "send") -> None:
    """Adds `impact serve`, `impact statement` and `impact claim …` to the program's parser."""
    from impact.cli.index import add_confirmations_option, add_db_option

    p = command(
        "serve", "serve read-only web pages of investors, pools and sites, from the index", cmd_serve, kind=read
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default: 127.0.0.1, this machine only; anything else makes the pages public)",
    )
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"the port (default: {DEFAULT_PORT})")
    p.add_argument(
        "--sync-every",
        type=_seconds,
        default=5.0,
        metavar="S",
        help="a request syncs the index first when its last sync is older than this (default: 5)",
    )
    p.add_argument(
        "--explorer",
        metavar="URL",
        help="link transactions to this https URL, {tx} standing for the hash (default: the chain's public "
        "explorer; none on a local chain)",
    )
    add_db_option(p)
    add_confirmations_option(p)

    p = command(
        "statement",
        "write an investor's page, or a claim's certificate, as one self-contained HTML file (and a PDF)",
        cmd_statement,
        kind=read,
    )
    whose = p.add_mutually_exclusive_group(required=True)
    whose.add_argument("--investor", metavar="ADDRESS", help="an investor's statement (this or --claim is required)")
    whose.add_argument("--claim", type=_whole, metavar="K", help="an impact claim's certificate")
    p.add_argument(
        "--out", metavar="FILE", help="where to write it (default: statement-<address>.html or claim-<K>.html)"
    )
    p.add_argument("--pdf", metavar="FILE", help="also print it to this PDF with Chromium (default: no PDF)")
    add_db_option(p)
    add_confirmations_option(p)
    p.set_defaults(sync_every=0.0)

    claim = commands.add_parser(
        "claim",
        help="claim the impact your tokens financed (they are retired for good)",
        description="claim the impact your tokens financed (they are retired for good), and show claims",
    )
    sub = claim.add_subparsers(dest="claim_command", required=True, metavar="ACTION")
    p = command(
        "make",
        "claim tokens of a pool whose milestones are all certified and final, for a beneficiary: they are retired",
        cmd_claim_make,
        sub,
        kind=send,
    )
    p.add_argument("--pool", type=_whole, required=True, metavar="P", help="the pool (required)")
    p.add_argument("--tokens", type=_whole, metavar="N", help="how many (default: all you hold)")
    p.add_argument(
        "--for", dest="beneficiary", required=True, metavar="NAME", help="for whom the impact is claimed (required)"
    )
    p.add_argument("--reason", required=True, help="why, e.g. the report it is for (required)")
    what = "an impact claim: for whom, why, what it financed, the evidence it rests on"
    p = command("show", what, cmd_claim_show, sub, kind=read)
    p.add_argument("--claim", type=_whole, required=True, metavar="K", help="the claim (required)")
    add_db_option(p)
    add_confirmations_option(p)
    p.set_defaults(sync_every=0.0)
