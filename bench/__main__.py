"""`make bench`: gas per operation (and trace speed) on fresh local chains; a table, bench/results.json, and the
gas snapshot check.

    python -m bench                 measure, print, write bench/results.json, compare with the snapshot
    python -m bench --update        ... and rewrite bench/gas-snapshot.json
    python -m bench --gas-only      skip the trace-speed part
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
from bench.gas import PER_EXTRA_SIGNATURE_TARGET, Measurement, measure, per_extra_signature
from impact.localnode import LocalAnvil

RESULTS = Path(__file__).resolve().parent / "results.json"

NOTES = {
    "buy": "cross-contract read of the site's status in the registry (~5.4k), OpenZeppelin ReentrancyGuard and "
    "Pausable slots (~4.4k), the TokensPurchased event (~2.4k)",
    "attest": "the attestation and the per-evidence vote count are two new slots (+20k), and the pools' "
    "checkCertifiable is a cross-contract call that also reads the registry",
    "certify": "evidence hash stored for the milestone view (+20k), the pools' checks and the registry read across "
    "contracts, two events; per signature: calldata, ecrecover and the signer's role (a cold slot)",
    "release": "the beneficiary is read from the registry (cross-contract), the push is bounded and falls back to "
    "a credit, OpenZeppelin ReentrancyGuard and Pausable",
    "refund": "the refundable share is computed from the certified schedule (cold reads), the holder's balance is "
    "checked before the burn, Refunded and TransferSingle events, OpenZeppelin ReentrancyGuard",
}


def machine() -> str:
    system = f"{platform.system()} {platform.release()}"
    return f"{platform.machine()}, {os.cpu_count()} CPUs, {system}, Python {platform.python_version()}"


def table(results: list[Measurement]) -> str:
    header = "| operation | gas | floor | gas ÷ floor | target | met |\n| --- | ---: | ---: | ---: | ---: | --- |"
    rows = [
        f"| {r.operation} | {r.gas:,} | {r.floor:,} | {r.ratio:.2f} | ≤ {r.target:.2f} | "
        f"{'yes' if r.meets_target else 'no'} |"
        for r in results
    ]
    extra = per_extra_signature(results)
    rows.append(
        f"| per extra signature (M = 1 → 5) | {extra:,.0f} | 6,240 | {extra / 6_240:.2f} | "
        f"≤ {PER_EXTRA_SIGNATURE_TARGET:,} gas | {'yes' if extra <= PER_EXTRA_SIGNATURE_TARGET else 'no'} |"
    )
    return "\n".join([header, *rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--update", action="store_true", help="rewrite the gas snapshot")
    parser.add_argument("--gas-only", action="store_true", help="skip the trace-speed benchmark")
    args = parser.parse_args(argv)

    with LocalAnvil() as node:
        results = measure(Web3(HTTPProvider(node.url)))
    print("Gas per operation (receipt gasUsed, fresh Anvil)\n")
    print(table(results))
    print("\nWhy the gap to the floor (no check was weakened to close it):")
    for key, note in NOTES.items():
        print(f"  {key}: {note}")

    trace_rows: list[dict] = []
    if not args.gas_only:
        from bench.trace_speed import run as run_trace_speed

        trace_rows = run_trace_speed()

    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "gas": [
            {"operation": r.operation, "gas": r.gas, "floor": r.floor, "ratio": round(r.ratio, 3)} for r in results
        ],
        "trace": trace_rows,
    }
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
