"""Encodings shared by the contracts and the scripts: short ASCII strings as bytes32, money, dates."""

from __future__ import annotations

from datetime import UTC, datetime


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
