"""`make bench`: gas per operation (and trace speed) on fresh local chains; a table, bench/results.json, and the
gas snapshot check.

    python -m bench                 measure, print, write bench/results.json, compare with the snapshot
    python -m bench --update        ... and rewrite bench/gas-snapshot.json
    python -m bench --gas-only      skip the trace-speed part (bench/results.json keeps the last trace rows)
    python -m bench --index-only    only the index's benchmark (bench/results.json keeps every other row)
    python -m bench --web-only      only the investor page's benchmark (bench/web_speed.py), likewise
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from web3 import HTTPProvider, Web3

from bench import snapshot
from bench.gas import (
    ESCROW_COST_PER_EXTRA_SIGNATURE,
    PER_EXTRA_SIGNATURE_TARGET,
    Measurement,
    core,
    elsewhere,
    measure,
    per_extra_signature,
)
from bench.profile import CATEGORIES, COLUMNS, GasProfile, profile
from impact.chain.localnode import LocalAnvil

RESULTS = Path(__file__).resolve().parent / "results.json"

NOTES = {
    "buy": "in ETH, 3 cold slots where the floor has 2: the pause state (which holds the reentrancy lock), the "
    "pool's first slot (price, tokens left, sale window, its copy of the site's Green List status, failure, paid in "
    "ETH), and the balance; two events, TokensPurchased (what trace is built on) and ERC-1155's TransferSingle, "
    "whose mint OpenZeppelin does through one-element arrays; the ERC-20 path also reads the pool's asset (its "
    "second slot), takes the lock and reads the pools' token balance before and after the pull",
    "attest": "no new slot, where the floor counts one for the attestation record: the oracle's bit goes into the "
    "pool's attested mask and the evidence (hash and URI) becomes the round's lead, two slots of the pool's written "
    "when it opened; while the oracles agree, the lead's backers are the attested mask (the first oracle to attest "
    "other evidence stores both backings); cold reads: the oracle's index, the pool's two slots, the quorum with the "
    "accredited mask; the pools' checks (pause, the pool's slots 0 and 2, the milestone's deadline; the pool's copy "
    "of its site's status) are a cross-contract call to a cold account; the registry is called only by the "
    "certification itself, for the payee",
    "certify": "the evidence hash recorded (a new slot) and the payee (beside the milestone's shares, written when the "
    "pool opened), the same cross-contract checks, two events; per signature: ~1,040 calldata (65 packed bytes), "
    "ecrecover 3,100, the signer's accreditation index (a cold slot, 2,100), its address in the event (256) and "
    "~1,000 of decoding and checks",
    "release": "the pause state (with the lock), the pool's first slot (price, site status, paid in ETH) and its "
    "counts and released mask, the milestone's one slot (payee, shares and the tokens live at its finality), and the "
    "push to the payee (a cold account receiving value)",
    "refund": "no lock (the tokens are burned and counted before the payment); the holder's balance and one slot of "
    "the pool (the refund per token frozen at failure, beside the refunded count and whether it pays in ETH) are "
    "cold reads; the payment is a call with value; Refunded and TransferSingle events",
}


def machine() -> str:
    system = f"{platform.system()} {platform.release()}"
    return f"{platform.machine()}, {os.cpu_count()} CPUs, {system}, Python {platform.python_version()}"


def table(results: list[Measurement]) -> str:
    header = (
        "| operation | gas | floor | gas ÷ floor | target (issue 14) | met | escrow's cost | met with it |\n"
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |"
    )

    def yes(met: bool) -> str:
        return "yes" if met else "no"

    rows = [
        f"| {r.operation} | {r.gas:,} | {r.floor:,} | {r.ratio:.2f} | ≤ {r.target:,} | {yes(r.meets_target)} | "
        f"{r.allowance:,} | {yes(r.meets_target_with_allowance)} |"
        for r in core(results)
    ]
    extra = per_extra_signature(results)
    rows.append(
        f"| per extra signature (M = 1 → 5) | {extra:,.0f} | 6,240 | {extra / 6_240:.2f} | "
        f"≤ {PER_EXTRA_SIGNATURE_TARGET:,} | {yes(extra <= PER_EXTRA_SIGNATURE_TARGET)} | "
        f"{ESCROW_COST_PER_EXTRA_SIGNATURE:,} | "
        f"{yes(extra <= PER_EXTRA_SIGNATURE_TARGET + ESCROW_COST_PER_EXTRA_SIGNATURE)} |"
    )
    return "\n".join([header, *rows])


def elsewhere_table(results: list[Measurement]) -> str:
    header = "| operation | gas |\n| --- | ---: |"
    return "\n".join([header, *(f"| {r.operation} | {r.gas:,} |" for r in elsewhere(results))])


def breakdown_table(results: list[Measurement], profiles: list[GasProfile]) -> str:
    header = "| operation | " + " | ".join(COLUMNS) + " | cold slots |\n| --- |" + " ---: |" * (len(COLUMNS) + 1)
    rows = [
        f"| {r.operation} | " + " | ".join(f"{p.parts[c]:,}" for c in CATEGORIES) + f" | {p.cold_slots} |"
        for r, p in zip(results, profiles, strict=True)
    ]
    return "\n".join([header, *rows])


def previous_trace() -> tuple[list[dict], str | None]:
    """The trace rows (and their date) of the last full run, kept by a --gas-only run."""
    try:
        last = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return [], None
    return last.get("trace", []), last.get("trace_date", last.get("date"))


def previous(key: str) -> tuple[list[dict], str | None]:
    """The rows under `key` (and their date) of the last run that measured them."""
    try:
        last = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return [], None
    return last.get(key, []), last.get(f"{key}_date")


def run_index_only() -> int:
    from bench.index_speed import run as run_index_speed

    rows = run_index_speed()
    try:
        report = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        report = {}
    report |= {"index": rows, "index_date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults written to {RESULTS}")
    return 0


def run_web_only() -> int:
    from bench.web_speed import run as run_web_speed

    rows = run_web_speed()
    try:
        report = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        report = {}
    report |= {"web": rows, "web_date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults written to {RESULTS}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--update", action="store_true", help="rewrite the gas snapshot")
    parser.add_argument("--gas-only", action="store_true", help="skip the trace-speed benchmark")
    parser.add_argument("--index-only", action="store_true", help="only the index benchmark (bench/index_speed.py)")
    parser.add_argument("--web-only", action="store_true", help="only the investor page (bench/web_speed.py)")
    args = parser.parse_args(argv)
    if args.index_only:
        return run_index_only()
    if args.web_only:
        return run_web_only()

    # Step tracing changes no gas; it lets the node replay each transaction opcode by opcode for the breakdown.
    with LocalAnvil(["--steps-tracing"]) as node:
        w3 = Web3(HTTPProvider(node.url))
        results = measure(w3)
        profiles = [profile(w3, r.tx_hash) for r in results]
    print("Gas per operation (receipt gasUsed, fresh Anvil)\n")
    print(table(results))
    print("\nWhere the hot paths' costs moved (no floor; none may grow with the pools of a site)\n")
    print(elsewhere_table(results))
    print("\nWhere the gas goes (from the opcode trace; the columns add up to gasUsed)\n")
    print(breakdown_table(results, profiles))
    print("\nWhy the gap to the floor (no check was weakened to close it):")
    for key, note in NOTES.items():
        print(f"  {key}: {note}")

    now = datetime.now(UTC).isoformat(timespec="seconds")
    if args.gas_only:
        trace_rows, trace_date = previous_trace()
    else:
        from bench.index_speed import run as run_index_speed
        from bench.trace_speed import run as run_trace_speed
        from bench.web_speed import run as run_web_speed

        trace_rows, trace_date = run_trace_speed(), now
        index_rows, index_date = run_index_speed(), now
        web_rows, web_date = run_web_speed(), now

    report = {
        "date": now,
        "machine": machine(),
        "gas": [
            {
                "operation": r.operation,
                "gas": r.gas,
                "floor": r.floor,
                "ratio": None if r.floor is None else round(r.ratio, 3),
                "breakdown": {c: p.parts[c] for c in CATEGORIES},
            }
            for r, p in zip(results, profiles, strict=True)
        ],
        "trace": trace_rows,
        "trace_date": trace_date,
    }
    if args.gas_only:
        index_rows, index_date = previous("index")
        web_rows, web_date = previous("web")
    report |= {"index": index_rows, "index_date": index_date, "web": web_rows, "web_date": web_date}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults written to {RESULTS}")

    measured = {r.operation: r.gas for r in results}
    if args.update:
        snapshot.write(measured)
        print(f"gas snapshot updated: {snapshot.PATH}")
        return 0
    drift = snapshot.compare(measured)
    if drift:
        print("\ngas moved by more than 1% from bench/gas-snapshot.json (run `make bench-update` if intended):")
        print("\n".join(f"  {line}" for line in drift))
        return 1
    print("gas snapshot: every operation within 1% of bench/gas-snapshot.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
