"""Deploying the whole system with web3.py: the registry, the pools, the certifier, and the certifier's role on
the pools. Used by `impact deploy` and `scripts/deploy.py` alike."""

from __future__ import annotations

from collections.abc import Sequence

from impact.artifacts import abi
from impact.deployments import Deployed, Deployment
from impact.tx import Sender

DEFAULT_TOKEN_URI = "ipfs://green-list-impact/{id}.json"


def deploy_all(
    sender: Sender,
    network: str,
    oracles: Sequence[str],
    quorum: int,
    admin_delay: int = 0,
    token_uri: str = DEFAULT_TOKEN_URI,
    mock_usdc: bool = False,
) -> Deployment:
    """Deploys and wires everything from `sender`, who becomes admin, registrar, programme and pauser."""
    admin = sender.address
    contracts: dict[str, Deployed] = {}

    def deploy(name: str, *args: object) -> str:
        receipt = sender.deploy(name, *args)
        contracts[name] = Deployed(
            receipt["contractAddress"], "0x" + bytes(receipt["transactionHash"]).hex(), receipt["blockNumber"]
        )
        return receipt["contractAddress"]

    registry = deploy("SiteRegistry", admin_delay, admin)
    pools = deploy("ImpactPools", admin_delay, admin, registry, token_uri)
    certifier = deploy("MilestoneCertifier", admin_delay, admin, pools, list(oracles), quorum)
    pools_contract = sender.w3.eth.contract(address=pools, abi=abi("ImpactPools"))
    role = pools_contract.functions.CERTIFIER_ROLE().call()
    sender.send(pools_contract.functions.grantRole(role, certifier))

    assets: dict[str, str] = {}
    if mock_usdc:
        assets["USDC"] = sender.deploy("MockStablecoin", "Sample USD (mock)", "USDC", 6)["contractAddress"]
    return Deployment(
        chain_id=sender.w3.eth.chain_id,
        network=network,
        deployer=admin,
        block=contracts["SiteRegistry"].block,
        contracts=contracts,
        assets=assets,
    )
