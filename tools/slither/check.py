"""Static analysis gate: Slither on the non-test contracts, every finding fixed or triaged.

    .venv-slither/bin/slither ...   (run by this script; `make slither` sets it all up)

Fails (exit 1) when
- Slither analysed fewer contracts than our own non-test sources define (a stdin-only compiler shim can make it
  analyse zero and still exit 0, see TOOLCHAIN.md), or when it did not run at all;
- any finding is not in `tools/slither/triage.yaml` (a new High or Medium finding fails the build; so does a new Low
  one: nothing is accepted without a written reason);
- a triage entry matches nothing any more (so the file cannot rot into a blanket waiver).

A finding is identified by its detector and the first source element it names (a function or variable, with its
contract), not by line numbers, so unrelated edits do not invalidate the triage.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SLITHER = ROOT / ".venv-slither" / "bin" / "slither"
TRIAGE = Path(__file__).resolve().parent / "triage.yaml"
# The deployables and what they are built from: contracts/, contracts/base/, contracts/libraries/ and the
# interfaces (where the errors and events live). Not contracts/test/ (attackers and mocks) on purpose.
OWN_DIRS = ("", "base/", "libraries/", "interfaces/")
SOURCES = sorted(path for d in OWN_DIRS for path in (ROOT / "contracts" / d).glob("*.sol"))
INCLUDE_PATHS = r"contracts/(base/|libraries/|interfaces/)?[^/]+\.sol$"


def own_contracts() -> set[str]:
    names = set()
    for source in SOURCES:
        names |= set(
            re.findall(r"^(?:abstract\s+contract|contract|library|interface)\s+(\w+)", source.read_text(), re.MULTILINE)
        )
    return names


def run_slither() -> tuple[list[dict], int]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "slither.json"
        completed = subprocess.run(
            [
                # The project is a Foundry project too (foundry.toml, for the invariants), so Slither compiles it
                # with forge, which uses the same solc shim, remappings and EVM version as Brownie. Findings are
                # kept to our own non-test contracts (and their bases, libraries, interfaces) by --include-paths.
                str(SLITHER),
                ".",
                "--compile-force-framework",
                "foundry",
                "--include-paths",
                INCLUDE_PATHS,
                "--exclude-informational",
                "--exclude-optimization",
                "--fail-none",
                "--json",
                str(report),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}"},
        )
        analysed = re.search(r"(\d+) contracts with (\d+) detectors", completed.stdout + completed.stderr)
        if completed.returncode != 0 or not report.exists() or analysed is None:
            tail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
            sys.exit("slither did not run:\n  " + "\n  ".join(tail))
        output = json.loads(report.read_text())
    if not output.get("success"):
        sys.exit(f"slither failed: {output.get('error')}")
    return output["results"].get("detectors", []), int(analysed.group(1))


def finding_key(finding: dict) -> tuple[str, str]:
    element = finding["elements"][0]
    parent = element.get("type_specific_fields", {}).get("parent", {})
    owner = parent.get("name") or parent.get("type_specific_fields", {}).get("parent", {}).get("name", "")
    return finding["check"], f"{owner}.{element['name']}" if owner else element["name"]


def main() -> int:
    findings, analysed = run_slither()
    expected = own_contracts()
    if analysed < len(expected):
        print(
            f"slither analysed {analysed} contracts, fewer than the {len(expected)} we define: refusing a silent pass"
        )
        return 1
    triage = yaml.safe_load(TRIAGE.read_text()) or []
    accepted = {(entry["check"], entry["element"]): entry for entry in triage}

    new, matched = [], set()
    for finding in findings:
        key = finding_key(finding)
        if key in accepted:
            matched.add(key)
        else:
            new.append((finding["impact"], key, finding["description"].strip().splitlines()[0]))
    stale = sorted(set(accepted) - matched)

    by_impact: dict[str, int] = {}
    for finding in findings:
        by_impact[finding["impact"]] = by_impact.get(finding["impact"], 0) + 1
    summary = ", ".join(f"{n} {impact}" for impact, n in sorted(by_impact.items())) or "none"
    print(
        f"slither: {analysed} contracts analysed ({len(expected)} ours: {', '.join(sorted(expected))}; the rest "
        "OpenZeppelin's and the tests'); "
        f"findings: {summary}; triaged: {len(matched)}; new: {len(new)}"
    )
    for impact, (check, element), description in new:
        print(f"  NEW {impact}: {check} in {element}: {description}")
    for check, element in stale:
        print(f"  STALE triage entry (matches no finding, remove it): {check} in {element}")
    return 1 if new or stale else 0


if __name__ == "__main__":
    sys.exit(main())
