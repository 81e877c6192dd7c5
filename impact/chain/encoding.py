"""Encodings shared by the contracts and the scripts: short ASCII strings as bytes32, money, dates."""

from __future__ import annotations

from datetime import UTC, date, datetime


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
    # Integer arithmetic: a Decimal division would round amounts of more than 28 digits.
    whole, fraction = divmod(abs(amount), 10**decimals)
    text = f"{'-' if amount < 0 else ''}{whole:,}"
    if fraction:
        text += "." + f"{fraction:0{decimals}d}".rstrip("0")
    return f"{text} {symbol}"


def format_time(timestamp: int) -> str:
    """A unix time as 'YYYY-MM-DD HH:MM UTC'."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_iso(timestamp: int) -> str:
    """A unix time as ISO 8601 UTC to the second, e.g. '2027-03-01T23:59:59Z' (the form the files accept)."""
    try:
        return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):  # beyond the year 9999
        return f"unix time {timestamp}"


def parse_utc_time(value: object, *, end_of_day: bool) -> int:
    """A unix time from an ISO 8601 date/time in UTC, as text or as the date/datetime YAML reads it.

    A date and time needs its zone: `2027-03-01T00:00:00Z` (or an offset like `+08:00`, converted to UTC). A bare
    date means the first second of that day UTC, or with `end_of_day` its last second (`2027-03-01` as a deadline
    is `2027-03-01T23:59:59Z`): deadlines and sale ends are the last second that still counts. Raises ValueError
    with the reason.
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"'{text}' is not an ISO 8601 date or UTC time like 2027-03-01 or 2027-03-01T00:00:00Z"
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"'{value.isoformat()}' has no time zone: write it in UTC with a Z, e.g. 2027-03-01T00:00:00Z"
            )
        return int(value.timestamp())
    if isinstance(value, date):
        start = int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())
        return start + 86_399 if end_of_day else start
    raise ValueError(f"{value!r} is not a date or time: write it like 2027-03-01 or 2027-03-01T00:00:00Z")


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
