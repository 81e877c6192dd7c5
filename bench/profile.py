"""Where an operation's gas goes, measured from the node's opcode trace (`debug_traceTransaction`).

Each opcode's cost is the drop in remaining gas to the next opcode at the same call depth, so a CALL's own cost
(cold account, value transfer, precompile) is separated from what its callee spent, and the callee's opcodes are
counted where they ran. The categories add up to the receipt's gasUsed: intrinsic and calldata, plus every opcode,
minus the storage refund.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from web3 import Web3

CALLS = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"}
PRECOMPILES = {1: "ecrecover"}
# Opcodes that touch an account (EIP-2929): their cost beyond the warm 100 is the cold account access.
ACCOUNT_ACCESS = {"BALANCE", "EXTCODESIZE", "EXTCODEHASH", "EXTCODECOPY"}

CATEGORIES = (
    "intrinsic 21,000",
    "calldata",
    "storage reads (SLOAD)",
    "storage writes (SSTORE)",
    "storage refund",
    "logs",
    "calls: cold accounts and value",
    "ecrecover",
    "account checks (EXTCODESIZE ...)",
    "keccak256",
    "other execution",
)
# Short column names for the printed table, in the order of CATEGORIES.
COLUMNS = (
    "intrinsic",
    "calldata",
    "SLOAD",
    "SSTORE",
    "refund",
    "logs",
    "calls",
    "ecrecover",
    "EXTCODE",
    "keccak",
    "other",
)


@dataclass
class GasProfile:
    gas_used: int
    parts: Counter = field(default_factory=Counter)
    cold_slots: int = 0
    writes: int = 0
    calls: int = 0

    def check(self) -> None:
        total = sum(self.parts.values())
        if total != self.gas_used:
            raise AssertionError(f"profile adds up to {total:,}, receipt says {self.gas_used:,}")


def calldata_gas(data: bytes) -> int:
    return sum(4 if b == 0 else 16 for b in data)


def profile(w3: Web3, tx_hash: Any) -> GasProfile:
    tx = w3.eth.get_transaction(tx_hash)
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    trace = w3.provider.make_request(
        "debug_traceTransaction",
        [tx_hash.hex() if isinstance(tx_hash, bytes) else tx_hash, {"disableStorage": True, "enableMemory": False}],
    )
    steps = trace["result"]["structLogs"]
    result = GasProfile(receipt["gasUsed"])
    result.parts["intrinsic 21,000"] = 21_000
    result.parts["calldata"] = calldata_gas(bytes(tx["input"]))

    executed = 0
    inner_spent: list[int] = [0]  # what the opcodes of each open call frame spent, innermost last
    for i, step in enumerate(steps):
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        depth = step["depth"]
        if nxt is not None and nxt["depth"] > depth:  # a call into code: its cost is settled on return
            inner_spent.append(0)
            continue
        if nxt is not None and nxt["depth"] == depth:
            cost = step["gas"] - nxt["gas"]
        else:  # the frame's last opcode (or the transaction's)
            cost = step["gasCost"]
        if nxt is not None and nxt["depth"] < depth:
            # Leaving a frame: the caller's CALL costs what the caller lost, less what this frame spent.
            frame = inner_spent.pop() + cost
            _add(result, step, cost)
            executed += cost
            caller = _caller_step(steps, i, nxt["depth"])
            after = nxt["gas"]
            call_cost = caller["gas"] - after - frame
            _add(result, caller, call_cost)
            executed += call_cost
            inner_spent[-1] += caller["gas"] - after
            continue
        _add(result, step, cost)
        executed += cost
        inner_spent[-1] += cost
    result.parts["storage refund"] = result.gas_used - 21_000 - result.parts["calldata"] - executed
    result.check()
    return result


def _caller_step(steps: list[dict], i: int, depth: int) -> dict:
    for j in range(i, -1, -1):
        if steps[j]["depth"] == depth:
            return steps[j]
    raise ValueError("no caller frame in the trace")


def _add(result: GasProfile, step: dict, cost: int) -> None:
    op = step["op"]
    if op == "SLOAD":
        category = "storage reads (SLOAD)"
        result.cold_slots += cost >= 2_100
    elif op == "SSTORE":
        category = "storage writes (SSTORE)"
        result.writes += 1
    elif op.startswith("LOG"):
        category = "logs"
    elif op in CALLS:
        target = int(step["stack"][-2], 16) if step.get("stack") else -1
        category = PRECOMPILES.get(target, "calls: cold accounts and value")
        result.calls += category != "ecrecover"
    elif op in ACCOUNT_ACCESS:
        category = "account checks (EXTCODESIZE ...)"
    elif op == "KECCAK256" or op == "SHA3":
        category = "keccak256"
    else:
        category = "other execution"
    result.parts[category] += cost
