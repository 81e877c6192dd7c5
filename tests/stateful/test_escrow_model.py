"""Stateful property test: random users act through the `impact` library, and after every step the trace (rebuilt
from events alone) must agree with the contracts' own views and with a plain Python model of the escrow: buying,
transfers, certification by signatures, a reviewer's voids, releases after the challenge window, delayed changes
(scheduled, executed, cancelled) and the exits they open, bounded pauses, failure and refunds.

The same model as the Foundry invariants (tests/invariant/) at a smaller scale, but through the code the scripts
run: `Sender` sends (simulating first), `certification.sign` signs, `Tracer` rebuilds the accounts. Brownie's own
`state_machine` fixture is broken in 1.22.2 (TOOLCHAIN.md), so this is a plain hypothesis RuleBasedStateMachine
that reverts the chain to a snapshot at the start of each example.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

import pytest
from brownie import chain, web3
from eth_utils import keccak
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from support import DAY, ETH, PRICE_ETH, PRICE_USDC, latest_time, milestone_schedule
from web3 import HTTPProvider, Web3
from web3.logs import DISCARD

from impact.chain.accounts import Signer
from impact.chain.deployments import Deployed, Deployment
from impact.chain.errors import UserError
from impact.chain.logs import LogFetcher
from impact.chain.system import System
from impact.chain.tx import Sender
from impact.index.database import EventIndex
from impact.index.source import IndexSource
from impact.index.store import open_store
from impact.index.sync import Syncer
from impact.oracle import certification
from impact.programme import governance
from impact.trace.tracer import Tracer

ACTORS = 4
# The pools' challenge window: not a whole number of days, so that warps of whole days rarely land on its last
# second (where a call simulated in one block and mined in the next may see the window close in between).
WINDOW = 3 * DAY + 26_017
REASONS = keccak(text="SAMPLE: the reviewer's reasons")


@dataclass
class PoolModel:
    pool_id: int
    price: int
    raised: int = 0
    released: int = 0
    refunded: int = 0
    exited: int = 0
    holdings: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world(
    registry, pools, certifier, usdc, site_id, programme, signing_oracles, reviewer, alice, bob, carol, rando, tmp_path
):
    w3 = Web3(HTTPProvider(web3.provider.endpoint_uri))
    block = min(web3.eth.get_transaction_receipt(c.tx.txid)["blockNumber"] for c in (registry, pools, certifier))
    contracts = {
        name: Deployed(c.address, c.tx.txid, block)
        for name, c in (("SiteRegistry", registry), ("ImpactPools", pools), ("MilestoneCertifier", certifier))
    }
    deployment = Deployment(
        web3.eth.chain_id, "development", programme.address, block, contracts, {"USDC": usdc.address}
    )
    actors = [alice, bob, carol, rando][:ACTORS]
    for actor in actors:
        usdc.mint(actor, 10**15, {"from": programme})
    system = System(w3, deployment)
    # One index for the whole run: every example reverts the chain under it, so it also undoes a reorganisation.
    index = EventIndex.open(open_store(tmp_path / "index.db"), deployment, w3, notify=lambda message: None)
    return {
        "w3": w3,
        "system": system,
        "index": index,
        "pools": pools,
        "usdc": usdc,
        "site_id": site_id,
        "programme": programme,
        "oracles": signing_oracles,
        "reviewer": reviewer.address,
        "actors": [a.address for a in actors],
    }


class EscrowMachine(RuleBasedStateMachine):
    world: dict
    done: Counter = Counter()  # successful actions over all examples, so the test can show it explored something

    def __init__(self) -> None:
        super().__init__()
        chain.revert()
        w = self.world
        self.w3, self.system, self.actors = w["w3"], w["system"], w["actors"]
        self.pools = self.system.pools
        self.usdc = self.system.erc20(w["usdc"].address)
        programme = Sender(self.w3, Signer(w["programme"].address))
        self.models: list[PoolModel] = []
        self.trace_checks = 0
        self.wallets = 0
        for asset, price in ((ETH, PRICE_ETH), (w["usdc"].address, PRICE_USDC)):
            now = latest_time()
            params = (w["site_id"], asset, price, 20, 200, now - 60, now + 30 * DAY, WINDOW)
            fn = self.pools.functions.openPool(params, milestone_schedule(now + 30 * DAY))
            pool_id = fn.call({"from": programme.address})
            programme.send(fn)
            self.models.append(PoolModel(pool_id, price))
        # Each example starts with both pools past their goal, and the ETH pool sold out (so its sale has closed and
        # its milestones can be certified at once), so that short walks reach certification, voids, the end of a
        # challenge window and release as often as failure, refunds and exits.
        for model in self.models:
            self.buy(actor=0, recipient=1, pool=self.models.index(model), tokens=30)
        self.buy(actor=2, recipient=2, pool=0, tokens=170)

    # -- helpers ----------------------------------------------------------------------------------------------

    def _sender(self, index: int) -> Sender:
        return Sender(self.w3, Signer(self.actors[index % ACTORS]))

    def _model(self, index: int) -> PoolModel:
        return self.models[index % len(self.models)]

    def _view(self, model: PoolModel) -> dict:
        return self.system.pool(model.pool_id)

    # Which pools an action can succeed on. The rules below act on those (the unit tests cover the rejections), so
    # that short random sequences still reach certification, release, failure and refunds.

    def _certifiable(self) -> list[PoolModel]:
        now = latest_time()
        found = []
        for model in self.models:
            v = self._view(model)
            sale_over = now > v["saleEnd"] or v["tokensSold"] == v["capTokens"]
            if v["failure"] or v["tokensTowardGoal"] < v["goalTokens"] or not sale_over:
                continue
            if v["certifiedCount"] < v["milestoneCount"]:
                deadline = self.system.milestone(model.pool_id, v["certifiedCount"])["deadline"] + v["pausedTime"]
                if now < deadline:
                    found.append(model)
        return found

    def _releasable(self) -> list[tuple[PoolModel, int]]:
        found = []
        for model in self.models:
            v = self._view(model)
            found += [(model, m) for m in range(v["finalizedCount"]) if not v["releasedMask"] >> m & 1]
        return found

    def _voidable(self) -> list[tuple[PoolModel, int]]:
        """Certified milestones still in their challenge window."""
        found = []
        for model in self.models:
            v = self._view(model)
            found += [(model, m) for m in range(v["finalizedCount"], v["certifiedCount"])]
        return found

    def _exitable(self) -> list[tuple[PoolModel, str]]:
        return [
            (m, holder)
            for m in self.models
            if self._view(m)["exitOpen"]
            for holder, tokens in m.holdings.items()
            if tokens
        ]

    def _failable(self) -> list[PoolModel]:
        return [
            m for m in self.models if not self._view(m)["failure"] and self.pools.functions.failureDue(m.pool_id).call()
        ]

    def _refundable(self) -> list[tuple[PoolModel, str]]:
        return [
            (m, holder)
            for m in self.models
            if self._view(m)["failure"]
            for holder, tokens in m.holdings.items()
            if tokens
        ]

    @staticmethod
    def _pick(options: list, index: int):
        return options[index % len(options)]

    @staticmethod
    def _try(sender: Sender, fn, value: int = 0):
        """Sends if the simulation passes (what `impact` does); a rejected call sends nothing."""
        try:
            sender.simulate(fn, value)
        except Exception:  # noqa: BLE001 - any revert: the rule's action is simply not possible now
            return None
        try:
            return sender.send(fn, value)
        except UserError:
            # Mined a second or so after the simulation: at a window's or deadline's very edge the clock may have
            # crossed it. Then the call must fail now too; if it still passes, the revert was not the clock's doing.
            try:
                sender.simulate(fn, value)
            except UserError:
                return None
            raise

    # -- rules ------------------------------------------------------------------------------------------------

    @rule(
        actor=st.integers(0, ACTORS - 1),
        recipient=st.integers(0, ACTORS - 1),
        pool=st.integers(0, 1),
        tokens=st.integers(1, 120),
    )
    def buy(self, actor, recipient, pool, tokens):
        model, sender = self._model(pool), self._sender(actor)
        cost = tokens * model.price
        to = self.actors[recipient]
        if self._view(model)["asset"] == ETH:
            receipt = self._try(sender, self.pools.functions.buy(model.pool_id, tokens, to), cost)
        else:
            sender.send(self.usdc.functions.approve(self.pools.address, cost))
            receipt = self._try(sender, self.pools.functions.buy(model.pool_id, tokens, to))
            sender.send(self.usdc.functions.approve(self.pools.address, 0))
        if receipt:
            self.done["buy"] += 1
            model.raised += cost
            model.holdings[to] = model.holdings.get(to, 0) + tokens

    @rule(
        sender=st.integers(0, ACTORS - 1),
        receiver=st.integers(0, ACTORS - 1),
        pool=st.integers(0, 1),
        tokens=st.integers(1, 50),
    )
    def transfer(self, sender, receiver, pool, tokens):
        model, frm, to = self._model(pool), self.actors[sender], self.actors[receiver]
        tokens = min(tokens, model.holdings.get(frm, 0))
        if tokens == 0:
            return
        self._sender(sender).send(self.pools.functions.safeTransferFrom(frm, to, model.pool_id, tokens, b""))
        self.done["transfer"] += 1
        model.holdings[frm] -= tokens
        model.holdings[to] = model.holdings.get(to, 0) + tokens

    @precondition(lambda self: self._certifiable())
    @rule(pool=st.integers(0, 1), signers=st.integers(2, 3), relayer=st.integers(0, ACTORS - 1))
    def certify_by_signatures(self, pool, signers, relayer):
        model = self._pick(self._certifiable(), pool)
        view = self._view(model)
        certifier = self.system.certifier.functions
        milestone = view["certifiedCount"]
        # Evidence of this round: a voided one can never certify the milestone again.
        round_ = certifier.roundOf(model.pool_id, milestone).call()
        evidence = keccak(text=f"report {model.pool_id} {milestone} {round_}")
        claim = certification.Certification(
            model.pool_id,
            milestone,
            evidence,
            "ipfs://sample/report",
            latest_time() + 3_600,
            certifier.signatureEpoch().call(),
        )
        oracles = self.world["oracles"][:signers]
        signatures = [
            (o.address, certification.sign(claim, self.w3.eth.chain_id, self.system.certifier.address, o.private_key))
            for o in oracles
        ]
        if self._try(
            self._sender(relayer),
            self.system.certifier.functions.certifyWithSignatures(
                claim.pool_id,
                claim.milestone_id,
                claim.evidence_hash,
                claim.evidence_uri,
                claim.deadline,
                certification.pack(signatures),
            ),
        ):
            self.done["certify"] += 1

    @precondition(lambda self: self._voidable())
    @rule(which=st.integers(0, 5))
    def void(self, which):
        """The reviewer voids a certification inside its window (and the later ones certified since)."""
        model, milestone = self._pick(self._voidable(), which)
        reviewer = Sender(self.w3, Signer(self.world["reviewer"]))
        fn = self.system.certifier.functions.voidCertification(model.pool_id, milestone, REASONS, "ipfs://sample/why")
        if self._try(reviewer, fn):
            assert self._view(model)["certifiedCount"] == milestone
            self.done["void"] += 1

    @precondition(lambda self: self._releasable())
    @rule(which=st.integers(0, 5), relayer=st.integers(0, ACTORS - 1))
    def release(self, which, relayer):
        model, milestone = self._pick(self._releasable(), which)
        receipt = self._try(self._sender(relayer), self.pools.functions.release(model.pool_id, milestone))
        if receipt:
            event = self.pools.events.TrancheReleased().process_receipt(receipt, errors=DISCARD)[0]
            model.released += event["args"]["amount"]
            self.done["release"] += 1

    @precondition(lambda self: self._failable())
    @rule(pool=st.integers(0, 1), caller=st.integers(0, ACTORS - 1))
    def fail(self, pool, caller):
        if self._try(self._sender(caller), self.pools.functions.fail(self._pick(self._failable(), pool).pool_id)):
            self.done["fail"] += 1

    @precondition(lambda self: self._refundable())
    @rule(which=st.integers(0, 7), tokens=st.integers(1, 200))
    def refund(self, which, tokens):
        model, holder = self._pick(self._refundable(), which)
        tokens = min(tokens, model.holdings[holder])
        before = self._view(model)
        sender = Sender(self.w3, Signer(holder))
        receipt = self._try(sender, self.pools.functions.refund(model.pool_id, tokens))
        if receipt:
            amount = self.pools.events.Refunded().process_receipt(receipt, errors=DISCARD)[0]["args"]["amount"]
            assert amount * before["supply"] <= before["escrow"] * tokens  # never above pro rata
            model.refunded += amount
            model.holdings[holder] -= tokens
            self.done["refund"] += 1

    @rule(
        moment=st.sampled_from(["a few days", "past the sale", "past the next deadline", "past a challenge window"]),
        pool=st.integers(0, 1),
        days=st.integers(1, 20),
    )
    def warp(self, moment, pool, days):
        """Time jumps to the moments that matter (a sale's end, a milestone's deadline) as well as by a few days."""
        view = self._view(self._model(pool))
        target = latest_time() + days * DAY
        if moment == "past the sale":
            target = max(target, view["saleEnd"] + 1)
        elif moment == "past the next deadline" and view["certifiedCount"] < view["milestoneCount"]:
            deadline = self.system.milestone(self._model(pool).pool_id, view["certifiedCount"])["deadline"]
            target = max(target, deadline + view["pausedTime"] + 1)
        elif moment == "past a challenge window" and view["finalizedCount"] < view["certifiedCount"]:
            ends = self.system.milestone(self._model(pool).pool_id, view["finalizedCount"])["challengeEndsAt"]
            target = max(latest_time(), ends) + 1
        chain.sleep(target - latest_time())
        chain.mine()

    @rule(kind=st.sampled_from(["beneficiary", "registry delay", "certifier delay"]))
    def schedule_change(self, kind):
        """The programme schedules a delayed change; while it is pending, exits are open."""
        programme = Sender(self.w3, Signer(self.world["programme"].address))
        if kind == "beneficiary":
            self.wallets += 1  # a fresh wallet each time, derived rather than created (nothing printed, repeatable)
            wallet = Web3.to_checksum_address(keccak(text=f"site wallet {self.wallets}")[12:])
            fn = self.system.registry.functions.scheduleBeneficiaryChange(self.world["site_id"], wallet)
        else:
            contract = self.system.registry if kind == "registry delay" else self.system.certifier
            fn = contract.functions.scheduleChangeDelay(3 * DAY)
        if self._try(programme, fn):
            self.done["schedule"] += 1

    @precondition(lambda self: governance.pending_changes(self.system))
    @rule(which=st.integers(0, 5), cancel=st.booleans(), caller=st.integers(0, ACTORS - 1))
    def settle_change(self, which, cancel, caller):
        """Anyone executes a due change; the programme cancels one."""
        change = self._pick(governance.pending_changes(self.system), which)
        contract = governance.contract_of(self.system, change.contract).functions
        if cancel:
            sender, fn = Sender(self.w3, Signer(self.world["programme"].address)), contract.cancelChange
        else:
            sender, fn = self._sender(caller), contract.executeChange
        if self._try(sender, fn(change.change_id)):
            self.done["cancel" if cancel else "execute"] += 1

    @precondition(lambda self: self._exitable())
    @rule(which=st.integers(0, 7), tokens=st.integers(1, 200))
    def exit(self, which, tokens):
        model, holder = self._pick(self._exitable(), which)
        tokens = min(tokens, model.holdings[holder])
        quote = self.pools.functions.exitQuote(model.pool_id, tokens).call()
        receipt = self._try(Sender(self.w3, Signer(holder)), self.pools.functions.exit(model.pool_id, tokens))
        if receipt:
            amount = self.pools.events.Exited().process_receipt(receipt, errors=DISCARD)[0]["args"]["amount"]
            assert amount == quote  # what the exit was quoted to pay, exactly
            model.exited += amount
            model.holdings[holder] -= tokens
            self.done["exit"] += 1

    @rule(days=st.integers(1, 7), dice=st.integers(0, 2))
    def pause(self, days, dice):
        """The pauser pauses for a few days, then unpauses (within the bounds: a week at most, a week apart). One
        draw in three: every pause moves the clock by days."""
        pauser = Sender(self.w3, Signer(self.world["programme"].address))
        if not dice and self._try(pauser, self.pools.functions.pause()):
            chain.sleep(days * DAY)
            chain.mine()
            self._try(pauser, self.pools.functions.unpause())
            self.done["pause"] += 1

    @rule(dice=st.integers(0, 3))
    def withdraw_site(self, dice):
        """The programme withdraws the site (one draw in four: it ends every pool): all can then be failed."""
        if dice:
            return
        programme = Sender(self.w3, Signer(self.world["programme"].address))
        if self._try(programme, self.system.registry.functions.setStatus(self.world["site_id"], 4)):
            self.done["withdraw"] += 1

    # -- invariants -------------------------------------------------------------------------------------------

    @invariant()
    def the_contracts_match_the_model(self):
        for model in self.models:
            view = self._view(model)
            assert (view["raised"], view["released"], view["refunded"], view["exited"]) == (
                model.raised,
                model.released,
                model.refunded,
                model.exited,
            )
            assert view["raised"] == view["released"] + view["refunded"] + view["exited"] + view["escrow"]
            assert view["supply"] == sum(model.holdings.values())

    @invariant()
    def the_trace_matches_the_contracts(self):
        tracer = Tracer(self.system)
        for model in self.models:
            trace = tracer.pool(model.pool_id)
            account = trace.account
            view = self._view(model)
            assert (
                account.raised.amount,
                account.released.amount,
                account.refunded.amount,
                account.exited.amount,
                account.escrow.amount,
                account.supply,
                account.paused_time,
                account.exit_open,
            ) == (
                view["raised"],
                view["released"],
                view["refunded"],
                view["exited"],
                view["escrow"],
                view["supply"],
                view["pausedTime"],
                view["exitOpen"],
            )
            # Per token, every holder's part adds up to the pool's: what reached the site, what is in escrow.
            assert sum(h.reached_site.amount for h in trace.holders) == view["released"]
            assert sum(h.in_escrow.amount for h in trace.holders) == view["escrow"]
            for story in trace.milestones:
                milestone = self.system.milestone(model.pool_id, story.milestone_id)
                assert (story.certified, story.final) == (milestone["certified"], milestone["finalized"])
                if story.certified and not story.final:
                    assert story.challenge_ends_at_unix == milestone["challengeEndsAt"]
                if story.certified:
                    assert story.payee == milestone["payee"]
        # The index, synced now, traces every pool exactly as the chain does (tests/index checks every kind of trace
        # over random histories; here it follows every step of the escrow's own walks).
        index = self.world["index"]
        Syncer(index, confirmations=1).sync()
        for model in self.models:
            with IndexSource(index, LogFetcher(self.w3)) as source:
                assert asdict(Tracer(self.system, source).pool(model.pool_id)) == asdict(tracer.pool(model.pool_id))
        # One investor's trace per step, in turn: each is four log queries and a batch of block headers, and all
        # four actors every step would take four times as long.
        self.trace_checks += 1
        for actor in [self.actors[self.trace_checks % ACTORS]]:
            holdings = tracer.investor(actor).holdings
            for model in self.models:
                on_chain = self.pools.functions.balanceOf(actor, model.pool_id).call()
                assert holdings.get(model.pool_id, 0) == on_chain == model.holdings.get(actor, 0)


def test_the_trace_and_the_escrow_agree_after_every_step(world):
    EscrowMachine.world = world
    chain.snapshot()
    EscrowMachine.done.clear()
    run_state_machine_as_test(
        EscrowMachine,
        settings=settings(max_examples=40, stateful_step_count=30, deadline=None, derandomize=True, database=None),
    )
    print(dict(EscrowMachine.done))
    # The random walks reached every kind of money movement, and every guarantee, at least once.
    actions = ("buy", "transfer", "certify", "void", "release", "fail", "refund")
    actions += ("schedule", "execute", "exit", "pause")
    assert all(EscrowMachine.done[action] > 0 for action in actions), dict(EscrowMachine.done)
