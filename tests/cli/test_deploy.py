"""A deploy checks every step before it sends the first, and one that stops midway says exactly what it deployed."""

import pytest
from web3 import HTTPProvider, Web3
from web3.utils.address import get_create_address

from impact.chain.accounts import Signer
from impact.chain.artifacts import abi
from impact.chain.errors import UserError
from impact.chain.localnode import LocalAnvil
from impact.chain.tx import Sender
from impact.programme.deploy import deploy_all


@pytest.fixture
def node():
    with LocalAnvil() as anvil:
        w3 = Web3(HTTPProvider(anvil.url))
        yield w3, Sender(w3, Signer(w3.eth.accounts[0]), timeout=2)


def test_a_constructor_that_would_revert_is_caught_by_its_simulation_before_anything_is_sent(node):
    w3, sender = node
    nonce = w3.eth.get_transaction_count(sender.address)
    with pytest.raises(UserError) as refused:  # a change delay below the contracts' floor of 2 days
        sender.simulate_deploy("SiteRegistry", 0, sender.address, sender.address, 3600, w3.eth.accounts[1])
    assert refused.value.code == "ChangesInvalidDelay"
    assert str(refused.value).startswith("a change delay must be between 2 days and 30 days, not 1 h")
    assert w3.eth.get_transaction_count(sender.address) == nonce


@pytest.mark.parametrize(
    "oracles, quorum, admin_delay, message",
    [
        ([1, 1], 1, 0, "is listed twice"),
        ([1, 2], 3, 0, "the quorum must be between 1 and the number of oracles (2), not 3"),
        ([1], 1, 2**48, "the admin delay must be 0 to"),
    ],
)
def test_bad_deploy_inputs_send_nothing(node, oracles, quorum, admin_delay, message):
    w3, sender = node
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        deploy_all(sender, "test", [w3.eth.accounts[i] for i in oracles], quorum, admin_delay=admin_delay)
    assert w3.eth.get_transaction_count(sender.address) == 0


def test_a_deploy_that_stops_midway_names_what_it_deployed(node):
    """After the registry is mined the node stops mining: the pools' transaction is never mined, and the error
    names the registry (address and transaction) and says nothing was recorded."""
    w3, sender = node
    deployed = {}

    def stop_mining(name, contract):
        deployed[name] = contract
        w3.provider.make_request("evm_setAutomine", [False])

    with pytest.raises(UserError) as stopped:
        deploy_all(sender, "test", w3.eth.accounts[1:4], 2, progress=stop_mining)
    registry = deployed["SiteRegistry"]
    message = str(stopped.value)
    assert message.startswith("deploy stopped (transaction 0x")
    pending = message.split()[3]  # the pools' transaction, sent and never mined: the user can follow it
    assert message.endswith(
        f"{pending} was sent but not mined within 2 s; check it later with `impact tx {pending}`) after deploying "
        f"SiteRegistry at {registry.address} (tx {registry.tx}); nothing was recorded: run `impact deploy` again (the "
        "contracts above stay unused)"
    )
    assert w3.eth.get_transaction(pending)["blockNumber"] is None
    assert list(deployed) == ["SiteRegistry"] and w3.eth.get_code(registry.address)
    assert not w3.eth.get_code(get_create_address(sender.address, 1))  # the pools are not there


def test_a_complete_deploy_is_where_it_was_planned(node):
    w3, sender = node
    deployment = deploy_all(sender, "test", w3.eth.accounts[1:4], 2, mock_usdc=True)
    planned = [get_create_address(sender.address, n) for n in (0, 1, 2, 3, 4)]
    actual = [deployment.address(n) for n in ("SiteRegistry", "ImpactPools", "MilestoneCertifier")]
    assert actual + [deployment.assets["USDC"], deployment.address("ImpactClaims")] == planned
    assert deployment.local and deployment.genesis_hash == "0x" + bytes(w3.eth.get_block(0)["hash"]).hex()
    pools = w3.eth.contract(address=deployment.address("ImpactPools"), abi=abi("ImpactPools"))
    assert pools.functions.certifier().call() == planned[2]  # the one certifier, fixed at construction
    claims = w3.eth.contract(address=deployment.address("ImpactClaims"), abi=abi("ImpactClaims"))
    assert claims.functions.pools().call() == planned[1]  # it takes the tokens of these pools only
