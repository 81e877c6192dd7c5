"""The deployments file: where the contracts of each chain live, written by `deploy` and read by every command.

One JSON file per chain in `$IMPACT_DEPLOYMENTS` (default `./deployments`), documented in docs/formats.md:
`<chain id>.json` for a live chain (worth committing), `dev-<chain id>-<genesis hash, 12 hex digits>.json` for a
local one, since every local Anvil is chain 31337 and a restarted node is a new chain with the same id. Every
command checks the record against the chain it is connected to (the genesis block, and the code at each address)
and refuses a record that does not match with a sentence, rather than using it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from impact.chain.errors import UserError

CONTRACT_NAMES = ("SiteRegistry", "ImpactPools", "MilestoneCertifier")  # every deployment has these three
# Impact claims (retirement): deployed by `impact deploy` since claims exist; a record made before has none, and
# everything but claiming still works with it.
CLAIMS = "ImpactClaims"
INDEXED_NAMES = (*CONTRACT_NAMES, CLAIMS)
DEPLOYMENTS_VAR = "IMPACT_DEPLOYMENTS"
SCHEMA = "impact.deployment/2"
# Chain ids of local development nodes: Anvil and Hardhat (31337), Ganache (1337).
LOCAL_CHAIN_IDS = frozenset({31337, 1337})


@dataclass
class Deployed:
    address: str
    tx: str
    block: int
    code_hash: str | None = None  # keccak-256 of the runtime code, 0x-prefixed


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
    genesis_hash: str | None = None
    local: bool = False

    def address(self, name: str) -> str:
        return self.contracts[name].address

    def has(self, name: str) -> bool:
        return name in self.contracts

    @property
    def indexed(self) -> tuple[str, ...]:
        """The contracts of this deployment whose events the index keeps, in the order they were deployed."""
        return tuple(name for name in INDEXED_NAMES if name in self.contracts)

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, **asdict(self)}


def deployments_dir() -> Path:
    return Path(os.environ.get(DEPLOYMENTS_VAR, "deployments"))


def path_for(chain_id: int, genesis_hash: str | None = None, local: bool = False) -> Path:
    if local:
        if not genesis_hash:
            raise ValueError("a local deployment is keyed by its genesis hash")
        return deployments_dir() / f"dev-{chain_id}-{genesis_hash.removeprefix('0x')[:12]}.json"
    return deployments_dir() / f"{chain_id}.json"


def save(deployment: Deployment) -> Path:
    path = path_for(deployment.chain_id, deployment.genesis_hash, deployment.local)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(deployment.to_json(), indent=2) + "\n")
    os.replace(tmp, path)
    return path


def genesis_hash(w3: Any) -> str:
    return "0x" + bytes(w3.eth.get_block(0)["hash"]).hex()


def code_hash(code: bytes) -> str:
    from eth_utils import keccak

    return "0x" + keccak(bytes(code)).hex()


def load(w3: Any, local: bool = False) -> Deployment:
    """The deployment recorded for the connected chain, checked to be really there."""
    chain_id = w3.eth.chain_id
    genesis = genesis_hash(w3)
    path = path_for(chain_id, genesis, local)
    if not path.exists():
        raise UserError(
            f"no deployment for this chain (chain {chain_id}, genesis block {genesis[:14]}…) in {path.parent}/: "
            "run `impact deploy` first, or point $IMPACT_DEPLOYMENTS at the folder that has it",
            "no-deployment",
        )
    deployment = read(path)
    if deployment.chain_id != chain_id or (deployment.genesis_hash and deployment.genesis_hash != genesis):
        raise UserError(
            f"the deployment recorded in {path} belongs to another chain (genesis block "
            f"{(deployment.genesis_hash or '?')[:14]}…, this chain's is {genesis[:14]}…): run `impact deploy`",
            "stale-deployment",
        )
    for name, deployed in deployment.contracts.items():
        code = bytes(w3.eth.get_code(deployed.address))
        if not code or (deployed.code_hash and code_hash(code) != deployed.code_hash):
            what = "no code" if not code else "other code"
            raise UserError(
                f"the deployment recorded in {path} is not on this chain: there is {what} at {name}'s address "
                f"{deployed.address} (was the local node restarted?); run `impact deploy`",
                "stale-deployment",
            )
    return deployment


def read(path: Path) -> Deployment:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        return Deployment(
            chain_id=data["chain_id"],
            network=data["network"],
            deployer=data["deployer"],
            block=data["block"],
            contracts={k: Deployed(**v) for k, v in data["contracts"].items()},
            assets=data.get("assets", {}),
            roles=data.get("roles", {}),
            deployed_at=data.get("deployed_at", ""),
            genesis_hash=data.get("genesis_hash"),
            local=bool(data.get("local", False)),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"{path} is malformed ({exc}); redeploy or fix it", "malformed-deployment") from None
