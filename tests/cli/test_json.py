"""`--json`: a versioned document on every command that shows something, whose values survive any JSON parser
(docs/formats.md): amounts and token counts as decimal strings, times in ISO 8601 with seconds and in unix seconds,
token addresses beside symbols, null rather than "", failures as a machine code and a sentence."""

import json
import re
from datetime import UTC, datetime

import pytest
from brownie import ImpactPools, MockStablecoin, accounts, web3

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
def pools(deployed):
    return ImpactPools.at(deployed["contracts"]["ImpactPools"]["address"])


def assert_time(value: dict) -> None:
    assert ISO.fullmatch(value["iso"])
    assert datetime.fromtimestamp(value["unix"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ") == value["iso"]


def assert_money(value: dict, amount: int, symbol: str) -> None:
    assert value["amount"] == str(amount) and value["symbol"] == symbol
    assert re.fullmatch(r"0x[0-9a-fA-F]{40}", value["asset"])


def test_deploy(impact, tmp_path):
    fresh = type(impact)(tmp_path)
    document = fresh.json("deploy", "--oracles", f"{accounts[1].address},{accounts[2].address}", "--quorum", "2")
    assert document["schema"] == "impact.deploy/1"
    assert document["network"] == {
        "name": "custom",
        "chain_id": web3.eth.chain_id,
        "url": impact.rpc,
        "live": False,
    }
    recorded = json.loads((tmp_path / document["path"].split("/")[-1]).read_text())
    assert document["deployment"] == recorded and recorded["schema"] == "impact.deployment/2"
    for contract in recorded["contracts"].values():
        assert web3.eth.get_code(contract["address"]) and re.fullmatch(r"0x[0-9a-f]{64}", contract["tx"])


def test_site_show_uses_null_for_what_is_not_there(impact, deployed):
    document = impact.json("site", "show", "--site", "1")
    assert document["schema"] == "impact.site.show/1"
    assert document["site"] == {
        "id": 1,
        "name": "Xianju National Park",
        "country": "CN",
        "wdpa_id": 555000001,
        "status": {"code": "candidate", "name": "Candidate"},
        "beneficiary": accounts[7].address,
        "metadata_uri": "ipfs://sample/xianju-national-park.json",  # as the sample pool files' site block names it
    }


def test_pool_show_matches_the_contract(impact, deployed, pools):
    pool_id = impact.open_pool()
    document = impact.json("pool", "show", "--pool", str(pool_id))
    assert document["schema"] == "impact.pool.show/1"
    pool, view = document["pool"], pools.pool(pool_id).dict()
    assert pool["asset"] == {"address": "0x" + "0" * 40, "symbol": "ETH", "decimals": 18}
    assert_money(pool["price"], view["price"], "ETH")
    assert (pool["goal_tokens"], pool["cap_tokens"], pool["tokens_sold"]) == ("100", "1000", "0")
    assert pool["sale"]["start"]["unix"] == view["saleStart"] and pool["sale"]["end"]["unix"] == view["saleEnd"]
    assert_time(pool["sale"]["start"])
    assert pool["failure"] is None and len(pool["milestones"]) == view["milestoneCount"] == 3
    first = pool["milestones"][0]
    assert first["standard_ref"] == "GLS-V1.1-1.1.1" and first["evidence_hash"] is None and not first["certified"]
    assert first["deadline"]["unix"] == pools.milestone(pool_id, 0).dict()["deadline"]


def test_buy_refund_and_a_failed_pool(impact, deployed, pools):
    pool_id = impact.open_pool()
    bought = impact.json("buy", "--pool", str(pool_id), "--tokens", "7", account="dev:4")
    assert bought["schema"] == "impact.buy/1" and bought["tokens"] == "7"
    assert_money(bought["paid"], 7 * pools.pool(pool_id).dict()["price"], "ETH")
    assert bought["recipient"] == bought["buyer"] == accounts[4].address and bought["approval"] is None
    receipt = web3.eth.get_transaction_receipt(bought["transaction"]["hash"])
    assert receipt["status"] == 1 and receipt["blockNumber"] == bought["transaction"]["block"]

    impact.ok("dev", "advance", "--days", "31")
    failed = impact.json("pool", "fail", "--pool", str(pool_id), account="dev:8")
    assert failed["failure"] == {"code": "goal-not-reached", "reason": "goal not reached"}
    refunded = impact.json("refund", "--pool", str(pool_id), account="dev:4")
    assert refunded["schema"] == "impact.refund/1" and refunded["tokens"] == "7"
    assert refunded["refunded"]["amount"] == bought["paid"]["amount"]
    shown = impact.json("pool", "show", "--pool", str(pool_id))["pool"]
    assert shown["failure"] == failed["failure"] and shown["supply"] == "0"


def test_amounts_beyond_two_to_the_53_are_exact(impact, deployed):
    usdc = MockStablecoin.at(deployed["assets"]["USDC"])
    document = impact.json("dev", "fund", "--to", accounts[9].address, "--amount", "123456789012345678901.234567")
    exact = 123456789012345678901234567
    assert document["amount"]["amount"] == str(exact) == str(usdc.balanceOf(accounts[9]))
    assert document["amount"]["text"] == "123,456,789,012,345,678,901.234567 USDC"


def test_a_failure_is_a_code_and_a_sentence(impact, deployed):
    pool_id = impact.open_pool()
    result = impact("buy", "--pool", str(pool_id), "--tokens", "5000", "--json", account="dev:4")
    assert result.code == 1
    assert json.loads(result.out) == {
        "schema": "impact.error/1",
        "error": {"code": "PoolsCapExceeded", "message": f"pool {pool_id} has only 1000 tokens left, not 5000"},
    }
    assert result.line == f"error: pool {pool_id} has only 1000 tokens left, not 5000"


def test_the_trace_keeps_its_schema_and_names_it(impact, deployed):
    pool_id = impact.open_pool()
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "2", account="dev:5")
    trace = impact.json("trace", "--investor", accounts[5].address)
    assert trace["schema"] == "impact.trace.investor/1"
    assert {"investor", "purchases", "movements", "holdings", "milestones", "refunds", "pools"} <= set(trace)
    assert trace["purchases"][-1]["tokens"] == 2  # version 1 keeps its numbers as they were
