"""`impact`: the command-line program for the programme, investors and oracles.

    impact [--network NAME | --rpc-url URL] [--timeout S] COMMAND ... [--json]

Every failure is one line on stderr that says what to do, with a non-zero exit code (1; 2 for a bad command line;
130 when interrupted), and nothing is sent when a simulation fails. No traceback reaches a user: anything
unexpected is reported in one line too (set IMPACT_DEBUG=1 to see the traceback). `--json` prints a versioned
document instead of sentences (docs/formats.md).

This module imports only the standard library at load time, so that `impact --help` does not pay for web3; every
command imports what it needs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

    from impact.chain.accounts import Signer
    from impact.chain.network import Network
    from impact.chain.system import System
    from impact.chain.tx import Sender

STATUSES = {"candidate": 1, "green-listed": 2, "suspended": 3, "withdrawn": 4}

# What a command may do, which decides the options it offers: a read-only command has no --account, --yes or
# --confirmations; a signing one has --account; a sending one all three.
READ, SIGN, SEND, WATCH = "read", "sign", "send", "watch"
ORACLE_KINDS = {"sign": SIGN, "submit": SEND, "watch": WATCH, "verify-evidence": READ}


class Context:
    """What every command needs, made lazily: the node, the signer, the deployed system."""

    def __init__(self, args: argparse.Namespace) -> None:
        from impact.chain import network

        self.args = args
        self.net: Network = network.resolve(args.network, args.rpc_url, args.timeout)
        self.net, self.w3 = network.connect(self.net)
        self._signer: Signer | None = None
        self._system: System | None = None

    @property
    def json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    @property
    def signer(self) -> Signer:
        if self._signer is None:
            from impact.chain.accounts import load_signer

            self._signer = load_signer(self.args.account, self.w3, self.net.live, self.net.name)
        return self._signer

    @property
    def sender(self) -> Sender:
        from impact.chain.tx import Sender

        confirmations = getattr(self.args, "confirmations", 1) if self.net.live else 1
        # The hash is printed once sent on a live network, and on a local node if it is not mined within 2 s.
        announce = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
        return Sender(
            self.w3, self.signer, confirmations, announce=announce, announce_after=0.0 if self.net.live else 2.0
        )

    @property
    def system(self) -> System:
        if self._system is None:
            from impact.chain.system import System

            self._system = System.load(self.w3, local=not self.net.live)
        return self._system

    def header(self, kind: str) -> None:
        """The first line of every sending or signing command: which node, which chain, which account."""
        if self.json or kind == READ:
            return
        role = "signing as" if kind in (SIGN, WATCH) else "sending from"
        print(f"{self.net.describe()}, {role} {self.signer.address}", flush=True)

    def emit(self, schema: str, data: dict[str, Any], text: str) -> None:
        """Prints the result: `text`, or with --json the document `schema` holding `data`."""
        if self.json:
            import json

            from impact.chain.output import document

            print(json.dumps(document(schema, network=self.network_json(), **data), indent=2))
        else:
            print(text)

    def network_json(self) -> dict[str, Any]:
        return {"name": self.net.name, "chain_id": self.net.chain_id, "url": self.net.url, "live": self.net.live}

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def confirm(self, what: str, details: dict[str, Any]) -> None:
        """On a live network: echo the parameters and ask before acting (unless --yes)."""
        from impact.chain.errors import UserError

        if not self.net.live:
            return
        print(f"{what}:", file=sys.stderr if self.json else sys.stdout)
        for key, value in details.items():
            print(f"  {key:<14} {value}", file=sys.stderr if self.json else sys.stdout)
        if getattr(self.args, "yes", False):
            return
        if not sys.stdin.isatty():
            raise UserError("refusing to act on a live network without confirmation: pass --yes", "not-confirmed")
        if input("proceed? [y/N] ").strip().lower() not in ("y", "yes"):
            raise UserError("cancelled", "cancelled")


# ------------------------------------------------------------------------------------------------------------------
# Commands
# ------------------------------------------------------------------------------------------------------------------


ROLE_OPTIONS = ("admin", "registrar", "programme", "pauser")


def cmd_deploy(ctx: Context) -> None:
    from impact.chain import deployments
    from impact.chain.accounts import parse_address
    from impact.chain.encoding import format_duration
    from impact.programme.deploy import check_parameters, deploy_all

    a = ctx.args
    oracles = [parse_address(o.strip(), "oracle address") for o in a.oracles.split(",") if o.strip()]
    reviewers = [parse_address(r.strip(), "reviewer address") for r in a.reviewers.split(",") if r.strip()]
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

    def progress(name: str, deployed: Any) -> None:
        if not ctx.json:
            print(f"{name:<19} {deployed.address}  (block {deployed.block}, tx {deployed.tx})", flush=True)

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
        local=not ctx.net.live,
        progress=progress,
    )
    path = deployments.save(deployment)
    duties = {
        "admin": "default admin of the three contracts: accredits and revokes, cancels changes",
        "registrar": "registers sites, changes their status, schedules beneficiary changes",
        "programme": "opens pools",
        "pauser": f"pauses buying, certifying and releasing, {format_duration(7 * 86_400)} at most",
    }
    lines = [f"{symbol + ' (mock)':<19} {address}" for symbol, address in deployment.assets.items()]
    lines += [f"{duty:<19} {holder}  ({duties[duty]})" for duty, holder in roles.holders().items()]
    lines += [
        f"{'oracles':<19} {', '.join(oracles)}  (quorum {a.quorum} of {len(oracles)})",
        f"{'reviewers':<19} {', '.join(reviewers) or 'none'}",
        f"{'change delay':<19} {format_duration(a.change_delay)} ({a.change_delay} s)",
        f"deployment written to {path}",
    ]
    ctx.emit("deploy/1", {"deployment": deployment.to_json(), "path": str(path)}, "\n".join(lines))


def _deploy_roles(ctx: Context) -> Any:
    """Who holds each duty. On a local chain a missing role goes to the sender; on a live network every role must
    be given, each to its own account, so that one stolen key cannot do everything."""
    from impact.chain.accounts import parse_address
    from impact.chain.errors import UserError
    from impact.programme.deploy import Roles

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
    from impact.chain.accounts import parse_address

    a = ctx.args
    beneficiary = parse_address(a.beneficiary, "beneficiary address")
    registry = ctx.system.registry
    fn = registry.functions.registerSite(a.name, a.country.encode(), a.wdpa, a.uri, beneficiary)
    site_id = ctx.sender.simulate(fn)
    ctx.confirm(
        "Registering a site", {"name": a.name, "country": a.country, "WDPA id": a.wdpa, "beneficiary": beneficiary}
    )
    receipt = ctx.sender.send(fn)
    ctx.emit(
        "site.register/1",
        {"site": _site_json(ctx, site_id), "transaction": _tx_json(receipt)},
        f"site {site_id} registered: {a.name} ({a.country}), WDPA {a.wdpa}; tx {_tx(receipt)}",
    )


def cmd_site_status(ctx: Context) -> None:
    a = ctx.args
    _site(ctx, a.site)
    fn = ctx.system.registry.functions.setStatus(a.site, STATUSES[a.status])
    ctx.sender.simulate(fn)
    ctx.confirm("Changing a site's Green List status", {"site": a.site, "status": a.status})
    receipt = ctx.sender.send(fn)
    ctx.emit(
        "site.status/1",
        {"site": _site_json(ctx, a.site), "transaction": _tx_json(receipt)},
        f"site {a.site} is now {a.status}; tx {_tx(receipt)}",
    )


def cmd_site_show(ctx: Context) -> None:
    from impact.chain.errors import STATUS

    site = _site(ctx, ctx.args.site)
    beneficiary, wdpa, country, status, name, uri = site
    ctx.emit(
        "site.show/1",
        {"site": _site_json(ctx, ctx.args.site, site)},
        f"site {ctx.args.site}: {name} ({country.decode()}), WDPA {wdpa}, {STATUS[status]}, beneficiary "
        f"{beneficiary}, metadata {uri or 'none'}",
    )


def cmd_oracle_attest(ctx: Context) -> None:
    from impact.chain.encoding import format_time
    from impact.chain.errors import UserError
    from impact.chain.output import time
    from impact.cli.oracle import check_criterion, evidence_from_args

    chosen = evidence_from_args(ctx.args, empty_uri=False)
    pool_id, milestone_id, evidence, uri = chosen.pool_id, chosen.milestone_id, chosen.evidence, chosen.uri
    if chosen.report:
        check_criterion(ctx, chosen.report, "refusing to attest it")
    certifier = ctx.system.certifier
    ctx.system.pool(pool_id)
    if certifier.functions.hasAttested(pool_id, milestone_id, ctx.signer.address).call():
        raise UserError(
            f"oracle {ctx.signer.address} already attested milestone {milestone_id} of pool {pool_id} in this round "
            "(an oracle attests once per round; a reviewer's void starts a new one)",
            "CertifierAlreadyAttested",
        )
    fn = certifier.functions.attest(pool_id, milestone_id, evidence, uri)
    ctx.sender.simulate(fn)
    ctx.confirm(
        "Attesting a milestone", {"pool": pool_id, "milestone": milestone_id, "evidence": "0x" + evidence.hex()}
    )
    receipt = ctx.sender.send(fn)
    logs = ctx.system.pools.events.MilestoneCertified().process_receipt(receipt, errors=_discard())
    attested = certifier.events.OracleAttested().process_receipt(receipt, errors=_discard())
    ends = logs[0]["args"]["challengeEndsAt"] if logs else None
    count = attested[0]["args"]["attestations"] if attested else None
    if ends is not None:
        outcome = f"and CERTIFIED the milestone (challenge window until {format_time(ends)})"
    else:
        # Oracles back a hash and its URI together: one on the same hash with another URI is not counted here.
        quorum = certifier.functions.quorum().call()
        outcome = f"({'?' if count is None else count} of the quorum of {quorum} so far, for this hash and URI)"
    ctx.emit(
        "oracle.attest/1",
        {
            "pool_id": pool_id,
            "milestone_id": milestone_id,
            "evidence_hash": "0x" + evidence.hex(),
            "evidence_uri": uri or None,
            "oracle": ctx.signer.address,
            "attestations": count,
            "certified": ends is not None,
            "challenge_ends_at": None if ends is None else time(ends),
            "transaction": _tx_json(receipt),
        },
        f"attested pool {pool_id} milestone {milestone_id} with evidence 0x{evidence.hex()} and URI {uri} {outcome}; "
        f"tx {_tx(receipt)}",
    )


def cmd_pool_open(ctx: Context) -> None:
    from impact.chain.encoding import format_duration
    from impact.chain.errors import UserError
    from impact.chain.output import plural
    from impact.programme.pool_spec import SpecError, describe, load_pool_spec

    a = ctx.args
    try:
        spec = load_pool_spec(a.file)
    except SpecError as exc:
        raise UserError(str(exc), "bad-pool-file") from None
    site = ctx.system.site(a.site)
    if mismatch := spec.site.mismatch(a.site, site):
        raise UserError(mismatch, "site-mismatch")
    asset = _asset_address(ctx, a.asset or spec.asset)
    decimals, symbol = ctx.system.asset_units(asset)
    try:
        params, milestones = spec.to_contract_args(a.site, asset, decimals, ctx.now(), symbol)
    except SpecError as exc:
        raise UserError(str(exc), "bad-pool-file") from None
    from web3.exceptions import MismatchedABI, Web3ValidationError

    try:
        fn = ctx.system.pools.functions.openPool(params, milestones)
    except (MismatchedABI, Web3ValidationError):
        from impact.chain.encoding import format_amount

        raise UserError(
            f"{a.file} has a value the contract cannot take: the price must be at most "
            f"{format_amount(2**96 - 1, decimals, symbol)}, the goal and cap at most {2**64 - 1:,} tokens",
            "bad-pool-file",
        ) from None
    pool_id = ctx.sender.simulate(fn)
    # The echo of what will be sent; on stderr under --json, so that stdout stays one JSON document.
    print("\n".join(describe(params, milestones, f"{spec.price} {symbol}", site["name"])), file=_echo(a))
    ctx.confirm("Opening this pool", {"site": a.site, "asset": f"{symbol} ({asset})"})
    receipt = ctx.sender.send(fn)
    ctx.emit(
        "pool.open/1",
        {"pool": _pool_json(ctx, pool_id), "transaction": _tx_json(receipt)},
        f"pool {pool_id} opened for site {a.site}: {spec.price} {symbol} per token, "
        f"{plural(len(milestones), 'milestone')}, challenge window {format_duration(params[-1])}; "
        f"tx {_tx(receipt)}",
    )


def cmd_pool_show(ctx: Context) -> None:
    from impact.chain.encoding import format_duration, format_time
    from impact.chain.errors import FAILURE
    from impact.chain.output import plural

    info = ctx.system.pool(ctx.args.pool)
    money = lambda v: ctx.system.money(info["asset"], v)  # noqa: E731
    state = f"FAILED ({FAILURE[info['failure']]})" if info["failure"] else _sale_state(ctx, info)
    ctx.emit(
        "pool.show/1",
        {"pool": _pool_json(ctx, ctx.args.pool, info)},
        f"pool {ctx.args.pool}: site {info['siteId']}, {state}, price {money(info['price'])}, sold "
        f"{info['tokensSold']}/{info['capTokens']} (goal {info['goalTokens']}), sale "
        f"{format_time(info['saleStart'])} to {format_time(info['saleEnd'])}, raised {money(info['raised'])}, "
        f"released {money(info['released'])}, refunded {money(info['refunded'])}, exited {money(info['exited'])}, "
        f"escrow {money(info['escrow'])}, certified {info['certifiedCount']} of "
        f"{plural(info['milestoneCount'], 'milestone')} (final {info['finalizedCount']}), challenge window "
        f"{format_duration(info['challengeWindow'])}, paused {format_duration(info['pausedTime'])}, exits "
        f"{'OPEN' if info['exitOpen'] else 'closed'}",
    )


def cmd_pool_pause(ctx: Context) -> None:
    pools = ctx.system.pools
    fn = getattr(pools.functions, ctx.args.action)()
    ctx.sender.simulate(fn)
    ctx.confirm(f"{ctx.args.action.capitalize()[:-1]}ing the pools", {"contract": pools.address})
    receipt = ctx.sender.send(fn)
    ctx.emit(
        f"pool.{ctx.args.action}/1",
        {"paused": ctx.args.action == "pause", "transaction": _tx_json(receipt)},
        f"pools {ctx.args.action}d; tx {_tx(receipt)}",
    )


def cmd_pool_fail(ctx: Context) -> None:
    from impact.chain.errors import FAILURE, UserError
    from impact.chain.output import failure

    a = ctx.args
    pools = ctx.system.pools
    info = ctx.system.pool(a.pool)
    if info["failure"]:
        raise UserError(
            f"pool {a.pool} has already failed ({FAILURE[info['failure']]}); its holders may refund with "
            f"`impact refund --pool {a.pool}`",
            "already-failed",
        )
    fn = pools.functions.fail(a.pool)
    ctx.sender.simulate(fn)
    ctx.confirm("Failing a pool", {"pool": a.pool})
    receipt = ctx.sender.send(fn)
    reason = pools.events.PoolFailed().process_receipt(receipt, errors=_discard())[0]["args"]["reason"]
    ctx.emit(
        "pool.fail/1",
        {"pool_id": a.pool, "failure": failure(reason), "transaction": _tx_json(receipt)},
        f"pool {a.pool} failed ({FAILURE[reason]}); holders may refund with `impact refund --pool {a.pool}`; "
        f"tx {_tx(receipt)}",
    )


def cmd_pool_release(ctx: Context) -> None:
    from impact.chain.output import money

    a = ctx.args
    pools = ctx.system.pools
    info = ctx.system.pool(a.pool)
    fn = pools.functions.release(a.pool, a.milestone)
    ctx.sender.simulate(fn)
    ctx.confirm("Releasing a tranche", {"pool": a.pool, "milestone": a.milestone})
    receipt = ctx.sender.send(fn)
    event = pools.events.TrancheReleased().process_receipt(receipt, errors=_discard())[0]["args"]
    how = "credited to" if event["credited"] else "paid to"
    ctx.emit(
        "pool.release/1",
        {
            "pool_id": a.pool,
            "milestone_id": a.milestone,
            "amount": money(ctx.system, info["asset"], event["amount"]),
            "beneficiary": event["beneficiary"],
            "credited": bool(event["credited"]),
            "transaction": _tx_json(receipt),
        },
        f"pool {a.pool} milestone {a.milestone}: {ctx.system.money(info['asset'], event['amount'])} {how} "
        f"{event['beneficiary']}; tx {_tx(receipt)}",
    )


def cmd_buy(ctx: Context) -> None:
    from impact.chain.accounts import parse_address
    from impact.chain.errors import UserError
    from impact.chain.output import money, plural

    a = ctx.args
    recipient = parse_address(a.recipient, "recipient address") if a.recipient else ctx.signer.address
    info = ctx.system.pool(a.pool)
    buyer = ctx.signer.address
    pools = ctx.system.pools
    cost = a.tokens * info["price"]
    asset = info["asset"]
    fn = pools.functions.buy(a.pool, a.tokens, recipient)
    eth = int(asset, 16) == 0
    token = None if eth else ctx.system.erc20(asset)
    balance = ctx.w3.eth.get_balance(buyer) if eth else token.functions.balanceOf(buyer).call()
    if balance < cost:
        raise UserError(
            f"{buyer} has {ctx.system.money(asset, balance)}, {ctx.system.money(asset, cost)} needed",
            "insufficient-funds",
        )
    details = {"pool": a.pool, "tokens": a.tokens, "cost": ctx.system.money(asset, cost), "recipient": recipient}
    approval = None
    if eth:
        ctx.sender.simulate(fn, value=cost)
        ctx.confirm("Buying impact tokens", details)
        receipt = ctx.sender.send(fn, value=cost)
    else:
        ctx.confirm("Buying impact tokens", details)
        if token.functions.allowance(buyer, pools.address).call() < cost:
            approval = ctx.sender.send(token.functions.approve(pools.address, cost))  # exactly what this needs
        receipt = ctx.sender.send(fn)
    event = pools.events.TokensPurchased().process_receipt(receipt, errors=_discard())[0]["args"]
    ctx.emit(
        "buy/1",
        {
            "pool_id": a.pool,
            "tokens": str(event["tokens"]),
            "paid": money(ctx.system, asset, event["amountPaid"]),
            "buyer": buyer,
            "recipient": recipient,
            "approval": _tx_json(approval) if approval else None,
            "transaction": _tx_json(receipt),
        },
        f"bought {plural(event['tokens'], 'token')} of pool {a.pool} for {ctx.system.money(asset, event['amountPaid'])}"
        f"{'' if recipient == buyer else f' for {recipient}'}; tx {_tx(receipt)}",
    )


def cmd_refund(ctx: Context) -> None:
    from impact.chain.errors import FAILURE, UserError
    from impact.chain.output import money, plural

    a = ctx.args
    info = ctx.system.pool(a.pool)
    pools = ctx.system.pools
    holder = ctx.signer.address
    held = pools.functions.balanceOf(holder, a.pool).call()
    tokens = held if a.tokens is None else a.tokens
    if held < 1:
        raise UserError(f"{holder} holds no tokens of pool {a.pool}", "no-tokens")
    if tokens > held:
        raise UserError(f"{holder} holds {plural(held, 'token')} of pool {a.pool}, not {tokens}", "too-many-tokens")
    if not info["failure"]:
        due = pools.functions.failureDue(a.pool).call()
        if due:
            raise UserError(
                f"pool {a.pool} has not been failed yet, but it can be ({FAILURE[due]}): run "
                f"`impact pool fail --pool {a.pool}` first, then refund",
                "PoolsNotFailed",
            )
        hint = ""
        if info["exitOpen"]:
            hint = f"; a change affecting it is pending, so `impact exit --pool {a.pool}` redeems now"
        raise UserError(
            f"pool {a.pool} has not failed, so its tokens cannot be refunded ({_sale_state(ctx, info)}){hint}",
            "PoolsNotFailed",
        )
    fn = pools.functions.refund(a.pool, tokens)
    ctx.sender.simulate(fn)
    ctx.confirm("Redeeming tokens of a failed pool", {"pool": a.pool, "tokens": tokens})
    receipt = ctx.sender.send(fn)
    event = pools.events.Refunded().process_receipt(receipt, errors=_discard())[0]["args"]
    ctx.emit(
        "refund/1",
        {
            "pool_id": a.pool,
            "tokens": str(event["tokens"]),
            "refunded": money(ctx.system, info["asset"], event["amount"]),
            "holder": holder,
            "transaction": _tx_json(receipt),
        },
        f"redeemed {plural(event['tokens'], 'token')} of pool {a.pool} for "
        f"{ctx.system.money(info['asset'], event['amount'])}; tx {_tx(receipt)}",
    )


def cmd_trace(ctx: Context) -> None:
    import json

    from impact.chain.accounts import parse_address
    from impact.cli.index import trace_source, unconfirmed_note
    from impact.trace import report as trace_report
    from impact.trace.tracer import Tracer, document

    a = ctx.args
    with trace_source(ctx, progress=not a.json and sys.stderr.isatty()) as source:
        tracer = Tracer(ctx.system, source)
        if a.investor:
            result: Any = tracer.investor(parse_address(a.investor, "investor address"))
            render: Callable[[Any], str] = trace_report.investor
        elif a.pool is not None:
            result, render = tracer.pool(a.pool), trace_report.pool
        else:
            result, render = tracer.lot(_tx_hash(a.token_lot)), trace_report.lot
        note = unconfirmed_note(source, result, a.confirmations)
    if a.json:  # the trace's own schema (version 1): the dataclasses as they are, plus its name
        print(json.dumps(document(result), indent=2, default=str))
    else:
        print(render(result))
    if note:
        print(note, file=sys.stderr)


def cmd_tx(ctx: Context) -> None:
    from impact.chain.tx import transaction_status

    print(transaction_status(ctx.w3, ctx.args.hash))


def cmd_dev_fund(ctx: Context) -> None:
    """Local chains only: mint the mock stablecoin to an address (sample money for demos)."""
    from impact.chain.accounts import parse_address
    from impact.chain.encoding import format_amount
    from impact.chain.errors import UserError
    from impact.chain.output import money

    if ctx.net.live:
        raise UserError("`dev fund` works only on a local development chain", "live-network")
    usdc = ctx.system.deployment.assets.get("USDC")
    if not usdc:
        raise UserError("this deployment has no mock USDC: deploy with --mock-usdc", "no-mock")
    to = parse_address(ctx.args.to, "address")
    token = ctx.system.erc20(usdc)
    decimals, symbol = ctx.system.asset_units(usdc)
    amount = _units(ctx.args.amount, decimals)
    room = 2**256 - 1 - token.functions.totalSupply().call()
    if amount > room:
        raise UserError(
            f"'{ctx.args.amount}' is too large: at most {format_amount(room, decimals, symbol)} can still be minted",
            "too-large",
        )
    receipt = ctx.sender.send(token.functions.mint(to, amount))
    ctx.emit(
        "dev.fund/1",
        {"to": to, "amount": money(ctx.system, usdc, amount), "transaction": _tx_json(receipt)},
        f"minted {format_amount(amount, decimals, symbol)} (sample money) to {to}; tx {_tx(receipt)}",
    )


def cmd_dev_advance(ctx: Context) -> None:
    """Local chains only: move the chain's clock forward and mine a block (to end a sale, pass a deadline)."""
    from impact.chain.encoding import format_time
    from impact.chain.errors import UserError
    from impact.chain.output import time

    if ctx.net.live:
        raise UserError("`dev advance` works only on a local development chain", "live-network")
    seconds = ctx.args.seconds if ctx.args.seconds is not None else round(ctx.args.days * 86_400)
    ctx.w3.provider.make_request("evm_increaseTime", [seconds])
    ctx.w3.provider.make_request("evm_mine", [])
    block = ctx.w3.eth.get_block("latest")
    ctx.emit(
        "dev.advance/1",
        {"seconds": seconds, "block": {"number": block["number"], "time": time(block["timestamp"])}},
        f"the chain's clock moved {seconds:,} s forward: block {block['number']} is at "
        f"{format_time(block['timestamp'])}",
    )


# ------------------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------------------


def _discard() -> Any:
    from web3.logs import DISCARD

    return DISCARD


def _tx(receipt: Any) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()


def _tx_json(receipt: Any) -> dict[str, Any]:
    from impact.chain.output import transaction

    return transaction(receipt)


def _tx_hash(value: str) -> str:
    from impact.chain.errors import UserError

    raw = value.removeprefix("0x")
    if len(raw) != 64 or any(c not in "0123456789abcdefABCDEF" for c in raw):
        raise UserError(f"'{value}' is not a transaction hash (0x and 64 hex digits)", "bad-value")
    return "0x" + raw.lower()


def _site(ctx: Context, site_id: int) -> tuple:
    from impact.chain.errors import UserError

    count = ctx.system.registry.functions.siteCount().call()
    if not 0 < site_id <= count:
        raise UserError(f"there is no site {site_id} (this deployment has {count})", "RegistryUnknownSite")
    return tuple(ctx.system.registry.functions.site(site_id).call())


def _site_json(ctx: Context, site_id: int, site: tuple | None = None) -> dict[str, Any]:
    from impact.chain.output import nothing, status

    beneficiary, wdpa, country, state, name, uri = site or _site(ctx, site_id)
    return {
        "id": site_id,
        "name": name,
        "country": bytes(country).decode("ascii", errors="replace"),
        "wdpa_id": wdpa,
        "status": status(state),
        "beneficiary": beneficiary,
        "metadata_uri": nothing(uri),
    }


def _sale_state(ctx: Context, info: dict[str, Any]) -> str:
    from impact.chain.encoding import format_time

    now = ctx.now()
    if now < info["saleStart"]:
        return f"sale opens {format_time(info['saleStart'])}"
    if now <= info["saleEnd"] and info["tokensSold"] < info["capTokens"]:
        return f"selling until {format_time(info['saleEnd'])}"
    reached = "goal reached" if info["tokensTowardGoal"] >= info["goalTokens"] else "goal NOT reached"
    return f"sale closed, {reached}"


def _pool_json(ctx: Context, pool_id: int, info: dict[str, Any] | None = None) -> dict[str, Any]:
    from impact.chain.output import failure, money, nothing, quantity, time

    info = info or ctx.system.pool(pool_id)
    asset = info["asset"]
    decimals, symbol = ctx.system.asset_units(asset)
    milestones = []
    for m in range(info["milestoneCount"]):
        milestone = ctx.system.milestone(pool_id, m)  # by field name: the view's fields grow with the contract
        milestones.append(
            {
                "id": m,
                "standard_ref": milestone["standardRef"],
                "description_uri": nothing(milestone["descriptionURI"]),
                "share_bps": milestone["shareBps"],
                "deadline": time(milestone["deadline"]),
                "certified": milestone["certified"],
                "final": milestone["finalized"],
                "released": milestone["released"],
                "credited": milestone["credited"],
                "evidence_hash": nothing("0x" + bytes(milestone["evidenceHash"]).hex()),
                "payee": nothing(milestone["payee"]) if milestone["certified"] else None,
                "challenge_ends_at": time(milestone["challengeEndsAt"]) if milestone["certified"] else None,
                "tranche": money(ctx.system, asset, milestone["trancheAmount"]),
            }
        )
    return {
        "id": pool_id,
        "site_id": info["siteId"],
        "asset": {"address": ctx.w3.to_checksum_address(asset), "symbol": symbol, "decimals": decimals},
        "price": money(ctx.system, asset, info["price"]),
        "goal_tokens": quantity(info["goalTokens"]),
        "cap_tokens": quantity(info["capTokens"]),
        "tokens_sold": quantity(info["tokensSold"]),
        "supply": quantity(info["supply"]),
        "sale": {"start": time(info["saleStart"]), "end": time(info["saleEnd"]), "state": _sale_state(ctx, info)},
        "raised": money(ctx.system, asset, info["raised"]),
        "released": money(ctx.system, asset, info["released"]),
        "refunded": money(ctx.system, asset, info["refunded"]),
        "exited": money(ctx.system, asset, info["exited"]),
        "escrow": money(ctx.system, asset, info["escrow"]),
        "challenge_window_seconds": info["challengeWindow"],
        "paused_seconds": info["pausedTime"],
        "exit_open": info["exitOpen"],
        "finalized_count": info["finalizedCount"],
        "certified_count": info["certifiedCount"],
        "failure": failure(info["failure"]),
        "milestones": milestones,
    }


def _units(text: str, decimals: int) -> int:
    from decimal import Decimal, InvalidOperation

    from impact.chain.errors import UserError

    try:
        value = Decimal(text) * (Decimal(10) ** decimals)
    except InvalidOperation:
        raise UserError(f"'{text}' is not an amount", "bad-value") from None
    if not value.is_finite() or value != value.to_integral_value() or value <= 0:
        raise UserError(f"'{text}' is not a positive amount with at most {decimals} decimals", "bad-value")
    return int(value)


def _asset_address(ctx: Context, asset: str) -> str:
    from impact.chain.accounts import parse_address
    from impact.chain.errors import UserError
    from impact.chain.system import ETH

    if asset.upper() == "ETH":
        return ETH
    if asset in ctx.system.deployment.assets:
        return ctx.system.deployment.assets[asset]
    address = parse_address(asset, "asset (ETH, a known symbol, or an ERC-20 address)")
    if not ctx.w3.eth.get_code(address):
        raise UserError(f"{address} is not a contract, so it cannot be an ERC-20 asset", "bad-asset")
    return address


def _duration(text: str) -> int:
    import argparse

    from impact.programme.governance import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# ------------------------------------------------------------------------------------------------------------------
# Parser
# ------------------------------------------------------------------------------------------------------------------


def _echo(args: Any) -> Any:
    return sys.stderr if getattr(args, "json", False) else sys.stdout


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from impact import __version__
    from impact.cli.argtypes import UINT32_MAX, UINT48_MAX, country, positive_number, text, whole

    class Parser(argparse.ArgumentParser):
        """argparse, but a bad command line is one line too (argparse prints the usage first)."""

        def error(self, message: str) -> None:  # type: ignore[override]
            self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")

    def connection(parser: argparse.ArgumentParser, default: Any) -> None:
        """The options of every command, accepted before and after the command's name."""
        group = parser.add_argument_group("node")
        group.add_argument(
            "--network",
            metavar="NAME",
            default=default(None),
            help="a Brownie network id, see `brownie networks list` (default: $ETH_RPC_URL if it is set, else "
            "development, a local node on 127.0.0.1:8545; start one with `make node`)",
        )
        group.add_argument(
            "--rpc-url",
            metavar="URL",
            default=default(None),
            help="talk to the node at URL (default: the network's configured URL, or $ETH_RPC_URL)",
        )
        group.add_argument(
            "--timeout",
            metavar="S",
            type=positive_number,
            default=default(10.0),
            help="seconds to wait for each answer from the node before giving up (default: 10)",
        )

    common = Parser(add_help=False)
    connection(common, lambda _: argparse.SUPPRESS)  # so that a value given before the command is kept
    output = Parser(add_help=False)
    output.add_argument("--json", action="store_true", help="print a JSON document (docs/formats.md), not sentences")
    account = Parser(add_help=False)
    account.add_argument(
        "--account",
        help="keystore account NAME (~/.brownie/accounts/NAME.json), env:VAR for a private key in $VAR, or dev:N "
        "for a local node's unlocked account N (default: env, the key in $PRIVATE_KEY or ./.env)",
    )
    sending = Parser(add_help=False)
    sending.add_argument(
        "--confirmations",
        type=whole(1),
        default=2,
        metavar="N",
        help="blocks to wait for on a live network (default: 2; 1 on a local chain)",
    )
    sending.add_argument(
        "--yes", action="store_true", help="do not ask before sending on a live network (default: ask)"
    )
    parents = {
        READ: [common, output],
        SIGN: [common, output, account],
        WATCH: [common, account],
        SEND: [common, output, account, sending],
    }

    parser = Parser(
        prog="impact",
        description="Green List impact finance: sites, escrowed funding pools, impact tokens, certified "
        "milestones, and a trace of what the money did.",
        epilog="Every command has --help. Node options may come before or after the command.",
    )
    parser.add_argument("--version", action="version", version=f"impact {__version__}")
    connection(parser, lambda value: value)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, help_: str, handler: Callable[[Context], None], sub: Any = commands, kind: str = SEND
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, parents=parents[kind])
        p.set_defaults(handler=handler, kind=kind)
        return p

    def group(name: str, help_: str) -> Any:
        p = commands.add_parser(name, help=help_, description=help_)
        return p.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION")

    pool_id = whole(1)
    site_id = whole(1)

    p = command("deploy", "deploy the registry, the pools and the certifier, and record them", cmd_deploy)
    p.add_argument("--oracles", required=True, metavar="A,B,C", help="comma-separated oracle addresses (required)")
    p.add_argument("--quorum", type=whole(1), default=2, metavar="M", help="oracles that must agree (default: 2)")
    p.add_argument(
        "--admin-delay",
        type=whole(0, UINT48_MAX),
        default=0,
        metavar="S",
        help="seconds a transfer of the default admin role must wait (default: 0)",
    )
    for duty, what in (
        ("admin", "the default admin of the three contracts"),
        ("registrar", "registers sites and schedules beneficiary changes"),
        ("programme", "opens pools"),
        ("pauser", "may pause for a week at most"),
    ):
        p.add_argument(
            f"--{duty}",
            metavar="ADDRESS",
            help=f"{what} (default: the sender, on local chains only; a live network needs each role's own account)",
        )
    p.add_argument(
        "--reviewers", default="", metavar="A,B", help="comma-separated Independent Reviewer addresses (default: none)"
    )
    p.add_argument(
        "--change-delay",
        type=_duration,
        default=2 * 86_400,
        metavar="DURATION",
        help="how long accrediting an oracle, lowering the quorum, revoking a reviewer or changing a beneficiary "
        "waits: seconds, or e.g. 3d, 36h (default: 2d, the contracts' minimum; at most 30d)",
    )
    p.add_argument("--mock-usdc", action="store_true", help="also deploy a mock USDC for local demos (default: no)")

    site = group("site", "register sites, change and show their Green List status")
    p = command("register", "register a protected area", cmd_site_register, site)
    p.add_argument("--name", required=True, type=text("--name"), help="the site's name (required)")
    p.add_argument("--country", required=True, type=country, help="ISO 3166-1 alpha-2 code, e.g. CN (required)")
    p.add_argument(
        "--wdpa",
        type=whole(1, UINT32_MAX),
        required=True,
        metavar="ID",
        help="the site's World Database on Protected Areas id (required)",
    )
    p.add_argument("--uri", default="", help="where the site's documentation lives (default: none)")
    p.add_argument("--beneficiary", required=True, metavar="ADDRESS", help="the site manager's wallet (required)")
    p = command("status", "change a site's Green List status", cmd_site_status, site)
    p.add_argument("--site", type=site_id, required=True, metavar="N", help="the site (required)")
    p.add_argument("--status", required=True, choices=sorted(STATUSES), help="the new status (required)")
    p = command("show", "show a site", cmd_site_show, site, kind=READ)
    p.add_argument("--site", type=site_id, required=True, metavar="N", help="the site (required)")

    pool = group("pool", "open, show, pause, release, fail pools")
    p = command("open", "open a pool from a YAML/JSON description", cmd_pool_open, pool)
    p.add_argument(
        "--file", required=True, metavar="F", help="the pool description, e.g. samples/xianju-pool.yaml (required)"
    )
    p.add_argument("--site", type=site_id, required=True, metavar="N", help="the site the pool funds (required)")
    p.add_argument(
        "--asset", help="ETH, USDC (the deployment's mock) or an ERC-20 address (default: the file's pool.asset)"
    )
    p = command("show", "a pool's state, milestones and escrow accounting", cmd_pool_show, pool, kind=READ)
    p.add_argument("--pool", type=pool_id, required=True, metavar="P", help="the pool (required)")
    for action, help_ in (("pause", "stop buying, certifying and releasing"), ("unpause", "lift the pause")):
        command(action, help_, cmd_pool_pause, pool).set_defaults(action=action)
    p = command("release", "release a certified milestone's tranche to the site", cmd_pool_release, pool)
    p.add_argument("--pool", type=pool_id, required=True, metavar="P", help="the pool (required)")
    p.add_argument("--milestone", type=whole(0), required=True, metavar="K", help="the milestone, from 0 (required)")
    p = command("fail", "fail a pool whose goal, deadline or site failed", cmd_pool_fail, pool)
    p.add_argument("--pool", type=pool_id, required=True, metavar="P", help="the pool (required)")

    oracle = group(
        "oracle", "accredit (delayed) and revoke oracles, change the quorum, attest, finalize, sign, relay, watch"
    )
    p = command("attest", "attest a milestone on chain from the oracle's own account", cmd_oracle_attest, oracle)
    p.add_argument(
        "--report",
        metavar="R",
        help="assessment report (YAML/JSON); its files give the evidence hash (default: none, "
        "then give --pool, --milestone, --evidence-hash and --uri)",
    )
    p.add_argument("--pool", type=pool_id, metavar="P", help="the pool (default: the report's)")
    p.add_argument("--milestone", type=whole(0), metavar="K", help="the milestone (default: the report's)")
    p.add_argument("--evidence-hash", metavar="0x…", help="32-byte evidence hash (default: the report's)")
    p.add_argument("--uri", help="where the evidence lives (default: the report's evidence_uri)")
    _add_oracle_signature_commands(command, oracle)

    p = command("buy", "buy impact tokens of a pool", cmd_buy)
    p.add_argument("--pool", type=pool_id, required=True, metavar="P", help="the pool (required)")
    p.add_argument("--tokens", type=whole(1), required=True, metavar="N", help="how many tokens (required)")
    p.add_argument("--recipient", metavar="ADDRESS", help="mint the tokens to this address (default: yourself)")

    p = command("trace", "trace an investor's money, a pool, or one purchase's tokens", cmd_trace, kind=READ)
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--investor", metavar="ADDRESS", help="an investor's story (one of the three is required)")
    target.add_argument("--pool", type=pool_id, metavar="P", help="a pool's story, the site's view")
    target.add_argument("--token-lot", metavar="TX", help="follow one purchase's tokens: its transaction hash")
    _add_index_commands(command, commands, trace=p)

    p = command("tx", "show whether a transaction is pending, succeeded or reverted", cmd_tx, kind=READ)
    p.add_argument("hash", help="the transaction hash (0x…)")

    p = command("refund", "redeem tokens of a failed pool", cmd_refund)
    p.add_argument("--pool", type=pool_id, required=True, metavar="P", help="the pool (required)")
    p.add_argument("--tokens", type=whole(1), metavar="N", help="how many (default: all you hold)")

    dev = group("dev", "local-chain helpers for demos and trying things by hand")
    p = command("fund", "mint the deployment's mock USDC (sample money)", cmd_dev_fund, dev)
    p.add_argument("--to", required=True, metavar="ADDRESS", help="who gets it (required)")
    p.add_argument("--amount", required=True, metavar="X", help="how much, in USDC, e.g. 1000 or 0.5 (required)")
    p = command("advance", "move a local chain's clock forward and mine a block", cmd_dev_advance, dev, kind=READ)
    how_long = p.add_mutually_exclusive_group(required=True)
    how_long.add_argument("--days", type=positive_number, metavar="D", help="days to move forward (or --seconds)")
    how_long.add_argument("--seconds", type=whole(1), metavar="S", help="seconds to move forward (or --days)")

    # The trust-minimised escrow: delayed changes and exits, challenge windows and reviewers, credited tranches.
    from impact.cli import escrow as escrow_commands
    from impact.cli import governance as governance_commands

    groups = {"site": site, "pool": pool, "oracle": oracle}
    governance_commands.register(command, commands, groups)
    escrow_commands.register(command, commands, groups)

    # What investors look at: the web pages and the statement (impact.cli.web; the web modules load lazily).
    from impact.cli import web as web_commands

    web_commands.register(command, commands, READ, SEND)
    return parser


def _add_oracle_signature_commands(command: Callable[..., argparse.ArgumentParser], sub: Any) -> None:
    """EIP-712 sub-commands: sign, submit, watch, verify-evidence (see impact.cli.oracle)."""
    from impact.cli import oracle as oracle_commands

    def oracle_command(name: str, help_: str, handler: Callable[[Context], None], sub_: Any) -> Any:
        return command(name, help_, handler, sub_, kind=ORACLE_KINDS.get(name, SEND))

    oracle_commands.register(oracle_command, sub)


# ------------------------------------------------------------------------------------------------------------------
# Running a command: one line for every failure
# ------------------------------------------------------------------------------------------------------------------


def _add_index_commands(command: Callable[..., argparse.ArgumentParser], sub: Any, trace: Any) -> None:
    """`impact index …`, and `trace --direct / --no-sync / --db` (see impact.cli.index)."""
    from impact.cli import index as index_cli

    index_cli.add_trace_options(trace)
    index_cli.register(command, sub, READ)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs `impact`; returns the exit code. Nothing a user can do makes it print a traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt as exc:  # at any moment; an Interrupted names a transaction already sent (impact.chain.tx)
        print(f"error: {str(exc) or 'interrupted'}", file=sys.stderr)
        _forget_the_interrupt()
        return 130
    except BrokenPipeError:  # the reader went away (`impact … | head`): say nothing more, as `cat` would
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _main(argv: Sequence[str] | None) -> int:
    import os

    args = build_parser().parse_args(argv)
    ctx: Context | None = None
    try:
        ctx = Context(args)
        if args.kind != READ:
            ctx.header(args.kind)
        args.handler(ctx)
        return 0
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line; IMPACT_DEBUG=1 shows the traceback
        if _caused_by_interrupt(exc):  # e.g. Ctrl-C while a class was being built: Python wraps it
            raise KeyboardInterrupt from None
        if os.environ.get("IMPACT_DEBUG"):
            raise
        error = _as_user_error(exc, ctx.net if ctx else None)
    if error.code == "interrupted":
        code = 130
    else:
        code = 1
    _report(error, getattr(args, "json", False))
    return code


def _caused_by_interrupt(exc: BaseException) -> bool:
    from impact.chain.errors import UserError

    if isinstance(exc, UserError):  # already said in words, e.g. which transaction an interrupted deploy sent
        return False
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _forget_the_interrupt() -> None:
    """CPython (3.11) remembers a KeyboardInterrupt that passed through code run by `exec` of a string (as happens
    while modules are imported: dataclasses and namedtuples build their methods that way) even when it was caught,
    and then ends the process by SIGINT instead of with our exit code. Running a trivial `exec` resets that flag."""
    exec("pass")  # noqa: S102 - a constant


def _report(error: Any, as_json: bool) -> None:
    message = " ".join(str(error).split())  # always one line
    if as_json:
        import json

        document = {"schema": "impact.error/1", "error": {"code": error.code, "message": message}}
        print(json.dumps(document, indent=2))
    print("error: " + message, file=sys.stderr)


def _as_user_error(exc: Exception, net: Network | None) -> Any:
    """The one sentence for any failure: the user's, the chain's, the node's, or (never, we hope) ours."""
    from impact.chain.artifacts import ArtifactError
    from impact.chain.errors import UserError, contract_error

    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, ArtifactError):
        return UserError(str(exc), "not-compiled")

    import requests
    from web3.exceptions import (
        ContractCustomError,
        ContractLogicError,
        MismatchedABI,
        Web3RPCError,
        Web3ValidationError,
    )

    if isinstance(exc, ContractCustomError | ContractLogicError):
        return contract_error(exc)
    if isinstance(exc, requests.exceptions.RequestException | ConnectionError | TimeoutError | Web3RPCError):
        if net is not None:
            from impact.chain.network import node_error

            return node_error(exc, net)
        return UserError(f"the node failed: {' '.join(str(exc).split())}", "node-error")
    if isinstance(exc, MismatchedABI | Web3ValidationError | OverflowError):
        return UserError(
            "a value given does not fit the contract's parameters (a number too large or below zero, or text where "
            "a number belongs): check the command's values and files",
            "bad-value",
        )
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return UserError(f"{exc.strerror or exc}{where}", "os-error")
    return UserError(
        f"unexpected {type(exc).__name__}: {_first_line(exc)} (a bug in impact: please report it; IMPACT_DEBUG=1 "
        "shows the traceback)",
        "internal",
    )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


if __name__ == "__main__":
    sys.exit(main())
