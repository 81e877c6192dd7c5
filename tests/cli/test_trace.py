"""`impact trace`: the story rebuilt from events must agree exactly with the contracts' own views."""

import pytest
from brownie import ImpactPools, accounts, chain, web3
from web3 import HTTPProvider, Web3

from impact.chain.encoding import to_bytes32
from impact.chain.logs import LogFetcher
from impact.chain.system import System
from impact.trace.tracer import Tracer

POOL_FILE = "samples/xianju-pool.yaml"


@pytest.fixture
def story(impact, deployed):
    """Pool with alice (120), bob buying 60 for carol, alice giving 20 to dave, milestone 0 certified, final after
    its challenge window and released, then alice sending 10 more to dave (after it became final, so it must not
    count for that tranche)."""
    pools = ImpactPools.at(deployed["contracts"]["ImpactPools"]["address"])
    alice, bob, carol, dave = accounts[4], accounts[5], accounts[6], accounts[9]
    pool_id = impact.open_pool(POOL_FILE)
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "120", account="dev:4")
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "60", "--recipient", carol.address, account="dev:5")
    pools.safeTransferFrom(alice, dave, pool_id, 20, b"", {"from": alice})
    chain.sleep(pools.pool(pool_id).dict()["saleEnd"] - chain[-1].timestamp + 10)
    chain.mine()
    evidence = to_bytes32("EAGL report")
    for oracle in ("dev:1", "dev:2"):
        impact.ok(
            "oracle",
            "attest",
            "--pool",
            str(pool_id),
            "--milestone",
            "0",
            "--evidence-hash",
            evidence,
            "--uri",
            "ipfs://sample/report",
            account=oracle,
        )
    chain.sleep(7 * 86_400 + 1)  # the sample pool's challenge window
    chain.mine()
    release = impact.ok("pool", "release", "--pool", str(pool_id), "--milestone", "0", account="dev:8")
    release_tx = release.strip().split("tx ")[-1]
    pools.safeTransferFrom(alice, dave, pool_id, 10, b"", {"from": alice})
    return {
        "pools": pools,
        "pool_id": pool_id,
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "dave": dave,
        "release_block": web3.eth.get_transaction_receipt(release_tx)["blockNumber"],
    }


def test_the_investor_trace_lists_purchases_and_transfers(impact, story):
    trace = impact.json("trace", "--investor", story["alice"].address)
    assert [(p["pool_id"], p["tokens"], p["paid"]["amount"]) for p in trace["purchases"]] == [
        (story["pool_id"], 120, 120 * 5 * 10**16)
    ]
    assert [(m["direction"], m["tokens"], m["counterparty"]) for m in trace["movements"]] == [
        ("sent", 20, story["dave"].address),
        ("sent", 10, story["dave"].address),
    ]


def test_a_purchase_for_someone_else_is_in_the_payers_and_the_recipients_trace(impact, story):
    """Bob paid for carol's 60 tokens: it is bob's purchase (he paid) and carol's (she got the tokens)."""
    for who in ("bob", "carol"):
        trace = impact.json("trace", "--investor", story[who].address)
        assert [(p["buyer"], p["recipient"], p["tokens"]) for p in trace["purchases"]] == [
            (story["bob"].address, story["carol"].address, 60)
        ]


def test_an_investor_trace_asks_for_logs_five_times_whatever_the_investor_did(impact, story, monkeypatch):
    """Two requests find the investor's purchases and transfers, one the story of their pools, one the sites'
    names, one the history of delayed changes and pauses: the number does not grow with what the investor or anyone
    else did."""
    monkeypatch.setenv("IMPACT_DEPLOYMENTS", str(impact.deployments))
    system = System.load(Web3(HTTPProvider(web3.provider.endpoint_uri)))
    for who in ("alice", "bob", "carol", "dave"):
        fetcher = LogFetcher(system.w3)
        trace = Tracer(system, fetcher).investor(story[who].address)
        assert trace.holdings[story["pool_id"]] == story["pools"].balanceOf(story[who], story["pool_id"])
        assert fetcher.requests == 5


def test_holdings_in_the_trace_equal_balance_of(impact, story):
    for who in ("alice", "carol", "dave", "bob"):
        trace = impact.json("trace", "--investor", story[who].address)
        holding = trace["holdings"].get(str(story["pool_id"]), 0)
        assert holding == story["pools"].balanceOf(story[who], story["pool_id"])


def test_the_attributable_part_is_the_holding_when_final_times_the_milestones_share_of_a_token(impact, story):
    """Nothing moved between the end of the challenge window and the release, so the holding and the supply when
    the milestone became final are those just before the release."""
    pools, pool_id, block = story["pools"], story["pool_id"], story["release_block"]
    trace = impact.json("trace", "--investor", story["alice"].address)
    (milestone,) = [m for m in trace["milestones"] if m["certified"]]
    release = milestone["release"]
    holding_then = pools.balanceOf(story["alice"], pool_id, block_identifier=block - 1)
    supply_then = pools.totalSupply(pool_id, block_identifier=block - 1)
    tranche = pools.milestone(pool_id, 0).dict()["trancheAmount"]
    share = 5 * 10**16 * 2_000 // 10_000  # the sample pool's price x milestone 0's share
    assert (release["holding"], release["supply"]) == (holding_then, supply_then) == (100, 180)
    assert release["amount"]["amount"] == tranche == supply_then * share
    assert release["attributable"]["amount"] == holding_then * share
    assert {a["oracle"] for a in milestone["attestations"]} == {accounts[1].address, accounts[2].address}


def test_the_pool_trace_equals_the_contracts_accounting(impact, story):
    pools, pool_id = story["pools"], story["pool_id"]
    trace = impact.json("trace", "--pool", str(pool_id))
    view = pools.pool(pool_id).dict()
    account = trace["account"]
    assert account["raised"]["amount"] == view["raised"]
    assert account["released"]["amount"] == view["released"]
    assert account["refunded"]["amount"] == view["refunded"]
    assert account["escrow"]["amount"] == view["escrow"]
    assert account["supply"] == view["supply"]
    holders = {h["address"]: h["holding"] for h in trace["holders"]}
    assert holders == {
        a.address: pools.balanceOf(a, pool_id) for a in (story["alice"], story["bob"], story["carol"], story["dave"])
    }
    assert sum(holders.values()) == view["supply"]


def test_a_token_lot_is_followed_first_in_first_out(impact, story):
    trace = impact.json("trace", "--investor", story["alice"].address)
    lot_tx = trace["purchases"][0]["tx"]
    lot = impact.json("trace", "--token-lot", lot_tx)
    assert [(s["receiver"], s["tokens"]) for s in lot["steps"]] == [
        (story["dave"].address, 20),
        (story["dave"].address, 10),
    ]
    assert lot["now_held"] == {story["alice"].address: 90, story["dave"].address: 30}


def test_refunds_appear_in_the_trace_and_the_summary(impact, deployed):
    pools = ImpactPools.at(deployed["contracts"]["ImpactPools"]["address"])
    pool_id = impact.open_pool("samples/xianju-pool-usdc.yaml")
    impact.ok("dev", "fund", "--to", accounts[4].address, "--amount", "100")
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "4", account="dev:4")
    chain.sleep(pools.pool(pool_id).dict()["saleEnd"] - chain[-1].timestamp + 10)
    chain.mine()
    impact.ok("pool", "fail", "--pool", str(pool_id), account="dev:8")
    out = impact.last("refund", "--pool", str(pool_id), account="dev:4")
    assert out.startswith(f"redeemed 4 tokens of pool {pool_id} for 100 USDC")
    trace = impact.json("trace", "--investor", accounts[4].address)
    assert [(r["pool_id"], r["tokens"], r["amount"]["amount"]) for r in trace["refunds"]] == [(pool_id, 4, 100 * 10**6)]
    summary = [p["summary"] for p in trace["pools"] if p["pool_id"] == pool_id][0]
    assert (
        summary == f"pool {pool_id}: of 100 USDC paid, 0 USDC reached Xianju National Park through 0 certified "
        "milestones, 100 USDC was refunded"
    )


def test_the_human_trace_ends_with_a_summary_sentence(impact, story):
    out = impact.ok("trace", "--investor", story["alice"].address)
    assert "Summary" in out
    assert (
        f"pool {story['pool_id']}: of 6 ETH paid, 1 ETH reached Xianju National Park through 1 certified milestone"
        in out
    )


@pytest.fixture
def batch_story(impact, deployed):
    """alice buys 120 and carol 60; carol sends alice one batch naming the pool twice ([p, p], [2, 3]: 5 tokens);
    milestone 0 is certified and, after its challenge window, released."""
    pools = ImpactPools.at(deployed["contracts"]["ImpactPools"]["address"])
    alice, carol = accounts[4], accounts[6]
    pool_id = impact.open_pool(POOL_FILE)
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "120", account="dev:4")
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "60", account="dev:6")
    pools.safeBatchTransferFrom(carol, alice, [pool_id, pool_id], [2, 3], b"", {"from": carol})
    assert pools.balanceOf(alice, pool_id) == 125  # ERC-1155 counts both entries
    chain.sleep(pools.pool(pool_id).dict()["saleEnd"] - chain[-1].timestamp + 10)
    chain.mine()
    for oracle in ("dev:1", "dev:2"):
        impact.ok(
            "oracle",
            "attest",
            *("--pool", str(pool_id), "--milestone", "0", "--evidence-hash", to_bytes32("EAGL report")),
            *("--uri", "ipfs://sample/report"),
            account=oracle,
        )
    chain.sleep(pools.pool(pool_id).dict()["challengeWindow"] + 1)  # releasable once its challenge window passed
    chain.mine()
    release = impact.ok("pool", "release", "--pool", str(pool_id), "--milestone", "0", account="dev:8")
    block = web3.eth.get_transaction_receipt(release.strip().split("tx ")[-1])["blockNumber"]
    return {"pools": pools, "pool_id": pool_id, "alice": alice, "carol": carol, "release_block": block}


def test_a_batch_transfer_naming_a_pool_twice_counts_every_entry(impact, batch_story):
    pools, pool_id = batch_story["pools"], batch_story["pool_id"]
    alice, carol = batch_story["alice"], batch_story["carol"]
    for who, expected in ((alice, 125), (carol, 55)):
        trace = impact.json("trace", "--investor", who.address)
        assert trace["holdings"][str(pool_id)] == pools.balanceOf(who, pool_id) == expected
        (movement,) = trace["movements"]
        assert movement["tokens"] == 5
        # The tranche attributed to the holding just before the release, and the escrow share now, use that count.
        (story,) = [m for m in trace["milestones"] if m["certified"]]
        holding_then = pools.balanceOf(who, pool_id, block_identifier=batch_story["release_block"] - 1)
        assert story["release"]["holding"] == holding_then == expected
        tranche = pools.milestone(pool_id, 0).dict()["trancheAmount"]
        assert story["release"]["attributable"]["amount"] == tranche * expected // 180
        (summary,) = [p for p in trace["pools"] if p["pool_id"] == pool_id]
        assert summary["in_escrow"]["amount"] == pools.pool(pool_id).dict()["escrow"] * expected // 180
    holders = {h["address"]: h["holding"] for h in impact.json("trace", "--pool", str(pool_id))["holders"]}
    assert holders == {alice.address: 125, carol.address: 55}
    carol_lot = [p for p in impact.json("trace", "--investor", carol.address)["purchases"]][0]["tx"]
    lot = impact.json("trace", "--token-lot", carol_lot)
    assert [(s["receiver"], s["tokens"]) for s in lot["steps"]] == [(alice.address, 5)]
    assert lot["now_held"] == {carol.address: 55, alice.address: 5}
