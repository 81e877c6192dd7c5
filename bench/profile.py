"""Where an operation's gas goes, measured from the node's opcode trace (`debug_traceTransaction`).

Each opcode's cost is the drop in remaining gas to the next opcode at the same call depth, so a CALL's own cost
(cold account, value transfer, precompile) is separated from what its callee spent, and the callee's opcodes are
counted where they ran. The storage refund is the trace's own refund counter, capped at a fifth of the gas used
(EIP-3529). The parts are measured independently, so `GasProfile.check` (intrinsic and calldata, plus every opcode,
minus the refund, equals the receipt's gasUsed) can fail.
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


MAX_REFUND_QUOTIENT = 5  # EIP-3529: the refund is at most a fifth of the gas used


@dataclass
class GasProfile:
    gas_used: int
    parts: Counter = field(default_factory=Counter)
    cold_slots: int = 0

    def check(self) -> None:
        total = sum(self.parts.values())
        if total != self.gas_used:
            raise AssertionError(f"profile adds up to {total:,}, receipt says {self.gas_used:,}")


def calldata_gas(data: bytes) -> int:
    return sum(4 if b == 0 else 16 for b in data)


def profile(w3: Web3, tx_hash: str) -> GasProfile:
    tx = w3.eth.get_transaction(tx_hash)
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    trace = w3.provider.make_request(
        "debug_traceTransaction", [tx_hash, {"disableStorage": True, "enableMemory": False}]
    )
    steps = trace["result"]["structLogs"]
    result = GasProfile(receipt["gasUsed"])
    result.parts["intrinsic 21,000"] = 21_000
    result.parts["calldata"] = calldata_gas(bytes(tx["input"]))

    # One entry per open call frame, innermost last: the CALL step that opened it and what its opcodes spent.
    frames: list[list[Any]] = [[None, 0]]
    for i, step in enumerate(steps):
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        if nxt is not None and nxt["depth"] > step["depth"]:  # a call into code: its cost is settled on return
            frames.append([step, 0])
            continue
        # An opcode costs the drop in gas to the next one at its depth; a frame's last one, what the node says.
        cost = step["gas"] - nxt["gas"] if nxt is not None and nxt["depth"] == step["depth"] else step["gasCost"]
        _add(result, step, cost)
        frames[-1][1] += cost
        if nxt is not None and nxt["depth"] < step["depth"]:
            # Leaving a frame: its CALL costs what the caller lost, less what the frame's opcodes spent.
            call, spent = frames.pop()
            _add(result, call, call["gas"] - nxt["gas"] - spent)
            frames[-1][1] += call["gas"] - nxt["gas"]
    spent_before_refund = sum(result.parts.values())
    counter = steps[-1]["refund"] if steps else 0
    result.parts["storage refund"] = -min(counter, spent_before_refund // MAX_REFUND_QUOTIENT)
    result.check()
    return result


def _add(result: GasProfile, step: dict, cost: int) -> None:
    op = step["op"]
    if op == "SLOAD":
        category = "storage reads (SLOAD)"
        result.cold_slots += cost >= 2_100
    elif op == "SSTORE":
        category = "storage writes (SSTORE)"
    elif op.startswith("LOG"):
        category = "logs"
    elif op in CALLS:
        target = int(step["stack"][-2], 16) if step.get("stack") else -1
        category = PRECOMPILES.get(target, "calls: cold accounts and value")
    elif op in ACCOUNT_ACCESS:
        category = "account checks (EXTCODESIZE ...)"
    elif op == "KECCAK256" or op == "SHA3":
        category = "keccak256"
    else:
        category = "other execution"
    result.parts[category] += cost
