"""EIP-712 certifications: what milestone oracles sign, and how a relayer orders and packs their signatures.

The typed data mirrors `MilestoneCertifier.CERTIFICATION_TYPEHASH` and the contract's EIP-712 domain; the
digest computed here equals the contract's `certificationDigest` view (tested).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
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
        {"name": "epoch", "type": "uint256"},
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
    # The certifier's signature epoch (`signatureEpoch()`, read when signing): it advances whenever an oracle is
    # revoked, which voids every signature made before. No default, so that no signer can forget it.
    epoch: int

    def message(self) -> dict[str, Any]:
        return {
            "poolId": self.pool_id,
            "milestoneId": self.milestone_id,
            "evidenceHash": self.evidence_hash,
            "evidenceURI": self.evidence_uri,
            "deadline": self.deadline,
            "epoch": self.epoch,
        }


def domain(chain_id: int, certifier_address: str) -> dict[str, Any]:
    """The certifier's EIP-712 domain: a signature is valid only on this chain, for this deployment."""
    return {
        "name": DOMAIN_NAME,
        "version": DOMAIN_VERSION,
        "chainId": chain_id,
        "verifyingContract": certifier_address,
    }


def _signable(certification: Certification, chain_id: int, certifier_address: str) -> SignableMessage:
    return encode_typed_data(domain(chain_id, certifier_address), CERTIFICATION_TYPES, certification.message())


def digest(certification: Certification, chain_id: int, certifier_address: str) -> bytes:
    """The 32-byte EIP-712 digest an oracle signs."""
    signable = _signable(certification, chain_id, certifier_address)
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


ENTRY_BYTES = 65


def pack(pairs: Sequence[tuple[str, bytes]], wallets: Collection[str] = ()) -> bytes:
    """The `signatures` argument of `certifyWithSignatures`, for (signer, signature) pairs in the order given.

    An EOA's entry is its 65-byte signature as it is (r, s, v). A contract wallet's (a signer in `wallets`) is
    `bytes32(wallet) + bytes32(offset) + 0x00`, with its signature appended after all the entries as a 32-byte
    length and the bytes, `offset` pointing at that length (Safe's encoding of contract signatures).
    """
    wallets = {w.lower() for w in wallets}
    entries, tail = [], b""
    for signer, signature in pairs:
        if signer.lower() in wallets:
            offset = ENTRY_BYTES * len(pairs) + len(tail)
            entries.append(int(signer, 16).to_bytes(32, "big") + offset.to_bytes(32, "big") + b"\x00")
            tail += len(signature).to_bytes(32, "big") + signature
        else:
            if len(signature) != ENTRY_BYTES:
                raise ValueError(f"the signature of {signer} is {len(signature)} bytes, not {ENTRY_BYTES}")
            entries.append(signature)
    return b"".join(entries) + tail


def recover(certification: Certification, chain_id: int, certifier_address: str, signature: bytes) -> str:
    """The address an EOA's 65-byte signature of the certification recovers to."""
    return Account.recover_message(_signable(certification, chain_id, certifier_address), signature=signature)
