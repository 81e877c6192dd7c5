"""`impact index …` and the index's part of `impact trace`: where the index lives, syncing it, reading from it.

    impact index sync [--db TARGET] [--chunk N] [--confirmations N]
    impact index status [--db TARGET] [--json]
    impact index rebuild [--db TARGET]
    impact trace … [--direct | --no-sync] [--db TARGET]

TARGET is a SQLite file or a postgresql:// URL; default `$IMPACT_INDEX_DB`, else
`<deployments folder>/<chain id>-<registry address>.index.sqlite`, beside the deployments file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from impact.cli.argtypes import whole

# The database and web3 modules are imported by the commands, not when the parser is built: `impact --help` must
# stay quick.
if TYPE_CHECKING:
    from impact.chain.logs import LogSource
    from impact.index.database import EventIndex
    from impact.index.sync import Syncer

MAX_CHUNK = 100_000  # impact.index.sync.MAX_CHUNK, for the help text


def target(ctx: Any) -> str:
    """Where this deployment's index lives: --db, $IMPACT_INDEX_DB, or the file beside the deployments file."""
    from impact.chain import deployments
    from impact.index.store import default_sqlite_path, environment_target

    given = getattr(ctx.args, "db", None) or environment_target()
    if given:
        return given
    deployment = ctx.system.deployment
    return str(
        default_sqlite_path(deployments.deployments_dir(), deployment.chain_id, deployment.address("SiteRegistry"))
    )


def open_index(ctx: Any) -> EventIndex:
    from impact.index.database import EventIndex
    from impact.index.store import open_store

    return EventIndex.open(open_store(target(ctx)), ctx.system.deployment, ctx.w3)


def syncer(ctx: Any, index: EventIndex, progress: bool) -> Syncer:
    from impact.index.sync import Syncer

    chunk = getattr(ctx.args, "chunk", None) or MAX_CHUNK
    return Syncer(index, confirmations=max(0, ctx.args.confirmations), chunk=chunk, progress=progress)


# ------------------------------------------------------------------------------------------------------------------
# impact index …
# ------------------------------------------------------------------------------------------------------------------


def cmd_index_sync(ctx: Any) -> None:
    index = open_index(ctx)
    try:
        report = syncer(ctx, index, progress=not ctx.args.json and sys.stderr.isatty()).sync(wait=True)
    finally:
        index.store.close()
    if ctx.args.json:
        print(json.dumps({**asdict(report), "blocks": report.blocks}, indent=2))
    elif report.blocks == 0:
        print(f"index {report.where}: up to date at block {report.synced_to} (final up to {report.final_to})")
    else:
        print(
            f"index {report.where}: blocks {report.first:,}–{report.synced_to:,} synced ({report.logs:,} logs in "
            f"{report.blocks_with_logs:,} blocks, {report.requests} requests, {report.seconds:.2f} s); "
            f"final up to {report.final_to:,}"
        )


def cmd_index_rebuild(ctx: Any) -> None:
    index = open_index(ctx)
    try:
        index.rebuild()
        report = syncer(ctx, index, progress=sys.stderr.isatty()).sync(wait=True)
    finally:
        index.store.close()
    print(
        f"index {report.where}: rebuilt, blocks {report.first:,}–{report.synced_to:,} synced ({report.logs:,} logs, "
        f"{report.seconds:.2f} s)"
    )


def cmd_index_status(ctx: Any) -> None:
    from impact.index import schema

    index = open_index(ctx)
    try:
        state = index.state()
        counts = index.counts()
    finally:
        index.store.close()
    head = ctx.w3.eth.block_number
    status = {
        "database": index.store.where,
        "kind": index.store.kind,
        "schema_version": schema.SCHEMA_VERSION,
        "abi_fingerprint": schema.fingerprint(),
        "chain_id": index.deployment.chain_id,
        "start_block": index.start,
        "synced_to": state.synced_to,
        "final_to": state.final_to,
        "node_head": head,
        "rows": counts,
    }
    if ctx.args.json:
        print(json.dumps(status, indent=2))
        return
    events = {k: v for k, v in counts.items() if k not in ("logs", "blocks", "token_transfers") and v}
    behind = f", {head - state.synced_to:,} blocks behind the node" if head > state.synced_to else ""
    print(
        f"index {index.store.where} ({index.store.kind}, schema {schema.SCHEMA_VERSION}): blocks {index.start:,}–"
        f"{state.synced_to:,} of chain {index.deployment.chain_id}{behind}; final up to {state.final_to:,}; "
        f"{counts['logs']:,} logs in {counts['blocks']:,} blocks, {counts['token_transfers']:,} token transfer "
        f"entries; " + ", ".join(f"{k} {v:,}" for k, v in sorted(events.items()))
    )


def register(command: Callable[..., argparse.ArgumentParser], commands: Any, read: str) -> None:
    """Adds `impact index …` to the program's parser (`read`: the program's kind of a read-only command)."""
    index = commands.add_parser("index", help="the event index that traces read from (SQLite or PostgreSQL)")
    sub = index.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    p = command("sync", "fetch the deployment's new logs into the index", cmd_index_sync, sub, kind=read)
    add_db_option(p)
    add_confirmations_option(p)
    p.add_argument("--chunk", type=_at_least_one, help=f"blocks per log request at most (default: {MAX_CHUNK:,})")
    p = command("status", "where the index is, how far it is synced, what it holds", cmd_index_status, sub, kind=read)
    add_db_option(p)
    p = command(
        "rebuild", "empty the index and sync it again from the deployment block", cmd_index_rebuild, sub, kind=read
    )
    add_db_option(p)
    add_confirmations_option(p)
    p.add_argument("--chunk", type=_at_least_one, help=f"blocks per log request at most (default: {MAX_CHUNK:,})")


def add_confirmations_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--confirmations",
        type=whole(0),
        default=2,
        metavar="N",
        help="blocks at least this deep count as final; newer ones are marked unconfirmed (default: 2; 0: every "
        "block counts as final at once)",
    )


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="TARGET",
        help="the index: a SQLite file or a postgresql:// URL (default $IMPACT_INDEX_DB, else a file beside the "
        "deployments file)",
    )


_at_least_one = whole(1)


# ------------------------------------------------------------------------------------------------------------------
# impact trace
# ------------------------------------------------------------------------------------------------------------------


def add_trace_options(p: argparse.ArgumentParser) -> None:
    how = p.add_mutually_exclusive_group()
    how.add_argument("--direct", action="store_true", help="read the node directly, not the index")
    how.add_argument("--no-sync", action="store_true", help="read the index as it is (newer blocks from the node)")
    add_db_option(p)
    add_confirmations_option(p)


@contextmanager
def trace_source(ctx: Any, progress: bool) -> Iterator[LogSource]:
    """The source a trace reads: the node (`--direct`), or the index, synced first unless `--no-sync` (a sync
    already running elsewhere is not waited for: the blocks it has not committed are read from the node)."""
    from impact.chain.logs import LogFetcher
    from impact.index.source import IndexSource

    direct = LogFetcher(ctx.w3, progress=progress)
    if ctx.args.direct:
        yield direct
        return
    index = open_index(ctx)
    try:
        if not ctx.args.no_sync:
            syncer(ctx, index, progress).sync(wait=False)
        with IndexSource(index, direct) as source:
            yield source
    finally:
        index.store.close()


def unconfirmed_note(source: LogSource, result: Any, confirmations: int) -> str | None:
    """A sentence naming the blocks of this trace that the index had not yet seen `confirmations` deep."""
    from impact.index.source import IndexSource, blocks_of

    if not isinstance(source, IndexSource):
        return None
    blocks = source.unconfirmed(blocks_of(asdict(result)))
    if not blocks:
        return None
    listed = ", ".join(f"{b:,}" for b in blocks[:5]) + ("…" if len(blocks) > 5 else "")
    return (
        f"note: block{'s' if len(blocks) > 1 else ''} {listed} of this trace {'were' if len(blocks) > 1 else 'was'} "
        f"fewer than {confirmations} blocks deep when indexed and may still change"
    )
