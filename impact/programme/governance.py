"""Delayed changes of the registry and the certifier, in words: what each one does, when it can take effect, and
which pools it opens the exit of.

Both contracts number their changes from 1, so a change is named by its contract and number: `registry:1`,
`certifier:2`. What a change affects (docs/escrow.md): every change of the certifier and a change of the registry's
own delay affect every pool; a beneficiary change affects the pools of its site. While one is pending, the holders
of every affected live pool may exit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from impact.chain.encoding import format_duration, format_iso, format_until
from impact.chain.errors import CHANGE_STATE, UserError

REGISTRY, CERTIFIER = "registry", "certifier"
CONTRACTS = {REGISTRY: "SiteRegistry", CERTIFIER: "MilestoneCertifier"}
PENDING, EXECUTED, CANCELLED = 1, 2, 3

# Kinds of change, per contract (kind 0 is each contract's own delay).
DELAY = 0
BENEFICIARY = 1  # registry
ACCREDIT_ORACLE, LOWER_QUORUM, REVOKE_REVIEWER = 1, 2, 3  # certifier
# A kind of change as a machine code (`--json`), by contract and kind.
KIND_CODES = {
    (REGISTRY, DELAY): "delay",
    (REGISTRY, BENEFICIARY): "beneficiary",
    (CERTIFIER, DELAY): "delay",
    (CERTIFIER, ACCREDIT_ORACLE): "accredit-oracle",
    (CERTIFIER, LOWER_QUORUM): "lower-quorum",
    (CERTIFIER, REVOKE_REVIEWER): "revoke-reviewer",
}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|day|days)?\s*$", re.IGNORECASE)
_UNIT = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3_600, "d": 86_400, "day": 86_400, "days": 86_400}


def parse_duration(text: str) -> int:
    """Seconds from '172800', '2d', '36h', '90m' or '1.5d'; a ValueError otherwise."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"'{text}' is not a duration (seconds, or a number with s, m, h or d)")
    seconds = float(match.group(1)) * _UNIT[(match.group(2) or "s").lower()]
    if seconds != int(seconds):
        raise ValueError(f"'{text}' is not a whole number of seconds")
    return int(seconds)


@dataclass(frozen=True)
class Change:
    """One scheduled change, as `IDelayedChanges.change` (or its `ChangeScheduled` event) gives it."""

    contract: str  # "registry" or "certifier"
    change_id: int
    kind: int
    subject: int
    value: int
    scheduled_by: str
    executable_at: int
    state: int = PENDING

    @property
    def name(self) -> str:
        return f"{self.contract}:{self.change_id}"

    @property
    def pending(self) -> bool:
        return self.state == PENDING

    @property
    def state_name(self) -> str:
        return CHANGE_STATE[self.state]

    @property
    def what(self) -> str:
        return describe(self.contract, self.kind, self.subject, self.value)

    @property
    def kind_code(self) -> str:
        """'delay', 'beneficiary', 'accredit-oracle', 'lower-quorum', 'revoke-reviewer' (or 'unknown')."""
        return KIND_CODES.get((self.contract, self.kind), "unknown")

    @property
    def address(self) -> str | None:
        """The account the change names (the new beneficiary, the oracle, the reviewer), checksummed; else None."""
        if self.kind_code in ("beneficiary", "accredit-oracle", "revoke-reviewer"):
            return _address(self.value)
        return None

    @property
    def every_pool(self) -> bool:
        """Whether the change affects every pool (else only the pools of the site `subject`)."""
        return self.contract == CERTIFIER or self.kind == DELAY

    def affects_site(self, site_id: int) -> bool:
        """Whether the change affects the pools of `site_id` (so their holders may exit while it is pending)."""
        return self.every_pool or self.subject == site_id

    @property
    def affects(self) -> str:
        """Which pools, in words."""
        return "every pool" if self.every_pool else f"the pools of site {self.subject}"

    @property
    def live_pools(self) -> str:
        """Whose holders may exit while it is pending, in words."""
        return "every live pool" if self.affects == "every pool" else f"the live pools of site {self.subject}"


def describe(contract: str, kind: int, subject: int, value: int, current: dict[str, Any] | None = None) -> str:
    """A change in words: 'accredit oracle 0x…', 'lower quorum to 1', 'site 1 beneficiary → 0x…'."""
    if kind == DELAY:
        return f"change the {contract}'s delay to {format_duration(value)} ({value} s)"
    if contract == REGISTRY and kind == BENEFICIARY:
        return f"site {subject} beneficiary → {_address(value)}"
    if contract == CERTIFIER and kind == ACCREDIT_ORACLE:
        return f"accredit oracle {_address(value)}"
    if contract == CERTIFIER and kind == LOWER_QUORUM:
        return f"lower quorum to {value}"
    if contract == CERTIFIER and kind == REVOKE_REVIEWER:
        return f"revoke reviewer {_address(value)}"
    return f"change of kind {kind} (subject {subject}, value {value})"


def parse_change_name(text: str) -> tuple[str, int]:
    """('registry', 1) from 'registry:1' (also 'r1', 'c2', 'certifier#2'); a UserError otherwise."""
    match = re.fullmatch(r"\s*(registry|certifier|r|c)\s*[:#]?\s*(\d+)\s*", text, re.IGNORECASE)
    if not match:
        raise UserError(
            f"'{text}' is not a change: name it by its contract and number, e.g. registry:1 or certifier:2 "
            "(`impact governance pending` lists them)",
            "bad-change",
        )
    contract = match.group(1).lower()
    contract = {"r": REGISTRY, "c": CERTIFIER}.get(contract, contract)
    return contract, int(match.group(2))


def contract_of(system: Any, contract: str) -> Any:
    return system.registry if contract == REGISTRY else system.certifier


def read_change(system: Any, contract: str, change_id: int) -> Change:
    """A change read from its contract's view, or a UserError naming the contract's changes."""
    target = contract_of(system, contract)
    count = target.functions.changeCount().call()
    if not 0 < change_id <= count:
        raise UserError(
            f"there is no change {contract}:{change_id} (the {contract} has {count} changes)", "unknown-change"
        )
    kind, state, executable_at, scheduled_by, subject, value = target.functions.change(change_id).call()
    return Change(contract, change_id, kind, subject, value, scheduled_by, executable_at, state)


def pending_changes(system: Any) -> list[Change]:
    """Every pending change of the registry and the certifier, read from the contracts' views in one batch."""
    w3 = system.w3
    counts = {name: contract_of(system, name).functions.changeCount().call() for name in CONTRACTS}
    wanted = [(name, change_id) for name, count in counts.items() for change_id in range(1, count + 1)]
    if not wanted:
        return []
    with w3.batch_requests() as batch:
        for name, change_id in wanted:
            batch.add(contract_of(system, name).functions.change(change_id))
        answers = batch.execute()
    changes = []
    for (name, change_id), answer in zip(wanted, answers, strict=True):
        kind, state, executable_at, scheduled_by, subject, value = _fields(answer)
        if state == PENDING:
            changes.append(Change(name, change_id, kind, subject, value, scheduled_by, executable_at, state))
    return sorted(changes, key=lambda c: (c.executable_at, c.contract, c.change_id))


def live_pools(system: Any) -> dict[int, dict[str, Any]]:
    """Every pool that has not failed, by id, with its view."""
    infos = {p: system.pool(p) for p in range(1, system.pools.functions.poolCount().call() + 1)}
    return {pool_id: info for pool_id, info in infos.items() if not info["failure"]}


def affected_pools(system: Any, change: Change, pools: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The live pools (of `live_pools`) a change affects: id, site, asset, whether their exit is open, what a token
    pays."""
    found = []
    for pool_id, info in pools.items():
        if not change.affects_site(info["siteId"]):
            continue
        supply = info["supply"]
        # What one token redeems for now (exitQuote clamps to the supply, so ask for all of them and divide).
        per_token = system.pools.functions.exitQuote(pool_id, supply).call() // supply if supply else 0
        found.append(
            {
                "pool": pool_id,
                "site": info["siteId"],
                "asset": info["asset"],
                "exit_open": bool(info["exitOpen"]),
                "supply": supply,
                "exit_per_token": per_token,
                "exit_per_token_text": system.money(info["asset"], per_token) if supply else "no tokens live",
            }
        )
    return found


def when(change: Change, now: int) -> str:
    """'2026-12-03T14:00:00Z (in 1 day 3 h)', or '… (due now)' once it can be executed."""
    if change.executable_at <= now:
        return f"{format_iso(change.executable_at)} (due now: anyone may execute it)"
    return format_until(change.executable_at, now)


def _address(value: int) -> str:
    from web3 import Web3

    return Web3.to_checksum_address(value.to_bytes(20, "big"))


def _fields(answer: Any) -> tuple:
    """The six fields of a `ChangeInfo`, whether web3 gives the struct as a tuple or a one-element list of it."""
    if len(answer) == 1:
        answer = answer[0]
    return tuple(answer)
