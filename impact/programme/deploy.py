"""Deploying the whole system with web3.py: the registry, the pools and the certifier, which refer to each other by
immutable addresses. Used by `impact deploy`, `scripts/deploy.py`, the tests and the benchmarks alike.

The certifier is deployed last, so its address (like every contract's) follows from the deployer's nonce: the
registry and the pools are built for it, and its constructor checks the wiring. Every step is checked before the
first is sent: the inputs (everything a constructor would refuse), the registry's and the pools' constructors
(simulated at their future addresses; the certifier's reads the other two, so it cannot be simulated before they
exist, and the input checks cover what it refuses), and the deployer's balance against the gas of all of them. If
a step still fails once sending has begun (a node that goes away, a transaction that is not mined), the error says
exactly which contracts were deployed, so nothing is left half-done without the user knowing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from impact.chain.deployments import CLAIMS, LOCAL_CHAIN_IDS, Deployed, Deployment, code_hash, genesis_hash
from impact.chain.errors import UserError
from impact.chain.tx import Sender

DEFAULT_TOKEN_URI = "ipfs://green-list-impact/{id}.json"
MIN_CHANGE_DELAY = 2 * 86_400  # DelayedChanges.MIN_CHANGE_DELAY
MAX_CHANGE_DELAY = 30 * 86_400  # DelayedChanges.MAX_CHANGE_DELAY
MAX_ADMIN_DELAY = 2**48 - 1  # the contracts take the delay as a uint48
CERTIFIER_GAS = 4_000_000  # upper bound for the certifier's deployment, used only for the balance check


@dataclass(frozen=True)
class Roles:
    """Who holds each programme duty. On a local chain one account may hold them all; on a live network each should
    be its own account (typically a multisig), and `impact deploy` refuses one key for all of them."""

    admin: str
    registrar: str
    programme: str
    pauser: str

    @classmethod
    def single(cls, account: str) -> Roles:
        return cls(account, account, account, account)

    def distinct(self) -> bool:
        return len({a.lower() for a in (self.admin, self.registrar, self.programme, self.pauser)}) == 4

    def holders(self) -> dict[str, str]:
        return {"admin": self.admin, "registrar": self.registrar, "programme": self.programme, "pauser": self.pauser}


def contract_address(deployer: str, nonce: int) -> str:
    """The address of the contract `deployer` creates with the transaction of this nonce."""
    from web3.utils.address import get_create_address

    return get_create_address(deployer, nonce)


def check_parameters(
    roles: Roles, oracles: Sequence[str], quorum: int, reviewers: Sequence[str], change_delay: int, admin_delay: int
) -> None:
    """Refuses what the constructors would refuse before anything is simulated or sent."""
    seen: set[str] = set()
    if not oracles:
        raise UserError("give at least one oracle (--oracles A,B,…)", "bad-oracle")
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
    for duty, holder in roles.holders().items():
        if int(holder, 16) == 0:
            raise UserError(f"the {duty} cannot be the zero address", "bad-role")
        if holder.lower() in seen:
            raise UserError(f"oracle {holder} cannot also be the {duty} (separation of duties)", "duty-conflict")
    reviewers_seen: set[str] = set()
    for reviewer in reviewers:
        if int(reviewer, 16) == 0:
            raise UserError("a reviewer cannot be the zero address", "bad-reviewer")
        if reviewer.lower() in seen:
            raise UserError(f"oracle {reviewer} cannot also be a reviewer (separation of duties)", "duty-conflict")
        if reviewer.lower() in reviewers_seen:
            raise UserError(f"reviewer {reviewer} is listed twice: give each reviewer once", "duplicate-reviewer")
        reviewers_seen.add(reviewer.lower())
    if not MIN_CHANGE_DELAY <= change_delay <= MAX_CHANGE_DELAY:
        raise UserError(
            f"the change delay must be between {MIN_CHANGE_DELAY} s (2 days) and {MAX_CHANGE_DELAY} s (30 days), "
            f"not {change_delay} s",
            "bad-delay",
        )
    if not 0 <= admin_delay <= MAX_ADMIN_DELAY:
        raise UserError(f"the admin delay must be 0 to {MAX_ADMIN_DELAY} seconds, not {admin_delay}", "bad-delay")


@dataclass(frozen=True)
class _Step:
    name: str
    args: tuple
    address: str  # where the contract will be, from the deployer's nonce
    simulate: bool = True


def deploy_all(
    sender: Sender,
    network: str,
    oracles: Sequence[str],
    quorum: int,
    roles: Roles | None = None,
    reviewers: Sequence[str] = (),
    change_delay: int = MIN_CHANGE_DELAY,
    admin_delay: int = 0,
    token_uri: str = DEFAULT_TOKEN_URI,
    mock_usdc: bool = False,
    local: bool | None = None,
    progress: Callable[[str, Deployed], None] | None = None,
) -> Deployment:
    """Deploys the three contracts from `sender` (who needs no role afterwards), wired to each other, and the
    claims contract that retires the pools' tokens (it holds no role and needs none).

    `local` keys the record by the chain's genesis block (default: whether the chain id is a local node's).
    `progress` is called after each contract is deployed."""
    roles = roles or Roles.single(sender.address)
    check_parameters(roles, oracles, quorum, reviewers, change_delay, admin_delay)
    w3 = sender.w3
    nonce = w3.eth.get_transaction_count(sender.address, "pending")
    registry, pools, certifier, usdc = (contract_address(sender.address, nonce + i) for i in range(4))
    steps = [
        _Step("SiteRegistry", (admin_delay, roles.admin, roles.registrar, change_delay, certifier), registry),
        _Step("ImpactPools", (roles.admin, roles.programme, roles.pauser, registry, certifier, token_uri), pools),
        _Step(
            "MilestoneCertifier",
            (admin_delay, roles.admin, change_delay, registry, pools, list(oracles), quorum, list(reviewers)),
            certifier,
            simulate=False,
        ),
    ]
    if mock_usdc:
        steps.append(_Step("MockStablecoin", ("Sample USD (mock)", "USDC", 6), usdc))
    # The claims contract last, so that the other addresses stay where they always were for a given deployer.
    steps.append(_Step(CLAIMS, (pools,), contract_address(sender.address, nonce + len(steps))))

    gas = sum(sender.simulate_deploy(s.name, *s.args) if s.simulate else CERTIFIER_GAS for s in steps)
    cost = gas * sender.max_fee()
    balance = w3.eth.get_balance(sender.address)
    if balance < cost:
        raise UserError(
            f"{sender.address} has {balance / 10**18:.6g} ETH, and deploying may cost up to {cost / 10**18:.6g} ETH "
            "in gas: fund it first",
            "insufficient-funds",
        )

    contracts: dict[str, Deployed] = {}
    assets: dict[str, str] = {}
    try:
        for step in steps:
            receipt = sender.deploy(step.name, *step.args)
            address = receipt["contractAddress"]
            if address != step.address:
                raise UserError(
                    f"{step.name} was deployed at {address}, not at {step.address} as planned: another transaction "
                    "from the same account got in between; deploy again from an account nobody else uses",
                    "nonce-race",
                )
            tx = "0x" + bytes(receipt["transactionHash"]).hex()
            deployed = Deployed(address, tx, receipt["blockNumber"], code_hash(w3.eth.get_code(address)))
            if step.name == "MockStablecoin":
                assets["USDC"] = address
            else:
                contracts[step.name] = deployed
            if progress:
                progress(step.name, deployed)
    except (Exception, KeyboardInterrupt) as exc:
        raise _incomplete(exc, contracts, assets) from None

    chain_id = w3.eth.chain_id
    return Deployment(
        chain_id=chain_id,
        network=network,
        deployer=sender.address,
        block=contracts["SiteRegistry"].block,
        contracts=contracts,
        assets=assets,
        genesis_hash=genesis_hash(w3),
        local=chain_id in LOCAL_CHAIN_IDS if local is None else local,
        roles=roles.holders(),
    )


def _incomplete(exc: BaseException, contracts: dict[str, Deployed], assets: dict[str, str]) -> UserError:
    """One sentence: why the deployment stopped and exactly what it had deployed (nothing is recorded)."""
    if isinstance(exc, KeyboardInterrupt):  # an Interrupted names the transaction that was sent (impact.chain.tx)
        reason, code = str(exc) or "interrupted", "interrupted"
    elif isinstance(exc, UserError):
        reason, code = str(exc), exc.code
    else:
        reason, code = f"{type(exc).__name__}: {' '.join(str(exc).split())}", "deploy-incomplete"
    done = [f"{name} at {d.address} (tx {d.tx})" for name, d in contracts.items()]
    done += [f"mock {symbol} at {address}" for symbol, address in assets.items()]
    if not done:
        if isinstance(exc, KeyboardInterrupt) and str(exc):
            return UserError(reason, code)  # the transaction it names was sent: that is what matters now
        return UserError(f"deploy stopped before anything was deployed: {reason}", code)
    return UserError(
        f"deploy stopped ({reason}) after deploying {'; '.join(done)}; nothing was recorded: run "
        "`impact deploy` again (the contracts above stay unused)",
        code,
    )
