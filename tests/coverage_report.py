"""Branch coverage of the non-test contracts from the hits Brownie records (see the hook in conftest.py).

Each branch (an `if`, a `require`, a condition) has two outcomes; coverage is the share of outcomes that some test
reached. The maps of branches come from Brownie's build artifacts (`coverageMap`), the hits from its trace analysis.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = ROOT / "reports" / "coverage-summary.json"
FLOOR = 0.95
OURS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "contracts").glob("*.sol"))


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
    results: dict[str, dict] = {}
    for artifact in sorted((ROOT / "build" / "contracts").glob("*.json")):
        build = json.loads(artifact.read_text())
        source = build.get("sourcePath")
        if source not in OURS or build.get("type") != "contract":
            continue
        path_id = next(k for k, v in build["allSourcePaths"].items() if v == source)
        branch_map = build["coverageMap"]["branches"].get(path_id, {})
        # Brownie's entry for a branch is (start, stop, jump): `jump` says whether a taken JUMPI means "true".
        branches = {int(i): (fn, bool(entry[2])) for fn, items in branch_map.items() for i, entry in items.items()}
        hits = merged.get(build["contractName"], {}).get(path_id, [set(), set(), set()])
        reached = sum((i in hits[1]) + (i in hits[2]) for i in branches)
        missed = []
        for i, (fn, jump) in sorted(branches.items()):
            true_set, false_set = (hits[2], hits[1]) if jump else (hits[1], hits[2])
            missed += [
                f"{fn} #{i} {outcome}" for outcome, seen in (("true", true_set), ("false", false_set)) if i not in seen
            ]
        results[source] = {"outcomes": 2 * len(branches), "reached": reached, "missed": missed}
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
