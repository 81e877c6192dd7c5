"""Steps and constants shared by the CLI tests of the escrow and its governance (tests/cli/test_escrow_commands.py,
test_json_escrow.py, test_governance_commands.py); the fixtures they share are in tests/cli/conftest.py."""

from __future__ import annotations

from pathlib import Path

import yaml
from brownie import chain

from impact.chain.encoding import to_bytes32

DAY = 86_400
POOL_FILE = "samples/xianju-pool.yaml"
USDC_FILE = "samples/xianju-pool-usdc.yaml"
PRICE = 5 * 10**16  # the sample pool's 0.05 ETH
URI = "ipfs://sample/report"
ROOT = Path(__file__).resolve().parents[2]


def warp(seconds: int) -> None:
    chain.sleep(seconds)
    chain.mine()


def certify(impact, pool_id: int, milestone: int = 0, evidence: str = "EAGL report") -> str:
    """Oracles 1 and 2 attest the same evidence on chain; the second attestation certifies. Returns its hash."""
    for oracle in ("dev:1", "dev:2"):
        out = impact.ok(
            "oracle",
            "attest",
            *("--pool", str(pool_id), "--milestone", str(milestone), "--evidence-hash", to_bytes32(evidence)),
            *("--uri", URI),
            account=oracle,
        )
    assert "CERTIFIED" in out
    return to_bytes32(evidence)


def other_site_pool_file(folder: Path) -> Path:
    """The sample pool file with its site block describing the "Other" site (KE, WDPA 42) a test registers as
    site 2."""
    spec = yaml.safe_load((ROOT / POOL_FILE).read_text())
    spec["site"] = {"name": "Other", "country": "KE", "wdpa_id": 42}
    path = folder / "other-pool.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path
