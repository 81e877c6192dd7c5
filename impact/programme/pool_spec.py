"""Pool descriptions: a YAML or JSON file naming a site, a sale and its Green List milestones.

`load_pool_spec` validates the file and `PoolSpec.to_contract_args` turns it into the arguments of
`ImpactPools.openPool`. Validation here mirrors the contract's, so a bad file fails before anything is sent: every
key must be a known one (a misspelt key is named with the nearest known one), every number must be a number that
fits its contract field, and times are either relative days or absolute ISO 8601 UTC dates and times. The format is
documented key by key in docs/pool-file.md.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from eth_utils import keccak

from impact.chain.encoding import format_amount, format_iso, from_bytes32, parse_utc_time, to_bytes32

DAY = 86_400
BPS = 10_000
ETH = "0x0000000000000000000000000000000000000000"
_STANDARD_REF = re.compile(r"^GLS-V\d+\.\d+-[1-4](\.\d+){1,2}$")

# The keys each level of the file may have. Anything else is a mistake (`assett`, `start_in_days`) and is refused.
TOP_KEYS = ("site", "pool", "milestones")
SITE_KEYS = ("name", "country", "wdpa_id", "metadata_uri")
POOL_KEYS = ("asset", "price", "goal_tokens", "cap_tokens", "challenge_window_days", "sale")
MAX_CHALLENGE_WINDOW_DAYS = 30  # ImpactPools.MAX_CHALLENGE_WINDOW
SALE_KEYS = ("start", "starts_in_days", "end", "duration_days")
MILESTONE_KEYS = (
    "standard_ref",
    "component",
    "description",
    "description_uri",
    "share_bps",
    "deadline",
    "deadline_days_after_sale",
)


class SpecError(ValueError):
    """The pool description is malformed; the message says where and why."""


@dataclass(frozen=True)
class SiteSpec:
    name: str
    country: str
    wdpa_id: int
    metadata_uri: str | None = None  # compared with the registry only when the file gives it

    def mismatch(self, site_id: int, record: dict[str, Any]) -> str | None:
        """The sentence refusing to open the pool if this block does not describe `record`, the registry's site."""
        pairs = [
            ("name", self.name, record["name"]),
            ("country", self.country, record["countryCode"]),
            ("wdpa_id", self.wdpa_id, record["wdpaId"]),
        ]
        if self.metadata_uri is not None:
            pairs.append(("metadata_uri", self.metadata_uri, record["metadataURI"]))
        differences = [
            f"{key} is {mine!r} in the file but {theirs!r} in the registry"
            for key, mine, theirs in pairs
            if mine != theirs
        ]
        if not differences:
            return None
        return (
            f"the file's site block does not describe site {site_id} of the registry ({'; '.join(differences)}): "
            "check --site or the file"
        )


@dataclass(frozen=True)
class When:
    """A point in time given either as days relative to something (`days`) or as an absolute unix time (`at`)."""

    days: float | None = None
    at: int | None = None

    def resolve(self, origin: int) -> int:
        return self.at if self.at is not None else origin + int(round((self.days or 0) * DAY))


@dataclass(frozen=True)
class MilestoneSpec:
    standard_ref: str
    description: str
    description_uri: str
    share_bps: int
    deadline: When  # absolute, or whole days after the sale's end

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
    sale_start: When  # absolute, or days from now (the chain's time)
    sale_end: When  # absolute, or days after the sale's start
    milestones: tuple[MilestoneSpec, ...]
    challenge_window_days: float = 7.0

    @property
    def challenge_window(self) -> int:
        """Seconds after a certification during which a reviewer may void it."""
        return int(self.challenge_window_days * DAY)

    def to_contract_args(
        self, site_id: int, asset_address: str, decimals: int, now: int, symbol: str = ""
    ) -> tuple[tuple, list]:
        """(params, milestones) for `ImpactPools.openPool`, relative times counted from `now` (the chain's time).

        Refuses what the contract would refuse or could not store: a price finer than the asset's decimals or too
        large for the price field, a sale window that is empty, begins in the past or does not end in the future,
        milestone deadlines that do not strictly increase after the sale, and times beyond the time fields."""
        price = self.price * (Decimal(10) ** decimals)
        if price != price.to_integral_value():
            raise SpecError(f"pool.price {self.price} has more decimals than the asset's {decimals}")
        price_limit = _field_max("PoolParams", "price")
        if price > price_limit:
            largest = format_amount(price_limit, decimals, symbol).strip()
            raise SpecError(
                f"pool.price {self.price} is too large: the contract's price field holds at most {largest} per token"
            )
        start = self.sale_start.resolve(now)
        end = self.sale_end.resolve(start)
        if self.sale_start.at is not None and start < now:
            raise SpecError(
                f"pool.sale.start {format_iso(start)} is in the past (the chain's time is {format_iso(now)}); "
                "use starts_in_days: 0 to start at once"
            )
        if end <= start:
            raise SpecError(f"pool.sale ends ({format_iso(end)}) before it starts ({format_iso(start)})")
        if end <= now:
            raise SpecError(f"pool.sale.end {format_iso(end)} is already past (the chain's time is {format_iso(now)})")
        _fits(end, "PoolParams", "saleEnd", "pool.sale.end")
        deadlines = [m.deadline.resolve(end) for m in self.milestones]
        previous, previous_name = end, "the end of the sale"
        for i, deadline in enumerate(deadlines):
            where = f"milestones[{i}].deadline"
            if deadline <= previous:
                raise SpecError(f"{where} {format_iso(deadline)} is not after {previous_name} ({format_iso(previous)})")
            _fits(deadline, "MilestoneParams", "deadline", where)
            previous, previous_name = deadline, f"milestones[{i}].deadline"
        params = (
            site_id,
            asset_address,
            int(price),
            self.goal_tokens,
            self.cap_tokens,
            start,
            end,
            self.challenge_window,
        )
        milestones = [
            (to_bytes32(m.standard_ref), m.description_hash, m.description_uri, m.share_bps, deadline)
            for m, deadline in zip(self.milestones, deadlines, strict=True)
        ]
        return params, milestones


def describe(params: tuple, milestones: list, price_text: str, site_name: str) -> list[str]:
    """What is about to be opened, in absolute UTC times: the lines `pool open` echoes before it sends."""
    site_id, _, _, goal, cap, start, end, window = params
    lines = [
        f"opening a pool for site {site_id} ({site_name}):",
        f"  price          {price_text} per token",
        f"  sale           {format_iso(start)} to {format_iso(end)}",
        f"  goal / cap     {goal:,} / {cap:,} tokens",
        f"  challenge      {window / DAY:g} days after each certification, in which a reviewer may void it",
    ]
    for i, (ref, _, _, share, deadline) in enumerate(milestones):
        due = format_iso(deadline)
        lines.append(f"  milestone {i:<4} {from_bytes32(ref)}, {share / 100:g}% of the raise, due by {due}")
    return lines


def load_pool_spec(path: str | Path) -> PoolSpec:
    """Reads and validates a pool description (YAML or JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path} is not a text file") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first_line = str(exc).splitlines()[0]
        raise SpecError(f"{path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {first_line}") from None
    # Mostly unknown keys is another kind of file (an assessment report, say), not a pool file with a typo.
    if not isinstance(data, dict) or sum(key in TOP_KEYS for key in data) <= len(data) / 2:
        raise SpecError(f"{path} is not a pool description: expected a mapping with site, pool and milestones")
    return parse_pool_spec(data)


def parse_pool_spec(data: dict[str, Any]) -> PoolSpec:
    _known_keys(data, TOP_KEYS, "")
    site = _section(data, "site", "site", SITE_KEYS)
    pool = _section(data, "pool", "pool", POOL_KEYS)
    sale = _section(pool, "sale", "pool.sale", SALE_KEYS)
    raw_milestones = data.get("milestones")
    if not isinstance(raw_milestones, list) or not raw_milestones:
        raise SpecError("milestones: expected a non-empty list")
    if len(raw_milestones) > 32:
        raise SpecError(f"milestones: at most 32, got {len(raw_milestones)}")

    metadata_uri = site.get("metadata_uri")
    site_spec = SiteSpec(
        name=_text(site, "name", "site.name"),
        country=_country(site),
        wdpa_id=_whole(site, "wdpa_id", "site.wdpa_id", limit=("SiteRegistry", "wdpaId")),
        metadata_uri=None if metadata_uri is None else _optional_text(site, "metadata_uri", "site.metadata_uri"),
    )
    milestones = tuple(_milestone(m, i) for i, m in enumerate(raw_milestones))
    total = sum(m.share_bps for m in milestones)
    if total != BPS:
        raise SpecError(f"milestones: shares add up to {total} bps, not {BPS}")
    relative = [m.deadline.days for m in milestones if m.deadline.days is not None]
    if len(relative) == len(milestones) and relative != sorted(set(relative)):
        raise SpecError("milestones: deadline_days_after_sale must strictly increase")

    goal = _whole(pool, "goal_tokens", "pool.goal_tokens", limit=("PoolParams", "goalTokens"))
    cap = _whole(pool, "cap_tokens", "pool.cap_tokens", limit=("PoolParams", "capTokens"))
    if goal > cap:
        raise SpecError(f"pool.goal_tokens ({goal}) is above pool.cap_tokens ({cap})")
    return PoolSpec(
        site=site_spec,
        asset=_optional_text(pool, "asset", "pool.asset") or "ETH",
        price=_price(pool),
        goal_tokens=goal,
        cap_tokens=cap,
        sale_start=_one_of(sale, "start", "starts_in_days", "pool.sale", required=False, end_of_day=False),
        sale_end=_one_of(sale, "end", "duration_days", "pool.sale", required=True, end_of_day=True),
        milestones=milestones,
        challenge_window_days=_challenge_window_days(pool),
    )


# ------------------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------------------


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


def _known_keys(data: dict[str, Any], known: Iterable[str], prefix: str) -> None:
    known = tuple(known)
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"the keys here are {', '.join(known)}"
        raise SpecError(f"{prefix}{key}: unknown key; {hint}")


def _section(data: dict[str, Any], key: str, where: str, known: Iterable[str]) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise SpecError(f"{where}: missing or not a mapping")
    _known_keys(value, known, where + ".")
    return value


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where}: missing or empty")
    return value.strip()


def _optional_text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SpecError(f"{where}: expected text, got {value!r}")
    return value.strip()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(data: dict[str, Any], key: str, where: str, limit: tuple[str, str] | None = None) -> int:
    value = data.get(key)
    if not (_is_number(value) and math.isfinite(value) and value == int(value) and value > 0):
        raise SpecError(f"{where}: expected a positive whole number, got {value!r}")
    value = int(value)
    if limit is not None:
        _fits(value, *limit, where)
    return value


def _days(value: Any, where: str, minimum_exclusive: bool) -> float:
    if not _is_number(value) or not math.isfinite(value):
        raise SpecError(f"{where}: expected a number of days, got {value!r}")
    if value < 0 or (minimum_exclusive and value == 0):
        raise SpecError(f"{where}: expected a {'positive' if minimum_exclusive else 'non-negative'} number of days")
    if value * DAY > 2**40:
        raise SpecError(f"{where}: {value} days is beyond what the contract's time fields can hold")
    return float(value)


def _one_of(data: dict[str, Any], absolute: str, relative: str, where: str, required: bool, end_of_day: bool) -> When:
    """An absolute time under `absolute` or a number of days under `relative`, not both."""
    if absolute in data and relative in data:
        raise SpecError(f"{where}: give {absolute} or {relative}, not both")
    if absolute in data:
        try:
            return When(at=parse_utc_time(data[absolute], end_of_day=end_of_day))
        except ValueError as exc:
            raise SpecError(f"{where}.{absolute}: {exc}") from None
    if relative in data:
        return When(days=_days(data[relative], f"{where}.{relative}", minimum_exclusive=required))
    if required:
        raise SpecError(f"{where}: give {absolute} (an ISO 8601 UTC date or time) or {relative}")
    return When(days=0)


def _price(pool: dict[str, Any]) -> Decimal:
    value = pool.get("price")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise SpecError(f"pool.price: expected a positive number, got {value!r}")
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        raise SpecError(f"pool.price: '{value}' is not a number") from None
    if not price.is_finite() or price <= 0:
        raise SpecError(f"pool.price: expected a positive number, got {value!r}")
    return price


def _country(site: dict[str, Any]) -> str:
    code = _text(site, "country", "site.country")
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise SpecError(f"site.country: '{code}' is not an ISO 3166-1 alpha-2 code (two capital letters)")
    return code


def _milestone(raw: Any, index: int) -> MilestoneSpec:
    where = f"milestones[{index}]"
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: expected a mapping")
    _known_keys(raw, MILESTONE_KEYS, where + ".")
    ref = _text(raw, "standard_ref", f"{where}.standard_ref")
    if not _STANDARD_REF.match(ref):
        raise SpecError(f"{where}.standard_ref: '{ref}' is not a Green List Standard code like GLS-V1.1-3.4.1")
    if "component" in raw:
        _optional_text(raw, "component", f"{where}.component")
    if "deadline" in raw and "deadline_days_after_sale" in raw:
        raise SpecError(f"{where}: give deadline or deadline_days_after_sale, not both")
    if "deadline" in raw:
        try:
            deadline = When(at=parse_utc_time(raw["deadline"], end_of_day=True))
        except ValueError as exc:
            raise SpecError(f"{where}.deadline: {exc}") from None
    elif "deadline_days_after_sale" in raw:
        days = _whole(raw, "deadline_days_after_sale", f"{where}.deadline_days_after_sale")
        deadline = When(days=_days(days, f"{where}.deadline_days_after_sale", minimum_exclusive=True))
    else:
        raise SpecError(f"{where}: give deadline (an ISO 8601 UTC date or time) or deadline_days_after_sale")
    return MilestoneSpec(
        standard_ref=ref,
        description=_text(raw, "description", f"{where}.description"),
        description_uri=_optional_text(raw, "description_uri", f"{where}.description_uri"),
        share_bps=_whole(raw, "share_bps", f"{where}.share_bps", limit=("MilestoneParams", "shareBps")),
        deadline=deadline,
    )


@cache
def _field_max(struct: str, field: str) -> int:
    """The largest value the contract field `field` of `struct` (a uintN) holds, read from the compiled ABI so that
    it follows the contracts: a component of the `IImpactPools.<struct>` parameters, or for "SiteRegistry" a plain
    parameter of the registry's functions. 2**256 - 1 if there is no such field."""
    from impact.chain.artifacts import abi

    contract = "SiteRegistry" if struct == "SiteRegistry" else "ImpactPools"
    for item in abi(contract):
        for param in item.get("inputs", []):
            if struct == contract:
                fields = [param]
            elif param.get("internalType", "").removesuffix("[]").endswith("." + struct):
                fields = param.get("components", [])
            else:
                continue
            for candidate in fields:
                if candidate["name"] == field and candidate["type"].startswith("uint"):
                    return 2 ** int(candidate["type"][4:] or 256) - 1
    return 2**256 - 1


def _fits(value: int, struct: str, field: str, where: str) -> None:
    limit = _field_max(struct, field)
    if value > limit:
        raise SpecError(f"{where}: {value} is too large for the contract, which holds at most {limit:,} there")
