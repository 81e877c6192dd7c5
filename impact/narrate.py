"""One readable line per contract event: what happened, to whom, for how much."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from impact.encoding import format_amount, format_time, from_bytes32

ETH = "0x0000000000000000000000000000000000000000"
STATUS = ["None", "Candidate", "Green Listed", "Suspended", "Withdrawn"]
FAILURE = ["None", "goal not reached", "milestone missed", "site withdrawn"]


@dataclass
class Narrator:
    """Turns decoded events into sentences, naming known addresses and formatting amounts per pool asset."""

    names: dict[str, str] = field(default_factory=dict)
    assets: dict[str, tuple[int, str]] = field(default_factory=lambda: {ETH: (18, "ETH")})
    pool_assets: dict[int, str] = field(default_factory=dict)
    site_names: dict[int, str] = field(default_factory=dict)

    def name(self, address: str) -> str:
        return self.names.get(str(address).lower(), str(address))

    def money(self, pool_id: int, amount: int) -> str:
        decimals, symbol = self.assets.get(self.pool_assets.get(pool_id, ETH).lower(), (18, "?"))
        return format_amount(amount, decimals, symbol)

    def describe(self, name: str, args: Mapping[str, Any]) -> str | None:
        """The sentence for event `name` with arguments `args`, or None for events not worth a line."""
        handler: Callable[[Mapping[str, Any]], str] | None = getattr(self, f"_{name}", None)
        return handler(args) if handler else None

    # -- SiteRegistry --
    def _SiteRegistered(self, a: Mapping[str, Any]) -> str:
        self.site_names[a["siteId"]] = a["name"]
        return (
            f"site {a['siteId']} registered: {a['name']} ({bytes(a['countryCode']).decode()}), "
            f"WDPA {a['wdpaId']}, beneficiary {self.name(a['beneficiary'])}"
        )

    def _SiteStatusChanged(self, a: Mapping[str, Any]) -> str:
        return f"site {a['siteId']} status: {STATUS[a['previousStatus']]} -> {STATUS[a['newStatus']]}"

    def _SiteBeneficiaryChanged(self, a: Mapping[str, Any]) -> str:
        return f"site {a['siteId']} beneficiary: {self.name(a['previousBeneficiary'])} -> {self.name(a['newBeneficiary'])}"

    # -- ImpactPools --
    def _PoolOpened(self, a: Mapping[str, Any]) -> str:
        self.pool_assets[a["poolId"]] = str(a["asset"]).lower()
        site = self.site_names.get(a["siteId"], f"site {a['siteId']}")
        return (
            f"pool {a['poolId']} opened for {site}: {self.money(a['poolId'], a['price'])} per token, "
            f"goal {a['goalTokens']} / cap {a['capTokens']} tokens, sale until {format_time(a['saleEnd'])}, "
            f"{a['milestoneCount']} milestone{'s' if a['milestoneCount'] != 1 else ''}"
        )

    def _MilestoneScheduled(self, a: Mapping[str, Any]) -> str:
        return (
            f"pool {a['poolId']} milestone {a['milestoneId']}: {from_bytes32(a['standardRef'])}, "
            f"{a['shareBps'] / 100:g}% of the raise, due {format_time(a['deadline'])}"
        )

    def _TokensPurchased(self, a: Mapping[str, Any]) -> str:
        recipient = "" if a["recipient"] == a["buyer"] else f" for {self.name(a['recipient'])}"
        return (
            f"pool {a['poolId']}: {self.name(a['buyer'])} bought {a['tokens']} tokens{recipient} "
            f"for {self.money(a['poolId'], a['amountPaid'])}"
        )

    def _MilestoneCertified(self, a: Mapping[str, Any]) -> str:
        return (
            f"pool {a['poolId']} milestone {a['milestoneId']} CERTIFIED, evidence {_short(a['evidenceHash'])} "
            f"at {a['evidenceURI']}"
        )

    def _TrancheReleased(self, a: Mapping[str, Any]) -> str:
        how = "credited for withdrawal to" if a["credited"] else "paid to"
        return (
            f"pool {a['poolId']} milestone {a['milestoneId']}: tranche of {self.money(a['poolId'], a['amount'])} "
            f"{how} {self.name(a['beneficiary'])}"
        )

    def _PoolFailed(self, a: Mapping[str, Any]) -> str:
        return f"pool {a['poolId']} FAILED: {FAILURE[a['reason']]}; holders may now redeem their tokens"

    def _Refunded(self, a: Mapping[str, Any]) -> str:
        return (
            f"pool {a['poolId']}: {self.name(a['holder'])} redeemed {a['tokens']} tokens for "
            f"{self.money(a['poolId'], a['amount'])}"
        )

    def _CreditWithdrawn(self, a: Mapping[str, Any]) -> str:
        decimals, symbol = self.assets.get(str(a["asset"]).lower(), (18, "?"))
        return f"{self.name(a['account'])} withdrew a credited payment of {format_amount(a['amount'], decimals, symbol)}"

    # -- MilestoneCertifier --
    def _OracleAttested(self, a: Mapping[str, Any]) -> str:
        return (
            f"pool {a['poolId']} milestone {a['milestoneId']}: {self.name(a['oracle'])} attested evidence "
            f"{_short(a['evidenceHash'])} ({a['attestations']} so far)"
        )

    def _QuorumChanged(self, a: Mapping[str, Any]) -> str:
        return f"oracle quorum: {a['previousQuorum']} -> {a['newQuorum']}"

    def _TransferSingle(self, a: Mapping[str, Any]) -> str | None:
        # Mints and burns are told by TokensPurchased and Refunded; only holder-to-holder transfers get a line.
        if ETH in (str(a["from"]).lower(), str(a["to"]).lower()):
            return None
        return f"pool {a['id']}: {self.name(a['from'])} transferred {a['value']} tokens to {self.name(a['to'])}"


def _short(value: Any) -> str:
    text = value.hex() if isinstance(value, (bytes, bytearray)) else str(value)
    text = text if text.startswith("0x") else "0x" + text
    return text[:10] + "…"
