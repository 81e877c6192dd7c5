"""A deployment on an Anvil of its own, and the actions that make a history for the index to sync: pools in ETH,
purchases, single and batch transfers (a batch may name one id twice), certifications by attestation, voided
certifications, releases, failures, refunds, exits, site changes. Every action goes through `impact.chain.tx.Sender`,
which simulates first: an action the contracts would refuse raises `UserError` and sends nothing, so random
histories can simply skip it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from web3 import HTTPProvider, Web3

from impact.chain.accounts import Signer
from impact.chain.artifacts import abi
from impact.chain.deployments import path_for
from impact.chain.encoding import to_bytes32
from impact.chain.errors import UserError
from impact.chain.system import ETH, System
from impact.chain.tx import Sender
from impact.programme.deploy import deploy_all

DAY = 86_400
PRICE = 10**15  # wei per token


def _bytes32(text: str) -> bytes:
    return bytes.fromhex(to_bytes32(text)[2:])


class World:
    """accounts[0] holds every programme duty, 1-3 are the oracles (quorum 2), 4 the reviewer, 5-8 investors, 9 the
    site's beneficiary."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 60}))
        accounts = self.w3.eth.accounts
        self.programme = accounts[0]
        self.oracles = sorted(accounts[1:4], key=lambda a: int(a, 16))
        self.reviewer = accounts[4]
        self.investors = accounts[5:9]
        self.beneficiary = accounts[9]
        self.deployment = deploy_all(self._sender(self.programme), "test", self.oracles, 2, reviewers=[self.reviewer])
        self.system = System(self.w3, self.deployment)
        self.pools = self.system.pools
        self.certifier = self.system.certifier
        self.registry = self.system.registry
        self.send(
            self.programme, self.registry.functions.registerSite("Xianju", b"CN", 555_000_001, "ipfs://x", accounts[9])
        )
        self.pool_ids: list[int] = []
        self._evidence = 0

    # -- plumbing ------------------------------------------------------------------------------------------

    def _sender(self, address: str) -> Sender:
        return Sender(self.w3, Signer(address), poll=0.002)

    def send(self, who: str, fn: Any, value: int = 0) -> Any:
        return self._sender(who).send(fn, value)

    def attempt(self, who: str, fn: Any, value: int = 0) -> bool:
        """Sends if the contracts would accept it now; False (nothing sent) if not."""
        try:
            self.send(who, fn, value)
        except UserError:
            return False
        return True

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def warp(self, seconds: int) -> None:
        self.w3.provider.make_request("evm_increaseTime", [seconds])
        self.w3.provider.make_request("evm_mine", [])

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self.w3.provider.make_request("evm_mine", [])

    def snapshot(self) -> str:
        return self.w3.provider.make_request("evm_snapshot", [])["result"]

    def revert(self, snapshot_id: str) -> None:
        assert self.w3.provider.make_request("evm_revert", [snapshot_id])["result"] is True

    def save(self, folder: Path) -> Path:
        """The deployments file `impact` reads, in `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        # Named as `impact` looks for it: a local chain's record is keyed by its genesis block too.
        name = path_for(self.deployment.chain_id, self.deployment.genesis_hash, self.deployment.local).name
        path = folder / name
        path.write_text(json.dumps(self.deployment.to_json(), indent=2) + "\n")
        return path

    # -- actions -------------------------------------------------------------------------------------------

    def open_pool(
        self,
        goal: int = 10,
        cap: int = 100,
        milestones: int = 2,
        challenge_window: int = 0,
        sale_days: int = 30,
        site_id: int = 1,
    ) -> int:
        now = self.now()
        values = {
            "siteId": site_id,
            "asset": ETH,
            "price": PRICE,
            "goalTokens": goal,
            "capTokens": cap,
            "saleStart": now - 60,
            "saleEnd": now + sale_days * DAY,
            "challengeWindow": challenge_window,
        }
        shares = [10_000 // milestones] * milestones
        shares[-1] += 10_000 - sum(shares)
        schedule = [
            (_bytes32(f"GLS-V1.1-{k}.1.1"), _bytes32(f"m{k}"), f"ipfs://m{k}", share, deadline)
            for k, share in enumerate(shares)
            for deadline in [now + (sale_days + 90 * (k + 1)) * DAY]
        ]
        fn = self.pools.functions.openPool(_ordered(values), schedule)
        pool_id = fn.call({"from": self.programme})
        self.send(self.programme, fn)
        self.pool_ids.append(pool_id)
        return pool_id

    def buy(self, who: str, pool_id: int, tokens: int, recipient: str | None = None) -> bool:
        fn = self.pools.functions.buy(pool_id, tokens, recipient or who)
        return self.attempt(who, fn, tokens * PRICE)

    def transfer(self, who: str, to: str, pool_id: int, tokens: int) -> bool:
        return self.attempt(who, self.pools.functions.safeTransferFrom(who, to, pool_id, tokens, b""))

    def batch_transfer(self, who: str, to: str, ids: list[int], values: list[int]) -> bool:
        return self.attempt(who, self.pools.functions.safeBatchTransferFrom(who, to, ids, values, b""))

    def certify(self, pool_id: int, milestone_id: int, uri: str | None = None) -> bool:
        """Two oracles attest the same new evidence: the second certifies."""
        self._evidence += 1
        evidence = _bytes32(f"evidence {self._evidence}")
        for oracle in self.oracles[:2]:
            fn = self.certifier.functions.attest(pool_id, milestone_id, evidence, uri or f"ipfs://e{self._evidence}")
            if not self.attempt(oracle, fn):
                return False
        return True

    def void(self, pool_id: int, milestone_id: int, uri: str = "ipfs://why") -> bool:
        fn = self.certifier.functions.voidCertification(pool_id, milestone_id, _bytes32("reasons"), uri)
        return self.attempt(self.reviewer, fn)

    def release(self, pool_id: int, milestone_id: int) -> bool:
        return self.attempt(self.investors[0], self.pools.functions.release(pool_id, milestone_id))

    def fail(self, pool_id: int) -> bool:
        return self.attempt(self.investors[0], self.pools.functions.fail(pool_id))

    def refund(self, who: str, pool_id: int, tokens: int) -> bool:
        return self.attempt(who, self.pools.functions.refund(pool_id, tokens))

    def exit(self, who: str, pool_id: int, tokens: int) -> bool:
        return self.attempt(who, self.pools.functions.exit(pool_id, tokens))

    def schedule_beneficiary_change(self) -> bool:
        """A pending change to the site: its pools' holders may exit while it waits."""
        return self.attempt(self.programme, self.registry.functions.scheduleBeneficiaryChange(1, self.investors[3]))

    def balance(self, who: str, pool_id: int) -> int:
        return self.pools.functions.balanceOf(who, pool_id).call()

    def story(self) -> None:
        """A fixed history touching every kind of event the trace reads, and a few it does not."""
        a, b, c, d = self.investors
        first = self.open_pool(goal=10, cap=100, milestones=2)
        second = self.open_pool(goal=50, cap=60, milestones=1, sale_days=1)
        third = self.open_pool(goal=5, cap=20, milestones=2, challenge_window=DAY)
        self.buy(a, first, 40)
        self.buy(b, first, 30, recipient=c)
        self.buy(a, second, 10)
        self.buy(a, third, 20)  # sold out: the sale closes
        self.transfer(a, d, first, 5)
        self.batch_transfer(a, c, [first, first, second], [2, 3, 4])  # one id twice
        self.buy(d, first, 30)  # sold out
        assert self.certify(first, 0)
        assert self.release(first, 0)
        self.transfer(c, a, first, 10)
        assert self.certify(third, 0)
        assert self.void(third, 0)
        self.warp(2 * DAY)
        assert self.fail(second)  # the goal was not reached
        assert self.refund(a, second, 6)
        assert self.schedule_beneficiary_change()
        assert self.exit(c, first, 5)


def _ordered(values: dict[str, Any]) -> tuple:
    """The pool parameters in the ABI's order (the names are the ABI's)."""
    item = next(i for i in abi("ImpactPools") if i.get("type") == "function" and i["name"] == "openPool")
    return tuple(values[c["name"]] for c in item["inputs"][0]["components"])
