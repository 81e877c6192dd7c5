"""`impact trace` on the escrow's new events: challenge windows moved by a pause, payees, a voided certification,
exits before, during and after a challenge window, and delayed changes. Every figure is compared with the
contracts' own views, and every investor's numbers add up: paid = reached the site + in escrow + refunded + exited."""

import re

import pytest
from brownie import ImpactPools, MilestoneCertifier, SiteRegistry, accounts, chain, web3
from eth_utils import keccak
from web3 import HTTPProvider, Web3

from impact.chain.encoding import to_bytes32
from impact.chain.logs import LogFetcher
from impact.chain.system import System
from impact.trace.tracer import Tracer

DAY = 86_400
PRICE = 5 * 10**16
URI = "ipfs://sample/report"


def attest(impact, pool_id, evidence):
    for oracle in ("dev:1", "dev:2"):
        impact.ok(
            "oracle",
            "attest",
            "--pool",
            str(pool_id),
            "--milestone",
            "0",
            "--evidence-hash",
            to_bytes32(evidence),
            "--uri",
            URI,
            account=oracle,
        )


def scheduled(out: str) -> str:
    return re.match(r"scheduled (\w+:\d+): ", out).group(1)


@pytest.fixture(scope="module")
def story(impact, deployed, tmp_path_factory):
    """alice, bob and carol buy 100 tokens each. A beneficiary change is scheduled and carol exits 40 tokens before
    any certification. Milestone 0 is certified, voided by the reviewer, certified again with new evidence; bob exits
    30 tokens inside its challenge window; the beneficiary change is executed (the payee stays the one recorded);
    the pools are paused for a day (the window ends a day later); the tranche is released; a change of the
    certifier's delay is scheduled and alice exits 10 tokens after the milestone became final."""
    c = deployed["contracts"]
    pools = ImpactPools.at(c["ImpactPools"]["address"])
    pool_id = impact.open_pool("samples/xianju-pool.yaml", 1)
    for who in ("dev:4", "dev:5", "dev:6"):
        impact.ok("buy", "--pool", str(pool_id), "--tokens", "100", account=who)
    new_wallet = accounts.add()
    beneficiary_change = scheduled(impact.ok("site", "beneficiary", "--site", "1", "--address", new_wallet.address))
    impact.ok("exit", "--pool", str(pool_id), "--tokens", "40", account="dev:6")
    chain.sleep(pools.pool(pool_id).dict()["saleEnd"] - chain[-1].timestamp + 10)
    chain.mine()

    attest(impact, pool_id, "first report")
    reasons = tmp_path_factory.mktemp("review") / "review.txt"
    reasons.write_text("SAMPLE: the report omits the consultation of the eastern villages.\n")
    void = impact.ok(
        "reviewer",
        "void",
        "--pool",
        str(pool_id),
        "--milestone",
        "0",
        "--reason-file",
        str(reasons),
        "--reason-uri",
        "ipfs://sample/review",
        account="dev:9",
    )
    attest(impact, pool_id, "second report")
    impact.ok("exit", "--pool", str(pool_id), "--tokens", "30", account="dev:5")
    impact.ok("governance", "execute", "--change", beneficiary_change, account="dev:8")
    impact.ok("pool", "pause")
    chain.sleep(DAY)
    chain.mine()
    impact.ok("pool", "unpause")
    ends = pools.milestone(pool_id, 0).dict()["challengeEndsAt"]
    chain.sleep(ends - chain[-1].timestamp + 1)
    chain.mine()
    impact.ok("pool", "release", "--pool", str(pool_id), "--milestone", "0", account="dev:8")
    delay_change = scheduled(impact.ok("governance", "delay", "--contract", "certifier", "--seconds", str(3 * DAY)))
    impact.ok("exit", "--pool", str(pool_id), "--tokens", "10", account="dev:4")
    return {
        "pools": pools,
        "registry": SiteRegistry.at(c["SiteRegistry"]["address"]),
        "certifier": MilestoneCertifier.at(c["MilestoneCertifier"]["address"]),
        "pool_id": pool_id,
        "investors": accounts[4:7],
        "new_wallet": new_wallet,
        "beneficiary_change": beneficiary_change,
        "delay_change": delay_change,
        "void_tx": void.strip().split("tx ")[-1],
        "reason_hash": "0x" + keccak(reasons.read_bytes()).hex(),
    }


def test_the_pool_trace_shows_its_window_pauses_exits_and_accounts_as_the_chain_does(impact, story):
    pools, pool_id = story["pools"], story["pool_id"]
    view = pools.pool(pool_id).dict()
    account = impact.json("trace", "--pool", str(pool_id))["account"]
    assert (account["challenge_window"], account["challenge_window_text"]) == (view["challengeWindow"], "7 days")
    assert account["paused_time"] == view["pausedTime"] >= DAY
    for field in ("raised", "released", "refunded", "exited", "escrow"):
        assert account[field]["amount"] == view[field], field
    assert account["supply"] == view["supply"] == 220
    assert view["exited"] == (40 + 30) * PRICE + 10 * (PRICE - PRICE * 2_000 // 10_000)
    assert account["exit_open"] is view["exitOpen"] is True
    assert [c["change"] for c in account["pending_changes"]] == [story["delay_change"]]


def test_a_certification_shows_its_payee_and_the_end_of_its_challenge_window_moved_by_the_pause(impact, story):
    pools, pool_id = story["pools"], story["pool_id"]
    trace = impact.json("trace", "--pool", str(pool_id))
    milestones = {m["milestone_id"]: m for m in trace["milestones"]}
    for k in range(3):
        view = pools.milestone(pool_id, k).dict()
        story_k = milestones[k]
        assert story_k["certified"] is view["certified"] and story_k["final"] is view["finalized"]
        if view["certified"]:
            assert story_k["payee"] == view["payee"] == accounts[7].address  # recorded before the change executed
            assert story_k["challenge_ends_at_unix"] == view["challengeEndsAt"]
            assert story_k["evidence_hash"] == str(view["evidenceHash"]) == to_bytes32("second report")
    certified_at = web3.eth.get_block(web3.eth.get_transaction(milestones[0]["certified_tx"])["blockNumber"])
    assert milestones[0]["challenge_ends_at_unix"] >= certified_at["timestamp"] + 8 * DAY  # a week + the day paused
    release = milestones[0]["release"]
    assert release["beneficiary"] == accounts[7].address
    assert release["supply"] == 230 and release["amount"]["amount"] == 230 * PRICE * 2_000 // 10_000


def test_a_voided_certification_shows_the_reviewer_the_voided_evidence_and_the_reasons(impact, story):
    trace = impact.json("trace", "--pool", str(story["pool_id"]))
    (void,) = trace["milestones"][0]["voided"]
    (event,) = chain.get_transaction(story["void_tx"]).events["CertificationVoided"]
    assert (void["reviewer"], void["evidence_hash"], void["reason_hash"], void["reason_uri"]) == (
        event["reviewer"],
        str(event["evidenceHash"]),
        str(event["reasonHash"]),
        event["reasonURI"],
    )
    assert (void["reviewer"], void["evidence_hash"], void["reason_hash"], void["reason_uri"]) == (
        accounts[9].address,
        to_bytes32("first report"),
        story["reason_hash"],
        "ipfs://sample/review",
    )
    assert void["tx"] == story["void_tx"]


def test_the_changes_affecting_the_pool_are_listed_with_where_they_stand(impact, story):
    changes = {c["change"]: c for c in impact.json("trace", "--pool", str(story["pool_id"]))["changes"]}
    executed, pending = changes[story["beneficiary_change"]], changes[story["delay_change"]]
    assert executed["what"] == f"site 1 beneficiary → {story['new_wallet'].address}"
    assert (executed["state"], executed["settled_by"]) == ("executed", accounts[8].address)
    assert pending["state"] == "pending" and pending["what"] == "change the certifier's delay to 3 days (259200 s)"
    change_id = int(story["delay_change"].split(":")[1])
    assert pending["executable_at_unix"] == story["certifier"].change(change_id).dict()["executableAt"]
    assert pending["scheduled_by"] == accounts[0].address


def test_every_investors_numbers_add_up_with_exits_and_match_the_pool_trace(impact, story):
    pools, pool_id = story["pools"], story["pool_id"]
    holders = {h["address"]: h for h in impact.json("trace", "--pool", str(pool_id))["holders"]}
    view = pools.pool(pool_id).dict()
    for investor in story["investors"]:
        trace = impact.json("trace", "--investor", investor.address)
        (mine,) = [p for p in trace["pools"] if p["pool_id"] == pool_id]
        amounts = {k: mine[k]["amount"] for k in ("paid", "reached_site", "in_escrow", "refunded", "exited")}
        assert amounts["paid"] == 100 * PRICE
        assert amounts["paid"] == sum(amounts[k] for k in ("reached_site", "in_escrow", "refunded", "exited"))
        assert mine["holding"] == pools.balanceOf(investor, pool_id)
        assert [e["amount"]["amount"] for e in trace["exits"]] == [amounts["exited"]]
        pool_view = holders[investor.address]
        assert (pool_view["reached_site"]["amount"], pool_view["in_escrow"]["amount"]) == (
            amounts["reached_site"],
            amounts["in_escrow"],
        )
    assert sum(h["reached_site"]["amount"] for h in holders.values()) == view["released"]
    assert sum(h["in_escrow"]["amount"] for h in holders.values()) == view["escrow"]
    assert sum(h["exited"]["amount"] for h in holders.values()) == view["exited"]


def test_the_human_traces_tell_the_same_story(impact, story):
    pool_id = story["pool_id"]
    pool = impact.ok("trace", "--pool", str(pool_id))
    assert f"exits OPEN ({story['delay_change']} pending)" in pool
    assert "Voided certifications" in pool and story["reason_hash"] in pool
    assert "Delayed changes affecting the pool" in pool and "executed" in pool and "PENDING" in pool
    alice = impact.ok("trace", "--investor", accounts[4].address)
    assert "VOIDED" in alice and f"payee {accounts[7].address}; challenge window until" in alice
    assert "Exits (while a change affecting the pool was pending)" in alice
    assert (
        f"pool {pool_id}: of 5 ETH paid, 1 ETH reached Xianju National Park through 1 certified milestone, 0.4 ETH "
        f"was paid back on exit, 3.6 ETH is in escrow awaiting milestone 1" in alice
    )


def test_an_investor_trace_of_the_escrow_story_still_takes_five_log_requests(impact, story, monkeypatch):
    monkeypatch.setenv("IMPACT_DEPLOYMENTS", str(impact.deployments))
    system = System.load(Web3(HTTPProvider(web3.provider.endpoint_uri)))
    fetcher = LogFetcher(system.w3)
    Tracer(system, fetcher).investor(accounts[5].address)
    assert fetcher.requests == 5
