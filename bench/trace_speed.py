"""Trace speed as the chain grows: `trace --investor` for one investor with about 50 events of their own, after 2,000
and then 20,000 purchases and transfers by other people in other pools.

The background is sent fast: the node's unlocked accounts, fees, gas and nonces filled in locally, 200 transactions
per JSON-RPC batch with automatic mining off, then one block mined for the batch (about a mainnet block's worth of
transactions) and every receipt of the batch checked. The trace itself is the library's `Tracer.investor`, in
process, on a fresh `Tracer` each time (no cache carried over); the time is the median of five runs.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from typing import Any

import requests
from web3 import HTTPProvider, Web3

from impact.accounts import Signer
from impact.deploy import deploy_all
from impact.encoding import to_bytes32
from impact.localnode import LocalAnvil, LocalGanache
from impact.logs import LogFetcher
from impact.system import System
from impact.trace import Tracer
from impact.tx import Sender

SIZES = (2_000, 20_000)
BATCH = 200
GAS = 200_000
PRICE = 10**9  # wei per token: background buyers never run short of test ETH
RUNS = 5
TARGET_GROWTH = 1.5
TARGET_SECONDS = 1.0


@dataclass
class TraceTiming:
    chain: str
    events: int
    seconds: float
    investor_events: int
    blocks: int


class ChainFiller:
    """Deploys the system, gives one investor ~50 events of their own, then adds background activity on demand."""

    def __init__(self, url: str, seed: int = 6) -> None:
        self.url = url
        self.w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 120}))
        self.session = requests.Session()
        self.random = random.Random(seed)
        accounts = self.w3.eth.accounts
        self.programme = Sender(self.w3, Signer(accounts[0]))
        self.investor = accounts[1]
        self.friend = accounts[2]
        self.oracles = sorted(accounts[3:5], key=lambda a: int(a, 16))
        self.crowd = accounts[5:10]
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
        self._send_batches(
            [self._buy(sender, pool, 10**6, sender) for pool in self.crowd_pools for sender in self.crowd]
        )
        self.background += len(self.crowd_pools) * len(self.crowd)

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
        """Purchases (70%, often for new recipients) and transfers (30%) in the crowd's pools, up to `events`."""
        txs = []
        for _ in range(events - self.background):
            sender, pool = self.random.choice(self.crowd), self.random.choice(self.crowd_pools)
            stranger = Web3.to_checksum_address(self.random.randbytes(20).hex())
            if self.random.random() < 0.7:
                recipient = stranger if self.random.random() < 0.5 else sender
                txs.append(self._buy(sender, pool, self.random.randint(1, 100), recipient))
            else:
                txs.append(self._transfer(sender, stranger, pool, self.random.randint(1, 10)))
        self._send_batches(txs)
        self.background = events

    def trace_seconds(self) -> float:
        def once() -> float:
            started = time.perf_counter()
            trace = Tracer(self.system, LogFetcher(self.w3)).investor(self.investor)
            elapsed = time.perf_counter() - started
            if len(trace.purchases) != 30 or len(trace.movements) != 20:
                raise RuntimeError(f"the trace lost events: {len(trace.purchases)} purchases, {len(trace.movements)}")
            return elapsed

        return statistics.median(once() for _ in range(RUNS))

    # -- sending ------------------------------------------------------------------------------------------------

    def _open_pool(self, cap: int) -> int:
        now = self.w3.eth.get_block("latest")["timestamp"]
        milestones = [(to_bytes32("GLS-V1.1-2.1.1"), to_bytes32("m0"), "ipfs://m0", 10_000, now + 10 * 365 * 86_400)]
        fn = self.pools.functions.openPool(
            (1, "0x" + "00" * 20, PRICE, 1, cap, now - 60, now + 30 * 86_400), milestones
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
        replies = sorted(self.session.post(self.url, json=body, timeout=300).json(), key=lambda r: r["id"])
        errors = [r["error"] for r in replies if "error" in r]
        if errors:
            raise RuntimeError(f"the node refused a background call: {errors[0]}")
        return [r["result"] for r in replies]

    def _send_batches(self, txs: list[dict[str, Any]]) -> None:
        self._rpc([("evm_setAutomine", [False])] if self._is_anvil else [("miner_stop", [])])
        try:
            for start in range(0, len(txs), BATCH):
                fee = hex(
                    2 * int(self._rpc([("eth_getBlockByNumber", ["latest", False])])[0]["baseFeePerGas"], 16) + 10**9
                )
                batch = [{**tx, "maxFeePerGas": fee} for tx in txs[start : start + BATCH]]
                hashes = self._rpc([("eth_sendTransaction", [tx]) for tx in batch])
                self._rpc([("evm_mine", [])])
                receipts = self._rpc([("eth_getTransactionReceipt", [h]) for h in hashes])
                failed = [h for h, r in zip(hashes, receipts, strict=True) if r is None or int(r["status"], 16) != 1]
                if failed:
                    raise RuntimeError(f"{len(failed)} background transactions failed or were not mined")
        finally:
            self._rpc([("evm_setAutomine", [True])] if self._is_anvil else [("miner_start", [])])

    @property
    def _is_anvil(self) -> bool:
        return "anvil" in self.w3.client_version.lower()


def measure_chain(chain: str, node: LocalAnvil) -> list[TraceTiming]:
    with node:
        filler = ChainFiller(node.url)
        timings = []
        for size in SIZES:
            filler.fill_to(size)
            timings.append(
                TraceTiming(chain, size, filler.trace_seconds(), filler.investor_events, filler.w3.eth.block_number)
            )
        return timings


def run() -> list[dict[str, Any]]:
    """Measures on Anvil and Ganache, prints the table, returns rows for results.json."""
    print("\nTrace speed: `trace --investor` (in process) as unrelated activity grows\n")
    timings = measure_chain("anvil", LocalAnvil()) + measure_chain("ganache", LocalGanache())
    print(render(timings))
    return [
        {
            "chain": t.chain,
            "events": t.events,
            "seconds": round(t.seconds, 4),
            "blocks": t.blocks,
            "investor_events": t.investor_events,
        }
        for t in timings
    ]


def render(timings: list[TraceTiming]) -> str:
    by = {(t.chain, t.events): t for t in timings}
    small, large = SIZES
    lines = ["| chain | background events | blocks | trace seconds |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {t.chain} | {t.events:,} | {t.blocks:,} | {t.seconds:.3f} |" for t in timings]
    lines.append("")
    for chain in ("anvil", "ganache"):
        growth = by[chain, large].seconds / by[chain, small].seconds
        lines.append(
            f"{chain}: {large:,} ÷ {small:,} = {growth:.2f} (target ≤ {TARGET_GROWTH}: "
            f"{'met' if growth <= TARGET_GROWTH else 'missed'})"
        )
    anvil_large = by["anvil", large].seconds
    lines.append(
        f"anvil at {large:,}: {anvil_large:.3f} s (target ≤ {TARGET_SECONDS:.0f} s: "
        f"{'met' if anvil_large <= TARGET_SECONDS else 'missed'})"
    )
    for size in SIZES:
        lines.append(f"anvil ÷ ganache at {size:,}: {by['anvil', size].seconds / by['ganache', size].seconds:.2f}")
    return "\n".join(lines)
