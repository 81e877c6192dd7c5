"""Sending transactions: simulate first (a revert becomes a sentence and nothing is sent), then sign or ask the
node, then wait for the receipt (and confirmations on a live network)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TimeExhausted, Web3RPCError

from impact.accounts import Signer
from impact.artifacts import abi, bytecode
from impact.errors import UserError, contract_error

PRIORITY_FEE = Web3.to_wei(1, "gwei")


@dataclass
class Sender:
    w3: Web3
    signer: Signer
    confirmations: int = 1
    timeout: float = 180.0
    poll: float = 0.01

    @property
    def address(self) -> str:
        return self.signer.address

    def simulate(self, fn: Any, value: int = 0) -> Any:
        """The call's return value if it would succeed now; a UserError with the reason otherwise."""
        try:
            return fn.call({"from": self.address, "value": value})
        except (ContractCustomError, ContractLogicError) as exc:
            raise contract_error(exc, self._now()) from None

    def send(self, fn: Any, value: int = 0) -> Any:
        """Simulates, sends and waits for `fn`; returns the receipt."""
        self.simulate(fn, value)
        return self._submit(self._build(fn, value))

    def deploy(self, name: str, *args: Any) -> Any:
        contract = self.w3.eth.contract(abi=abi(name), bytecode=bytecode(name))
        return self._submit(self._build(contract.constructor(*args), 0))

    def _build(self, fn: Any, value: int) -> dict[str, Any]:
        fields = self._fields(value)
        try:
            tx = fn.build_transaction(fields)  # web3 estimates the gas here too
            tx["gas"] = self._gas(tx)
        except (ContractCustomError, ContractLogicError) as exc:
            raise contract_error(exc, self._now()) from None
        except Web3RPCError:
            # A node refuses to estimate for a sender who cannot pay for the gas ("gas required exceeds allowance").
            balance = self.w3.eth.get_balance(self.address)
            if balance < fields["maxFeePerGas"] * 100_000 + value:
                raise UserError(
                    f"{self.address} has {balance / 10**18:.6g} ETH and cannot pay for the gas: fund it first",
                    "insufficient-funds",
                ) from None
            raise
        return tx

    def simulate_deploy(self, name: str, *args: Any) -> int:
        """The gas a deployment of `name(*args)` would use now; a UserError with the reason if it would revert."""
        contract = self.w3.eth.contract(abi=abi(name), bytecode=bytecode(name))
        data = contract.constructor(*args).data_in_transaction
        try:
            return int(self.w3.eth.estimate_gas({"from": self.address, "data": data}))
        except (ContractCustomError, ContractLogicError) as exc:
            raise contract_error(exc, self._now()) from None

    def max_fee(self) -> int:
        """The most a unit of gas may cost a transaction sent now (what `_fields` offers)."""
        return self._fields(0)["maxFeePerGas"]

    def _fields(self, value: int) -> dict[str, Any]:
        base = int(self.w3.eth.get_block("latest").get("baseFeePerGas", 0) or 0)
        return {
            "from": self.address,
            "value": value,
            "chainId": self.w3.eth.chain_id,
            "nonce": self.w3.eth.get_transaction_count(self.address, "pending"),
            "maxPriorityFeePerGas": PRIORITY_FEE,
            "maxFeePerGas": 2 * base + PRIORITY_FEE,
        }

    def _gas(self, tx: dict[str, Any]) -> int:
        try:
            return int(self.w3.eth.estimate_gas({k: v for k, v in tx.items() if k != "gas"}) * 1.2) + 10_000
        except (ContractCustomError, ContractLogicError) as exc:
            raise contract_error(exc, self._now()) from None

    def _submit(self, tx: dict[str, Any]) -> Any:
        if self.signer.key is not None:
            signed = self.signer.key.sign_transaction(tx)
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        else:
            tx_hash = self.w3.eth.send_transaction(tx)
        full_hash = "0x" + bytes(tx_hash).hex()
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.timeout, poll_latency=self.poll)
        except TimeExhausted:
            raise UserError(
                f"transaction {full_hash} was sent but not mined within {self.timeout:.0f} s", "not-mined"
            ) from None
        if receipt["status"] != 1:
            raise UserError(f"transaction {full_hash} reverted in block {receipt['blockNumber']}", "reverted")
        self._wait_confirmations(receipt["blockNumber"])
        return receipt

    def _wait_confirmations(self, block: int) -> None:
        deadline = time.monotonic() + self.timeout
        while self.w3.eth.block_number < block + self.confirmations - 1:
            if time.monotonic() > deadline:
                raise UserError(
                    f"block {block} did not reach {self.confirmations} confirmations in time", "not-confirmed"
                )
            time.sleep(1.0)

    def _now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])
