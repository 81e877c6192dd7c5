"""The committed gas snapshot (like `forge snapshot`): a change that moves an operation's gas by more than 1% must
update `bench/gas-snapshot.json` in the same commit (`make bench-update`)."""

from __future__ import annotations

import json
from pathlib import Path

PATH = Path(__file__).resolve().parent / "gas-snapshot.json"
TOLERANCE = 0.01


def read() -> dict[str, int]:
    return json.loads(PATH.read_text())


def write(measured: dict[str, int]) -> None:
    PATH.write_text(json.dumps(measured, indent=2) + "\n")


def compare(measured: dict[str, int], expected: dict[str, int] | None = None) -> list[str]:
    """One line per operation whose gas left the snapshot's ±1%, or that is missing on either side."""
    expected = read() if expected is None else expected
    problems = []
    for operation in sorted(set(expected) | set(measured)):
        if operation not in measured or operation not in expected:
            problems.append(f"{operation}: {'not measured' if operation not in measured else 'not in the snapshot'}")
            continue
        before, now = expected[operation], measured[operation]
        if abs(now - before) > TOLERANCE * before:
            problems.append(f"{operation}: {before:,} -> {now:,} ({(now - before) / before:+.1%})")
    return problems
