"""Encodings shared by the contracts and the scripts: short ASCII strings as bytes32, money, dates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal


def to_bytes32(text: str) -> str:
    """ASCII `text` left-aligned in 32 bytes and zero-padded, as a 0x-prefixed hex string.

    This is how Green List references ("GLS-V1.1-3.4.1") and short labels are stored on chain.
    """
    raw = text.encode("ascii")
    if len(raw) > 32:
        raise ValueError(f"'{text}' is longer than 32 bytes")
    return "0x" + raw.ljust(32, b"\0").hex()


def from_bytes32(value: bytes | str) -> str:
    """The ASCII text of a zero-padded bytes32 value (the inverse of `to_bytes32`)."""
    raw = bytes.fromhex(value[2:] if value.startswith("0x") else value) if isinstance(value, str) else bytes(value)
    return raw.rstrip(b"\0").decode("ascii", errors="replace")


def format_amount(amount: int, decimals: int, symbol: str) -> str:
    """`amount` base units as a human figure, e.g. 1500000000 with 6 decimals -> '1,500 USDC'."""
    value = Decimal(amount) / (Decimal(10) ** decimals)
    text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:,}"
    return f"{text} {symbol}"


def format_time(timestamp: int) -> str:
    """A unix time as 'YYYY-MM-DD HH:MM UTC'."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_iso(timestamp: int) -> str:
    """A unix time in ISO 8601, UTC: '2026-12-03T14:00:00Z'."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_duration(seconds: int) -> str:
    """A span of time in the two largest units that matter: '2 days', '1 day 3 h', '3 h 20 min', '45 s'."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "day"), (hours, "h"), (minutes, "min"), (secs, "s")]
    shown = []
    for value, unit in parts:
        if value or shown:
            shown.append((value, unit))
        if len(shown) == 2:
            break
    shown = [(v, u) for v, u in shown if v]
    if not shown:
        return "0 s"
    return " ".join(f"{v} {u}{'s' if u == 'day' and v != 1 else ''}" for v, u in shown)


def format_until(timestamp: int, now: int) -> str:
    """When `timestamp` comes, seen from `now`: '2026-12-03T14:00:00Z (in 1 day 3 h)' or '… (2 h ago)'."""
    if timestamp >= now:
        return f"{format_iso(timestamp)} (in {format_duration(timestamp - now)})"
    return f"{format_iso(timestamp)} ({format_duration(now - timestamp)} ago)"
