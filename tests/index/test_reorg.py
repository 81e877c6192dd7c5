"""Reorganisations on a real Anvil: blocks replaced under a synced index (by `evm_revert` and other transactions, or
by `anvil_reorg`), also while a chunk is being fetched. Afterwards the index must equal, table for table, an index
synced from scratch, and its traces the direct ones."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from conftest import open_index

from impact.chain.logs import LogFetcher
from impact.index.sync import Syncer
from impact.trace.tracer import Tracer


@pytest.fixture
def fresh(world):
    """The world's chain as the module left it, after the test."""
    snapshot = world.snapshot()
    yield world
    world.revert(snapshot)


def assert_like_a_clean_sync(world, index, new_target) -> None:
    clean = open_index(world, new_target())
    Syncer(clean, confirmations=1).sync()
    assert index.digest() == clean.digest()
    from impact.index.source import IndexSource

    for investor in world.investors:
        direct = asdict(Tracer(world.system, LogFetcher(world.w3)).investor(investor))
        with IndexSource(index, LogFetcher(world.w3)) as source:
            assert asdict(Tracer(world.system, source).investor(investor)) == direct


def history(world, kind: str) -> None:
    a, b, c, d = world.investors
    first = world.pool_ids[0]
    if kind == "transfers":
        for _ in range(4):
            assert world.transfer(a, b, first, 1)
    elif kind == "other transfers":
        for _ in range(2):
            assert world.transfer(c, d, first, 2)
    elif kind == "more blocks":
        for _ in range(6):
            assert world.transfer(d, a, first, 1)
        world.mine(3)
    elif kind == "nothing":
        pass


@pytest.mark.parametrize("replacement", ["other transfers", "more blocks", "nothing"])
def test_blocks_replaced_after_a_revert_are_rolled_back_and_synced_again(fresh, new_target, replacement):
    world = fresh
    index = open_index(world, new_target())
    messages = []
    Syncer(index, confirmations=1, notify=messages.append).sync()
    fork = world.snapshot()
    history(world, "transfers")
    Syncer(index, confirmations=1, notify=messages.append).sync()
    world.revert(fork)
    history(world, replacement)
    report = Syncer(index, confirmations=1, notify=messages.append).sync()
    assert report.rolled_back_to is not None and report.rolled_back_to <= world.w3.eth.block_number
    assert any("the chain changed under the index" in m for m in messages)
    assert_like_a_clean_sync(world, index, new_target)


def test_anvil_reorg_replacing_the_last_blocks_is_rolled_back(fresh, new_target):
    world = fresh
    index = open_index(world, new_target())
    a, b = world.investors[:2]
    for _ in range(3):
        assert world.transfer(a, b, world.pool_ids[0], 1)
    Syncer(index, confirmations=1).sync()
    data = world.pools.encode_abi("safeTransferFrom", [b, a, world.pool_ids[0], 2, b""])
    replacement = {"from": b, "to": world.pools.address, "data": data, "gas": hex(200_000)}
    assert "error" not in world.w3.provider.make_request("anvil_reorg", [3, [[replacement, 1]]])
    Syncer(index, confirmations=1).sync()
    assert_like_a_clean_sync(world, index, new_target)


def test_a_reorganisation_deeper_than_the_confirmations_is_still_undone_and_said(fresh, new_target):
    world = fresh
    index = open_index(world, new_target())
    fork = world.snapshot()
    history(world, "transfers")
    Syncer(index, confirmations=1).sync()
    world.revert(fork)
    history(world, "other transfers")
    messages = []
    Syncer(index, confirmations=1, notify=messages.append).sync()
    assert any("deeper than the blocks counted as final" in m for m in messages)
    assert_like_a_clean_sync(world, index, new_target)


def test_a_chain_that_changes_while_a_chunk_is_fetched_is_not_stored_half_and_half(fresh, new_target):
    """The node's chain is replaced between a chunk's logs and its headers: the sync notices (the end block's hash
    moved), starts over, and ends like a clean sync of the new chain."""
    world = fresh
    index = open_index(world, new_target())
    Syncer(index, confirmations=1).sync()
    fork = world.snapshot()
    history(world, "transfers")
    syncer = Syncer(index, confirmations=1, chunk=2)
    fetch = syncer._logs
    moved = []

    def logs_then_reorganise(first: int, last: int):
        logs = fetch(first, last)
        if not moved:
            moved.append(first)
            world.revert(fork)
            history(world, "more blocks")
        return logs

    syncer._logs = logs_then_reorganise
    syncer.sync()
    assert moved
    assert_like_a_clean_sync(world, index, new_target)


def test_a_restarted_node_with_the_same_addresses_rebuilds_the_index_from_the_deployment(fresh, new_target):
    """Going back to before the deployment (as a restarted local node would be) leaves no stored block on the chain:
    everything is forgotten and synced again, and the sync says so."""
    world = fresh
    index = open_index(world, new_target())
    Syncer(index).sync()
    # Every stored hash changed, as if each block had been replaced: its last byte becomes 00, or 01 where it was 00
    # (a hash ending in 00, one block in 256, would otherwise stay as it was and still match the chain).
    index.store.execute(
        'UPDATE "blocks" SET "hash" = \'0x\' || substr("hash", 3, 62) || '
        "CASE WHEN substr(\"hash\", 65, 2) = '00' THEN '01' ELSE '00' END"
    )
    index.store.execute('UPDATE "sync_state" SET "head_hash" = \'0x00\', "final_hash" = \'0x00\'')
    stored = index.store.query('SELECT "number", "hash" FROM "blocks"')
    assert stored
    on_chain = {number: "0x" + bytes(world.w3.eth.get_block(number)["hash"]).hex() for number, _ in stored}
    assert all(on_chain[number] != block_hash for number, block_hash in stored)
    messages = []
    report = Syncer(index, notify=messages.append).sync()
    assert report.rolled_back_to == index.start - 1
    assert any(f"syncing again from block {index.start}" in m for m in messages)
    clean = open_index(world, new_target())
    Syncer(clean).sync()
    assert index.digest() == clean.digest()
