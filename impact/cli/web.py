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


def cmd_statement(ctx: Any) -> None:
    from impact.chain.accounts import parse_address
    from impact.chain.errors import UserError
    from impact.web.pages import NotFound
    from impact.web.statement import print_pdf, statement_html, write_statement

    a = ctx.args
    investor = parse_address(a.investor, "investor address")
    reader = _reader(ctx)
    try:
        try:
            view = reader.investor(investor)
        except NotFound as exc:
            raise UserError(str(exc), "not-found") from None
    finally:
        reader.index.store.close()
    out = Path(a.out or f"statement-{investor}.html")
    write_statement(statement_html(view, ctx.system.deployment.address("SiteRegistry")), out)
    lines = [f"statement of {investor} at block {view.freshness.block} written to {out}"]
    if a.pdf:
        print_pdf(out, Path(a.pdf))
        lines.append(f"PDF written to {a.pdf}")
    lines.append(f"re-check it: impact trace --investor {investor} --json")
    print("\n".join(lines))


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


def register(command: Callable[..., argparse.ArgumentParser], commands: Any, read: str) -> None:
    """Adds `impact serve` and `impact statement` to the program's parser."""
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
        "statement", "write an investor's page as one self-contained HTML file (and a PDF)", cmd_statement, kind=read
    )
    p.add_argument("--investor", required=True, metavar="ADDRESS", help="the investor (required)")
    p.add_argument("--out", metavar="FILE", help="where to write it (default: statement-<address>.html)")
    p.add_argument("--pdf", metavar="FILE", help="also print it to this PDF with Chromium (default: no PDF)")
    add_db_option(p)
    add_confirmations_option(p)
    p.set_defaults(sync_every=0.0)
