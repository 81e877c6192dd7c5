"""Sending transactions: simulate first (a revert becomes a sentence and nothing is sent), then sign or ask the
node, then wait for the receipt (and confirmations on a live network)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound, Web3RPCError

from impact.chain.accounts import Signer
from impact.chain.artifacts import abi, bytecode
from impact.chain.errors import UserError, contract_error

PRIORITY_FEE = Web3.to_wei(1, "gwei")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C after a transaction was sent (or while it was being sent): the message names it and how to check it,
    since it may be mined whether or not anyone waits for it."""


@dataclass
class Sender:
    """Sends transactions for one signer. `announce`, if given, is told "sent 0x…, waiting for N confirmations"
    once a transaction has waited `announce_after` seconds without a receipt (0: as soon as it is sent), so that a
    user who gives up waiting knows what was sent."""

    w3: Web3
    signer: Signer
    confirmations: int = 1
    timeout: float = 180.0
    poll: float = 0.01
    announce: Callable[[str], None] | None = None
    announce_after: float = 0.0

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
            self._check_funds(fields["maxFeePerGas"] * 100_000, value)
            raise
        # Some nodes (Ganache) estimate for anyone and refuse only the transaction: check before sending it.
        self._check_funds(tx["gas"] * fields["maxFeePerGas"], value)
        return tx

    def _check_funds(self, gas_cost: int, value: int) -> None:
        balance = self.w3.eth.get_balance(self.address)
        if balance >= gas_cost + value:
            return
        if balance >= gas_cost:
            message = f"{self.address} has {balance / 10**18:.6g} ETH, less than the {value / 10**18:.6g} ETH it pays"
        else:
            message = f"{self.address} has {balance / 10**18:.6g} ETH and cannot pay for the gas"
        raise UserError(f"{message}: fund it first", "insufficient-funds")

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
        tx_hash: str | None = None
        try:
            if self.signer.key is not None:
                signed = self.signer.key.sign_transaction(tx)
                tx_hash = "0x" + bytes(signed.hash).hex()  # known before it is sent: an interruption can name it
                self.w3.eth.send_raw_transaction(signed.raw_transaction)
            else:
                tx_hash = "0x" + bytes(self.w3.eth.send_transaction(tx)).hex()
        except KeyboardInterrupt:
            if tx_hash is None:
                raise
            raise Interrupted(
                f"interrupted while sending transaction {tx_hash}: it may or may not have reached the node; "
                f"check with `impact tx {tx_hash}`"
            ) from None
        try:
            receipt = self._wait_receipt(tx_hash)
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted: transaction {tx_hash} was sent and may still be mined; check it with "
                f"`impact tx {tx_hash}` (or `cast receipt {tx_hash}`, or a block explorer) before sending it again"
            ) from None
        if receipt["status"] != 1:
            raise UserError(f"transaction {tx_hash} reverted in block {receipt['blockNumber']}", "reverted")
        try:
            self._wait_confirmations(receipt["blockNumber"])
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted: transaction {tx_hash} was mined in block {receipt['blockNumber']} but has not reached "
                f"{self.confirmations} confirmations yet; check it with `impact tx {tx_hash}`"
            ) from None
        return receipt

    def _wait_receipt(self, tx_hash: str) -> Any:
        """Polls for the receipt (more slowly as time passes), announcing the transaction if it is slow to come."""
        start = time.monotonic()
        announced, poll = False, self.poll
        while True:
            try:
                return self.w3.eth.get_transaction_receipt(tx_hash)
            except TransactionNotFound:
                pass
            waited = time.monotonic() - start
            if self.announce and not announced and waited >= self.announce_after:
                plural = "s" if self.confirmations != 1 else ""
                self.announce(f"sent {tx_hash}, waiting for {self.confirmations} confirmation{plural}")
                announced = True
            if waited > self.timeout:
                raise UserError(
                    f"transaction {tx_hash} was sent but not mined within {self.timeout:.0f} s; "
                    f"check it later with `impact tx {tx_hash}`"
                )
            time.sleep(poll)
            poll = min(poll * 1.5, 1.0)

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


def transaction_status(w3: Web3, tx_hash: str) -> str:
    """One sentence on where a transaction is: unknown to the node, pending, or mined (succeeded or reverted) with
    its confirmations so far. A UserError for a malformed hash or a transaction the node does not know."""
    text = tx_hash.strip()
    try:
        raw = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise UserError(f"'{tx_hash}' is not a transaction hash (0x and 64 hex digits)")
    text = "0x" + raw.hex()
    try:
        tx = w3.eth.get_transaction(text)
    except TransactionNotFound:
        raise UserError(
            f"transaction {text} is not known to this node: not sent, dropped, or sent to another network"
        ) from None
    if tx.get("blockNumber") is None:
        return f"transaction {text} is pending: sent by {tx['from']} with nonce {tx['nonce']}, not in a block yet"
    receipt = w3.eth.get_transaction_receipt(text)
    confirmations = w3.eth.block_number - receipt["blockNumber"] + 1
    outcome = "succeeded" if receipt["status"] == 1 else "REVERTED"
    plural = "s" if confirmations != 1 else ""
    return (
        f"transaction {text} {outcome} in block {receipt['blockNumber']} ({confirmations} confirmation{plural}), "
        f"sent by {tx['from']}, gas used {receipt['gasUsed']:,}"
    )
