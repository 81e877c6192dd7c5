"""Pool descriptions: a YAML or JSON file naming a site, a sale and its Green List milestones.

`load_pool_spec` validates the file and `PoolSpec.to_contract_args` turns it into the arguments of
`ImpactPools.openPool`. Validation here mirrors the contract's, so a bad file fails before anything is sent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from eth_utils import keccak

from impact.encoding import to_bytes32

DAY = 86_400
BPS = 10_000
MAX_CHALLENGE_WINDOW_DAYS = 30  # ImpactPools.MAX_CHALLENGE_WINDOW
ETH = "0x0000000000000000000000000000000000000000"
_STANDARD_REF = re.compile(r"^GLS-V\d+\.\d+-[1-4](\.\d+){1,2}$")


class SpecError(ValueError):
    """The pool description is malformed; the message says where and why."""


@dataclass(frozen=True)
class SiteSpec:
    name: str
    country: str
    wdpa_id: int
    metadata_uri: str


@dataclass(frozen=True)
class MilestoneSpec:
    standard_ref: str
    description: str
    description_uri: str
    share_bps: int
    deadline_days_after_sale: int

    @property
    def description_hash(self) -> str:
        """keccak-256 of the description text, as stored on chain."""
        return "0x" + keccak(text=self.description).hex()


@dataclass(frozen=True)
class PoolSpec:
    site: SiteSpec
    asset: str
    price: Decimal
    goal_tokens: int
    cap_tokens: int
    starts_in_days: float
    duration_days: float
    milestones: tuple[MilestoneSpec, ...]
    # Days after a certification during which an accredited reviewer may void it; its tranche is releasable only
    # after. 0 makes certifications final at once.
    challenge_window_days: float = 7.0

    @property
    def challenge_window(self) -> int:
        """The challenge window in seconds, as `openPool` takes it."""
        return int(self.challenge_window_days * DAY)

    def to_contract_args(self, site_id: int, asset_address: str, decimals: int, now: int) -> tuple[tuple, list]:
        """(params, milestones) for `ImpactPools.openPool`, with times counted from `now` (unix seconds)."""
        price = self.price * (Decimal(10) ** decimals)
        if price != price.to_integral_value():
            raise SpecError(f"pool.price {self.price} has more decimals than the asset's {decimals}")
        sale_start = now + int(self.starts_in_days * DAY)
        sale_end = sale_start + int(self.duration_days * DAY)
        params = (
            site_id,
            asset_address,
            int(price),
            self.goal_tokens,
            self.cap_tokens,
            sale_start,
            sale_end,
            self.challenge_window,
        )
        milestones = [
            (
                to_bytes32(m.standard_ref),
                m.description_hash,
                m.description_uri,
                m.share_bps,
                sale_end + m.deadline_days_after_sale * DAY,
            )
            for m in self.milestones
        ]
        return params, milestones


def load_pool_spec(path: str | Path) -> PoolSpec:
    """Reads and validates a pool description (YAML or JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first_line = str(exc).splitlines()[0]
        raise SpecError(f"{path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {first_line}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping with site, pool and milestones")
    return parse_pool_spec(data)


def parse_pool_spec(data: dict[str, Any]) -> PoolSpec:
    site = _section(data, "site")
    pool = _section(data, "pool")
    sale = _section(pool, "sale", "pool.sale")
    raw_milestones = data.get("milestones")
    if not isinstance(raw_milestones, list) or not raw_milestones:
        raise SpecError("milestones: expected a non-empty list")

    site_spec = SiteSpec(
        name=_text(site, "name", "site.name"),
        country=_country(site),
        wdpa_id=_positive_int(site, "wdpa_id", "site.wdpa_id"),
        metadata_uri=str(site.get("metadata_uri", "")),
    )
    milestones = tuple(_milestone(m, i) for i, m in enumerate(raw_milestones))
    total = sum(m.share_bps for m in milestones)
    if total != BPS:
        raise SpecError(f"milestones: shares add up to {total} bps, not {BPS}")
    days = [m.deadline_days_after_sale for m in milestones]
    if days != sorted(set(days)):
        raise SpecError("milestones: deadline_days_after_sale must strictly increase")

    goal = _positive_int(pool, "goal_tokens", "pool.goal_tokens")
    cap = _positive_int(pool, "cap_tokens", "pool.cap_tokens")
    if goal > cap:
        raise SpecError(f"pool.goal_tokens ({goal}) is above pool.cap_tokens ({cap})")
    try:
        price = Decimal(str(pool.get("price")))
    except InvalidOperation:
        raise SpecError(f"pool.price: '{pool.get('price')}' is not a number") from None
    if not price.is_finite() or price <= 0:
        raise SpecError("pool.price must be a positive number")
    duration = float(sale.get("duration_days", 0))
    if duration <= 0:
        raise SpecError("pool.sale.duration_days must be positive")
    window = _challenge_window_days(pool)
    return PoolSpec(
        site=site_spec,
        asset=str(pool.get("asset", "ETH")),
        price=price,
        goal_tokens=goal,
        cap_tokens=cap,
        starts_in_days=float(sale.get("starts_in_days", 0)),
        duration_days=duration,
        milestones=milestones,
        challenge_window_days=window,
    )


def _challenge_window_days(pool: dict[str, Any]) -> float:
    where = "pool.challenge_window_days"
    if "challenge_window_days" not in pool:
        raise SpecError(
            f"{where}: missing (days after a certification during which a reviewer may void it, 0 to "
            f"{MAX_CHALLENGE_WINDOW_DAYS}; 0 makes certifications final at once)"
        )
    value = pool["challenge_window_days"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where}: expected a number of days, got {value!r}")
    if not 0 <= value <= MAX_CHALLENGE_WINDOW_DAYS:
        raise SpecError(f"{where}: {value} is not between 0 and {MAX_CHALLENGE_WINDOW_DAYS} days")
    if value * DAY != int(value * DAY):
        raise SpecError(f"{where}: {value} days is not a whole number of seconds")
    return float(value)


def _section(data: dict[str, Any], key: str, where: str | None = None) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise SpecError(f"{where or key}: missing or not a mapping")
    return value


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where}: missing or empty")
    return value.strip()


def _positive_int(data: dict[str, Any], key: str, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SpecError(f"{where}: expected a positive whole number, got {value!r}")
    return value


def _country(site: dict[str, Any]) -> str:
    code = _text(site, "country", "site.country")
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise SpecError(f"site.country: '{code}' is not an ISO 3166-1 alpha-2 code (two capital letters)")
    return code


def _milestone(raw: Any, index: int) -> MilestoneSpec:
    where = f"milestones[{index}]"
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: expected a mapping")
    ref = _text(raw, "standard_ref", f"{where}.standard_ref")
    if not _STANDARD_REF.match(ref):
        raise SpecError(f"{where}.standard_ref: '{ref}' is not a Green List Standard code like GLS-V1.1-3.4.1")
    return MilestoneSpec(
        standard_ref=ref,
        description=_text(raw, "description", f"{where}.description"),
        description_uri=str(raw.get("description_uri", "")),
        share_bps=_positive_int(raw, "share_bps", f"{where}.share_bps"),
        deadline_days_after_sale=_positive_int(raw, "deadline_days_after_sale", f"{where}.deadline_days_after_sale"),
    )
