"""The deployed contracts of the connected chain, as web3 contract objects."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from web3 import Web3

from impact import deployments
from impact.artifacts import abi
from impact.encoding import format_amount
from impact.errors import UserError

ETH = "0x0000000000000000000000000000000000000000"


@dataclass
class System:
    w3: Web3
    deployment: deployments.Deployment

    @classmethod
    def load(cls, w3: Web3) -> System:
        return cls(w3, deployments.load(w3))

    @cached_property
    def registry(self) -> Any:
        return self._contract("SiteRegistry")

    @cached_property
    def pools(self) -> Any:
        return self._contract("ImpactPools")

    @cached_property
    def certifier(self) -> Any:
        return self._contract("MilestoneCertifier")

    def erc20(self, address: str) -> Any:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi("MockStablecoin"))

    def pool(self, pool_id: int) -> dict[str, Any]:
        """The pool's view, or a UserError for an unknown pool."""
        if not 0 < pool_id <= self.pools.functions.poolCount().call():
            raise UserError(
                f"there is no pool {pool_id} (this deployment has {self.pools.functions.poolCount().call()})"
            )
        names = [o["name"] for o in _outputs(abi("ImpactPools"), "pool")]
        return dict(zip(names, self.pools.functions.pool(pool_id).call(), strict=True))

    def milestone(self, pool_id: int, milestone_id: int) -> dict[str, Any]:
        """A milestone's view by field name, or a UserError for an unknown pool or milestone."""
        info = self.pool(pool_id)
        if not 0 <= milestone_id < info["milestoneCount"]:
            raise UserError(f"pool {pool_id} has no milestone {milestone_id} (it has {info['milestoneCount']})")
        names = [o["name"] for o in _outputs(abi("ImpactPools"), "milestone")]
        return dict(zip(names, self.pools.functions.milestone(pool_id, milestone_id).call(), strict=True))

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


def _outputs(contract_abi: list, function: str) -> list[dict]:
    item = next(i for i in contract_abi if i.get("type") == "function" and i["name"] == function)
    return item["outputs"][0]["components"]
