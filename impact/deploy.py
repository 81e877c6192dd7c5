"""Deploying and wiring the contracts, on any network Brownie is connected to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

DEFAULT_TOKEN_URI = "ipfs://green-list-impact/{id}.json"


@dataclass(frozen=True)
class System:
    """The deployed contracts."""

    registry: Any
    pools: Any
    certifier: Any

    def addresses(self) -> dict[str, str]:
        return {
            "SiteRegistry": self.registry.address,
            "ImpactPools": self.pools.address,
            "MilestoneCertifier": self.certifier.address,
        }


def deploy_system(
    admin: Any,
    oracles: Sequence[Any],
    quorum: int,
    admin_delay: int = 0,
    token_uri: str = DEFAULT_TOKEN_URI,
    confirmations: int = 1,
) -> System:
    """Deploys the registry, the pools and the certifier, and gives the certifier its role on the pools.

    `admin` becomes the default admin of all three (transferable in two steps after `admin_delay` seconds),
    registrar, programme and pauser; `oracles` are accredited and `quorum` of them must agree.
    """
    from brownie import ImpactPools, MilestoneCertifier, SiteRegistry

    tx = {"from": admin, "required_confs": confirmations}
    registry = SiteRegistry.deploy(admin_delay, admin, tx, silent=True)
    pools = ImpactPools.deploy(admin_delay, admin, registry, token_uri, tx, silent=True)
    certifier = MilestoneCertifier.deploy(admin_delay, admin, pools, list(oracles), quorum, tx, silent=True)
    pools.grantRole.transact(pools.CERTIFIER_ROLE(), certifier, tx, silent=True)
    return System(registry=registry, pools=pools, certifier=certifier)
