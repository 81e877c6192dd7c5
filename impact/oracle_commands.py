"""`impact oracle sign | submit | watch | verify-evidence`: EIP-712 certifications and the oracle service."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from impact import certification
from impact.accounts import parse_address
from impact.encoding import format_iso
from impact.errors import UserError, explain_exception
from impact.evidence import AssessmentReport, ReportError, criterion_mismatch, load_report, signature_deadline


def _tx(receipt: Any) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()


def register(command: Callable[..., Any], sub: Any) -> None:
    p = command("sign", "validate a report against the chain and sign its certification (EIP-712)", cmd_sign, sub)
    p.add_argument("--report", type=Path, required=True)
    p.add_argument(
        "--deadline",
        help="last moment the signature may be relayed, ISO 8601 UTC (2027-03-01T00:00:00Z, or 2027-03-01 for the "
        "end of that day); overrides the report's `deadline`. Every oracle must sign the same one",
    )
    p.add_argument("--out", type=Path, help="signature file (default: next to the report)")

    p = command("submit", "relay oracles' signatures in one transaction (any funded account)", cmd_submit, sub)
    p.add_argument("--report", type=Path, required=True)
    p.add_argument("--signatures", type=Path, nargs="+", required=True)

    p = command("watch", "run the oracle service on an inbox of reports", cmd_watch, sub)
    p.add_argument("--inbox", type=Path, required=True)
    p.add_argument("--mode", choices=("sign", "attest"), default="attest")
    p.add_argument("--journal", type=Path, help="SQLite journal (default: INBOX/.journal.sqlite)")
    p.add_argument("--poll", type=float, default=2.0, help="seconds between scans of the inbox")
    p.add_argument("--once", action="store_true", help="process the inbox once and exit")

    p = command(
        "verify-evidence",
        "recompute a report's evidence hash from its files and check it on chain",
        cmd_verify_evidence,
        sub,
    )
    p.add_argument("--report", type=Path, required=True)


def _report(path: Path) -> AssessmentReport:
    try:
        report = load_report(path)
        report.evidence_hash()  # reads every file now, so a missing one is reported before anything else
    except ReportError as exc:
        raise UserError(str(exc)) from None
    return report


def _key(ctx: Any) -> Any:
    if ctx.signer.key is None:
        raise UserError(
            ctx.signer.no_key_reason or "signing needs a private key: use --account NAME (keystore) or env[:VAR]"
        )
    return ctx.signer.key


def check_criterion(ctx: Any, report: AssessmentReport, refusing: str) -> None:
    """Refuses a report whose Green List reference is not the one its milestone is scheduled with (and an unknown
    pool or milestone), before anything is signed or sent."""
    scheduled = ctx.system.milestone(report.pool_id, report.milestone_id)["standardRef"]
    if mismatch := criterion_mismatch(report, scheduled, refusing):
        raise UserError(mismatch)


def _now(ctx: Any) -> int:
    return int(ctx.w3.eth.get_block("latest")["timestamp"])


def _check_certifiable(ctx: Any, report: AssessmentReport) -> None:
    ctx.system.pool(report.pool_id)
    try:
        ctx.system.pools.functions.checkCertifiable(report.pool_id, report.milestone_id).call()
    except Exception as exc:  # noqa: BLE001 - a custom error becomes a sentence
        raise UserError(explain_exception(exc, int(ctx.w3.eth.get_block("latest")["timestamp"]))) from None


def cmd_sign(ctx: Any) -> None:
    a = ctx.args
    report = _report(a.report)
    check_criterion(ctx, report, "refusing to sign it")
    _check_certifiable(ctx, report)
    try:
        deadline = signature_deadline(report, a.deadline, _now(ctx))
    except ReportError as exc:
        raise UserError(str(exc)) from None
    key = _key(ctx)
    certifier = ctx.system.certifier
    if not certifier.functions.hasRole(certifier.functions.ORACLE_ROLE().call(), key.address).call():
        raise UserError(f"{key.address} is not an accredited oracle of this deployment")
    claim = certification.Certification(
        report.pool_id, report.milestone_id, report.evidence_hash(), report.evidence_uri, deadline
    )
    signature = certification.sign(claim, ctx.w3.eth.chain_id, certifier.address, key.key)
    out = a.out or report.folder / f"signature-{key.address}.json"
    out.write_text(json.dumps(_signature_file(ctx, claim, key.address, signature), indent=2) + "\n")
    print(
        f"signed pool {report.pool_id} milestone {report.milestone_id}, evidence 0x{claim.evidence_hash.hex()}, "
        f"valid until {format_iso(deadline)}: {out}"
    )


def _signature_file(ctx: Any, claim: certification.Certification, signer: str, signature: bytes) -> dict[str, Any]:
    return {
        "chainId": ctx.w3.eth.chain_id,
        "certifier": ctx.system.certifier.address,
        "poolId": claim.pool_id,
        "milestoneId": claim.milestone_id,
        "evidenceHash": "0x" + claim.evidence_hash.hex(),
        "evidenceURI": claim.evidence_uri,
        "deadline": claim.deadline,
        "signer": signer,
        "signature": "0x" + signature.hex(),
    }


def cmd_submit(ctx: Any) -> None:
    a = ctx.args
    report = _report(a.report)
    check_criterion(ctx, report, "refusing to send it")
    chain_id = ctx.w3.eth.chain_id
    expected = {
        "chainId": chain_id,
        "certifier": ctx.system.certifier.address,
        "poolId": report.pool_id,
        "milestoneId": report.milestone_id,
        "evidenceHash": "0x" + report.evidence_hash().hex(),
        "evidenceURI": report.evidence_uri,
    }
    signatures: dict[str, bytes] = {}
    deadlines: dict[str, int] = {}
    for path in a.signatures:
        try:
            data = json.loads(path.read_text())
            signer = parse_address(data["signer"], f"signer address in {path}")
            signature = bytes.fromhex(data["signature"].removeprefix("0x"))
            deadline = int(data["deadline"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UserError(f"{path} is not a signature file ({exc})") from None
        for field, value in expected.items():
            if str(data.get(field)).lower() != str(value).lower():
                raise UserError(f"{path} signs {field} {data.get(field)}, but the report and chain give {value}")
        if signer in signatures:
            raise UserError(f"{path}: {signer} signed twice")
        signatures[signer] = signature
        deadlines[signer] = deadline
    if len(set(deadlines.values())) != 1:
        each = ", ".join(f"{signer} until {format_iso(d)}" for signer, d in deadlines.items())
        raise UserError(
            f"the signatures have different deadlines ({each}), so they do not sign the same certification: "
            "the oracles must sign the deadline in the report (or the same --deadline)"
        )
    deadline = next(iter(deadlines.values()))
    if deadline <= (now := _now(ctx)):
        raise UserError(
            f"the signatures expired at {format_iso(deadline)} (the chain's time is {format_iso(now)}): "
            "the oracles must sign again with a later deadline"
        )
    certifier = ctx.system.certifier
    claim = certification.Certification(
        report.pool_id, report.milestone_id, report.evidence_hash(), report.evidence_uri, deadline
    )
    # The contract recovers an EOA's signer from its signature, so a signature over anything else would only show
    # up as an unknown signer: check each here first, by name.
    wallets = {signer for signer in signatures if ctx.w3.eth.get_code(signer)}
    for signer, signature in signatures.items():
        if signer in wallets:
            continue
        try:
            recovered = certification.recover(claim, chain_id, certifier.address, signature)
        except ValueError:
            recovered = None
        if recovered != signer:
            raise UserError(f"the signature of {signer} does not sign this report's certification")
    # Exactly a quorum of signatures is read on chain; more would be calldata paid for and ignored.
    counted = certification.ordered(signatures)[: certifier.functions.quorum().call()]
    fn = certifier.functions.certifyWithSignatures(
        claim.pool_id,
        claim.milestone_id,
        claim.evidence_hash,
        claim.evidence_uri,
        claim.deadline,
        certification.pack(counted, wallets),
    )
    receipt = ctx.sender.send(fn)
    print(
        f"certified pool {report.pool_id} milestone {report.milestone_id} with {len(counted)} signatures "
        f"({', '.join(s for s, _ in counted)}), relayed by {ctx.sender.address}; "
        f"tx {_tx(receipt)}"
    )


def cmd_watch(ctx: Any) -> None:
    from impact.errors import explain_exception as explain
    from impact.oracle_chain import Web3OracleChain
    from impact.oracle_service import REJECTED, OracleService, ServiceConfig

    a = ctx.args
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)-7s %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S",
    )
    key = _key(ctx)
    chain = Web3OracleChain(ctx.w3, ctx.system.certifier, key, explain=explain)
    config = ServiceConfig(
        inbox=a.inbox, journal=a.journal or a.inbox / ".journal.sqlite", mode=a.mode, poll_seconds=a.poll
    )
    service = OracleService(chain, config)
    service.install_signal_handlers()
    outcomes = service.run(once=a.once)
    if a.once and outcomes and all(outcome == REJECTED for outcome in outcomes):
        raise UserError(
            f"every report in {a.inbox} was rejected ({len(outcomes)}); the reasons are logged above and the "
            f"reports are in {config.rejected_dir}"
        )


def cmd_verify_evidence(ctx: Any) -> None:
    report = _report(ctx.args.report)
    ctx.system.pool(report.pool_id)
    milestone = ctx.system.pools.functions.milestone(report.pool_id, report.milestone_id).call()
    certified, on_chain = milestone[5], "0x" + bytes(milestone[7]).hex()
    mine = "0x" + report.evidence_hash().hex()
    if not certified:
        raise UserError(
            f"milestone {report.milestone_id} of pool {report.pool_id} is not certified yet (the files hash to {mine})"
        )
    if on_chain != mine:
        raise UserError(f"the files do NOT match: they hash to {mine}, the chain certified {on_chain}")
    print(
        f"evidence verified: the {len(report.files)} files hash to {mine}, exactly what was certified for "
        f"pool {report.pool_id} milestone {report.milestone_id}"
    )
