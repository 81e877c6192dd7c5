"""EIP-712 certifications: what milestone oracles sign, and how a relayer orders their signatures.

The typed data mirrors `MilestoneCertifier.CERTIFICATION_TYPEHASH` and the contract's EIP-712 domain; the
digest computed here equals the contract's `certificationDigest` view (tested).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

DOMAIN_NAME = "Green List Milestone Certifier"
DOMAIN_VERSION = "1"

CERTIFICATION_TYPES = {
    "Certification": [
        {"name": "poolId", "type": "uint256"},
        {"name": "milestoneId", "type": "uint256"},
        {"name": "evidenceHash", "type": "bytes32"},
        {"name": "evidenceURI", "type": "string"},
        {"name": "deadline", "type": "uint256"},
    ]
}


@dataclass(frozen=True)
class Certification:
    """A claim that milestone `milestone_id` of pool `pool_id` was met, with the given evidence."""

    pool_id: int
    milestone_id: int
    evidence_hash: bytes
    evidence_uri: str
    deadline: int

    def message(self) -> dict[str, Any]:
        return {
            "poolId": self.pool_id,
            "milestoneId": self.milestone_id,
            "evidenceHash": self.evidence_hash,
            "evidenceURI": self.evidence_uri,
            "deadline": self.deadline,
        }


def domain(chain_id: int, certifier_address: str) -> dict[str, Any]:
    """The certifier's EIP-712 domain: a signature is valid only on this chain, for this deployment."""
    return {
        "name": DOMAIN_NAME,
        "version": DOMAIN_VERSION,
        "chainId": chain_id,
        "verifyingContract": certifier_address,
    }


def digest(certification: Certification, chain_id: int, certifier_address: str) -> bytes:
    """The 32-byte EIP-712 digest an oracle signs."""
    signable = encode_typed_data(domain(chain_id, certifier_address), CERTIFICATION_TYPES, certification.message())
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def sign(certification: Certification, chain_id: int, certifier_address: str, private_key: Any) -> bytes:
    """An oracle's 65-byte signature (r, s, v) of the certification."""
    signed = Account.sign_typed_data(
        private_key, domain(chain_id, certifier_address), CERTIFICATION_TYPES, certification.message()
    )
    return bytes(signed.signature)


def ordered(signatures: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """(signer, signature) pairs in strictly ascending signer order, as `certifyWithSignatures` requires."""
    return sorted(signatures.items(), key=lambda item: int(item[0], 16))
