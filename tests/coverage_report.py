"""Branch coverage of the non-test contracts from the hits Brownie records (see the hook in conftest.py).

Each branch (an `if`, a `require`, a condition) has two outcomes; coverage is the share of outcomes that some test
reached. The maps of branches come from Brownie's build artifacts (`coverageMap`), the hits from its trace analysis.
A source compiled into several deployed contracts (`contracts/base/DelayedChanges.sol` is in the registry and the
certifier) counts each of its branches once, by its place in the source: an outcome is reached if it was reached in
any of them.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = ROOT / "reports" / "coverage-summary.json"
FLOOR = 0.95
OURS = sorted(
    p.relative_to(ROOT).as_posix()
    for p in (ROOT / "contracts").rglob("*.sol")
    if p.relative_to(ROOT / "contracts").parts[0] != "test"
)


def merge(hits_by_tx: dict) -> dict[str, dict[str, list[set]]]:
    merged: dict[str, dict[str, list[set]]] = {}
    for evaluation in hits_by_tx.values():
        for contract, paths in evaluation.items():
            for path_id, hits in paths.items():
                target = merged.setdefault(contract, {}).setdefault(str(path_id), [set(), set(), set()])
                for i in range(3):
                    target[i] |= {int(x) for x in hits[i]}
    return merged


def branch_coverage(merged: dict[str, dict[str, list[set]]]) -> dict[str, dict]:
    """Per source file of ours: branch outcomes reached / possible, and the branches missed."""
    # (source, function, start, stop) -> [jump flag, reached "true", reached "false"]
    branches: dict[tuple, list] = {}
    for artifact in sorted((ROOT / "build" / "contracts").glob("*.json")):
        build = json.loads(artifact.read_text())
        if build.get("sourcePath") not in OURS or build.get("type") != "contract" or not build.get("deployedBytecode"):
            continue  # test contracts, interfaces, and abstract contracts (their code runs inside others)
        hits_by_path = merged.get(build["contractName"], {})
        for path_id, branch_map in build["coverageMap"]["branches"].items():
            source = build["allSourcePaths"][path_id]
            if source not in OURS:
                continue
            hits = hits_by_path.get(path_id, [set(), set(), set()])
            # Brownie's entry for a branch is (start, stop, jump): `jump` says whether a taken JUMPI means "true".
            for fn, items in branch_map.items():
                for i, (start, stop, jump) in items.items():
                    taken, not_taken = int(i) in hits[2], int(i) in hits[1]
                    true_seen, false_seen = (taken, not_taken) if jump else (not_taken, taken)
                    entry = branches.setdefault((source, fn, start, stop), [bool(jump), False, False])
                    entry[1] |= true_seen
                    entry[2] |= false_seen
    results: dict[str, dict] = {}
    for (source, fn, start, _stop), (_jump, true_seen, false_seen) in sorted(branches.items()):
        r = results.setdefault(source, {"outcomes": 0, "reached": 0, "missed": []})
        r["outcomes"] += 2
        r["reached"] += true_seen + false_seen
        r["missed"] += [
            f"{fn} @{start} {name}" for name, seen in (("true", true_seen), ("false", false_seen)) if not seen
        ]
    return results


def summarise(hits_by_tx: dict) -> str:
    results = branch_coverage(merge(hits_by_tx))
    total = sum(r["outcomes"] for r in results.values())
    reached = sum(r["reached"] for r in results.values())
    share = reached / total if total else 0.0
    SUMMARY.parent.mkdir(exist_ok=True)
    SUMMARY.write_text(json.dumps({"branch_coverage": share, "floor": FLOOR, "files": results}, indent=2) + "\n")
    lines = ["", "Branch coverage of the non-test contracts (each branch counts its true and false outcomes):"]
    for source, r in results.items():
        pct = r["reached"] / r["outcomes"] if r["outcomes"] else 1.0
        lines.append(f"  {source}: {r['reached']}/{r['outcomes']} = {pct:.1%}")
        lines += [f"      not reached: {m}" for m in r["missed"]]
    lines.append(
        f"  total: {reached}/{total} = {share:.1%} (floor {FLOOR:.0%}); written to {SUMMARY.relative_to(ROOT)}"
    )
    return "\n".join(lines)


if __name__ == "__main__":  # `make coverage` checks the floor after the run
    import sys

    measured = json.loads(SUMMARY.read_text())["branch_coverage"]
    if measured < FLOOR:
        sys.exit(f"branch coverage {measured:.1%} is below the floor of {FLOOR:.0%}")
    print(f"branch coverage {measured:.1%} meets the floor of {FLOOR:.0%}")
