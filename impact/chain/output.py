"""What `--json` prints: versioned documents whose values survive any JSON parser (docs/formats.md).

Every document is an object with a `schema` key, `impact.<command>/<version>`. Money amounts and token counts are
decimal strings (JSON numbers lose precision above 2^53); ids, block numbers and small counts are numbers; times
are `{"unix": seconds, "iso": "YYYY-MM-DDTHH:MM:SSZ"}`; an absent value is `null`, never `""`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from impact.chain.errors import FAILURE, FAILURE_CODES, STATUS

STATUS_CODES = [None, "candidate", "green-listed", "suspended", "withdrawn"]


def document(schema: str, **data: Any) -> dict[str, Any]:
    return {"schema": f"impact.{schema}", **data}


def iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def time(timestamp: int) -> dict[str, Any]:
    return {"unix": int(timestamp), "iso": iso(timestamp)}


def quantity(value: int) -> str:
    return str(int(value))


def nothing(value: Any) -> Any:
    """`None` for an empty string (or zero hash), the value otherwise."""
    if value in ("", b"", None):
        return None
    if isinstance(value, str) and value.startswith("0x") and int(value, 16) == 0 and len(value) == 66:
        return None
    return value


def money(system: Any, asset: str, amount: int) -> dict[str, Any]:
    decimals, symbol = system.asset_units(asset)
    return {
        "amount": quantity(amount),
        "decimals": decimals,
        "symbol": symbol,
        "asset": system.w3.to_checksum_address(asset),
        "text": system.money(asset, amount),
    }


def failure(reason: int) -> dict[str, Any] | None:
    if reason == 0:
        return None
    return {"code": FAILURE_CODES[reason], "reason": FAILURE[reason]}


def status(value: int) -> dict[str, Any]:
    return {"code": STATUS_CODES[value], "name": STATUS[value]}


def transaction(receipt: Any) -> dict[str, Any]:
    return {
        "hash": "0x" + bytes(receipt["transactionHash"]).hex(),
        "block": int(receipt["blockNumber"]),
        "from": receipt["from"],
        "gas_used": int(receipt["gasUsed"]),
    }


def change(item: Any, now: int) -> dict[str, Any]:
    """A delayed change (an `impact.programme.governance.Change`, read by its attributes: `chain` imports no role
    package). `id` is what `--change` takes; `subject` and `value` are the contract's raw fields, `address` the account
    the change names (new beneficiary, oracle, reviewer) or null."""
    return {
        "id": item.name,
        "contract": item.contract,
        "number": item.change_id,
        "kind": item.kind_code,
        "what": item.what,
        "subject": int(item.subject),
        "value": quantity(item.value),
        "address": item.address,
        "scheduled_by": item.scheduled_by,
        "executable_at": time(item.executable_at),
        "state": item.state_name,
        "due": item.pending and item.executable_at <= now,
        "affects": {"every_pool": item.every_pool, "site_id": None if item.every_pool else int(item.subject)},
    }


def affected_pool(system: Any, row: dict[str, Any]) -> dict[str, Any]:
    """A live pool a change affects (a row of `impact.programme.governance.affected_pools`): what a token exits for
    now, null when no token is live."""
    return {
        "pool_id": row["pool"],
        "site_id": row["site"],
        "exit_open": row["exit_open"],
        "supply": quantity(row["supply"]),
        "exit_per_token": money(system, row["asset"], row["exit_per_token"]) if row["supply"] else None,
    }


def plural(count: int, word: str) -> str:
    """'1 token', '2 tokens'."""
    return f"{count} {word}{'' if count == 1 else 's'}"
