"""Trace speed as the chain grows: `trace --investor` for one investor with about 50 events of their own, after 2,000
and then 20,000 purchases and transfers by other people in other pools.

The background is sent fast: the node's unlocked accounts, fees, gas and nonces filled in locally, 200 transactions
per JSON-RPC batch, every receipt checked. Two block layouts:

- "automine" (the target's setting): the node mines transactions as they arrive, as a local node does (a few to a
  block when a whole batch arrives at once);
- "200 tx/block" (Anvil only, for comparison): mining is paused for each batch and one block takes all 200, about a
  mainnet block's worth. Every block then carries hundreds of the pools' logs, its logs bloom is saturated, and the
  node's eth_getLogs must open every block in the range whatever the topics: the trace's cost then grows with the
  chain on the node's side, while its requests stay the same.

Each time is split into the wait for eth_getLogs answers (the node walking the block range) and the rest (decoding,
block timestamps, building the trace), to show which part grows with the chain.

The trace itself is the library's `Tracer.investor`, in process, on a fresh `Tracer` each time (no cache carried
over); the time is the median of five runs.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

import requests
from web3 import HTTPProvider, Web3

from impact.chain.accounts import Signer
from impact.chain.encoding import to_bytes32
from impact.chain.localnode import LocalAnvil, LocalGanache
from impact.chain.logs import LogFetcher
from impact.chain.system import System
from impact.chain.tx import Sender
from impact.programme.deploy import deploy_all
from impact.trace.tracer import Tracer

SIZES = (2_000, 20_000)
BATCH = 200  # transactions per JSON-RPC batch (and per block when packed)
ACCOUNTS = 205  # unlocked accounts: the programme, the investor and a friend, two oracles, and a crowd of 200
GAS = 200_000
PRICE = 10**9  # wei per token: background buyers never run short of test ETH
RUNS = 5
TARGET_GROWTH = 1.5
TARGET_SECONDS = 1.0


@dataclass
class TraceTiming:
    chain: str
    layout: str
    events: int
    seconds: float
    seconds_in_node: float
    investor_events: int
    blocks: int
    requests: int


class ChainFiller:
    """Deploys the system, gives one investor ~50 events of their own, then adds background activity on demand."""

    def __init__(self, url: str, per_block: int = 1, seed: int = 6) -> None:
        self.url = url
        self.per_block = per_block
        self.w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 120}))
        self.session = requests.Session()
        self.random = random.Random(seed)
        accounts = self.w3.eth.accounts
        self.programme = Sender(self.w3, Signer(accounts[0]))
        self.investor = accounts[1]
        self.friend = accounts[2]
        self.oracles = sorted(accounts[3:5], key=lambda a: int(a, 16))
        self.crowd = accounts[5:]  # the nodes are started with 200 unlocked accounts
        self.deployment = deploy_all(self.programme, "bench", self.oracles, 2)
        self.system = System(self.w3, self.deployment)
        self.pools = self.system.pools
        registry = self.system.registry
        self.programme.send(registry.functions.registerSite("Bench Site", b"CN", 1, "", accounts[9]))
        self.nonces = {a: self.w3.eth.get_transaction_count(a) for a in accounts}
        self.chain_id = self.w3.eth.chain_id
        self.background = 0
        self.investor_events = self._investor_story()
        self.crowd_pools = [self._open_pool(cap=10**12) for _ in range(40)]
        self.holdings: dict[str, dict[int, int]] = {sender: {} for sender in self.crowd}

    # -- the investor ------------------------------------------------------------------------------------------

    def _investor_story(self) -> int:
        """30 purchases in three pools and 10 transfers out and 10 in (50 events of their own); then a milestone of
        the sold-out pool is certified and its tranche released, so that the trace has a tranche to attribute."""
        own = [self._open_pool(cap=10**9) for _ in range(2)]
        sold_out = self._open_pool(cap=3_000)
        txs = [self._buy(self.investor, own[k % 2], 100 + k, self.investor) for k in range(27)]
        txs += [self._buy(self.investor, sold_out, 1_000, self.investor) for _ in range(3)]
        txs += [self._buy(self.friend, own[0], 1_000, self.friend)]
        self._send_batches(txs)
        moves = [self._transfer(self.investor, self.friend, own[k % 2], 5) for k in range(10)]
        moves += [self._transfer(self.friend, self.investor, own[0], 3) for _ in range(10)]
        self._send_batches(moves)
        evidence = bytes.fromhex(to_bytes32("bench evidence")[2:])
        certifier = self.system.certifier
        for oracle in self.oracles:
            Sender(self.w3, Signer(oracle)).send(certifier.functions.attest(sold_out, 0, evidence, "ipfs://bench"))
        self.programme.send(self.pools.functions.release(sold_out, 0))
        self.nonces = {a: self.w3.eth.get_transaction_count(a) for a in self.w3.eth.accounts}
        return 30 + 20

    # -- background ---------------------------------------------------------------------------------------------

    def fill_to(self, events: int) -> None:
        """Purchases (about 70%, half of them for new recipients) and transfers (30%) in the crowd's pools, by the
        crowd in turn, up to `events`."""
        txs = []
        for i in range(self.background, events):
            sender = self.crowd[i % len(self.crowd)]
            held = self.holdings[sender]
            stranger = Web3.to_checksum_address(self.random.randbytes(20).hex())
            if held and self.random.random() < 0.3:
                pool = self.random.choice(sorted(held))
                tokens = self.random.randint(1, min(10, held[pool]))
                held[pool] -= tokens
                if not held[pool]:
                    del held[pool]
                txs.append(self._transfer(sender, stranger, pool, tokens))
            else:
                pool, tokens = self.random.choice(self.crowd_pools), self.random.randint(1, 100)
                recipient = stranger if self.random.random() < 0.5 else sender
                if recipient == sender:
                    held[pool] = held.get(pool, 0) + tokens
                txs.append(self._buy(sender, pool, tokens, recipient))
        self._send_batches(txs)
        self.background = events

    def trace(self) -> tuple[float, float, int]:
        """(seconds, of which waiting for eth_getLogs, log requests) of the median of RUNS runs of
        `Tracer.investor` for the investor."""

        def once() -> tuple[float, float, int]:
            fetcher = LogFetcher(self.w3)
            started = time.perf_counter()
            trace = Tracer(self.system, fetcher).investor(self.investor)
            elapsed = time.perf_counter() - started
            if len(trace.purchases) != 30 or len(trace.movements) != 20:
                raise RuntimeError(f"the trace lost events: {len(trace.purchases)} purchases, {len(trace.movements)}")
            return elapsed, fetcher.seconds_in_node, fetcher.requests

        runs = sorted(once() for _ in range(RUNS))
        return runs[len(runs) // 2]

    # -- sending ------------------------------------------------------------------------------------------------

    def _open_pool(self, cap: int) -> int:
        now = self.w3.eth.get_block("latest")["timestamp"]
        milestones = [(to_bytes32("GLS-V1.1-2.1.1"), to_bytes32("m0"), "ipfs://m0", 10_000, now + 10 * 365 * 86_400)]
        fn = self.pools.functions.openPool(
            (1, "0x" + "00" * 20, PRICE, 1, cap, now - 60, now + 30 * 86_400, 0), milestones
        )
        pool_id = fn.call({"from": self.programme.address})
        self.programme.send(fn)
        return pool_id

    def _buy(self, sender: str, pool: int, tokens: int, recipient: str) -> dict[str, Any]:
        data = self.pools.encode_abi("buy", [pool, tokens, recipient])
        return self._tx(sender, data, tokens * PRICE)

    def _transfer(self, sender: str, to: str, pool: int, tokens: int) -> dict[str, Any]:
        data = self.pools.encode_abi("safeTransferFrom", [sender, to, pool, tokens, b""])
        return self._tx(sender, data, 0)

    def _tx(self, sender: str, data: str, value: int) -> dict[str, Any]:
        """A transaction with everything filled in but the fee, which follows the base fee batch by batch."""
        nonce = self.nonces[sender]
        self.nonces[sender] = nonce + 1
        return {
            "from": sender,
            "to": self.pools.address,
            "data": data,
            "value": hex(value),
            "gas": hex(GAS),
            "maxPriorityFeePerGas": hex(10**9),
            "nonce": hex(nonce),
            "chainId": hex(self.chain_id),
        }

    def _rpc(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        # Reads are retried on a dropped connection (a node may close an idle keep-alive one); sends never are.
        attempts = 1 if any(m == "eth_sendTransaction" for m, _ in calls) else 3
        for attempt in range(attempts):
            try:
                response = self.session.post(self.url, json=body, timeout=300)
                break
            except requests.ConnectionError:
                if attempt == attempts - 1:
                    raise
                self.session = requests.Session()
                time.sleep(0.2)
        replies = sorted(response.json(), key=lambda r: r["id"])
        errors = [r["error"] for r in replies if "error" in r]
        if errors:
            raise RuntimeError(f"the node refused a background call: {errors[0]}")
        return [r["result"] for r in replies]

    def _send_batches(self, txs: list[dict[str, Any]]) -> None:
        """Sends in waves of at most BATCH transactions and one per sender: a node may process a JSON-RPC batch
        concurrently, and a transaction that arrives before its sender's previous one waits in the pool's queue."""
        packed = self.per_block > 1
        if packed:
            self._rpc([("evm_setAutomine", [False])] if self._is_anvil else [("miner_stop", [])])
        try:
            for wave in _waves(txs):
                latest = self._rpc([("eth_getBlockByNumber", ["latest", False])])[0]
                fee = hex(2 * int(latest["baseFeePerGas"], 16) + 10**9)
                hashes = self._rpc([("eth_sendTransaction", [{**tx, "maxFeePerGas": fee}]) for tx in wave])
                if packed:
                    self._rpc([("evm_mine", [])])
                receipts = self._receipts(hashes)
                failed = [h for h, r in zip(hashes, receipts, strict=True) if int(r["status"], 16) != 1]
                if failed:
                    raise RuntimeError(f"{len(failed)} background transactions failed")
        finally:
            if packed:
                self._rpc([("evm_setAutomine", [True])] if self._is_anvil else [("miner_start", [])])

    def _receipts(self, hashes: list[str]) -> list[dict[str, Any]]:
        """Every receipt, polling briefly for those still being mined."""
        receipts: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + 120
        while len(receipts) < len(hashes):
            missing = [h for h in hashes if h not in receipts]
            for h, r in zip(missing, self._rpc([("eth_getTransactionReceipt", [h]) for h in missing]), strict=True):
                if r is not None:
                    receipts[h] = r
            if len(receipts) < len(hashes):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{len(hashes) - len(receipts)} background transactions were not mined")
                time.sleep(0.01)
        return [receipts[h] for h in hashes]

    @property
    def _is_anvil(self) -> bool:
        return "anvil" in self.w3.client_version.lower()


def _waves(txs: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Consecutive groups of at most BATCH transactions with at most one per sender, each sender's order kept."""
    waves: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    senders: set[str] = set()
    for tx in txs:
        if len(current) == BATCH or tx["from"] in senders:
            waves.append(current)
            current, senders = [], set()
        current.append(tx)
        senders.add(tx["from"])
    if current:
        waves.append(current)
    return waves


def measure_chain(chain: str, node: LocalAnvil, per_block: int = 1) -> list[TraceTiming]:
    with node:
        filler = ChainFiller(node.url, per_block)
        timings = []
        for size in SIZES:
            filler.fill_to(size)
            seconds, in_node, requests_made = filler.trace()
            layout = "automine" if per_block == 1 else f"{per_block} tx/block"
            blocks = filler.w3.eth.block_number
            timings.append(
                TraceTiming(chain, layout, size, seconds, in_node, filler.investor_events, blocks, requests_made)
            )
        return timings


def run() -> list[dict[str, Any]]:
    """Measures on Anvil (both layouts) and Ganache, prints the table, returns rows for results.json."""
    print("\nTrace speed: `trace --investor` (in process) as unrelated activity grows\n")
    timings = (
        measure_chain("anvil", LocalAnvil(["--accounts", str(ACCOUNTS)]))
        + measure_chain("ganache", LocalGanache(["--wallet.totalAccounts", str(ACCOUNTS)]))
        + measure_chain("anvil", LocalAnvil(["--accounts", str(ACCOUNTS)]), per_block=BATCH)
    )
    print(render(timings))
    return [
        {
            "chain": t.chain,
            "layout": t.layout,
            "events": t.events,
            "seconds": round(t.seconds, 4),
            "seconds_in_eth_getlogs": round(t.seconds_in_node, 4),
            "blocks": t.blocks,
            "log_requests": t.requests,
            "investor_events": t.investor_events,
        }
        for t in timings
    ]


def render(timings: list[TraceTiming]) -> str:
    by = {(t.chain, t.layout, t.events): t for t in timings}
    small, large = SIZES
    lines = [
        "| chain | blocks of | background events | blocks | log requests | trace seconds | in eth_getLogs | rest |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {t.chain} | {t.layout} | {t.events:,} | {t.blocks:,} | {t.requests} | {t.seconds:.3f} "
        f"| {t.seconds_in_node:.3f} | {t.seconds - t.seconds_in_node:.3f} |"
        for t in timings
    ]
    lines.append("")
    for chain, layout in sorted({(t.chain, t.layout) for t in timings}):
        growth = by[chain, layout, large].seconds / by[chain, layout, small].seconds
        verdict = f"target ≤ {TARGET_GROWTH}: {'met' if growth <= TARGET_GROWTH else 'missed'}"
        lines.append(f"{chain}, {layout}: time at {large:,} ÷ time at {small:,} = {growth:.2f} ({verdict})")
    anvil_large = by["anvil", "automine", large].seconds
    verdict = f"target ≤ {TARGET_SECONDS:.0f} s: {'met' if anvil_large <= TARGET_SECONDS else 'missed'}"
    lines.append(f"anvil, automine, at {large:,}: {anvil_large:.3f} s ({verdict})")
    for size in SIZES:
        ratio = by["anvil", "automine", size].seconds / by["ganache", "automine", size].seconds
        lines.append(f"anvil ÷ ganache at {size:,} (automine): {ratio:.2f}")
    return "\n".join(lines)
