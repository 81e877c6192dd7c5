"""The oracle service's view of the chain, through web3.py and a local eth-account key.

Transactions are signed locally with fees and gas filled in, so that the raw bytes and hash can be journalled
before anything is sent (see `impact.oracle.journal`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound, Web3RPCError

from impact.chain.encoding import from_bytes32
from impact.chain.system import struct_fields
from impact.oracle import certification
from impact.oracle.evidence import AssessmentReport
from impact.oracle.service import ChainRejection, MilestoneView, Receipt, TransientChainError

_TRANSIENT = (requests.exceptions.ConnectionError, requests.exceptions.Timeout, ConnectionError, TimeoutError)


class Web3OracleChain:
    """`OracleChain` for one oracle key against a deployed `MilestoneCertifier`."""

    def __init__(
        self,
        w3: Web3,
        certifier: Any,
        account: LocalAccount,
        explain: Callable[[Exception], str] = str,
        gas_limit: int = 500_000,
    ) -> None:
        self.w3 = w3
        self.certifier = certifier
        self.account = account
        self.oracle = account.address
        self.explain = explain
        self.gas_limit = gas_limit

    def check_certifiable(self, pool_id: int, milestone_id: int) -> None:
        self._call(self._pools.functions.checkCertifiable(pool_id, milestone_id))

    def milestone(self, pool_id: int, milestone_id: int) -> MilestoneView:
        info = self._call(self._pools.functions.milestone(pool_id, milestone_id))
        fields = dict(zip(struct_fields(self._pools_abi, "milestone"), info, strict=True))
        return MilestoneView(standard_ref=from_bytes32(fields["standardRef"]), certified=bool(fields["certified"]))

    def has_attested(self, pool_id: int, milestone_id: int) -> bool:
        """Whether this oracle attested the milestone in its current round (a reviewer's void starts a new one)."""
        return bool(self._call(self.certifier.functions.hasAttested(pool_id, milestone_id, self.oracle)))

    def sign_attest_tx(self, report: AssessmentReport) -> tuple[bytes, str]:
        call = self.certifier.functions.attest(
            report.pool_id, report.milestone_id, report.evidence_hash(), report.evidence_uri
        )
        self._call(call, sender=self.oracle)  # simulate first: a revert is explained, nothing is signed
        tx = self._guard(
            lambda: call.build_transaction(
                {
                    "from": self.oracle,
                    "nonce": self.w3.eth.get_transaction_count(self.oracle, "pending"),
                    "gas": self.gas_limit,
                    "chainId": self.w3.eth.chain_id,
                    **self._fees(),
                }
            )
        )
        signed = self.account.sign_transaction(tx)
        return bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()

    def broadcast(self, raw_tx: bytes) -> None:
        self._guard(lambda: self.w3.eth.send_raw_transaction(raw_tx))

    def receipt(self, tx_hash: str) -> Receipt | None:
        def fetch() -> Receipt | None:
            try:
                r = self.w3.eth.get_transaction_receipt(tx_hash)
            except TransactionNotFound:
                return None
            return Receipt(status=r["status"], block_number=r["blockNumber"])

        return self._guard(fetch)

    def sign_certification(self, report: AssessmentReport, deadline: int) -> dict:
        # Signed at the certifier's current signature epoch: an oracle revoked later voids the signature.
        epoch = self._call(self.certifier.functions.signatureEpoch())
        claim = certification.Certification(
            report.pool_id, report.milestone_id, report.evidence_hash(), report.evidence_uri, deadline, epoch
        )
        chain_id = self._guard(lambda: self.w3.eth.chain_id)
        signature = certification.sign(claim, chain_id, self.certifier.address, self.account.key)
        return {
            "chainId": chain_id,
            "certifier": self.certifier.address,
            "poolId": report.pool_id,
            "milestoneId": report.milestone_id,
            "evidenceHash": "0x" + claim.evidence_hash.hex(),
            "evidenceURI": claim.evidence_uri,
            "deadline": deadline,
            "epoch": epoch,
            "signer": self.oracle,
            "signature": "0x" + signature.hex(),
        }

    def is_voided(self, pool_id: int, milestone_id: int, evidence: str) -> bool:
        raw = bytes.fromhex(evidence.removeprefix("0x"))
        return bool(self._call(self.certifier.functions.isEvidenceVoided(pool_id, milestone_id, raw)))

    def signature_epoch(self) -> int:
        return int(self._call(self.certifier.functions.signatureEpoch()))

    def now(self) -> int:
        return int(self._guard(lambda: self.w3.eth.get_block("latest"))["timestamp"])

    # -- internals ------------------------------------------------------------------------------------------

    @property
    def _pools(self) -> Any:
        if not hasattr(self, "_pools_contract"):
            address = self._call(self.certifier.functions.pools())
            self._pools_contract = self.w3.eth.contract(address=address, abi=self._pools_abi)
        return self._pools_contract

    @property
    def _pools_abi(self) -> list:
        from impact.chain.artifacts import abi

        return abi("ImpactPools")

    def _fees(self) -> dict[str, int]:
        block = self.w3.eth.get_block("latest")
        priority = self.w3.to_wei(1, "gwei")
        base = int(block.get("baseFeePerGas", 0) or 0)
        return {"maxFeePerGas": 2 * base + priority, "maxPriorityFeePerGas": priority}

    def _call(self, fn: Any, sender: str | None = None) -> Any:
        def call() -> Any:
            try:
                return fn.call({"from": sender} if sender else {})
            except (ContractCustomError, ContractLogicError) as exc:
                raise ChainRejection(self.explain(exc)) from None

        return self._guard(call)

    def _guard(self, step: Callable[[], Any]) -> Any:
        try:
            return step()
        except _TRANSIENT as exc:
            raise TransientChainError(type(exc).__name__) from None
        except Web3RPCError as exc:
            raise ChainRejection(str(exc)) from None
