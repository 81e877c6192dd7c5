"""Constants and helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

from brownie import ZERO_ADDRESS, accounts, chain

from impact.encoding import to_bytes32

DAY = 24 * 60 * 60
CHANGE_DELAY = 2 * DAY  # the contracts' floor
CHALLENGE_WINDOW = 7 * DAY  # a pool's window for a reviewer to void a certification
PRICE_ETH = 10**16  # 0.01 ETH per token
PRICE_USDC = 10 * 10**6  # 10 USDC per token (6 decimals)
XIANJU_WDPA = 555_000_001  # sample value, not Xianju National Park's real WDPA number
ETH = ZERO_ADDRESS


class Status:
    NONE, CANDIDATE, GREEN_LISTED, SUSPENDED, WITHDRAWN = range(5)


class Failure:
    NONE, GOAL_NOT_REACHED, MILESTONE_MISSED, SITE_WITHDRAWN = range(4)


def milestone_schedule(sale_end: int, shares=(3_000, 3_000, 4_000), spacing: int = 90 * DAY) -> list[tuple]:
    """A schedule of milestones tied to Green List criteria, deadlines `spacing` apart after the sale."""
    refs = ["GLS-V1.1-1.1.1", "GLS-V1.1-3.4.1", "GLS-V1.1-4.1.1", "GLS-V1.1-2.1.1", "GLS-V1.1-3.1.1"]
    return [
        (
            to_bytes32(refs[i % len(refs)]),
            to_bytes32(f"description {i}"),
            f"ipfs://sample/milestone-{i}.json",
            share,
            sale_end + (i + 1) * spacing,
        )
        for i, share in enumerate(shares)
    ]


def error(name: str, *args: Any) -> str:
    """The revert string Brownie renders for custom error `name(args)`: 'Name: arg1, arg2'."""

    def render(arg: Any) -> str:
        if hasattr(arg, "address"):
            arg = arg.address
        if isinstance(arg, bytes):  # Brownie's bytes32 values are bytes subclasses that print as hex
            return str(bytes(arg))
        if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 42:
            return arg.lower()
        if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 66:
            return str(bytes.fromhex(arg[2:]))
        return str(arg)

    return f"{name}: {', '.join(render(a) for a in args)}"


def balance_of(asset, account) -> int:
    """Balance of `account` in `asset` (a token contract, or ETH for the zero address)."""
    if asset in (ETH, None):
        return account.balance() if hasattr(account, "balance") else accounts.at(account, force=True).balance()
    return asset.balanceOf(account)


def assert_escrow_adds_up(pools, pool_id: int) -> None:
    """raised = released + refunded + escrow, with raised = tokens sold x price."""
    info = pools.pool(pool_id).dict()
    assert info["raised"] == info["tokensSold"] * info["price"]
    assert info["raised"] == info["released"] + info["refunded"] + info["escrow"]


def latest_time() -> int:
    """The latest block's timestamp: the chain's own clock, unlike the wall clock."""
    return chain[-1].timestamp


def warp_past(timestamp: int) -> None:
    """Mines a block one second after `timestamp`, so that every later transaction happens after it."""
    # evm_increaseTime works on both Anvil and Ganache; each new block is stamped at least that much later.
    while latest_time() <= timestamp:
        chain.sleep(timestamp - latest_time() + 1)
        chain.mine()


def execute_after_delay(contract, scheduled_tx) -> Any:
    """Lets the change scheduled by `scheduled_tx` come due, then executes it (anyone may)."""
    change_id = scheduled_tx.return_value
    warp_past(contract.change(change_id).dict()["executableAt"] - 1)
    return contract.executeChange(change_id, {"from": accounts[8]})


def money_snapshot(pools, pool_ids, holders, token=None) -> tuple:
    """Everything a failed call must leave unchanged: escrow balances, pool accounting, token holdings."""
    state = [pools.balance()]
    if token is not None:
        state.append(token.balanceOf(pools))
        state.extend(token.balanceOf(h) for h in holders)
    for pool_id in pool_ids:
        if 0 < pool_id <= pools.poolCount():
            state.append(tuple(pools.pool(pool_id)))
            state.extend(pools.balanceOf(h, pool_id) for h in holders)
    return tuple(state)
