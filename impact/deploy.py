"""Deploying the whole system with web3.py: the registry, the pools and the certifier, which refer to each other by
immutable addresses. Used by `impact deploy`, `scripts/deploy.py`, the tests and the benchmarks alike.

The certifier is deployed last, so its address is computed in advance from the deployer's nonce (contract
addresses are `keccak(rlp([deployer, nonce]))`): the registry and the pools are built for it, and its constructor
checks the wiring. Everything a constructor would refuse is checked here first, so that a bad deployment fails
before the first transaction instead of leaving contracts behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import rlp
from eth_utils import keccak, to_checksum_address

from impact.deployments import Deployed, Deployment
from impact.errors import UserError
from impact.tx import Sender

DEFAULT_TOKEN_URI = "ipfs://green-list-impact/{id}.json"
MIN_CHANGE_DELAY = 2 * 86_400  # DelayedChanges.MIN_CHANGE_DELAY
MAX_CHANGE_DELAY = 30 * 86_400  # DelayedChanges.MAX_CHANGE_DELAY
MAX_ADMIN_DELAY = 2**48 - 1


@dataclass(frozen=True)
class Roles:
    """Who holds each programme duty. On a local chain one account may hold them all; on a live network each should
    be its own account (typically a multisig), and `impact deploy` refuses one key for all of them."""

    admin: str
    registrar: str
    programme: str
    pauser: str

    @classmethod
    def single(cls, account: str) -> Roles:
        return cls(account, account, account, account)

    def distinct(self) -> bool:
        return len({a.lower() for a in (self.admin, self.registrar, self.programme, self.pauser)}) == 4

    def holders(self) -> dict[str, str]:
        return {"admin": self.admin, "registrar": self.registrar, "programme": self.programme, "pauser": self.pauser}


def contract_address(deployer: str, nonce: int) -> str:
    """The address of the contract `deployer` creates with the transaction of this nonce."""
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(deployer[2:]), nonce]))[12:])


def check_parameters(
    roles: Roles, oracles: Sequence[str], quorum: int, reviewers: Sequence[str], change_delay: int, admin_delay: int
) -> None:
    """Raises a UserError for anything the constructors would refuse (so nothing is sent)."""
    lowered = [o.lower() for o in oracles]
    if not oracles:
        raise UserError("give at least one oracle (--oracles A,B,…)")
    if len(set(lowered)) != len(lowered):
        duplicate = next(o for o in oracles if lowered.count(o.lower()) > 1)
        raise UserError(f"oracle {duplicate} is listed twice")
    if int(min(lowered, key=lambda o: int(o, 16)), 16) == 0:
        raise UserError("the zero address cannot be an oracle")
    if not 1 <= quorum <= len(oracles):
        raise UserError(f"the quorum must be between 1 and the number of oracles ({len(oracles)}), not {quorum}")
    for duty, holder in roles.holders().items():
        if holder.lower() in lowered:
            raise UserError(f"oracle {holder} cannot also be the {duty} (separation of duties)")
    for reviewer in reviewers:
        if reviewer.lower() in lowered:
            raise UserError(f"oracle {reviewer} cannot also be a reviewer (separation of duties)")
        if int(reviewer, 16) == 0:
            raise UserError("the zero address cannot be a reviewer")
    if len({r.lower() for r in reviewers}) != len(reviewers):
        raise UserError("a reviewer is listed twice")
    if not MIN_CHANGE_DELAY <= change_delay <= MAX_CHANGE_DELAY:
        raise UserError(
            f"the change delay must be between {MIN_CHANGE_DELAY} s (2 days) and {MAX_CHANGE_DELAY} s (30 days), "
            f"not {change_delay} s"
        )
    if not 0 <= admin_delay <= MAX_ADMIN_DELAY:
        raise UserError(f"the admin delay must be between 0 and {MAX_ADMIN_DELAY} seconds, not {admin_delay}")


def deploy_all(
    sender: Sender,
    network: str,
    oracles: Sequence[str],
    quorum: int,
    roles: Roles | None = None,
    reviewers: Sequence[str] = (),
    change_delay: int = MIN_CHANGE_DELAY,
    admin_delay: int = 0,
    token_uri: str = DEFAULT_TOKEN_URI,
    mock_usdc: bool = False,
) -> Deployment:
    """Deploys the three contracts from `sender` (who needs no role afterwards), wired to each other."""
    roles = roles or Roles.single(sender.address)
    check_parameters(roles, oracles, quorum, reviewers, change_delay, admin_delay)
    contracts: dict[str, Deployed] = {}

    def deploy(name: str, *args: object) -> str:
        receipt = sender.deploy(name, *args)
        contracts[name] = Deployed(
            receipt["contractAddress"], "0x" + bytes(receipt["transactionHash"]).hex(), receipt["blockNumber"]
        )
        return receipt["contractAddress"]

    nonce = sender.w3.eth.get_transaction_count(sender.address, "pending")
    certifier_address = contract_address(sender.address, nonce + 2)
    registry = deploy("SiteRegistry", admin_delay, roles.admin, roles.registrar, change_delay, certifier_address)
    pools = deploy("ImpactPools", roles.admin, roles.programme, roles.pauser, registry, certifier_address, token_uri)
    certifier = deploy(
        "MilestoneCertifier",
        admin_delay,
        roles.admin,
        change_delay,
        registry,
        pools,
        list(oracles),
        quorum,
        list(reviewers),
    )
    if certifier.lower() != certifier_address.lower():
        raise UserError(
            f"the certifier landed at {certifier} instead of {certifier_address}: another transaction from "
            f"{sender.address} was sent during the deployment; deploy again from an account nobody else uses"
        )

    assets: dict[str, str] = {}
    if mock_usdc:
        assets["USDC"] = sender.deploy("MockStablecoin", "Sample USD (mock)", "USDC", 6)["contractAddress"]
    return Deployment(
        chain_id=sender.w3.eth.chain_id,
        network=network,
        deployer=sender.address,
        block=contracts["SiteRegistry"].block,
        contracts=contracts,
        assets=assets,
        roles=roles.holders(),
    )
