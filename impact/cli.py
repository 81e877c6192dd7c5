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
from impact.encoding import format_amount
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
            self._signer = load_signer(self.args.account, self.w3, self.net.live, self.net.name)
        return self._signer

    @property
    def sender(self) -> Sender:
        confirmations = self.args.confirmations if self.net.live else 1
        # The hash is printed once sent on a live network, and on a local node if it is not mined within 2 s.
        announce = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
        return Sender(
            self.w3, self.signer, confirmations, announce=announce, announce_after=0.0 if self.net.live else 2.0
        )

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


def cmd_deploy(ctx: Context) -> None:
    from impact.deploy import deploy_all

    a = ctx.args
    oracles = [parse_address(o, "oracle address") for o in a.oracles.split(",")] if a.oracles else []
    if a.quorum < 1 or a.quorum > len(oracles):
        raise UserError(f"the quorum must be between 1 and the number of oracles ({len(oracles)})")
    ctx.confirm(
        "Deploying the Green List impact contracts",
        {
            "deployer": ctx.signer.address,
            "oracles": ", ".join(oracles),
            "quorum": a.quorum,
            "admin delay": f"{a.admin_delay} s",
            "confirmations": a.confirmations,
        },
    )
    deployment = deploy_all(ctx.sender, ctx.net.name, oracles, a.quorum, a.admin_delay, mock_usdc=a.mock_usdc)
    path = deployments.save(deployment)
    for name, deployed in deployment.contracts.items():
        print(f"{name:<19} {deployed.address}  (block {deployed.block}, tx {deployed.tx})")
    for symbol, address in deployment.assets.items():
        print(f"{symbol + ' (mock)':<19} {address}")
    print(f"deployment written to {path}")


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


def cmd_oracle_role(ctx: Context) -> None:
    a = ctx.args
    oracle = parse_address(a.address, "oracle address")
    certifier = ctx.system.certifier
    role = certifier.functions.ORACLE_ROLE().call()
    fn = (certifier.functions.grantRole if a.action == "grant" else certifier.functions.revokeRole)(role, oracle)
    ctx.confirm(f"{a.action.capitalize()}ing the oracle role", {"oracle": oracle})
    receipt = ctx.sender.send(fn)
    count = certifier.functions.oracleCount().call()
    print(
        f"oracle role {a.action}ed {'to' if a.action == 'grant' else 'from'} {oracle}; {count} oracles now; "
        f"tx {_tx(receipt)}"
    )


def cmd_oracle_quorum(ctx: Context) -> None:
    receipt = ctx.sender.send(ctx.system.certifier.functions.setQuorum(ctx.args.quorum))
    print(f"quorum set to {ctx.args.quorum}; tx {_tx(receipt)}")


def cmd_oracle_attest(ctx: Context) -> None:
    from impact.evidence import ReportError, load_report
    from impact.oracle_commands import check_criterion

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
        check_criterion(ctx, report, "refusing to attest it")
    else:
        if a.pool is None or a.milestone is None or not a.evidence_hash or not a.uri:
            raise UserError("give --report R, or all of --pool, --milestone, --evidence-hash and --uri")
        pool_id, milestone_id, uri = a.pool, a.milestone, a.uri
        evidence = _bytes32(a.evidence_hash)
    receipt = ctx.sender.send(ctx.system.certifier.functions.attest(pool_id, milestone_id, evidence, uri))
    logs = ctx.system.pools.events.MilestoneCertified().process_receipt(receipt, errors=_DISCARD)
    outcome = "and CERTIFIED the milestone" if logs else "(quorum not reached yet)"
    print(
        f"attested pool {pool_id} milestone {milestone_id} with evidence 0x{evidence.hex()} {outcome}; "
        f"tx {_tx(receipt)}"
    )


def cmd_pool_open(ctx: Context) -> None:
    from impact.pool_spec import describe

    a = ctx.args
    try:
        spec = load_pool_spec(a.file)
    except SpecError as exc:
        raise UserError(str(exc)) from None
    site = ctx.system.site(a.site)
    if mismatch := spec.site.mismatch(a.site, site):
        raise UserError(mismatch)
    asset = _asset_address(ctx, a.asset or spec.asset)
    decimals, symbol = ctx.system.asset_units(asset)
    now = int(ctx.w3.eth.get_block("latest")["timestamp"])
    try:
        params, milestones = spec.to_contract_args(a.site, asset, decimals, now, symbol)
    except SpecError as exc:
        raise UserError(str(exc)) from None
    fn = ctx.system.pools.functions.openPool(params, milestones)
    pool_id = ctx.sender.simulate(fn)
    print("\n".join(describe(params, milestones, f"{spec.price} {symbol}", site["name"])))
    ctx.confirm("Opening this pool", {})
    receipt = ctx.sender.send(fn)
    count = len(milestones)
    print(
        f"pool {pool_id} opened for site {a.site}: {spec.price} {symbol} per token, {count} milestone"
        f"{'s' if count != 1 else ''}; "
        f"tx {_tx(receipt)}"
    )


def cmd_pool_show(ctx: Context) -> None:
    info = ctx.system.pool(ctx.args.pool)
    money = lambda v: ctx.system.money(info["asset"], v)  # noqa: E731
    print(
        f"pool {ctx.args.pool}: site {info['siteId']}, price {money(info['price'])}, sold {info['tokensSold']}/"
        f"{info['capTokens']} (goal {info['goalTokens']}), raised {money(info['raised'])}, released "
        f"{money(info['released'])}, refunded {money(info['refunded'])}, escrow {money(info['escrow'])}, "
        f"certified {info['certifiedCount']}/{info['milestoneCount']}"
    )


def cmd_pool_admin(ctx: Context) -> None:
    a = ctx.args
    pools = ctx.system.pools
    if a.action in ("pause", "unpause"):
        receipt = ctx.sender.send(getattr(pools.functions, a.action)())
        print(f"pools {a.action}d; tx {_tx(receipt)}")
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
    recipient = parse_address(a.recipient, "recipient address") if a.recipient else ctx.signer.address
    info = ctx.system.pool(a.pool)
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
    receipt = ctx.sender.send(pools.functions.refund(a.pool, tokens))
    event = pools.events.Refunded().process_receipt(receipt, errors=_DISCARD)[0]["args"]
    print(
        f"redeemed {event['tokens']} tokens of pool {a.pool} for {ctx.system.money(info['asset'], event['amount'])}; "
        f"tx {_tx(receipt)}"
    )


def cmd_trace(ctx: Context) -> None:
    from impact import trace_report
    from impact.index.cli import trace_source, unconfirmed_note
    from impact.trace import Tracer

    a = ctx.args
    with trace_source(ctx, progress=not a.json and sys.stderr.isatty()) as source:
        tracer = Tracer(ctx.system, source)
        if a.investor:
            result: Any = tracer.investor(parse_address(a.investor, "investor address"))
            render: Callable[[Any], str] = trace_report.investor
        elif a.pool is not None:
            result, render = tracer.pool(a.pool), trace_report.pool
        else:
            result, render = tracer.lot(a.token_lot), trace_report.lot
        note = unconfirmed_note(source, result, a.confirmations)
    print(json.dumps(asdict(result), indent=2, default=str) if a.json else render(result))
    if note:
        print(note, file=sys.stderr)


def cmd_tx(ctx: Context) -> None:
    from impact.tx import transaction_status

    print(transaction_status(ctx.w3, ctx.args.hash))


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
    p.add_argument("--admin-delay", type=int, default=0, help="seconds a default-admin transfer must wait")
    p.add_argument("--mock-usdc", action="store_true", help="also deploy a mock USDC for local demos")

    site = commands.add_parser("site", help="register sites and change their Green List status")
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

    pool = commands.add_parser("pool", help="open, show, pause, release, fail pools")
    pool_commands = pool.add_subparsers(dest="pool_command", required=True, metavar="ACTION")
    p = command("open", "open a pool from a YAML/JSON description", cmd_pool_open, pool_commands)
    p.add_argument("--file", required=True, type=Path)
    p.add_argument("--site", type=int, required=True)
    p.add_argument("--asset", help="ETH, USDC (the deployment's mock) or an ERC-20 address; overrides the file")
    p = command("show", "a pool's state and escrow accounting", cmd_pool_show, pool_commands)
    p.add_argument("--pool", type=int, required=True)
    for action, help_ in (("pause", "stop buying, certifying and releasing"), ("unpause", "lift the pause")):
        command(action, help_, cmd_pool_admin, pool_commands).set_defaults(action=action)
    p = command("release", "release a certified milestone's tranche to the site", cmd_pool_admin, pool_commands)
    p.set_defaults(action="release")
    p.add_argument("--pool", type=int, required=True)
    p.add_argument("--milestone", type=int, required=True)
    p = command("fail", "fail a pool whose goal, deadline or site failed", cmd_pool_admin, pool_commands)
    p.set_defaults(action="fail")
    p.add_argument("--pool", type=int, required=True)

    oracle = commands.add_parser("oracle", help="accredit oracles, set the quorum, attest, sign, relay, watch")
    oracle_commands = oracle.add_subparsers(dest="oracle_command", required=True, metavar="ACTION")
    for action in ("grant", "revoke"):
        p = command(action, f"{action} the oracle role", cmd_oracle_role, oracle_commands)
        p.set_defaults(action=action)
        p.add_argument("address")
    p = command("quorum", "set how many oracles must agree", cmd_oracle_quorum, oracle_commands)
    p.add_argument("quorum", type=int)
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
    _add_index_commands(command, commands, trace=p)

    p = command("tx", "show whether a transaction is pending, succeeded or reverted", cmd_tx)
    p.add_argument("hash", help="the transaction hash (0x…)")

    p = command("refund", "redeem tokens of a failed pool", cmd_refund)
    p.add_argument("--pool", type=int, required=True)
    p.add_argument("--tokens", type=_positive, help="how many (default: all you hold)")

    dev = commands.add_parser("dev", help="local-chain helpers for demos")
    dev_commands = dev.add_subparsers(dest="dev_command", required=True, metavar="ACTION")
    p = command("fund", "mint the deployment's mock USDC (sample money)", cmd_dev_fund, dev_commands)
    p.add_argument("--to", required=True)
    p.add_argument("--amount", required=True)
    return parser


def _add_oracle_signature_commands(command: Callable[..., argparse.ArgumentParser], sub: Any) -> None:
    """EIP-712 sub-commands: sign, submit, watch, verify-evidence (see impact.oracle_commands)."""
    from impact import oracle_commands

    oracle_commands.register(command, sub)


def _add_index_commands(command: Callable[..., argparse.ArgumentParser], sub: Any, trace: Any) -> None:
    """`impact index …`, and `trace --direct / --no-sync / --db` (see impact.index.cli)."""
    from impact.index import cli as index_cli

    index_cli.add_trace_options(trace)
    index_cli.register(command, sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.handler(Context(args))
    except (UserError, ArtifactError) as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)  # always one line
        return 1
    except KeyboardInterrupt as exc:
        print(f"error: {str(exc) or 'interrupted'}", file=sys.stderr)  # names a transaction already sent (impact.tx)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
