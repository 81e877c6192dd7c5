"""The deployments file: where the contracts of each chain live, written by `deploy` and read by every command."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from web3 import Web3

from impact.errors import UserError

CONTRACT_NAMES = ("SiteRegistry", "ImpactPools", "MilestoneCertifier")


@dataclass
class Deployed:
    address: str
    tx: str
    block: int


@dataclass
class Deployment:
    chain_id: int
    network: str
    deployer: str
    block: int
    contracts: dict[str, Deployed]
    assets: dict[str, str] = field(default_factory=dict)
    # Who held each programme duty at deployment (admin, registrar, programme, pauser); roles may change since.
    roles: dict[str, str] = field(default_factory=dict)
    deployed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def address(self, name: str) -> str:
        return self.contracts[name].address


def deployments_dir() -> Path:
    return Path(os.environ.get("IMPACT_DEPLOYMENTS", "deployments"))


def path_for(chain_id: int) -> Path:
    return deployments_dir() / f"{chain_id}.json"


def save(deployment: Deployment) -> Path:
    path = path_for(deployment.chain_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(deployment), indent=2) + "\n")
    os.replace(tmp, path)
    return path


def load(w3: Web3) -> Deployment:
    """The deployment recorded for the connected chain, checked to be really there."""
    chain_id = w3.eth.chain_id
    path = path_for(chain_id)
    if not path.exists():
        raise UserError(f"no deployment for chain {chain_id} in {path.parent}/: run `impact deploy` first")
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        deployment = Deployment(
            chain_id=data["chain_id"],
            network=data["network"],
            deployer=data["deployer"],
            block=data["block"],
            contracts={k: Deployed(**v) for k, v in data["contracts"].items()},
            assets=data.get("assets", {}),
            roles=data.get("roles", {}),
            deployed_at=data.get("deployed_at", ""),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{path} is malformed ({exc}); redeploy or fix it") from None
    registry = deployment.contracts.get("SiteRegistry")
    if registry is None or not w3.eth.get_code(registry.address):
        raise UserError(
            f"the deployment recorded in {path} is not on this chain (was the local node restarted?): "
            "run `impact deploy`"
        )
    return deployment
