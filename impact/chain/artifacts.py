"""Contract ABIs and bytecode from Brownie's build artifacts (`build/contracts/<Name>.json`)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = PROJECT_ROOT / "build" / "contracts"


class ArtifactError(RuntimeError):
    """A contract's build artifact is missing: the contracts have not been compiled."""


@cache
def artifact(name: str) -> dict[str, Any]:
    path = BUILD_DIR / f"{name}.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactError(f"no build artifact for {name}: run `make compile` (or `brownie compile`) first") from None


def abi(name: str) -> list[dict[str, Any]]:
    return artifact(name)["abi"]


def bytecode(name: str) -> str:
    return artifact(name)["bytecode"]
