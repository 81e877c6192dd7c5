"""Argument types for the command line: whole numbers in the range the contracts accept, and the other values a
user types, each refused by argparse with one line that names the option and the range."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

UINT256_MAX = 2**256 - 1
UINT48_MAX = 2**48 - 1
UINT32_MAX = 2**32 - 1


def whole(minimum: int = 0, maximum: int = UINT256_MAX) -> Callable[[str], int]:
    """A base-10 whole number from `minimum` to `maximum` inclusive."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < minimum or value > maximum:
            if maximum == UINT256_MAX:
                raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
            raise argparse.ArgumentTypeError(f"must be from {minimum} to {maximum:,}, not {value}")
        return value

    return parse


def positive_number(text: str) -> float:
    """A number above zero (seconds, days)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not value.is_finite() or value <= 0 or value > 10**9:
        raise argparse.ArgumentTypeError(f"must be a number above 0 (and sensible), not {text}")
    return float(value)


def country(text: str) -> str:
    """An ISO 3166-1 alpha-2 code (two letters, upper-cased)."""
    code = text.strip()
    if not re.fullmatch(r"[A-Za-z]{2}", code):
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO 3166-1 alpha-2 code: give two letters, e.g. CN")
    return code.upper()


def text(what: str) -> Callable[[str], str]:
    """A string that is not empty or blank."""

    def parse(value: str) -> str:
        if not value.strip():
            raise argparse.ArgumentTypeError(f"{what} must not be empty")
        return value.strip()

    return parse
