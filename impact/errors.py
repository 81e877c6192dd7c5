"""Errors a user can act on, and custom-error revert data turned into plain sentences."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector, keccak
from web3 import Web3

from impact.artifacts import abi
from impact.encoding import format_duration, format_time

CONTRACTS = ("SiteRegistry", "ImpactPools", "MilestoneCertifier")
STATUS = ["unknown", "Candidate", "Green Listed", "Suspended", "Withdrawn"]
FAILURE = ["not failed", "goal not reached", "milestone missed", "site withdrawn"]
CHANGE_STATE = ["unknown", "pending", "executed", "cancelled"]
# Role ids (and the beneficiary duty) by the name a user knows them by.
ROLES = {
    bytes(32): "default admin",
    keccak(text="REGISTRAR_ROLE"): "registrar",
    keccak(text="PROGRAMME_ROLE"): "programme",
    keccak(text="PAUSER_ROLE"): "pauser",
    keccak(text="REVIEWER_ROLE"): "reviewer",
    keccak(text="BENEFICIARY"): "site beneficiary",
}


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


def _role(value: bytes) -> str:
    return ROLES.get(bytes(value), "0x" + bytes(value).hex())


def _when(timestamp: int, now: int) -> str:
    """'2026-12-03 14:00 UTC (in 1 day 3 h)', or without the countdown when the time is past or unknown."""
    return format_time(timestamp) + (f" (in {format_duration(timestamp - now)})" if now and timestamp > now else "")


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
    "PoolsNothingToWithdraw": lambda a: (
        f"no credited tranche is waiting for milestone {a['milestoneId']} of pool {a['poolId']}"
    ),
    "ERC1155InsufficientBalance": lambda a: (
        f"{_addr(a['sender'])} holds {a['balance']} tokens of pool {a['tokenId']}, not {a['needed']}"
    ),
    "ERC1155InvalidReceiver": lambda a: f"{_addr(a['receiver'])} cannot receive ERC-1155 tokens",
    "ERC20InsufficientBalance": lambda a: f"{_addr(a['sender'])} has {a['balance']} of the token, {a['needed']} needed",
    "ERC20InsufficientAllowance": lambda a: (
        f"the pools may spend only {a['allowance']} of the token, {a['needed']} needed"
    ),
    "PoolsPaused": lambda a: (
        f"buying, certifying and releasing are paused until {_when(a['endsAt'], a['now'])} at the latest "
        "(exits, refunds, failing, voiding and withdrawals still work)"
    ),
    "AccessControlUnauthorizedAccount": lambda a: (
        f"{_addr(a['account'])} does not have the role this needs ({_role(a['neededRole'])})"
    ),
    "CertifierAlreadyAttested": lambda a: (
        f"oracle {_addr(a['oracle'])} already attested milestone {a['milestoneId']} of pool {a['poolId']} "
        "in this round (an oracle attests once per round; a reviewer's void starts a new one)"
    ),
    "CertifierBelowQuorum": lambda a: f"{a['count']} signatures or attestations, the quorum is {a['quorum']}",
    "CertifierSignatureExpired": lambda a: f"the signatures expired at {format_time(a['deadline'])}",
    "CertifierNotOracle": lambda a: (
        f"{_addr(a['account'])} is not an accredited oracle (now: it may have been revoked since it signed)"
    ),
    "CertifierSignerOutOfOrder": lambda a: f"signer {_addr(a['signer'])} is repeated or out of order",
    "CertifierMalformedSignature": lambda a: f"signature {a['index'] + 1} is malformed",
    "CertifierInvalidSignature": lambda a: (
        f"the wallet {_addr(a['signer'])} rejected signature {a['index'] + 1} (ERC-1271)"
    ),
    "RegistryUnknownSite": lambda a: f"there is no site {a['siteId']}",
    "RegistryWdpaIdTaken": lambda a: f"WDPA id {a['wdpaId']} is already registered as site {a['siteId']}",
    "RegistryInvalidCountryCode": lambda a: "the country code must be two capital letters (ISO 3166-1 alpha-2)",
    "RegistrySiteWithdrawn": lambda a: f"site {a['siteId']} was withdrawn and can no longer change",
    "RegistryInvalidTransition": lambda a: (
        f"site {a['siteId']} cannot go from {STATUS[a['from']]} to {STATUS[a['to']]} (Candidate -> Green Listed; "
        "Candidate or Green Listed -> Suspended; Green Listed -> Candidate; Suspended -> what it was; any -> Withdrawn)"
    ),
    # -- trust-minimised escrow: delayed changes, exits, challenge windows, reviewers, bounded pauses ----------------
    "ChangesUnknownChange": lambda a: f"there is no change {a['changeId']}",
    "ChangesNotPending": lambda a: f"change {a['changeId']} was already {CHANGE_STATE[a['state']]}",
    "ChangesNotDue": lambda a: (
        f"change {a['changeId']} becomes executable at {format_time(a['executableAt'])} "
        f"(in {format_duration(a['executableAt'] - a['now'])})"
    ),
    "ChangesInvalidDelay": lambda a: (
        f"a change delay must be between {format_duration(a['minDelay'])} and {format_duration(a['maxDelay'])}, "
        f"not {format_duration(a['delay'])} ({a['delay']} s)"
    ),
    "ChangesUnauthorized": lambda a: f"{_addr(a['account'])} may neither schedule nor cancel this kind of change",
    "CertifierAccreditationsExhausted": lambda a: (
        "all 256 oracle accreditations of this certifier are used up: deploy a new certifier"
    ),
    "CertifierAlreadyOracle": lambda a: f"{_addr(a['account'])} is already an accredited oracle",
    "CertifierAlreadyReviewer": lambda a: f"{_addr(a['account'])} is already an accredited reviewer",
    "CertifierNotReviewer": lambda a: f"{_addr(a['account'])} is not an accredited reviewer",
    "CertifierConflictingEvidence": lambda a: (
        f"oracle {_addr(a['oracle'])} attested other evidence on chain for milestone {a['milestoneId']} of pool "
        f"{a['poolId']}; one oracle cannot back two pieces of evidence"
    ),
    "CertifierDutyConflict": lambda a: (
        f"{_addr(a['account'])} cannot be both an oracle and the {_role(a['duty'])} (separation of duties)"
    ),
    "CertifierEvidenceURIMismatch": lambda a: (
        f"evidence 0x{bytes(a['evidenceHash']).hex()} of milestone {a['milestoneId']} of pool {a['poolId']} was "
        "first attested with another URI: give that one"
    ),
    "CertifierEvidenceVoided": lambda a: (
        f"evidence 0x{bytes(a['evidenceHash']).hex()} was voided by a reviewer for milestone {a['milestoneId']} of "
        f"pool {a['poolId']}: a new certification needs new evidence"
    ),
    "CertifierInvalidQuorum": lambda a: (
        f"a quorum of {a['quorum']} is not possible with {a['oracleCount']} accredited oracles (1 to "
        f"{a['oracleCount']})"
    ),
    "CertifierWrongQuorumDirection": lambda a: (
        f"the quorum is {a['currentQuorum']}: raising it is immediate and lowering it is a delayed change, "
        f"and {a['quorum']} went the other way"
    ),
    "CertifierMiswired": lambda a: (
        f"the pools {_addr(a['pools'])} and the registry {_addr(a['registry'])} were not deployed for this certifier"
    ),
    "CertifierZeroAddress": lambda a: "the zero address can never be an oracle or a reviewer",
    "CertifierZeroEvidence": lambda a: "the evidence hash cannot be zero",
    "CertifierZeroReason": lambda a: "a void needs the hash of the reviewer's reasons",
    "PoolsChallengeWindowOpen": lambda a: (
        f"the challenge window of milestone {a['milestoneId']} of pool {a['poolId']} is open until "
        f"{_when(a['challengeEndsAt'], a['now'])}: its tranche can be released after that, unless a reviewer voids it"
    ),
    "PoolsChallengeWindowClosed": lambda a: (
        f"the challenge window of milestone {a['milestoneId']} of pool {a['poolId']} has closed: its certification "
        "is final"
    ),
    "PoolsNoPendingChange": lambda a: (
        f"no change affecting pool {a['poolId']} is pending, so exits are closed (they open while a delayed change "
        "affecting the pool waits; `impact governance pending` lists them)"
    ),
    "PoolsNotPayee": lambda a: (
        f"{_addr(a['caller'])} is neither the recorded payee of milestone {a['milestoneId']} of pool {a['poolId']} "
        "nor the site's beneficiary now"
    ),
    "PoolsSiteSuspended": lambda a: (
        f"site {a['siteId']} of pool {a['poolId']} is suspended: no tranche is released until it is reinstated"
    ),
    "PoolsNotPaused": lambda a: "the pools are not paused",
    "PoolsPauseCoolingDown": lambda a: (
        f"a new pause cannot start before {_when(a['notBefore'], a['now'])} (the cool-down after the last one)"
    ),
    "PoolsOracleConflict": lambda a: f"{_addr(a['account'])} is an accredited oracle and can hold no role here",
    "PoolsNotCertifier": lambda a: f"only the certifier records and voids certifications, not {_addr(a['caller'])}",
    "PoolsPaymentFailed": lambda a: f"the payment of {a['amount']} (base units) to {_addr(a['to'])} failed",
    "PoolsZeroAddress": lambda a: "the registry or certifier address is zero",
    "PoolsZeroEvidence": lambda a: "the evidence hash cannot be zero",
    "PoolsInvalidAsset": lambda a: f"{_addr(a['asset'])} is neither ETH nor an ERC-20 contract",
    "PoolsZeroPrice": lambda a: "the price cannot be zero",
    "PoolsInvalidGoal": lambda a: f"the goal ({a['goalTokens']}) must be between 1 and the cap ({a['capTokens']})",
    "PoolsInvalidSaleWindow": lambda a: (
        f"the sale window {format_time(a['saleStart'])} to {format_time(a['saleEnd'])} is empty or ends in the past"
    ),
    "PoolsInvalidChallengeWindow": lambda a: (
        f"a challenge window of {format_duration(a['challengeWindow'])} is longer than the "
        f"{format_duration(a['maxChallengeWindow'])} allowed"
    ),
    "PoolsInvalidMilestoneCount": lambda a: f"a pool needs between 1 and 32 milestones, not {a['count']}",
    "PoolsInvalidMilestone": lambda a: f"milestone {a['milestoneId']} has no standard reference or description hash",
    "PoolsZeroShare": lambda a: f"milestone {a['milestoneId']} has a zero share",
    "PoolsSharesNotWhole": lambda a: f"the milestones' shares add up to {a['totalBps']} bps, not 10,000",
    "PoolsInvalidDeadline": lambda a: (
        f"the deadline of milestone {a['milestoneId']} ({format_time(a['deadline'])}) must be after "
        f"{format_time(a['notAfter'])} (the sale's end or the previous deadline)"
    ),
    "RegistryEmptyName": lambda a: "the site name cannot be empty",
    "RegistryInvalidWdpaId": lambda a: "the WDPA id cannot be zero",
    "RegistryZeroBeneficiary": lambda a: "the beneficiary cannot be the zero address",
    "RegistryOracleConflict": lambda a: (
        f"{_addr(a['account'])} is an accredited oracle: it can be neither a beneficiary nor hold a role in the "
        "registry (separation of duties)"
    ),
    "RegistrySameBeneficiary": lambda a: (
        f"{_addr(a['beneficiary'])} already receives the tranches of site {a['siteId']}"
    ),
    # -- inherited from OpenZeppelin ---------------------------------------------------------------------------------
    "AccessControlBadConfirmation": lambda a: "an account can only renounce its own roles",
    "AccessControlEnforcedDefaultAdminDelay": lambda a: (
        f"the default admin transfer can be accepted only from {format_time(a['schedule'])}"
    ),
    "AccessControlEnforcedDefaultAdminRules": lambda a: (
        "the default admin is transferred only in two delayed steps (beginDefaultAdminTransfer, then accept)"
    ),
    "AccessControlInvalidDefaultAdmin": lambda a: f"{_addr(a['defaultAdmin'])} cannot become the default admin",
    "ERC1155InvalidApprover": lambda a: f"{_addr(a['approver'])} cannot approve operators",
    "ERC1155InvalidArrayLength": lambda a: f"{a['idsLength']} token ids but {a['valuesLength']} amounts",
    "ERC1155InvalidOperator": lambda a: f"{_addr(a['operator'])} cannot be an operator",
    "ERC1155InvalidSender": lambda a: f"{_addr(a['sender'])} cannot send impact tokens",
    "ERC1155MissingApprovalForAll": lambda a: (
        f"{_addr(a['operator'])} is not approved to move the impact tokens of {_addr(a['owner'])}"
    ),
    "InvalidShortString": lambda a: "a short string is malformed",
    "StringTooLong": lambda a: f"the string '{a['str']}' is too long",
    "ReentrancyGuardReentrantCall": lambda a: "the pools refused a re-entrant call",
    "SafeCastOverflowedUintDowncast": lambda a: f"{a['value']} does not fit in {a['bits']} bits",
    "SafeERC20FailedOperation": lambda a: f"the token {_addr(a['token'])} refused the transfer",
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
    return sentence({"now": now, **args})  # an error's own `now` (the block time it reverted at) wins


def explain_exception(exc: Exception, now: int = 0) -> str:
    """A plain sentence for a web3 ContractCustomError / ContractLogicError."""
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        return explain(data, now)
    message = getattr(exc, "message", None) or str(exc)
    return f"the transaction would revert: {message}"
