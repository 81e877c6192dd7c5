"""Errors a user can act on, and custom-error revert data turned into plain sentences."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector
from web3 import Web3

from impact.artifacts import abi
from impact.encoding import format_time

CONTRACTS = ("SiteRegistry", "ImpactPools", "MilestoneCertifier")
STATUS = ["unknown", "Candidate", "Green Listed", "Suspended", "Withdrawn"]
FAILURE = ["not failed", "goal not reached", "milestone missed", "site withdrawn"]


class UserError(Exception):
    """Bad input or a refusal by the chain, said in one sentence; the command exits non-zero, nothing was sent."""


def _signature(item: dict[str, Any]) -> str:
    return f"{item['name']}({','.join(_type(i) for i in item['inputs'])})"


def _type(param: dict[str, Any]) -> str:
    if param["type"].startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param["components"]) + ")" + param["type"][5:]
    return param["type"]


@lru_cache(maxsize=1)
def error_abis() -> dict[bytes, dict[str, Any]]:
    """Every custom error of the project's contracts (and the OpenZeppelin ones they inherit), by selector."""
    errors: dict[bytes, dict[str, Any]] = {}
    for name in CONTRACTS:
        for item in abi(name):
            if item.get("type") == "error":
                errors[function_signature_to_4byte_selector(_signature(item))] = item
    return errors


def decode_error(data: bytes | str) -> tuple[str, dict[str, Any]] | None:
    """(name, arguments) of a custom error's revert data, or None if it is not one of ours."""
    raw = bytes.fromhex(data[2:] if data.startswith("0x") else data) if isinstance(data, str) else bytes(data)
    item = error_abis().get(raw[:4])
    if item is None:
        return None
    values = decode([_type(i) for i in item["inputs"]], raw[4:])
    pairs = enumerate(zip(item["inputs"], values, strict=True))
    return item["name"], {i["name"] or f"arg{n}": v for n, (i, v) in pairs}


def _addr(value: str) -> str:
    return Web3.to_checksum_address(value)


_SENTENCES: dict[str, Callable[[dict[str, Any]], str]] = {
    "PoolsUnknownPool": lambda a: f"there is no pool {a['poolId']}",
    "PoolsSaleNotOpen": lambda a: (
        f"pool {a['poolId']} closed its sale on {format_time(a['saleEnd'])}"
        if a.get("now", 0) > a["saleEnd"] or a.get("closed")
        else f"pool {a['poolId']} sells only between {format_time(a['saleStart'])} and {format_time(a['saleEnd'])}"
    ),
    "PoolsCapExceeded": lambda a: f"pool {a['poolId']} has only {a['tokensLeft']} tokens left, not {a['tokensAsked']}",
    "PoolsSiteNotFundable": lambda a: f"site {a['siteId']} takes no new money (status: {STATUS[a['status']]})",
    "PoolsPoolFailed": lambda a: (
        f"pool {a['poolId']} has failed ({FAILURE[a['reason']]}); its holders may redeem their tokens"
    ),
    "PoolsZeroTokens": lambda a: "the number of tokens must be at least 1",
    "PoolsZeroRecipient": lambda a: "the recipient cannot be the zero address",
    "PoolsWrongPayment": lambda a: f"the payment must be exactly {a['expected']} (base units), not {a['sent']}",
    "PoolsPaymentShortfall": lambda a: (
        f"the token delivered {a['received']} instead of {a['expected']}: fee-on-transfer tokens are not accepted"
    ),
    "PoolsSaleStillOpen": lambda a: (
        f"pool {a['poolId']} is still selling until {format_time(a['saleEnd'])}; "
        "milestones are certified after the sale"
    ),
    "PoolsGoalNotReached": lambda a: (
        f"pool {a['poolId']} sold {a['tokensSold']} tokens, below its goal of {a['goalTokens']}"
    ),
    "PoolsUnknownMilestone": lambda a: f"pool {a['poolId']} has no milestone {a['milestoneId']}",
    "PoolsMilestoneAlreadyCertified": lambda a: (
        f"milestone {a['milestoneId']} of pool {a['poolId']} is already certified"
    ),
    "PoolsMilestoneOutOfOrder": lambda a: (
        f"milestone {a['milestoneId']} of pool {a['poolId']} is not next: milestone {a['nextMilestoneId']} comes first"
    ),
    "PoolsMilestoneDeadlinePassed": lambda a: (
        f"milestone {a['milestoneId']} of pool {a['poolId']} was due by {format_time(a['deadline'])}"
    ),
    "PoolsSiteWithdrawn": lambda a: f"the site of pool {a['poolId']} was withdrawn from the Green List programme",
    "PoolsMilestoneNotCertified": lambda a: f"milestone {a['milestoneId']} of pool {a['poolId']} is not certified yet",
    "PoolsTrancheAlreadyReleased": lambda a: (
        f"the tranche of milestone {a['milestoneId']} of pool {a['poolId']} was already released"
    ),
    "PoolsCannotFail": lambda a: f"pool {a['poolId']} cannot be failed: its goal, deadlines and site are all in order",
    "PoolsNotFailed": lambda a: f"pool {a['poolId']} has not failed, so there is nothing to refund",
    "PoolsNothingToRefund": lambda a: f"{a['tokens']} tokens of pool {a['poolId']} are worth nothing to refund",
    "PoolsNothingToWithdraw": lambda a: f"nothing is credited to {_addr(a['account'])}",
    "ERC1155InsufficientBalance": lambda a: (
        f"{_addr(a['sender'])} holds {a['balance']} tokens of pool {a['tokenId']}, not {a['needed']}"
    ),
    "ERC1155InvalidReceiver": lambda a: f"{_addr(a['receiver'])} cannot receive ERC-1155 tokens",
    "ERC20InsufficientBalance": lambda a: f"{_addr(a['sender'])} has {a['balance']} of the token, {a['needed']} needed",
    "ERC20InsufficientAllowance": lambda a: (
        f"the pools may spend only {a['allowance']} of the token, {a['needed']} needed"
    ),
    "EnforcedPause": lambda a: "the contracts are paused by the programme (refunds still work)",
    "AccessControlUnauthorizedAccount": lambda a: f"{_addr(a['account'])} does not have the role this needs",
    "CertifierAlreadyAttested": lambda a: (
        f"oracle {_addr(a['oracle'])} already attested milestone {a['milestoneId']} of pool {a['poolId']}"
    ),
    "CertifierInvalidQuorum": lambda a: f"a quorum of {a['quorum']} is not possible with {a['oracleCount']} oracles",
    "CertifierBelowQuorum": lambda a: f"{a['signatures']} signatures given, the quorum is {a['quorum']}",
    "CertifierSignatureExpired": lambda a: f"the signatures expired at {format_time(a['deadline'])}",
    "CertifierNotOracle": lambda a: f"{_addr(a['signer'])} is not an accredited oracle",
    "CertifierSignerOutOfOrder": lambda a: f"signer {_addr(a['signer'])} is repeated or out of order",
    "CertifierMalformedSignature": lambda a: f"signature {a['index'] + 1} is malformed",
    "CertifierInvalidSignature": lambda a: (
        f"the wallet {_addr(a['signer'])} rejected signature {a['index'] + 1} (ERC-1271)"
    ),
    "RegistryUnknownSite": lambda a: f"there is no site {a['siteId']}",
    "RegistryWdpaIdTaken": lambda a: f"WDPA id {a['wdpaId']} is already registered as site {a['siteId']}",
    "RegistryInvalidCountryCode": lambda a: "the country code must be two capital letters (ISO 3166-1 alpha-2)",
    "RegistrySiteWithdrawn": lambda a: f"site {a['siteId']} was withdrawn and can no longer change",
    "RegistryInvalidStatus": lambda a: f"site {a['siteId']} cannot be set to {STATUS[a['status']]}",
}


def explain(data: bytes | str, now: int = 0) -> str:
    """A plain sentence for custom-error revert data."""
    decoded = decode_error(data)
    if decoded is None:
        return f"the transaction would revert ({data if isinstance(data, str) else '0x' + bytes(data).hex()})"
    name, args = decoded
    sentence = _SENTENCES.get(name)
    if sentence is None:
        rendered = ", ".join(f"{k}={v}" for k, v in args.items())
        return f"the contract refused: {name}({rendered})"
    return sentence({**args, "now": now})


def explain_exception(exc: Exception, now: int = 0) -> str:
    """A plain sentence for a web3 ContractCustomError / ContractLogicError."""
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        return explain(data, now)
    message = getattr(exc, "message", None) or str(exc)
    return f"the transaction would revert: {message}"
