"""Deploying the whole system with web3.py: the registry, the pools, the certifier, and the certifier's role on
the pools. Used by `impact deploy` and `scripts/deploy.py` alike.

Every step is checked before the first is sent: the inputs, each constructor (simulated with the addresses the
contracts will get, which follow from the deployer's nonce), and the deployer's balance against the gas of all of
them. If a step still fails once sending has begun (a node that goes away, a transaction that is not mined), the
error says exactly which contracts were deployed, so nothing is left half-done without the user knowing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from impact.artifacts import abi
from impact.deployments import LOCAL_CHAIN_IDS, Deployed, Deployment, code_hash, genesis_hash
from impact.errors import UserError
from impact.tx import Sender

DEFAULT_TOKEN_URI = "ipfs://green-list-impact/{id}.json"
MAX_ADMIN_DELAY = 2**48 - 1  # the contracts take the delay as a uint48
GRANT_GAS = 100_000  # upper bound for the one grantRole call (about 50,000), used only for the balance check


@dataclass(frozen=True)
class _Step:
    name: str  # a contract to deploy, or "grant" for the certifier's role on the pools
    args: tuple
    address: str | None = None  # where a contract will be, from the deployer's nonce


def check_inputs(oracles: Sequence[str], quorum: int, admin_delay: int) -> None:
    """Refuses what the constructors would refuse (or silently accept) before anything is simulated or sent."""
    seen: set[str] = set()
    for oracle in oracles:
        if int(oracle, 16) == 0:
            raise UserError("an oracle cannot be the zero address", "bad-oracle")
        if oracle.lower() in seen:
            raise UserError(f"oracle {oracle} is listed twice: give each oracle once", "duplicate-oracle")
        seen.add(oracle.lower())
    if not 1 <= quorum <= len(oracles):
        raise UserError(
            f"the quorum must be between 1 and the number of oracles ({len(oracles)}), not {quorum}", "bad-quorum"
        )
    if not 0 <= admin_delay <= MAX_ADMIN_DELAY:
        raise UserError(f"the admin delay must be 0 to {MAX_ADMIN_DELAY} seconds, not {admin_delay}", "bad-delay")


def deploy_all(
    sender: Sender,
    network: str,
    oracles: Sequence[str],
    quorum: int,
    admin_delay: int = 0,
    token_uri: str = DEFAULT_TOKEN_URI,
    mock_usdc: bool = False,
    local: bool | None = None,
    progress: Callable[[str, Deployed], None] | None = None,
) -> Deployment:
    """Deploys and wires everything from `sender`, who becomes admin, registrar, programme and pauser.

    `local` keys the record by the chain's genesis block (default: whether the chain id is a local node's).
    `progress` is called after each contract is deployed."""
    from web3.utils.address import get_create_address

    check_inputs(oracles, quorum, admin_delay)
    w3 = sender.w3
    admin = sender.address
    nonce = w3.eth.get_transaction_count(admin, "pending")
    registry, pools, certifier, usdc = (get_create_address(admin, nonce + i) for i in (0, 1, 2, 4))
    steps = [
        _Step("SiteRegistry", (admin_delay, admin), registry),
        _Step("ImpactPools", (admin_delay, admin, registry, token_uri), pools),
        _Step("MilestoneCertifier", (admin_delay, admin, pools, list(oracles), quorum), certifier),
        _Step("grant", ()),
    ]
    if mock_usdc:
        steps.append(_Step("MockStablecoin", ("Sample USD (mock)", "USDC", 6), usdc))

    # 1. Simulate every constructor. None calls another contract, so the future addresses are enough. The grant
    # cannot be simulated before the pools exist; it cannot fail either: the pools' constructor makes the deployer
    # their default admin, and the default admin may grant any role but the default admin role.
    gas = 0
    for step in steps:
        gas += GRANT_GAS if step.name == "grant" else sender.simulate_deploy(step.name, *step.args)
    cost = gas * sender.max_fee()
    balance = w3.eth.get_balance(admin)
    if balance < cost:
        raise UserError(
            f"{admin} has {balance / 10**18:.6g} ETH, and deploying may cost up to {cost / 10**18:.6g} ETH in gas: "
            "fund it first",
            "insufficient-funds",
        )

    # 2. Send.
    contracts: dict[str, Deployed] = {}
    assets: dict[str, str] = {}
    granted = False
    try:
        for step in steps:
            if step.name == "grant":
                pools_contract = w3.eth.contract(address=pools, abi=abi("ImpactPools"))
                role = pools_contract.functions.CERTIFIER_ROLE().call()
                sender.send(pools_contract.functions.grantRole(role, certifier))
                granted = True
                continue
            receipt = sender.deploy(step.name, *step.args)
            address = receipt["contractAddress"]
            tx = "0x" + bytes(receipt["transactionHash"]).hex()
            if address != step.address:
                raise UserError(
                    f"{step.name} was deployed at {address}, not at {step.address} as planned: another transaction "
                    "from the same account got in between",
                    "nonce-race",
                )
            deployed = Deployed(address, tx, receipt["blockNumber"], code_hash(w3.eth.get_code(address)))
            if step.name == "MockStablecoin":
                assets["USDC"] = address
            else:
                contracts[step.name] = deployed
            if progress:
                progress(step.name, deployed)
    except (Exception, KeyboardInterrupt) as exc:
        raise _incomplete(exc, contracts, assets, granted) from None

    chain_id = w3.eth.chain_id
    return Deployment(
        chain_id=chain_id,
        network=network,
        deployer=admin,
        block=contracts["SiteRegistry"].block,
        contracts=contracts,
        assets=assets,
        genesis_hash=genesis_hash(w3),
        local=chain_id in LOCAL_CHAIN_IDS if local is None else local,
    )


def _incomplete(exc: BaseException, contracts: dict[str, Deployed], assets: dict[str, str], granted: bool) -> UserError:
    """One sentence: why the deployment stopped and exactly what it had deployed (nothing is recorded)."""
    if isinstance(exc, KeyboardInterrupt):
        reason, code = "interrupted", "interrupted"
    elif isinstance(exc, UserError):
        reason, code = str(exc), exc.code
    else:
        reason, code = f"{type(exc).__name__}: {' '.join(str(exc).split())}", "deploy-incomplete"
    done = [f"{name} at {d.address} (tx {d.tx})" for name, d in contracts.items()]
    done += [f"mock {symbol} at {address}" for symbol, address in assets.items()]
    if not done:
        return UserError(f"deploy stopped before anything was deployed: {reason}", code)
    wired = ", but the certifier was not given its role on the pools" if len(contracts) == 3 and not granted else ""
    return UserError(
        f"deploy stopped ({reason}) after deploying {'; '.join(done)}{wired}; nothing was recorded: run "
        "`impact deploy` again (the contracts above stay unused)",
        code,
    )
