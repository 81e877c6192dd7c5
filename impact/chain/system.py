"""The deployed contracts of the connected chain, as web3 contract objects."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from web3 import Web3

from impact.chain import deployments
from impact.chain.artifacts import abi
from impact.chain.encoding import format_amount, from_bytes32
from impact.chain.errors import UserError

ETH = "0x0000000000000000000000000000000000000000"


@dataclass
class System:
    w3: Web3
    deployment: deployments.Deployment

    @classmethod
    def load(cls, w3: Web3, local: bool | None = None) -> System:
        """The system recorded for the connected chain; `local` (default: a local node's chain id) keys the record
        by the chain's genesis block too."""
        if local is None:
            local = w3.eth.chain_id in deployments.LOCAL_CHAIN_IDS
        return cls(w3, deployments.load(w3, local))

    @cached_property
    def registry(self) -> Any:
        return self._contract("SiteRegistry")

    @cached_property
    def pools(self) -> Any:
        return self._contract("ImpactPools")

    @cached_property
    def certifier(self) -> Any:
        return self._contract("MilestoneCertifier")

    @property
    def has_claims(self) -> bool:
        return self.deployment.has(deployments.CLAIMS)

    @cached_property
    def claims(self) -> Any:
        """Where impact tokens are claimed (retired); a deployment recorded before claims existed has none."""
        if not self.has_claims:
            raise UserError(
                "this deployment has no ImpactClaims contract (it was deployed before claims existed): deploy again "
                "with `impact deploy` to claim impact",
                "no-claims",
            )
        return self._contract(deployments.CLAIMS)

    def erc20(self, address: str) -> Any:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi("MockStablecoin"))

    def pool(self, pool_id: int) -> dict[str, Any]:
        """The pool's view, or a UserError for an unknown pool."""
        count = self.pools.functions.poolCount().call()
        if not 0 < pool_id <= count:
            raise UserError(f"there is no pool {pool_id} (this deployment has {count})", "PoolsUnknownPool")
        names = struct_fields(abi("ImpactPools"), "pool")
        return dict(zip(names, self.pools.functions.pool(pool_id).call(), strict=True))

    def milestone(self, pool_id: int, milestone_id: int) -> dict[str, Any]:
        """The milestone's view (its `standardRef` as text), or a UserError for an unknown pool or milestone."""
        info = self.pool(pool_id)
        if not 0 <= milestone_id < info["milestoneCount"]:
            raise UserError(f"pool {pool_id} has no milestone {milestone_id} (it has {info['milestoneCount']})")
        names = struct_fields(abi("ImpactPools"), "milestone")
        milestone = dict(zip(names, self.pools.functions.milestone(pool_id, milestone_id).call(), strict=True))
        return {**milestone, "standardRef": from_bytes32(milestone["standardRef"])}

    def site(self, site_id: int) -> dict[str, Any]:
        """The registry's record of a site (country code as text), or a UserError for an unknown site."""
        count = self.registry.functions.siteCount().call()
        if not 0 < site_id <= count:
            raise UserError(
                f"there is no site {site_id}: register it first with `impact site register`", "RegistryUnknownSite"
            )
        names = struct_fields(abi("SiteRegistry"), "site")
        site = dict(zip(names, self.registry.functions.site(site_id).call(), strict=True))
        return {**site, "countryCode": bytes(site["countryCode"]).decode("ascii", errors="replace")}

    def now(self) -> int:
        """The latest block's timestamp: the chain's clock, which every view is read at."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def asset_units(self, asset: str) -> tuple[int, str]:
        """(decimals, symbol) of a pool asset; ETH for the zero address."""
        if int(asset, 16) == 0:
            return 18, "ETH"
        return _erc20_units(self.w3, Web3.to_checksum_address(asset))

    def money(self, asset: str, amount: int) -> str:
        return format_amount(amount, *self.asset_units(asset))

    def _contract(self, name: str) -> Any:
        return self.w3.eth.contract(address=self.deployment.address(name), abi=abi(name))


_UNITS: dict[str, tuple[int, str]] = {}


def _erc20_units(w3: Web3, address: str) -> tuple[int, str]:
    if address not in _UNITS:
        token = w3.eth.contract(address=address, abi=abi("MockStablecoin"))
        try:
            _UNITS[address] = (token.functions.decimals().call(), token.functions.symbol().call())
        except Exception:  # noqa: BLE001 - a token without metadata is shown in base units
            _UNITS[address] = (0, f"units of {address[:10]}…")
    return _UNITS[address]


def struct_fields(contract_abi: list, function: str) -> list[str]:
    """The field names of the struct a view function returns, in order (to make its tuple a dict)."""
    item = next(i for i in contract_abi if i.get("type") == "function" and i["name"] == function)
    return [component["name"] for component in item["outputs"][0]["components"]]
