"""The `impact` program, run as a subprocess: what users see, and that bad input sends nothing."""

import pytest
from brownie import ImpactPools, MockStablecoin, accounts, chain, web3

from impact.chain.encoding import format_time

POOL_FILE = "samples/xianju-pool.yaml"
USDC_FILE = "samples/xianju-pool-usdc.yaml"


@pytest.fixture
def pools(deployed):
    return ImpactPools.at(deployed["contracts"]["ImpactPools"]["address"])


@pytest.fixture
def usdc(deployed):
    return MockStablecoin.at(deployed["assets"]["USDC"])


@pytest.fixture
def eth_pool(impact, deployed) -> int:
    return impact.open_pool(POOL_FILE)


def test_deploy_records_addresses_blocks_and_transactions_per_chain(impact, deployed):
    assert deployed["chain_id"] == chain.id
    assert set(deployed["contracts"]) == {"SiteRegistry", "ImpactPools", "MilestoneCertifier", "ImpactClaims"}
    for item in deployed["contracts"].values():
        assert web3.eth.get_code(item["address"]) != b""
        receipt = web3.eth.get_transaction_receipt(item["tx"])
        assert receipt["contractAddress"] == item["address"] and receipt["blockNumber"] == item["block"]
    genesis = "0x" + bytes(web3.eth.get_block(0)["hash"]).hex()
    assert deployed["genesis_hash"] == genesis and deployed["local"] is True
    assert (impact.deployments / f"dev-{chain.id}-{genesis[2:14]}.json").exists()


def test_the_certifier_is_wired_to_the_pools(deployed, pools):
    assert pools.certifier() == deployed["contracts"]["MilestoneCertifier"]["address"]


def test_buying_with_eth_prints_what_was_bought_and_paid(impact, pools, eth_pool):
    out = impact.last("buy", "--pool", str(eth_pool), "--tokens", "12", account="dev:4")
    assert out.startswith(f"bought 12 tokens of pool {eth_pool} for 0.6 ETH; tx 0x")
    assert pools.balanceOf(accounts[4], eth_pool) == 12


def test_buying_for_a_recipient_mints_to_them(impact, pools, eth_pool):
    impact.ok("buy", "--pool", str(eth_pool), "--tokens", "3", "--recipient", accounts[6].address, account="dev:4")
    assert pools.balanceOf(accounts[6], eth_pool) == 3


def test_buying_with_an_erc20_approves_exactly_the_price(impact, pools, usdc):
    pool_id = impact.open_pool(USDC_FILE)
    impact.ok("dev", "fund", "--to", accounts[4].address, "--amount", "1000")
    out = impact.ok("buy", "--pool", str(pool_id), "--tokens", "4", account="dev:4")
    assert f"bought 4 tokens of pool {pool_id} for 100 USDC" in out
    assert usdc.balanceOf(pools) == 100 * 10**6
    assert usdc.allowance(accounts[4], pools) == 0  # approved exactly what was spent


def test_a_closed_sale_is_explained_in_a_sentence_and_nothing_is_sent(impact, pools, eth_pool):
    sale_end = pools.pool(eth_pool).dict()["saleEnd"]
    chain.sleep(sale_end - chain[-1].timestamp + 10)
    chain.mine()
    nonce = web3.eth.get_transaction_count(accounts[4].address)
    result = impact("buy", "--pool", str(eth_pool), "--tokens", "1", account="dev:4")
    assert result.code == 1
    assert result.line == f"error: pool {eth_pool} closed its sale on {format_time(sale_end)}"
    assert web3.eth.get_transaction_count(accounts[4].address) == nonce


@pytest.mark.parametrize(
    "args, account, message",
    [
        (("buy", "--pool", "99", "--tokens", "1"), "dev:4", "error: there is no pool 99"),
        (
            ("buy", "--pool", "1", "--tokens", "1", "--recipient", "0x123"),
            "dev:4",
            "error: '0x123' is not a valid recipient address",
        ),
        (
            ("site", "status", "--site", "1", "--status", "withdrawn"),
            "dev:4",
            "does not have the registrar role this needs",
        ),
        (("pool", "open", "--file", "README.md", "--site", "1"), "dev:0", "error: README.md is not valid YAML"),
        (
            ("pool", "open", "--file", "samples/reports/xianju-milestone-1/report.yaml", "--site", "1"),
            "dev:0",
            "error: samples/reports/xianju-milestone-1/report.yaml is not a pool description",
        ),
        (("pool", "open", "--file", "nope.yaml", "--site", "1"), "dev:0", "error: cannot read nope.yaml"),
        (("refund", "--pool", "1"), "dev:4", "holds no tokens of pool 1"),
        (("buy", "--pool", "1", "--tokens", "1"), "dev:42", "error: the node has no unlocked account 'dev:42'"),
    ],
)
def test_bad_input_gets_one_clear_line_and_sends_nothing(impact, eth_pool, args, account, message):
    sender = accounts[int(account[4:])] if int(account[4:]) < 10 else accounts[4]
    nonce = web3.eth.get_transaction_count(sender.address)
    result = impact(*args, account=account)
    assert result.code == 1
    assert message in result.line
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert web3.eth.get_transaction_count(sender.address) == nonce


def test_a_buyer_without_enough_money_is_told_so(impact, eth_pool):
    poor = accounts.add()
    result = impact(
        "buy", "--pool", str(eth_pool), "--tokens", "1", account="env:POOR_KEY", env={"POOR_KEY": poor.private_key}
    )
    assert result.code == 1
    assert result.line == f"error: {poor.address} has 0 ETH, 0.05 ETH needed"


def test_no_deployment_for_the_chain_is_reported(impact, tmp_path):
    empty = type(impact)(tmp_path)
    result = empty("pool", "show", "--pool", "1")
    assert result.code == 1
    genesis = "0x" + bytes(web3.eth.get_block(0)["hash"]).hex()
    assert result.line == (
        f"error: no deployment for this chain (chain {chain.id}, genesis block {genesis[:14]}…) in {tmp_path}/: "
        "run `impact deploy` first, or point $IMPACT_DEPLOYMENTS at the folder that has it"
    )


def test_an_unknown_network_is_reported(impact):
    result = impact("pool", "show", "--pool", "1", "--network", "atlantis", rpc=False)
    assert result.code == 1 and result.line.startswith("error: unknown network 'atlantis'")


def test_a_missing_private_key_is_reported(impact, eth_pool):
    result = impact("buy", "--pool", str(eth_pool), "--tokens", "1", account="env:NO_SUCH_KEY")
    assert (
        result.line
        == "error: no account: pass --account NAME (Brownie keystore) or set NO_SUCH_KEY in the environment or .env"
    )


def test_help_is_available_on_every_command(impact):
    for command in (
        ["buy"],
        ["trace"],
        ["oracle", "submit"],
        ["pool", "open"],
        ["site", "register"],
        ["refund"],
        ["exit"],
        ["governance", "pending"],
        ["governance", "execute"],
        ["governance", "cancel"],
        ["governance", "delay"],
        ["oracle", "accredit"],
        ["oracle", "revoke"],
        ["oracle", "quorum"],
        ["oracle", "finalize"],
        ["reviewer", "accredit"],
        ["reviewer", "revoke"],
        ["reviewer", "void"],
        ["site", "beneficiary"],
        ["pool", "withdraw-credit"],
    ):
        result = impact(*command, "--help", account=None)
        assert result.code == 0 and "usage: impact" in result.out


def bad_checksum(address: str) -> str:
    """`address` with the case of its first letter flipped: still mixed case, but the EIP-55 checksum fails."""
    i = next(i for i, c in enumerate(address[2:], start=2) if c.isalpha())
    return address[:i] + address[i].swapcase() + address[i + 1 :]


@pytest.mark.parametrize(
    "args, what",
    [
        (("deploy", "--oracles", "{good},{bad}"), "oracle address"),
        (
            ("site", "register", "--name", "X", "--country", "KE", "--wdpa", "7", "--beneficiary", "{bad}"),
            "beneficiary address",
        ),
        (("buy", "--pool", "1", "--tokens", "1", "--recipient", "{bad}"), "recipient address"),
        (("oracle", "accredit", "{bad}"), "oracle address"),
        (("trace", "--investor", "{bad}"), "investor address"),
        (("dev", "fund", "--to", "{bad}", "--amount", "1"), "address"),
        (("pool", "open", "--file", POOL_FILE, "--site", "1", "--asset", "{bad}"), "asset"),
    ],
)
def test_an_address_with_a_wrong_checksum_is_refused_and_nothing_is_sent(impact, deployed, args, what):
    bad = bad_checksum(accounts[6].address)
    args = tuple(a.replace("{good}", accounts[1].address).replace("{bad}", bad) for a in args)
    nonce = web3.eth.get_transaction_count(accounts[0].address)
    result = impact(*args)
    assert result.code == 1
    assert result.line == (
        f"error: '{bad}' is not a valid {what}"
        + (" (ETH, a known symbol, or an ERC-20 address)" if what == "asset" else "")
        + ": its mixed-case letters fail the EIP-55 checksum, so it probably has a typo (check it against where it "
        "came from)"
    )
    assert len(result.err.strip().splitlines()) == 1
    assert web3.eth.get_transaction_count(accounts[0].address) == nonce


def test_an_all_lowercase_address_carries_no_checksum_and_is_accepted(impact, deployed, eth_pool):
    out = impact.ok("buy", "--pool", str(eth_pool), "--tokens", "2", "--recipient", accounts[6].address.lower())
    assert f"for {accounts[6].address}" in out  # shown checksummed


def test_the_top_level_help_lists_the_new_commands_and_deploy_shows_its_defaults(impact):
    top = impact("--help", account=None, rpc=False).out
    for name in ("governance", "reviewer", "exit"):
        assert f"    {name}" in top
    deploy = " ".join(impact("deploy", "--help", account=None, rpc=False).out.split())
    assert "--change-delay DURATION" in deploy and "(default: 2d, the contracts' minimum; at most 30d)" in deploy
    assert "--pauser ADDRESS may pause for a week at most (default: the sender, on local chains only;" in deploy
    assert "--reviewers A,B comma-separated Independent Reviewer addresses (default: none)" in deploy
