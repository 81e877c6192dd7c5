"""`impact`: the command-line program for the programme, investors and oracles.

    impact [--network NAME] [--account ACCOUNT] COMMAND ...

Every command prints one clear line and exits non-zero on bad input; nothing is sent when a simulation fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from impact import deployments, network
from impact.accounts import Signer, load_signer, parse_address
from impact.artifacts import ArtifactError
from impact.encoding import format_amount, format_duration, format_time
from impact.errors import UserError
from impact.pool_spec import SpecError, load_pool_spec
from impact.system import ETH, System
from impact.tx import Sender

STATUSES = {"candidate": 1, "green-listed": 2, "suspended": 3, "withdrawn": 4}


class Context:
    """What every command needs, made lazily: the node, the signer, the deployed system."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.net = network.resolve(args.network, args.rpc_url)
        self.w3 = network.connect(self.net)
        self._signer: Signer | None = None
        self._system: System | None = None

    @property
    def signer(self) -> Signer:
        if self._signer is None:
            self._signer = load_signer(self.args.account, self.w3, self.net.live)
        return self._signer

    @property
    def sender(self) -> Sender:
        confirmations = self.args.confirmations if self.net.live else 1
        return Sender(self.w3, self.signer, confirmations=confirmations)

    @property
    def system(self) -> System:
        if self._system is None:
            self._system = System.load(self.w3)
        return self._system

    def confirm(self, what: str, details: dict[str, Any]) -> None:
        """On a live network: echo the network and parameters and ask before acting (unless --yes)."""
        if not self.net.live:
            return
        print(f"{what} on network '{self.net.name}' (chain {self.w3.eth.chain_id}, {self.net.url})")
        for key, value in details.items():
            print(f"  {key:<14} {value}")
        if self.args.yes:
            return
        if not sys.stdin.isatty():
            raise UserError("refusing to act on a live network without confirmation: pass --yes")
        if input("proceed? [y/N] ").strip().lower() not in ("y", "yes"):
            raise UserError("cancelled")


# ------------------------------------------------------------------------------------------------------------------
# Commands
# ------------------------------------------------------------------------------------------------------------------


ROLE_OPTIONS = ("admin", "registrar", "programme", "pauser")


def cmd_deploy(ctx: Context) -> None:
    from impact.deploy import check_parameters, deploy_all

    a = ctx.args
    oracles = [parse_address(o, "oracle address") for o in a.oracles.split(",")] if a.oracles else []
    reviewers = [parse_address(r, "reviewer address") for r in a.reviewers.split(",")] if a.reviewers else []
    roles = _deploy_roles(ctx)
    check_parameters(roles, oracles, a.quorum, reviewers, a.change_delay, a.admin_delay)
    ctx.confirm(
        "Deploying the Green List impact contracts",
        {
            "deployer": ctx.signer.address,
            **roles.holders(),
            "oracles": ", ".join(oracles),
            "quorum": a.quorum,
            "reviewers": ", ".join(reviewers) or "none",
            "change delay": f"{format_duration(a.change_delay)} ({a.change_delay} s)",
            "admin delay": f"{a.admin_delay} s",
            "confirmations": a.confirmations,
        },
    )
    deployment = deploy_all(
        ctx.sender,
        ctx.net.name,
        oracles,
        a.quorum,
        roles=roles,
        reviewers=reviewers,
        change_delay=a.change_delay,
        admin_delay=a.admin_delay,
        mock_usdc=a.mock_usdc,
    )
    path = deployments.save(deployment)
    for name, deployed in deployment.contracts.items():
        print(f"{name:<19} {deployed.address}  (block {deployed.block}, tx {deployed.tx})")
    for symbol, address in deployment.assets.items():
        print(f"{symbol + ' (mock)':<19} {address}")
    duties = {
        "admin": "default admin of the three contracts: accredits and revokes, cancels changes",
        "registrar": "registers sites, changes their status, schedules beneficiary changes",
        "programme": "opens pools",
        "pauser": f"pauses buying, certifying and releasing, {format_duration(7 * 86_400)} at most",
    }
    for duty, holder in roles.holders().items():
        print(f"{duty:<19} {holder}  ({duties[duty]})")
    print(f"{'oracles':<19} {', '.join(oracles)}  (quorum {a.quorum} of {len(oracles)})")
    print(f"{'reviewers':<19} {', '.join(reviewers) or 'none'}")
    print(f"{'change delay':<19} {format_duration(a.change_delay)} ({a.change_delay} s)")
    print(f"deployment written to {path}")


def _deploy_roles(ctx: Context) -> Any:
    """Who holds each duty. On a local chain a missing role goes to the sender; on a live network every role must
    be given, each to its own account, so that one stolen key cannot do everything."""
    from impact.deploy import Roles

    given = {duty: getattr(ctx.args, duty) for duty in ROLE_OPTIONS}
    if ctx.net.live:
        missing = [f"--{duty}" for duty, holder in given.items() if not holder]
        if missing:
            raise UserError(
                f"on a live network give every role its own account (typically a multisig each): missing "
                f"{', '.join(missing)}; one key holding every role could do all the programme can"
            )
    holders = {
        duty: parse_address(holder, f"{duty} address") if holder else ctx.signer.address
        for duty, holder in given.items()
    }
    roles = Roles(**holders)
    if ctx.net.live and not roles.distinct():
        lowered = [holder.lower() for holder in holders.values()]
        shared = [duty for duty in ROLE_OPTIONS if lowered.count(holders[duty].lower()) > 1]
        raise UserError(
            f"on a live network each role needs its own account (typically a multisig each), but "
            f"{' and '.join('--' + d for d in shared)} are the same address; separate keys mean one stolen or "
            "hostile key cannot do everything"
        )
    return roles


def cmd_site_register(ctx: Context) -> None:
    a = ctx.args
    beneficiary = parse_address(a.beneficiary, "beneficiary address")
    registry = ctx.system.registry
    fn = registry.functions.registerSite(a.name, a.country.encode(), a.wdpa, a.uri, beneficiary)
    site_id = ctx.sender.simulate(fn)
    ctx.confirm(
        "Registering a site", {"name": a.name, "country": a.country, "WDPA id": a.wdpa, "beneficiary": beneficiary}
    )
    receipt = ctx.sender.send(fn)
    print(f"site {site_id} registered: {a.name} ({a.country}), WDPA {a.wdpa}; tx {_tx(receipt)}")


def cmd_site_status(ctx: Context) -> None:
    a = ctx.args
    receipt = ctx.sender.send(ctx.system.registry.functions.setStatus(a.site, STATUSES[a.status]))
    print(f"site {a.site} is now {a.status}; tx {_tx(receipt)}")


def cmd_site_show(ctx: Context) -> None:
    registry = ctx.system.registry
    if not 0 < ctx.args.site <= registry.functions.siteCount().call():
        raise UserError(f"there is no site {ctx.args.site}")
    beneficiary, wdpa, country, status, name, uri = registry.functions.site(ctx.args.site).call()
    status_name = [k for k, v in STATUSES.items() if v == status][0]
    print(
        f"site {ctx.args.site}: {name} ({country.decode()}), WDPA {wdpa}, {status_name}, "
        f"beneficiary {beneficiary}, {uri}"
    )


def cmd_oracle_attest(ctx: Context) -> None:
    from impact.evidence import ReportError, load_report

    a = ctx.args
    if a.report:
        try:
            report = load_report(a.report)
            pool_id, milestone_id, evidence, uri = (
                report.pool_id,
                report.milestone_id,
                report.evidence_hash(),
                report.evidence_uri,
            )
        except ReportError as exc:
            raise UserError(str(exc)) from None
    else:
        if a.pool is None or a.milestone is None or not a.evidence_hash or not a.uri:
            raise UserError("give --report R, or all of --pool, --milestone, --evidence-hash and --uri")
        pool_id, milestone_id, uri = a.pool, a.milestone, a.uri
        evidence = _bytes32(a.evidence_hash)
    certifier = ctx.system.certifier
    ctx.system.pool(pool_id)
    if certifier.functions.hasAttested(pool_id, milestone_id, ctx.signer.address).call():
        raise UserError(
            f"oracle {ctx.signer.address} already attested milestone {milestone_id} of pool {pool_id} in this round "
            "(an oracle attests once per round; a reviewer's void starts a new one)"
        )
    receipt = ctx.sender.send(certifier.functions.attest(pool_id, milestone_id, evidence, uri))
    logs = ctx.system.pools.events.MilestoneCertified().process_receipt(receipt, errors=_DISCARD)
    if logs:
        ends = logs[0]["args"]["challengeEndsAt"]
        outcome = f"and CERTIFIED the milestone (challenge window until {format_time(ends)})"
    else:
        attested = certifier.events.OracleAttested().process_receipt(receipt, errors=_DISCARD)[0]["args"]
        outcome = f"({attested['attestations']} of the quorum of {certifier.functions.quorum().call()} so far)"
    print(
        f"attested pool {pool_id} milestone {milestone_id} with evidence 0x{evidence.hex()} {outcome}; "
        f"tx {_tx(receipt)}"
    )


def cmd_pool_open(ctx: Context) -> None:
    a = ctx.args
    try:
        spec = load_pool_spec(a.file)
    except SpecError as exc:
        raise UserError(str(exc)) from None
    asset = _asset_address(ctx, a.asset or spec.asset)
    decimals, symbol = ctx.system.asset_units(asset)
    now = int(ctx.w3.eth.get_block("latest")["timestamp"])
    try:
        params, milestones = spec.to_contract_args(a.site, asset, decimals, now)
    except SpecError as exc:
        raise UserError(str(exc)) from None
    fn = ctx.system.pools.functions.openPool(params, milestones)
    pool_id = ctx.sender.simulate(fn)
    ctx.confirm(
        "Opening a pool",
        {
            "site": a.site,
            "asset": symbol,
            "price": f"{spec.price} {symbol}",
            "goal / cap": f"{spec.goal_tokens} / {spec.cap_tokens} tokens",
            "milestones": len(milestones),
            "challenge window": format_duration(params[-1]),
        },
    )
    receipt = ctx.sender.send(fn)
    count = len(milestones)
    print(
        f"pool {pool_id} opened for site {a.site}: {spec.price} {symbol} per token, {count} milestone"
        f"{'s' if count != 1 else ''}, challenge window {format_duration(params[-1])}; "
        f"tx {_tx(receipt)}"
    )


def cmd_pool_show(ctx: Context) -> None:
    info = ctx.system.pool(ctx.args.pool)
    money = lambda v: ctx.system.money(info["asset"], v)  # noqa: E731
    print(
        f"pool {ctx.args.pool}: site {info['siteId']}, price {money(info['price'])}, sold {info['tokensSold']}/"
        f"{info['capTokens']} (goal {info['goalTokens']}), raised {money(info['raised'])}, released "
        f"{money(info['released'])}, refunded {money(info['refunded'])}, exited {money(info['exited'])}, "
        f"escrow {money(info['escrow'])}, certified {info['certifiedCount']}/{info['milestoneCount']} "
        f"(final {info['finalizedCount']}), challenge window {format_duration(info['challengeWindow'])}, "
        f"paused {format_duration(info['pausedTime'])}, exits {'OPEN' if info['exitOpen'] else 'closed'}"
    )


def cmd_pool_admin(ctx: Context) -> None:
    a = ctx.args
    pools = ctx.system.pools
    if a.action in ("pause", "unpause"):
        receipt = ctx.sender.send(getattr(pools.functions, a.action)())
        if a.action == "pause":
            ends = pools.functions.pauseEndsAt().call()
            print(
                f"pools paused until {format_time(ends)} at the latest: buying, certifying and releasing wait, and "
                f"every pool's clock stops (exits, refunds, failing, voiding and withdrawals still work); "
                f"tx {_tx(receipt)}"
            )
        else:
            print(f"pools unpaused; the next pause cannot start within 7 days; tx {_tx(receipt)}")
    elif a.action == "fail":
        ctx.system.pool(a.pool)
        receipt = ctx.sender.send(pools.functions.fail(a.pool))
        event = pools.events.PoolFailed().process_receipt(receipt, errors=_DISCARD)[0]
        from impact.errors import FAILURE

        print(f"pool {a.pool} failed ({FAILURE[event['args']['reason']]}); holders may refund; tx {_tx(receipt)}")
    elif a.action == "release":
        info = ctx.system.pool(a.pool)
        receipt = ctx.sender.send(pools.functions.release(a.pool, a.milestone))
        event = pools.events.TrancheReleased().process_receipt(receipt, errors=_DISCARD)[0]["args"]
        how = "credited to" if event["credited"] else "paid to"
        print(
            f"pool {a.pool} milestone {a.milestone}: {ctx.system.money(info['asset'], event['amount'])} {how} "
            f"{event['beneficiary']}; tx {_tx(receipt)}"
        )


def cmd_buy(ctx: Context) -> None:
    a = ctx.args
    if a.tokens < 1:
        raise UserError("--tokens must be at least 1")
    info = ctx.system.pool(a.pool)
    recipient = parse_address(a.recipient, "recipient address") if a.recipient else ctx.signer.address
    pools = ctx.system.pools
    cost = a.tokens * info["price"]
    asset = info["asset"]
    fn = pools.functions.buy(a.pool, a.tokens, recipient)
    if int(asset, 16) == 0:
        balance = ctx.w3.eth.get_balance(ctx.signer.address)
        if balance < cost:
            raise UserError(
                f"{ctx.signer.address} has {ctx.system.money(asset, balance)}, {ctx.system.money(asset, cost)} needed"
            )
        ctx.sender.simulate(fn, value=cost)
        ctx.confirm("Buying impact tokens", {"pool": a.pool, "tokens": a.tokens, "cost": ctx.system.money(asset, cost)})
        receipt = ctx.sender.send(fn, value=cost)
    else:
        token = ctx.system.erc20(asset)
        balance = token.functions.balanceOf(ctx.signer.address).call()
        if balance < cost:
            raise UserError(
                f"{ctx.signer.address} has {ctx.system.money(asset, balance)}, {ctx.system.money(asset, cost)} needed"
            )
        ctx.confirm("Buying impact tokens", {"pool": a.pool, "tokens": a.tokens, "cost": ctx.system.money(asset, cost)})
        if token.functions.allowance(ctx.signer.address, pools.address).call() < cost:
            ctx.sender.send(token.functions.approve(pools.address, cost))  # exactly what this purchase needs
        receipt = ctx.sender.send(fn)
    event = pools.events.TokensPurchased().process_receipt(receipt, errors=_DISCARD)[0]["args"]
    print(
        f"bought {event['tokens']} tokens of pool {a.pool} for {ctx.system.money(asset, event['amountPaid'])}"
        f"{'' if recipient == ctx.signer.address else f' for {recipient}'}; tx {_tx(receipt)}"
    )


def cmd_refund(ctx: Context) -> None:
    a = ctx.args
    info = ctx.system.pool(a.pool)
    pools = ctx.system.pools
    held = pools.functions.balanceOf(ctx.signer.address, a.pool).call()
    tokens = held if a.tokens is None else a.tokens
    if tokens < 1:
        raise UserError(f"{ctx.signer.address} holds no tokens of pool {a.pool}")
    if tokens > held:
        raise UserError(f"{ctx.signer.address} holds {held} tokens of pool {a.pool}, not {tokens}")
    if not info["failure"]:
        from impact.errors import FAILURE

        due = pools.functions.failureDue(a.pool).call()
        if due:
            raise UserError(
                f"pool {a.pool} can be failed ({FAILURE[due]}) but nobody has failed it yet: run "
                f"`impact pool fail --pool {a.pool}` (anyone may), then refund"
            )
        hint = ""
        if info["exitOpen"]:
            hint = f"; a change affecting it is pending, so `impact exit --pool {a.pool}` redeems now"
        raise UserError(f"pool {a.pool} has not failed, so there is nothing to refund{hint}")
    receipt = ctx.sender.send(pools.functions.refund(a.pool, tokens))
    event = pools.events.Refunded().process_receipt(receipt, errors=_DISCARD)[0]["args"]
    print(
        f"redeemed {event['tokens']} tokens of pool {a.pool} for {ctx.system.money(info['asset'], event['amount'])}; "
        f"tx {_tx(receipt)}"
    )


def cmd_trace(ctx: Context) -> None:
    from impact import trace_report
    from impact.logs import LogFetcher
    from impact.trace import Tracer

    a = ctx.args
    tracer = Tracer(ctx.system, LogFetcher(ctx.w3, progress=not a.json and sys.stderr.isatty()))
    if a.investor:
        result: Any = tracer.investor(parse_address(a.investor, "investor address"))
        render: Callable[[Any], str] = trace_report.investor
    elif a.pool is not None:
        result, render = tracer.pool(a.pool), trace_report.pool
    else:
        result, render = tracer.lot(a.token_lot), trace_report.lot
    print(json.dumps(asdict(result), indent=2, default=str) if a.json else render(result))


def cmd_dev_fund(ctx: Context) -> None:
    """Local chains only: mint the mock stablecoin to an address (sample money for demos)."""
    if ctx.net.live:
        raise UserError("`dev fund` works only on a local development chain")
    usdc = ctx.system.deployment.assets.get("USDC")
    if not usdc:
        raise UserError("this deployment has no mock USDC: deploy with --mock-usdc")
    to = parse_address(ctx.args.to, "address")
    token = ctx.system.erc20(usdc)
    decimals, symbol = ctx.system.asset_units(usdc)
    amount = _units(ctx.args.amount, decimals)
    ctx.sender.send(token.functions.mint(to, amount))
    print(f"minted {format_amount(amount, decimals, symbol)} (sample money) to {to}")


# ------------------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------------------

_DISCARD = __import__("web3.logs", fromlist=["DISCARD"]).DISCARD


def _tx(receipt: Any) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()


def _bytes32(value: str) -> bytes:
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise UserError(f"'{value}' is not a hex value") from None
    if len(raw) != 32:
        raise UserError(f"'{value}' is not 32 bytes")
    return raw


def _units(text: str, decimals: int) -> int:
    try:
        value = Decimal(text) * (Decimal(10) ** decimals)
    except InvalidOperation:
        raise UserError(f"'{text}' is not an amount") from None
    if value != value.to_integral_value() or value <= 0:
        raise UserError(f"'{text}' is not a positive amount with at most {decimals} decimals")
    return int(value)


def _asset_address(ctx: Context, asset: str) -> str:
    if asset.upper() == "ETH":
        return ETH
    if asset in ctx.system.deployment.assets:
        return ctx.system.deployment.assets[asset]
    address = parse_address(asset, "asset (ETH, a known symbol, or an ERC-20 address)")
    if not ctx.w3.eth.get_code(address):
        raise UserError(f"{address} is not a contract, so it cannot be an ERC-20 asset")
    return address


def _duration(text: str) -> int:
    from impact.governance import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


# ------------------------------------------------------------------------------------------------------------------
# Parser
# ------------------------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--network",
        default="development",
        help="Brownie network id (default: development, a local node on 127.0.0.1:8545)",
    )
    common.add_argument("--rpc-url", help="talk to this node instead of the network's configured URL")
    common.add_argument(
        "--account",
        help="keystore account NAME, env[:VAR] for a private key (default $PRIVATE_KEY), "
        "or dev:N for a local node's unlocked account",
    )
    common.add_argument("--confirmations", type=int, default=2, help="blocks to wait for on a live network (default 2)")
    common.add_argument("--yes", action="store_true", help="do not ask for confirmation on a live network")

    parser = argparse.ArgumentParser(prog="impact", description="Green List impact finance: pools, tokens, trace.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_: str, handler: Callable[[Context], None], sub=commands) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, parents=[common])
        p.set_defaults(handler=handler)
        return p

    p = command("deploy", "deploy the registry, the pools and the certifier, and record them", cmd_deploy)
    p.add_argument("--oracles", required=True, help="comma-separated oracle addresses")
    p.add_argument("--quorum", type=int, default=2, help="oracles that must agree (default 2)")
    for duty, what in (
        ("admin", "the default admin of the three contracts"),
        ("registrar", "registers sites and schedules beneficiary changes"),
        ("programme", "opens pools"),
        ("pauser", "may pause for a week at most"),
    ):
        p.add_argument(
            f"--{duty}",
            help=f"{what} (default: the sender, on local chains only; a live network needs each role's own account)",
        )
    p.add_argument("--reviewers", default="", help="comma-separated Independent Reviewer addresses (default: none)")
    p.add_argument(
        "--change-delay",
        type=_duration,
        default=2 * 86_400,
        metavar="DURATION",
        help="how long accrediting an oracle, lowering the quorum, revoking a reviewer or changing a beneficiary "
        "waits: seconds, or e.g. 3d, 36h (default 2d, the contracts' minimum; at most 30d)",
    )
    p.add_argument("--admin-delay", type=int, default=0, help="seconds a default-admin transfer must wait (default 0)")
    p.add_argument("--mock-usdc", action="store_true", help="also deploy a mock USDC for local demos")

    site = commands.add_parser("site", help="register sites, change their Green List status and (delayed) beneficiary")
    site_commands = site.add_subparsers(dest="site_command", required=True, metavar="ACTION")
    p = command("register", "register a protected area", cmd_site_register, site_commands)
    p.add_argument("--name", required=True)
    p.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. CN")
    p.add_argument("--wdpa", type=int, required=True, help="World Database on Protected Areas id")
    p.add_argument("--uri", default="", help="metadata URI")
    p.add_argument("--beneficiary", required=True, help="the site manager's wallet")
    p = command("status", "change a site's Green List status", cmd_site_status, site_commands)
    p.add_argument("--site", type=int, required=True)
    p.add_argument("--status", required=True, choices=sorted(STATUSES))
    p = command("show", "show a site", cmd_site_show, site_commands)
    p.add_argument("--site", type=int, required=True)

    pool = commands.add_parser("pool", help="open, show, pause, release, fail pools; withdraw credited tranches")
    pool_commands = pool.add_subparsers(dest="pool_command", required=True, metavar="ACTION")
    p = command("open", "open a pool from a YAML/JSON description", cmd_pool_open, pool_commands)
    p.add_argument("--file", required=True, type=Path)
    p.add_argument("--site", type=int, required=True)
    p.add_argument("--asset", help="ETH, USDC (the deployment's mock) or an ERC-20 address; overrides the file")
    p = command("show", "a pool's state and escrow accounting", cmd_pool_show, pool_commands)
    p.add_argument("--pool", type=int, required=True)
    for action, help_ in (("pause", "stop buying, certifying and releasing"), ("unpause", "lift the pause")):
        command(action, help_, cmd_pool_admin, pool_commands).set_defaults(action=action)
    p = command(
        "release",
        "release a final milestone's tranche (after its challenge window) to its recorded payee",
        cmd_pool_admin,
        pool_commands,
    )
    p.set_defaults(action="release")
    p.add_argument("--pool", type=int, required=True)
    p.add_argument("--milestone", type=int, required=True)
    p = command("fail", "fail a pool whose goal, deadline or site failed", cmd_pool_admin, pool_commands)
    p.set_defaults(action="fail")
    p.add_argument("--pool", type=int, required=True)

    oracle = commands.add_parser(
        "oracle", help="accredit and revoke oracles, change the quorum, attest, finalize, sign, relay, watch"
    )
    oracle_commands = oracle.add_subparsers(dest="oracle_command", required=True, metavar="ACTION")
    p = command(
        "attest", "attest a milestone on chain from the oracle's own account", cmd_oracle_attest, oracle_commands
    )
    p.add_argument("--report", type=Path, help="assessment report (YAML/JSON); its files give the evidence hash")
    p.add_argument("--pool", type=int)
    p.add_argument("--milestone", type=int)
    p.add_argument("--evidence-hash")
    p.add_argument("--uri")
    _add_oracle_signature_commands(command, oracle_commands)

    p = command("buy", "buy impact tokens of a pool", cmd_buy)
    p.add_argument("--pool", type=int, required=True)
    p.add_argument("--tokens", type=int, required=True)
    p.add_argument("--recipient", help="mint the tokens to this address instead")

    p = command("trace", "trace an investor's money, a pool, or one purchase's tokens", cmd_trace)
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--investor")
    target.add_argument("--pool", type=int)
    target.add_argument("--token-lot", metavar="TX", help="a purchase's transaction hash")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = command("refund", "redeem tokens of a failed pool", cmd_refund)
    p.add_argument("--pool", type=int, required=True)
    p.add_argument("--tokens", type=_positive, help="how many (default: all you hold)")

    dev = commands.add_parser("dev", help="local-chain helpers for demos")
    dev_commands = dev.add_subparsers(dest="dev_command", required=True, metavar="ACTION")
    p = command("fund", "mint the deployment's mock USDC (sample money)", cmd_dev_fund, dev_commands)
    p.add_argument("--to", required=True)
    p.add_argument("--amount", required=True)

    # The trust-minimised escrow: delayed changes and exits, challenge windows and reviewers, credited tranches.
    from impact import escrow_commands, governance_commands

    groups = {"site": site_commands, "pool": pool_commands, "oracle": oracle_commands}
    governance_commands.register(command, commands, groups)
    escrow_commands.register(command, commands, groups)
    return parser


def _add_oracle_signature_commands(command: Callable[..., argparse.ArgumentParser], sub: Any) -> None:
    """EIP-712 sub-commands: sign, submit, watch, verify-evidence (see impact.oracle_commands)."""
    from impact import oracle_commands

    oracle_commands.register(command, sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.handler(Context(args))
    except (UserError, ArtifactError) as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)  # always one line
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
