"""Errors a user can act on, and every custom error of the contracts turned into a plain sentence.

`SENTENCES` is the one table of translations: one entry per custom error name, a function of the error's decoded
arguments (by their ABI names; `_now` is the latest block's time) returning a sentence that says what happened and,
where there is something to do, what to do. `tests/cli/test_errors.py` reads every error from the ABIs in
`build/contracts/` and fails for any error of a deployable contract that has no entry here, so a new contract error
cannot reach users as a raw name. Adding one is one line.

Only the standard library is imported at module level: `impact --help` must not pay for web3.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

from impact.chain.encoding import format_duration, format_time

# Green List status of a site (SiteRegistry.SiteStatus) and why a pool failed (IImpactPools.FailureReason), by value.
STATUS = ["unknown", "Candidate", "Green Listed", "Suspended", "Withdrawn"]
FAILURE = ["not failed", "goal not reached", "milestone missed", "site withdrawn"]
FAILURE_CODES = [None, "goal-not-reached", "milestone-missed", "site-withdrawn"]
ROLES = ("DEFAULT_ADMIN_ROLE", "REGISTRAR_ROLE", "PROGRAMME_ROLE", "PAUSER_ROLE", "REVIEWER_ROLE")
MAX_MILESTONES = 32  # ImpactPools.MAX_MILESTONES
CHANGE_STATE = ["unknown", "pending", "executed", "cancelled"]


class UserError(Exception):
    """Bad input or a refusal by the chain, said in one sentence; the command exits non-zero, nothing was sent.

    `code` is the machine-readable reason shown by `--json` (a contract error's name, or a short kebab-case code).
    """

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------------------------------------------------------
# The table
# ------------------------------------------------------------------------------------------------------------------

Args = dict[str, Any]


def _addr(value: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(value)


def _n(count: int, word: str) -> str:
    """'1 token', '2 tokens'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _duty(role: bytes) -> str:
    """A role's or duty's name as people say it: REGISTRAR_ROLE is "registrar", the zero role "default admin"."""
    from eth_utils import keccak

    names = {bytes(32): "default admin"}
    names |= {keccak(text=name): name.removesuffix("_ROLE").lower() for name in ROLES[1:]}
    names[keccak(text="BENEFICIARY")] = "site beneficiary"
    return names.get(bytes(role), "0x" + bytes(role).hex())


def _role(role: bytes) -> str:
    name = _duty(role)
    return name if name.startswith("0x") else f"{name} role"


def _country(code: bytes) -> str:
    return bytes(code).decode("ascii", errors="replace").rstrip("\0")


def _status(value: int) -> str:
    return STATUS[value] if 0 <= value < len(STATUS) else str(value)


def _failure(value: int) -> str:
    return FAILURE[value] if 0 <= value < len(FAILURE) else str(value)


def _sale_not_open(a: Args) -> str:
    if a["_now"] > a["saleEnd"]:
        return f"pool {a['poolId']} closed its sale on {format_time(a['saleEnd'])}"
    if a["_now"] and a["_now"] < a["saleStart"]:
        return f"pool {a['poolId']} opens its sale on {format_time(a['saleStart'])}; try again then"
    return f"pool {a['poolId']} sells only between {format_time(a['saleStart'])} and {format_time(a['saleEnd'])}"


def _site_not_fundable(a: Args) -> str:
    if a["status"] == 0:
        return f"there is no site {a['siteId']}: register it first with `impact site register`"
    return (
        f"site {a['siteId']} is {_status(a['status'])} and takes no new money (only Candidate and Green Listed "
        "sites do)"
    )


_FAIL_HINT = "; anyone can fail the pool with `impact pool fail --pool {}` so that its holders may refund"

SENTENCES: dict[str, Callable[[Args], str]] = {
    # --- ImpactPools: opening a pool ---
    "PoolsUnknownPool": lambda a: f"there is no pool {a['poolId']}",
    "PoolsSiteNotFundable": _site_not_fundable,
    "PoolsInvalidAsset": lambda a: f"{_addr(a['asset'])} is neither ETH nor a contract, so it cannot be a pool's asset",
    "PoolsZeroPrice": lambda a: "the price per token must be above zero",
    "PoolsInvalidGoal": lambda a: (
        f"the goal ({_n(a['goalTokens'], 'token')}) must be at least 1 and at most the cap ({a['capTokens']})"
    ),
    "PoolsInvalidSaleWindow": lambda a: (
        f"the sale window {format_time(a['saleStart'])} to {format_time(a['saleEnd'])} is empty, already over or "
        "too long: the sale must end after it starts, in the future, and within about 136 years (2^32 seconds)"
    ),
    "PoolsTooManyForSite": lambda a: (
        f"site {a['siteId']} already has {a['maxPools']} pools, the most a site can ever have: each pool keeps a copy "
        "of the site's status, and a suspension, which writes them all, must always fit in a block"
    ),
    "PoolsInvalidMilestoneCount": lambda a: f"a pool needs 1 to {MAX_MILESTONES} milestones, not {a['count']}",
    "PoolsInvalidMilestone": lambda a: f"milestone {a['milestoneId']} needs a Standard reference and a description",
    "PoolsZeroShare": lambda a: f"milestone {a['milestoneId']} has a share of 0: every milestone needs a share",
    "PoolsSharesNotWhole": lambda a: (
        f"the milestones' shares must add up to exactly 10,000 basis points, not {a['totalBps']:,}"
    ),
    "PoolsInvalidDeadline": lambda a: (
        f"milestone {a['milestoneId']} is due {format_time(a['deadline'])}, which is not after "
        f"{format_time(a['notAfter'])} (the sale's end or the previous milestone's deadline)"
    ),
    # --- ImpactPools: buying ---
    "PoolsZeroTokens": lambda a: "the number of tokens must be at least 1",
    "PoolsZeroRecipient": lambda a: "the recipient cannot be the zero address",
    "PoolsSaleNotOpen": _sale_not_open,
    "PoolsCapExceeded": lambda a: (
        f"pool {a['poolId']} has only {_n(a['tokensLeft'], 'token')} left, not {a['tokensAsked']}"
    ),
    "PoolsWrongPayment": lambda a: f"the payment must be exactly {a['expected']} (base units), not {a['sent']}",
    "PoolsPaymentShortfall": lambda a: (
        f"the token delivered {a['received']} instead of {a['expected']}: fee-on-transfer tokens are not accepted"
    ),
    "PoolsPoolFailed": lambda a: (
        f"pool {a['poolId']} has failed ({_failure(a['reason'])}); its holders may redeem their tokens with "
        f"`impact refund --pool {a['poolId']}`"
    ),
    # --- ImpactPools: certifying ---
    "PoolsSaleStillOpen": lambda a: (
        f"pool {a['poolId']} is still selling until {format_time(a['saleEnd'])}; milestones are certified after "
        "the sale"
    ),
    "PoolsGoalNotReached": lambda a: (
        f"pool {a['poolId']} counts {_n(a['tokensTowardGoal'], 'token')} toward its goal of {a['goalTokens']} "
        "(tokens exited during the sale do not count)" + _FAIL_HINT.format(a["poolId"])
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
        + _FAIL_HINT.format(a["poolId"])
    ),
    "PoolsSiteWithdrawn": lambda a: (
        f"the site of pool {a['poolId']} (site {a['siteId']}) was withdrawn from the Green List programme"
        + _FAIL_HINT.format(a["poolId"])
    ),
    "PoolsZeroEvidence": lambda a: "the evidence hash must not be zero",
    # --- ImpactPools: releasing, failing, refunding ---
    "PoolsMilestoneNotCertified": lambda a: (
        f"milestone {a['milestoneId']} of pool {a['poolId']} is not certified yet: a quorum of oracles must attest it"
    ),
    "PoolsTrancheAlreadyReleased": lambda a: (
        f"the tranche of milestone {a['milestoneId']} of pool {a['poolId']} was already released"
    ),
    "PoolsPaymentFailed": lambda a: f"the payment of {a['amount']} (base units) to {_addr(a['to'])} failed",
    "PoolsNothingToWithdraw": lambda a: (
        f"no credited tranche is waiting for milestone {a['milestoneId']} of pool {a['poolId']}"
    ),
    "PoolsCannotFail": lambda a: (
        f"pool {a['poolId']} cannot be failed: its goal was reached or its sale is still open, no milestone is "
        "overdue and its site is not withdrawn"
    ),
    "PoolsNotFailed": lambda a: f"pool {a['poolId']} has not failed, so its tokens cannot be refunded",
    "PoolsNothingToRefund": lambda a: f"refunding {_n(a['tokens'], 'token')} of pool {a['poolId']} would pay nothing",
    # --- MilestoneCertifier ---
    "CertifierInvalidQuorum": lambda a: (
        f"a quorum of {a['quorum']} is not possible with {_n(a['oracleCount'], 'oracle')}: it must be 1 to "
        f"{a['oracleCount']}"
    ),
    "CertifierAlreadyAttested": lambda a: (
        f"oracle {_addr(a['oracle'])} already attested milestone {a['milestoneId']} of pool {a['poolId']}"
    ),
    "CertifierZeroEvidence": lambda a: "the evidence hash must not be zero",
    "CertifierSignatureExpired": lambda a: (
        f"the signatures expired at {format_time(a['deadline'])}: the oracles must sign again"
    ),
    "CertifierBelowQuorum": lambda a: (
        f"only {_n(a['count'], 'signature')} or attestation{'' if a['count'] == 1 else 's'} of the quorum of "
        f"{a['quorum']}"
    ),
    "CertifierSignerOutOfOrder": lambda a: (
        f"signer {_addr(a['signer'])} of signature {a['index'] + 1} is repeated or out of order "
        "(signatures must be sorted by signer address, ascending)"
    ),
    "CertifierNotOracle": lambda a: (
        f"{_addr(a['account'])} is not an accredited oracle (now: it may have been revoked since it signed)"
    ),
    "CertifierMalformedSignature": lambda a: f"signature {a['index'] + 1} is malformed",
    "CertifierInvalidSignature": lambda a: (
        f"the wallet {_addr(a['signer'])} rejected signature {a['index'] + 1} (ERC-1271)"
    ),
    # --- SiteRegistry ---
    "RegistryUnknownSite": lambda a: f"there is no site {a['siteId']}",
    "RegistryEmptyName": lambda a: "the site needs a name",
    "RegistryInvalidCountryCode": lambda a: (
        f"'{_country(a['countryCode'])}' is not a country code: give two capital letters (ISO 3166-1 alpha-2, e.g. CN)"
    ),
    "RegistryInvalidWdpaId": lambda a: "the WDPA id must be a positive number",
    "RegistryWdpaIdTaken": lambda a: f"WDPA id {a['wdpaId']} is already registered as site {a['siteId']}",
    "RegistryZeroBeneficiary": lambda a: "the beneficiary cannot be the zero address",
    "RegistrySiteWithdrawn": lambda a: f"site {a['siteId']} was withdrawn and can no longer change",
    # --- OpenZeppelin: access control, pausing, reentrancy, safe casts and transfers, EIP-712 ---
    "AccessControlUnauthorizedAccount": lambda a: (
        f"{_addr(a['account'])} does not have the {_role(a['neededRole'])} this needs: send from an account that "
        "has it (--account), or have the admin grant it"
    ),
    "AccessControlBadConfirmation": lambda a: "an account can renounce a role only for itself",
    "AccessControlEnforcedDefaultAdminRules": lambda a: (
        "the default admin role changes only by a two-step transfer (begin, wait the delay, accept)"
    ),
    "AccessControlEnforcedDefaultAdminDelay": lambda a: (
        f"the default admin transfer can be accepted only after {format_time(a['schedule'])}"
    ),
    "AccessControlInvalidDefaultAdmin": lambda a: f"{_addr(a['defaultAdmin'])} cannot become the default admin",
    "ReentrancyGuardReentrantCall": lambda a: "a contract tried to call back into the pools during a payment",
    "SafeCastOverflowedUintDowncast": lambda a: f"the value {a['value']} does not fit in {a['bits']} bits",
    "SafeERC20FailedDecreaseAllowance": lambda a: (
        f"the token's allowance for {_addr(a['spender'])} is {a['currentAllowance']}, below the "
        f"{a['requestedDecrease']} asked to decrease it by"
    ),
    "ECDSAInvalidSignature": lambda a: "a signature recovers to no address: it is malformed",
    "ECDSAInvalidSignatureLength": lambda a: f"a signature is {a['length']} bytes long, not 65",
    "ECDSAInvalidSignatureS": lambda a: "a signature's s value is in the upper half of the curve order (malleable)",
    "SafeCastOverflowedIntDowncast": lambda a: f"{a['value']} does not fit in a signed {a['bits']}-bit field",
    "SafeCastOverflowedIntToUint": lambda a: f"{a['value']} is negative and cannot be an unsigned number",
    "SafeCastOverflowedUintToInt": lambda a: f"{a['value']} is too large for a signed number",
    "SafeERC20FailedOperation": lambda a: f"the token {_addr(a['token'])} refused the transfer",
    "InvalidShortString": lambda a: "a string is too long for the contract's EIP-712 domain",
    "StringTooLong": lambda a: f"'{a['str']}' is too long (at most 31 bytes)",
    # --- OpenZeppelin: ERC-1155 (the impact tokens) and ERC-20 (payment assets) ---
    "ERC1155InsufficientBalance": lambda a: (
        f"{_addr(a['sender'])} holds {_n(a['balance'], 'token')} of pool {a['tokenId']}, not {a['needed']}"
    ),
    "ERC1155InvalidReceiver": lambda a: f"{_addr(a['receiver'])} cannot receive ERC-1155 tokens",
    "ERC1155InvalidSender": lambda a: f"{_addr(a['sender'])} cannot send tokens",
    "ERC1155InvalidApprover": lambda a: f"{_addr(a['approver'])} cannot approve an operator",
    "ERC1155InvalidOperator": lambda a: f"{_addr(a['operator'])} cannot be an operator",
    "ERC1155MissingApprovalForAll": lambda a: (
        f"{_addr(a['operator'])} may not move the tokens of {_addr(a['owner'])}: the owner must approve it first"
    ),
    "ERC1155InvalidArrayLength": lambda a: f"{a['idsLength']} token ids but {a['valuesLength']} amounts",
    "ERC20InsufficientBalance": lambda a: f"{_addr(a['sender'])} has {a['balance']} of the token, {a['needed']} needed",
    "ERC20InsufficientAllowance": lambda a: (
        f"the pools may spend only {a['allowance']} of the token, {a['needed']} needed"
    ),
    "ERC20InvalidApprover": lambda a: f"{_addr(a['approver'])} cannot approve a spender",
    "ERC20InvalidReceiver": lambda a: f"{_addr(a['receiver'])} cannot receive the token",
    "ERC20InvalidSender": lambda a: f"{_addr(a['sender'])} cannot send the token",
    "ERC20InvalidSpender": lambda a: f"{_addr(a['spender'])} cannot be a spender",
    # --- trust-minimised escrow: delayed changes, exits, challenge windows, reviewers, bounded pauses ---
    "PoolsPaused": lambda a: (
        f"buying, certifying and releasing are paused until {_when(a['endsAt'], a['_now'])} at the latest "
        "(exits, refunds, failing, voiding and withdrawals still work)"
    ),
    "RegistryInvalidTransition": lambda a: (
        f"site {a['siteId']} cannot go from {STATUS[a['from']]} to {STATUS[a['to']]} (Candidate -> Green Listed; "
        "Candidate or Green Listed -> Suspended; Green Listed -> Candidate; Suspended -> what it was; any -> Withdrawn)"
    ),
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
        "all 224 oracle accreditations of this certifier are used up: deploy a new certifier"
    ),
    "CertifierAlreadyOracle": lambda a: f"{_addr(a['account'])} is already an accredited oracle",
    "CertifierAlreadyReviewer": lambda a: f"{_addr(a['account'])} is already an accredited reviewer",
    "CertifierNotReviewer": lambda a: f"{_addr(a['account'])} is not an accredited reviewer",
    "CertifierConflictingEvidence": lambda a: (
        f"oracle {_addr(a['oracle'])} attested other evidence (or the same with another URI) on chain for milestone "
        f"{a['milestoneId']} of pool {a['poolId']}; one oracle cannot back two pieces of evidence"
    ),
    "CertifierDutyConflict": lambda a: (
        f"{_addr(a['account'])} cannot be both an oracle and the {_duty(a['duty'])} (separation of duties)"
    ),
    "CertifierNotPools": lambda a: f"only the pools contract announces the pools it opens, not {_addr(a['caller'])}",
    "CertifierEvidenceVoided": lambda a: (
        f"evidence 0x{bytes(a['evidenceHash']).hex()} was voided by a reviewer for milestone {a['milestoneId']} of "
        f"pool {a['poolId']}: a new certification needs new evidence"
    ),
    "CertifierWrongQuorumDirection": lambda a: (
        f"the quorum is {a['currentQuorum']}: raising it is immediate and lowering it is a delayed change, "
        f"and {a['quorum']} went the other way"
    ),
    "CertifierMiswired": lambda a: (
        f"the pools {_addr(a['pools'])} and the registry {_addr(a['registry'])} were not deployed for this certifier"
    ),
    "CertifierZeroAddress": lambda a: "the zero address can never be an oracle or a reviewer",
    "CertifierZeroReason": lambda a: "a void needs the hash of the reviewer's reasons",
    "PoolsChallengeWindowOpen": lambda a: (
        f"the challenge window of milestone {a['milestoneId']} of pool {a['poolId']} is open until "
        f"{_when(a['challengeEndsAt'], a['_now'])}: its tranche can be released after that, unless a reviewer voids it"
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
        f"a new pause cannot start before {_when(a['notBefore'], a['_now'])} (the cool-down after the last one)"
    ),
    "PoolsOracleConflict": lambda a: f"{_addr(a['account'])} is an accredited oracle and can hold no role here",
    "PoolsNotCertifier": lambda a: f"only the certifier records and voids certifications, not {_addr(a['caller'])}",
    "PoolsNotRegistry": lambda a: f"only the registry records a site's status in the pools, not {_addr(a['caller'])}",
    "PoolsZeroAddress": lambda a: "the registry or certifier address is zero",
    "PoolsInvalidChallengeWindow": lambda a: (
        f"a challenge window of {format_duration(a['challengeWindow'])} is longer than the "
        f"{format_duration(a['maxChallengeWindow'])} allowed"
    ),
    "RegistryOracleConflict": lambda a: (
        f"{_addr(a['account'])} is an accredited oracle: it can be neither a beneficiary nor hold a role in the "
        "registry (separation of duties)"
    ),
    "RegistrySameBeneficiary": lambda a: (
        f"{_addr(a['beneficiary'])} already receives the tranches of site {a['siteId']}"
    ),
    # --- ImpactClaims: claiming (retiring) impact tokens ---
    "ClaimsNotImpactToken": lambda a: (
        f"only the impact tokens of this deployment's pools can be claimed, not tokens of {_addr(a['token'])}"
    ),
    "ClaimsBatchNotAccepted": lambda a: (
        f"a claim is about one pool: send one pool's tokens at a time, not a batch of {a['ids']}"
    ),
    "ClaimsZeroTokens": lambda a: f"claiming 0 tokens of pool {a['poolId']} claims nothing: give how many",
    "ClaimsMalformedData": lambda a: (
        f"the claim's data ({a['length']} bytes) is not abi.encode(string beneficiary, string reason): "
        "`impact claim make` writes it"
    ),
    "ClaimsEmptyBeneficiary": lambda a: f"a claim of pool {a['poolId']}'s impact needs a beneficiary: say for whom",
    "ClaimsTextTooLong": lambda a: (
        f"the beneficiary ({a['beneficiaryLength']} bytes) and the reason ({a['reasonLength']} bytes) may be "
        f"{a['maxLength']} bytes each at most"
    ),
    "ClaimsPoolFailed": lambda a: (
        f"pool {a['poolId']} failed ({_failure(a['reason'])}): its tokens are refundable "
        f"(`impact refund --pool {a['poolId']}`), not claimable"
    ),
    "ClaimsPoolNotComplete": lambda a: (
        f"pool {a['poolId']} is not complete: {a['finalized']} of its {_n(a['milestones'], 'milestone')} "
        f"{'is' if a['finalized'] == 1 else 'are'} certified and final; its impact can be claimed once all are "
        "(so that nothing claimed can still be refunded or voided)"
    ),
    "ClaimsUnknownClaim": lambda a: f"there is no claim {a['claimId']} (there are {a['claimCount']})",
}

# Solidity's built-in Panic(uint256) codes.
PANICS = {
    0x01: "an internal check failed (assert)",
    0x11: "a number would overflow: a value given is too large",
    0x12: "a division by zero",
    0x21: "a value is out of range for its type",
    0x22: "a storage byte array is corrupt",
    0x31: "pop() on an empty array",
    0x32: "an index is out of bounds",
    0x41: "too much memory would be allocated: a value given is too large",
    0x51: "an uninitialised function was called",
}
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)
_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)


# ------------------------------------------------------------------------------------------------------------------
# Decoding
# ------------------------------------------------------------------------------------------------------------------


def _signature(item: dict[str, Any]) -> str:
    return f"{item['name']}({','.join(_type(i) for i in item['inputs'])})"


def _type(param: dict[str, Any]) -> str:
    if param["type"].startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param["components"]) + ")" + param["type"][5:]
    return param["type"]


@cache
def error_abis() -> dict[bytes, dict[str, Any]]:
    """Every custom error in the build artifacts (our contracts and the OpenZeppelin ones they use), by selector."""
    from eth_utils import function_signature_to_4byte_selector

    from impact.chain.artifacts import BUILD_DIR

    errors: dict[bytes, dict[str, Any]] = {}
    for path in sorted(BUILD_DIR.glob("*.json")):
        for item in json.loads(path.read_text()).get("abi", []):
            if item.get("type") == "error":
                errors[function_signature_to_4byte_selector(_signature(item))] = item
    return errors


def _raw(data: bytes | str) -> bytes:
    return bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else bytes(data)


def decode_error(data: bytes | str) -> tuple[str, dict[str, Any]] | None:
    """(name, arguments) of a custom error's revert data, or None if it is not one we know."""
    from eth_abi import decode

    raw = _raw(data)
    item = error_abis().get(raw[:4])
    if item is None:
        return None
    values = decode([_type(i) for i in item["inputs"]], raw[4:])
    pairs = enumerate(zip(item["inputs"], values, strict=True))
    return item["name"], {i["name"] or f"arg{n}": v for n, (i, v) in pairs}


def translate(data: bytes | str, now: int = 0) -> tuple[str, str]:
    """(code, sentence) for revert data: a custom error's name and its sentence, a panic, or a revert string."""
    from eth_abi import decode

    raw = _raw(data)
    if raw[:4] == _PANIC and len(raw) == 36:
        code = int.from_bytes(raw[4:], "big")
        return "Panic", f"the contract stopped: {PANICS.get(code, f'panic 0x{code:02x}')}"
    if raw[:4] == _ERROR_STRING:
        (reason,) = decode(["string"], raw[4:])
        return "Error", f"the contract refused: {reason}"
    decoded = decode_error(raw)
    if decoded is None:
        return "UnknownError", f"the transaction would revert with an error this program does not know (0x{raw.hex()})"
    name, args = decoded
    sentence = SENTENCES.get(name)
    if sentence is None:  # a contract error without a sentence (the error-table test catches this)
        return name, f"the contract refused: {name}({', '.join(f'{k}={v}' for k, v in args.items())})"
    return name, sentence({"_now": now, **args})


def explain(data: bytes | str, now: int = 0) -> str:
    """A plain sentence for revert data."""
    return translate(data, now)[1]


def contract_error(exc: Exception, now: int = 0) -> UserError:
    """A UserError for a web3 ContractCustomError / ContractLogicError / ContractPanicError."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict):  # some nodes nest the revert data
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        return UserError(*reversed(translate(data, now)))
    message = getattr(exc, "message", None) or str(exc)
    return UserError(f"the transaction would revert: {message}", "reverted")


def _when(timestamp: int, now: int) -> str:
    """'2026-12-03 14:00 UTC (in 1 day 3 h)', or without the countdown when the time is past or unknown."""
    return format_time(timestamp) + (f" (in {format_duration(timestamp - now)})" if now and timestamp > now else "")


def explain_exception(exc: Exception, now: int = 0) -> str:
    """A plain sentence for a web3 ContractCustomError / ContractLogicError."""
    return str(contract_error(exc, now))
