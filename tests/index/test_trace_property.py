"""Property: over random histories, every trace from the index equals the direct trace, field for field.

Each example starts from the same snapshot and plays random actions (purchases, single and batch transfers,
certifications, voids, releases, time passing, failures, refunds, exits). The index is kept from one example to the
next while the chain is reverted under it, so every example after the first is also a reorganisation the index must
undo before it can answer.
"""

from __future__ import annotations

from dataclasses import asdict

import pytest
from conftest import open_index
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impact.chain.logs import LogFetcher, topic0
from impact.index.source import IndexSource
from impact.index.sync import Syncer
from impact.trace.tracer import Tracer

DAY = 86_400
actor = st.integers(0, 3)
pool = st.integers(0, 2)
amount = st.integers(1, 40)
action = st.one_of(
    st.tuples(st.just("buy"), actor, actor, pool, amount),
    st.tuples(st.just("transfer"), actor, actor, pool, amount),
    st.tuples(st.just("batch"), actor, actor, st.lists(st.tuples(pool, st.integers(1, 5)), min_size=1, max_size=3)),
    st.tuples(st.just("certify"), pool, st.integers(0, 1)),
    st.tuples(st.just("void"), pool, st.integers(0, 1)),
    st.tuples(st.just("release"), pool, st.integers(0, 1)),
    st.tuples(st.just("warp"), st.sampled_from([DAY, 40 * DAY])),
    st.tuples(st.just("fail"), pool),
    st.tuples(st.just("refund"), actor, pool, amount),
    st.tuples(st.just("exit"), actor, pool, amount),
)


@pytest.fixture(scope="module")
def stage(world):
    """Three fresh pools (one sells out fast, one has a challenge window) and a snapshot to start each example from."""
    pools = [
        world.open_pool(goal=5, cap=60, milestones=2),
        world.open_pool(goal=5, cap=500, milestones=2, challenge_window=DAY, sale_days=2),
        world.open_pool(goal=200, cap=400, milestones=1, sale_days=3),
    ]
    assert world.schedule_beneficiary_change()  # holders may exit while it waits
    return {"pools": pools, "snapshot": world.snapshot()}  # each test leaves a fresh snapshot of the same state


def play(world, pools, step) -> None:
    kind, *args = step
    people = world.investors
    if kind == "buy":
        who, recipient, p, tokens = args
        world.buy(people[who], pools[p], tokens, people[recipient])
    elif kind == "transfer":
        who, to, p, tokens = args
        world.transfer(people[who], people[to], pools[p], tokens)
    elif kind == "batch":
        who, to, entries = args
        world.batch_transfer(people[who], people[to], [pools[p] for p, _ in entries], [v for _, v in entries])
    elif kind == "certify":
        world.certify(pools[args[0]], args[1])
    elif kind == "void":
        world.void(pools[args[0]], args[1])
    elif kind == "release":
        world.release(pools[args[0]], args[1])
    elif kind == "warp":
        world.warp(args[0])
    elif kind == "fail":
        world.fail(pools[args[0]])
    elif kind == "refund":
        who, p, tokens = args
        world.refund(people[who], pools[p], tokens)
    elif kind == "exit":
        who, p, tokens = args
        world.exit(people[who], pools[p], tokens)


def all_traces(world, pools, make_source) -> dict:
    found = {}
    for who in world.investors:
        with make_source() as source:
            found[who] = asdict(Tracer(world.system, source).investor(who))
    for pool_id in pools:
        with make_source() as source:
            found[pool_id] = asdict(Tracer(world.system, source).pool(pool_id))
    purchases = world.w3.eth.get_logs(
        {"address": world.pools.address, "topics": [topic0("ImpactPools", "TokensPurchased")], "fromBlock": 0}
    )
    for log in purchases[-6:]:
        tx = "0x" + bytes(log["transactionHash"]).hex()
        with make_source() as source:
            found[tx] = asdict(Tracer(world.system, source).lot(tx))
    return found


class _Direct:
    def __init__(self, w3):
        self.source = LogFetcher(w3)

    def __enter__(self):
        return self.source

    def __exit__(self, *exc):
        pass


def test_index_traces_equal_direct_traces_over_random_histories(world, stage, target):
    pools, snapshot = stage["pools"], stage["snapshot"]
    index = open_index(world, target)
    examples = []

    @settings(max_examples=12, stateful_step_count=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(action, min_size=2, max_size=14))
    def check(steps):
        nonlocal snapshot
        world.revert(snapshot)
        snapshot = world.snapshot()
        for step in steps:
            play(world, pools, step)
        Syncer(index, confirmations=1, chunk=4).sync()
        direct = all_traces(world, pools, lambda: _Direct(world.w3))
        indexed = all_traces(world, pools, lambda: IndexSource(index, LogFetcher(world.w3)))
        assert indexed == direct
        examples.append(len(steps))

    check()
    assert len(examples) >= 12
    world.revert(snapshot)
    stage["snapshot"] = world.snapshot()
