"""The index on a real chain and real databases (each test runs on SQLite and on PostgreSQL): a trace from the index
is the direct trace, field for field; the tables hold what the ABIs describe; syncs are incremental and cheap when
there is nothing new; blocks newer than the confirmations are marked unconfirmed."""

from __future__ import annotations

import json
from dataclasses import asdict

from conftest import open_index

from impact.chain.logs import LogFetcher
from impact.index import schema
from impact.index.source import IndexSource
from impact.index.sync import Syncer
from impact.trace.tracer import Tracer


def traces(world, source_factory) -> dict:
    """Every investor's and pool's trace, and every purchase's lot, through sources made by `source_factory`."""
    found = {}
    for investor in world.investors:
        with source_factory() as source:
            found[("investor", investor)] = asdict(Tracer(world.system, source).investor(investor))
    for pool_id in world.pool_ids:
        with source_factory() as source:
            found[("pool", pool_id)] = asdict(Tracer(world.system, source).pool(pool_id))
    purchases = world.pools.events.TokensPurchased().get_logs(from_block=world.deployment.block)
    for log in purchases:
        with source_factory() as source:
            tx = "0x" + bytes(log["transactionHash"]).hex()
            found[("lot", tx)] = asdict(Tracer(world.system, source).lot(tx))
    return found


class _Direct:
    def __init__(self, w3):
        self.fetcher = LogFetcher(w3)

    def __enter__(self):
        return self.fetcher

    def __exit__(self, *exc):
        pass


def test_a_trace_from_the_index_is_the_direct_trace_field_for_field(world, target):
    index = open_index(world, target)
    Syncer(index, confirmations=2, chunk=5).sync()
    direct = traces(world, lambda: _Direct(world.w3))
    indexed = traces(world, lambda: IndexSource(index, LogFetcher(world.w3)))
    assert len(direct) == len(world.investors) + len(world.pool_ids) + 5
    assert indexed == direct


def test_a_synced_index_answers_a_trace_without_asking_the_node_for_logs(world, target):
    index = open_index(world, target)
    Syncer(index).sync()
    with IndexSource(index, LogFetcher(world.w3)) as source:
        Tracer(world.system, source).investor(world.investors[0])
        assert source.requests == 0
        assert source.queries >= 4


def test_impact_trace_prints_the_same_text_and_json_from_the_index_and_directly(impact, target):
    investor = impact.world.investors[0]
    for form in ([], ["--json"]):
        direct = impact.ok("trace", "--investor", investor, "--direct", *form)
        assert impact.ok("trace", "--investor", investor, "--db", target, *form) == direct  # syncs first
        assert impact.ok("trace", "--investor", investor, "--db", target, "--no-sync", *form) == direct
    pool = impact.ok("trace", "--pool", "1", "--direct", "--json")
    assert impact.ok("trace", "--pool", "1", "--db", target, "--json") == pool


def test_an_index_behind_the_chain_reads_the_missing_blocks_from_the_node(world, target):
    """--no-sync on an index that is behind still gives the exact trace: the blocks after its head come from the
    node."""
    index = open_index(world, target)
    Syncer(index).sync()
    snapshot = world.snapshot()
    try:
        a, b = world.investors[:2]
        assert world.transfer(a, b, world.pool_ids[0], 1)
        direct = asdict(Tracer(world.system, LogFetcher(world.w3)).investor(a))
        with IndexSource(index, LogFetcher(world.w3)) as source:
            assert asdict(Tracer(world.system, source).investor(a)) == direct
            assert source.requests > 0  # the newest block, from the node
    finally:
        world.revert(snapshot)


def test_every_event_of_every_abi_has_its_table_and_each_log_its_row(world, target):
    index = open_index(world, target)
    Syncer(index).sync()
    tables = {t.name for t in schema.event_tables()}
    assert {"pools_tokens_purchased", "pools_exited", "pools_certification_voided", "registry_change_scheduled"} <= (
        tables
    )
    assert tables <= index.store.table_names()
    counts = index.counts()
    logs = world.w3.eth.get_logs(
        {
            "address": [world.deployment.address(n) for n in ("SiteRegistry", "ImpactPools", "MilestoneCertifier")],
            "fromBlock": world.deployment.block,
            "toBlock": "latest",
        }
    )
    assert counts["logs"] == len(logs)
    assert sum(counts[name] for name in tables) == len(logs)  # every log of ours decoded into its event's table
    assert counts["blocks"] == len({log["blockNumber"] for log in logs})
    exited = index.rows(index.table("ImpactPools", "Exited"))
    assert [(r["pool_id"], r["holder"], r["tokens"]) for r in exited] == [(1, world.investors[2], 5)]
    purchases = index.rows(index.table("ImpactPools", "TokensPurchased"))
    assert [(r["buyer"], r["recipient"], r["tokens"]) for r in purchases][:2] == [
        (world.investors[0], world.investors[0], 40),
        (world.investors[1], world.investors[2], 30),
    ]
    assert all(r["amount_paid"] == r["tokens"] * 10**15 for r in purchases)


def test_a_batch_transfer_is_one_row_per_entry_even_when_it_names_an_id_twice(world, target):
    index = open_index(world, target)
    Syncer(index).sync()
    batch = [r for r in index.rows(schema.TOKEN_TRANSFERS) if r["batch"]]
    assert [(r["entry"], r["token_id"], r["value"]) for r in batch] == [(0, 1, 2), (1, 1, 3), (2, 2, 4)]
    assert len({(r["block_number"], r["log_index"]) for r in batch}) == 1
    (raw,) = index.rows(index.table("ImpactPools", "TransferBatch"))
    assert json.loads(raw["ids"]) == [1, 1, 2] and json.loads(raw["values"]) == [2, 3, 4]


def test_sqlite_and_postgresql_indexes_of_one_chain_are_equal_table_for_table(world, tmp_path, postgres):
    digests = []
    for target in (str(tmp_path / "index.sqlite"), postgres.new_database()):
        index = open_index(world, target)
        Syncer(index, chunk=3).sync()
        digests.append(index.digest())
    assert digests[0] == digests[1]


def test_an_up_to_date_sync_asks_the_node_one_question(world, target):
    index = open_index(world, target)
    Syncer(index).sync()
    again = Syncer(index)
    report = again.sync()
    assert (report.blocks, report.logs, again.requests) == (0, 0, 1)


def test_a_sync_fetches_only_the_blocks_after_its_cursor(world, target):
    index = open_index(world, target)
    first = Syncer(index).sync()
    snapshot = world.snapshot()
    try:
        a, b = world.investors[:2]
        assert world.transfer(a, b, world.pool_ids[0], 1)
        syncer = Syncer(index)
        report = syncer.sync()
        assert (report.first, report.synced_to, report.logs) == (first.synced_to + 1, first.synced_to + 1, 1)
        assert syncer.requests == 3  # the head; the new block's logs; their headers
    finally:
        world.revert(snapshot)


def test_blocks_newer_than_the_confirmations_are_marked_unconfirmed_until_they_are_deep_enough(world, target):
    index = open_index(world, target)
    snapshot = world.snapshot()
    try:
        a, b = world.investors[:2]
        assert world.transfer(a, b, world.pool_ids[0], 1)
        head = world.w3.eth.block_number
        Syncer(index, confirmations=3).sync()
        state = index.state()
        assert (state.synced_to, state.final_to) == (head, head - 3)
        assert index.unconfirmed([head, head - 3]) == [head]
        flags = {r["number"]: r["confirmed"] for r in index.rows(schema.BLOCKS)}
        assert flags[head] is False and all(flags[n] for n in flags if n <= head - 3)
        world.mine(3)
        Syncer(index, confirmations=3).sync()
        assert index.unconfirmed([head]) == []
        assert all(r["confirmed"] for r in index.rows(schema.BLOCKS))
    finally:
        world.revert(snapshot)


def test_the_trace_names_its_unconfirmed_blocks_on_stderr_only(impact, target):
    investor = impact.world.investors[0]
    direct = impact.ok("trace", "--investor", investor, "--direct")
    deep = impact("trace", "--investor", investor, "--db", target, "--confirmations", "1000")
    assert deep.code == 0 and deep.out == direct
    assert "of this trace were fewer than 1000 blocks deep when indexed and may still change" in deep.err
    shallow = impact("trace", "--investor", investor, "--db", target, "--confirmations", "0")
    assert shallow.out == direct and shallow.err == ""


def test_impact_index_sync_and_status_say_where_the_index_is_and_how_far_it_is(impact, backend, target):
    out = impact.ok("index", "sync", "--db", target, "--chunk", "4")
    assert out.startswith("index ") and " synced (" in out
    assert "up to date at block" in impact.ok("index", "sync", "--db", target)
    status = json.loads(impact.ok("index", "status", "--db", target, "--json"))
    assert status["kind"] == backend and status["synced_to"] == status["node_head"]
    assert status["rows"]["pools_tokens_purchased"] == 5


def test_the_default_index_is_a_sqlite_file_beside_the_deployments_file(impact):
    impact.ok("index", "sync")
    registry = impact.world.deployment.address("SiteRegistry").lower()
    path = impact.folder / f"{impact.world.deployment.chain_id}-{registry}.index.sqlite"
    assert path.exists()
    assert json.loads(impact.ok("index", "status", "--json"))["database"] == str(path)
    env_db = impact.folder / "elsewhere.sqlite"
    impact.env["IMPACT_INDEX_DB"] = str(env_db)
    impact.ok("index", "sync")
    assert env_db.exists()
