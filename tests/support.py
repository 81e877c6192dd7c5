"""Constants and helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

from brownie import ZERO_ADDRESS, ImpactPools, MilestoneCertifier, SiteRegistry, accounts, chain, web3
from eth_utils import keccak

from impact.chain.encoding import to_bytes32

DAY = 24 * 60 * 60
CHANGE_DELAY = 2 * DAY  # the contracts' floor
CHALLENGE_WINDOW = 7 * DAY  # a pool's window for a reviewer to void a certification
MIN_CHANGE_DELAY, MAX_CHANGE_DELAY = 2 * DAY, 30 * DAY
MAX_CHALLENGE_WINDOW = 30 * DAY
MAX_PAUSE_DURATION = PAUSE_COOLDOWN = 7 * DAY
BENEFICIARY_DUTY = "0x" + keccak(text="BENEFICIARY").hex()
REVIEWER_ROLE = "0x" + keccak(text="REVIEWER_ROLE").hex()
ADMIN_ROLE = "0x" + "00" * 32
TOKEN_URI = "ipfs://impact/{id}.json"
PRICE_ETH = 10**16  # 0.01 ETH per token
PRICE_USDC = 10 * 10**6  # 10 USDC per token (6 decimals)
XIANJU_WDPA = 555_000_001  # sample value, not Xianju National Park's real WDPA number
ETH = ZERO_ADDRESS


class Status:
    NONE, CANDIDATE, GREEN_LISTED, SUSPENDED, WITHDRAWN = range(5)


class Failure:
    NONE, GOAL_NOT_REACHED, MILESTONE_MISSED, SITE_WITHDRAWN = range(4)


class ChangeState:
    NONE, PENDING, EXECUTED, CANCELLED = range(4)


class Kind:
    """Kinds of delayed change: 0 is the contract's own delay in both queues."""

    DELAY = 0
    BENEFICIARY = 1  # registry
    ACCREDIT_ORACLE, LOWER_QUORUM, REVOKE_REVIEWER = 1, 2, 3  # certifier


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
    """raised = released + refunded + exited + escrow, with raised = tokens sold x price, and the escrow is at least
    what the live tokens would get back now (every token's price is split between the site and its holder)."""
    info = pools.pool(pool_id).dict()
    assert info["raised"] == info["tokensSold"] * info["price"]
    assert info["raised"] == info["released"] + info["refunded"] + info["exited"] + info["escrow"]
    assert info["escrow"] >= 0


def latest_time() -> int:
    """The latest block's timestamp: the chain's own clock, unlike the wall clock."""
    return chain[-1].timestamp


def warp_past(timestamp: int) -> None:
    """Mines a block one second after `timestamp`, so that every later transaction happens after it."""
    # evm_increaseTime works on both Anvil and Ganache; each new block is stamped at least that much later.
    while latest_time() <= timestamp:
        chain.sleep(timestamp - latest_time() + 1)
        chain.mine()


def pass_challenge_window(pools, pool_id: int, milestone_id: int) -> None:
    """Lets milestone `milestone_id`'s challenge window end: from the next block its certification is final."""
    warp_past(pools.milestone(pool_id, milestone_id).dict()["challengeEndsAt"] - 1)


def next_block_at(timestamp: int | None = None) -> int:
    """Stamps the next block at `timestamp` (default: one second after the latest) and returns it, so that an error
    carrying the block's time can be asserted exactly."""
    timestamp = latest_time() + 1 if timestamp is None else timestamp
    reply = web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
    if "error" in reply:
        # Ganache has no such method; its evm_setTime sets the clock (in ms) the next block is stamped from, so the
        # next block is at `timestamp` when it comes within the second, as the next call here does.
        reply = web3.provider.make_request("evm_setTime", [timestamp * 1000])
    assert "error" not in reply, reply
    return timestamp


def execute_after_delay(contract, scheduled_tx) -> Any:
    """Lets the change scheduled by `scheduled_tx` come due, then executes it (anyone may)."""
    change_id = scheduled_tx.return_value
    warp_past(contract.change(change_id).dict()["executableAt"] - 1)
    return contract.executeChange(change_id, {"from": accounts[8]})


def money_snapshot(pools, pool_ids, holders, token=None) -> tuple:
    """Everything a failed call must leave unchanged: escrow balances, pool accounting, token holdings. (Not the
    time a pool has been paused: that grows with the clock while paused, whatever the call did.)"""
    state = [pools.balance()]
    if token is not None:
        state.append(token.balanceOf(pools))
        state.extend(token.balanceOf(h) for h in holders)
    for pool_id in pool_ids:
        if 0 < pool_id <= pools.poolCount():
            info = pools.pool(pool_id).dict()
            state.append(tuple(value for name, value in info.items() if name != "pausedTime"))
            state.extend(pools.balanceOf(h, pool_id) for h in holders)
    return tuple(state)


def credits(pools, pool_id: int) -> int:
    """The credited tranches of a pool not yet withdrawn: the site's money still held by the contract."""
    count = pools.pool(pool_id).dict()["milestoneCount"]
    total = 0
    for k in range(count):
        m = pools.milestone(pool_id, k).dict()
        total += m["trancheAmount"] if m["credited"] else 0
    return total


def deploy_system(
    deployer,
    *,
    admin=None,
    registry_admin=None,
    pools_admin=None,
    registrar=None,
    programme=None,
    pauser=None,
    oracles=(),
    quorum=1,
    reviewers=(),
    delay=CHANGE_DELAY,
    certifier_delay=None,
    deploy_certifier=True,
):
    """Registry, pools and certifier wired by the certifier's predicted address (the deployer's nonce + 2); each
    duty defaults to the deployer (`admin` is every contract's admin unless `registry_admin` or `pools_admin` say
    otherwise). With `deploy_certifier=False`, returns the registry, the pools and the certifier's
    predicted address, so that a test can try a certifier constructor that must revert."""
    admin, registrar = admin or deployer, registrar or deployer
    programme, pauser = programme or deployer, pauser or deployer
    predicted = deployer.get_deployment_address(deployer.nonce + 2)
    registry_admin, pools_admin = registry_admin or admin, pools_admin or admin
    registry = SiteRegistry.deploy(0, registry_admin, registrar, delay, predicted, {"from": deployer})
    pools = ImpactPools.deploy(pools_admin, programme, pauser, registry, predicted, TOKEN_URI, {"from": deployer})
    if not deploy_certifier:
        return registry, pools, predicted
    certifier = MilestoneCertifier.deploy(
        0,
        admin,
        delay if certifier_delay is None else certifier_delay,
        registry,
        pools,
        list(oracles),
        quorum,
        list(reviewers),
        {"from": deployer},
    )
    assert certifier.address == predicted
    return registry, pools, certifier


def interruptible() -> None:
    """`preexec_fn` for a child process a test interrupts with SIGINT: a shell running the tests as a background job
    (nohup, some CI runners) makes its children ignore SIGINT, and Python then never turns it into Ctrl-C."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
