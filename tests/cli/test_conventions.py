"""Conventions people expect from a command-line program: --version, options before or after the command, every
option's default in --help, no sending options on read-only commands, $ETH_RPC_URL, the node named first, plurals,
full transaction hashes, and deployment records that cannot be confused between two local chains."""

import argparse
import json
import re

import pytest
from brownie import accounts, chain, web3

from impact import __version__
from impact.chain.localnode import LocalAnvil, free_port
from impact.cli.main import READ, build_parser

SENDING_OPTIONS = {"--account", "--yes", "--confirmations"}


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(path, parser) of every runnable command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))
            return
    yield path, parser


COMMANDS = dict(_commands(build_parser()))


def test_impact_version(impact):
    result = impact("--version", account=None, rpc=False)
    assert (result.code, result.out.strip()) == (0, f"impact {__version__}")


def test_every_option_is_described_with_its_default():
    undocumented = []
    for path, parser in COMMANDS.items():
        one_of = {a for g in parser._mutually_exclusive_groups if g.required for a in g._group_actions}
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            documented = bool(action.help)
            if action.option_strings and not action.required and action not in one_of and action.nargs != 0:
                documented = documented and "default" in action.help  # what happens when it is left out
            if not documented:
                undocumented.append(f"impact {' '.join(path)} {action.option_strings or action.dest}")
    assert len(COMMANDS) >= 20 and undocumented == []


def test_read_only_commands_offer_no_sending_options_and_sending_ones_do():
    offered = {path: {o for a in p._actions for o in a.option_strings} for path, p in COMMANDS.items()}
    read_only = [path for path, p in COMMANDS.items() if p.get_default("kind") == READ]
    assert {("pool", "show"), ("site", "show"), ("trace",), ("oracle", "verify-evidence")} <= set(read_only)
    for path in read_only:
        assert not offered[path] & {"--account", "--yes"}, path
        # The index's --confirmations is not the sending one: it says how deep a block must be to count as final.
        if "--confirmations" in offered[path]:
            (depth,) = [a for a in COMMANDS[path]._actions if "--confirmations" in a.option_strings]
            assert path[0] in ("index", "trace", "serve", "statement", "claim") and "deep" in depth.help, path
    for path in (("buy",), ("deploy",), ("pool", "fail"), ("oracle", "submit"), ("site", "register")):
        assert SENDING_OPTIONS <= offered[path], path
    assert "--account" in offered[("oracle", "sign")] and "--yes" not in offered[("oracle", "sign")]


def test_node_options_work_before_and_after_the_command(impact, deployed):
    after = impact("site", "show", "--site", "1", "--rpc-url", impact.rpc, "--timeout", "5", rpc=False)
    before = impact("--rpc-url", impact.rpc, "--timeout", "5", "site", "show", "--site", "1", rpc=False, account=None)
    assert after.code == before.code == 0 and after.out == before.out
    assert after.out.startswith("site 1: Xianju National Park (CN), WDPA 555000001")


def test_eth_rpc_url_is_honoured_and_rpc_url_wins_over_it(impact, deployed):
    dead = f"http://127.0.0.1:{free_port()}"
    via_env = impact("site", "show", "--site", "1", rpc=False, env={"ETH_RPC_URL": impact.rpc})
    assert via_env.code == 0 and via_env.out.startswith("site 1: Xianju National Park")
    flag_wins = impact("site", "show", "--site", "1", "--rpc-url", impact.rpc, rpc=False, env={"ETH_RPC_URL": dead})
    assert flag_wins.code == 0
    dead_env = impact("site", "show", "--site", "1", rpc=False, env={"ETH_RPC_URL": dead})
    assert dead_env.code == 1 and dead in dead_env.line


def test_every_sending_command_names_the_node_chain_and_account_first(impact, deployed):
    pool_id = impact.open_pool()
    result = impact("buy", "--pool", str(pool_id), "--tokens", "1", account="dev:5")
    assert result.code == 0, result.err
    first, *rest = result.out.strip().splitlines()
    # (a node given only by its URL is called 'custom'; `--network NAME` would name it)
    assert first == f"network 'custom' (chain {chain.id}) at {impact.rpc}, sending from {accounts[5].address}"
    assert rest == [rest[-1]] and rest[-1].startswith(f"bought 1 token of pool {pool_id} for 0.05 ETH; tx 0x")


def test_the_trace_shows_full_transaction_hashes_that_other_commands_take(impact, deployed):
    pool_id = impact.open_pool()
    bought = impact.last("buy", "--pool", str(pool_id), "--tokens", "3", account="dev:6")
    tx = bought.split("tx ")[-1]
    assert re.fullmatch(r"0x[0-9a-f]{64}", tx) and web3.eth.get_transaction_receipt(tx)["status"] == 1
    trace = impact.ok("trace", "--investor", accounts[6].address)
    assert tx in trace  # in full, not 0x1234abcd…
    lot = impact.ok("trace", "--token-lot", tx)
    assert lot.startswith(f"Lot of 3 tokens of pool {pool_id}") and f"tx {tx}" in lot


def test_dev_advance_moves_a_local_chains_clock(impact, deployed):
    before = web3.eth.get_block("latest")["timestamp"]
    out = impact.ok("dev", "advance", "--days", "2")
    after = web3.eth.get_block("latest")["timestamp"]
    assert after - before >= 2 * 86_400 and out.startswith("the chain's clock moved 172,800 s forward")


def _genesis(url: str) -> str:
    from web3 import HTTPProvider, Web3

    return "0x" + bytes(Web3(HTTPProvider(url)).eth.get_block(0)["hash"]).hex()


def test_a_deployment_on_one_local_chain_is_not_used_on_another_with_the_same_chain_id(impact, tmp_path):
    fresh = type(impact)(tmp_path)
    with LocalAnvil(["--timestamp", "1790000000"]) as first, LocalAnvil(["--timestamp", "1790000600"]) as second:
        assert _genesis(first.url) != _genesis(second.url)  # both are chain 31337
        deployed = fresh("deploy", "--oracles", accounts[1].address, "--quorum", "1", "--rpc-url", first.url, rpc=False)
        assert deployed.code == 0, deployed.err
        (record,) = tmp_path.iterdir()
        assert record.name == f"dev-31337-{_genesis(first.url)[2:14]}.json"
        result = fresh("site", "show", "--site", "1", "--rpc-url", second.url, rpc=False)
        assert result.code == 1
        assert result.line.startswith(
            f"error: no deployment for this chain (chain 31337, genesis block {_genesis(second.url)[:14]}"
        )


def test_a_recorded_deployment_without_code_on_the_chain_is_refused(impact, tmp_path):
    """Two local chains that even share their genesis block (same start time): the record is refused, not used."""
    fresh = type(impact)(tmp_path)
    with LocalAnvil(["--timestamp", "1790000000"]) as first:
        assert (
            fresh("deploy", "--oracles", accounts[1].address, "--rpc-url", first.url, "--quorum", "1", rpc=False).code
            == 0
        )
        genesis = _genesis(first.url)
    with LocalAnvil(["--timestamp", "1790000000"]) as restarted:
        assert _genesis(restarted.url) == genesis
        result = fresh("site", "show", "--site", "1", "--rpc-url", restarted.url, rpc=False)
    (record,) = tmp_path.iterdir()
    registry = json.loads(record.read_text())["contracts"]["SiteRegistry"]["address"]
    assert result.code == 1
    assert result.line == (
        f"error: the deployment recorded in {record} is not on this chain: there is no code at SiteRegistry's address "
        f"{registry} (was the local node restarted?); run `impact deploy`"
    )


@pytest.mark.parametrize("command", [("pool", "show", "--pool", "1"), ("buy", "--pool", "1", "--tokens", "1")])
def test_help_needs_no_node(impact, command):
    result = impact(*command, "--help", account=None, rpc=False, env={"ETH_RPC_URL": "http://127.0.0.1:1"})
    assert result.code == 0 and "(default: " in result.out
