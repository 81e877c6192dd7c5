"""`impact oracle sign | submit | watch | verify-evidence`: EIP-712 certifications and the oracle service.

A signature file (JSON, written by `oracle sign` and the service's sign mode) records what was signed: `chainId`,
`certifier`, `poolId`, `milestoneId`, `evidenceHash`, `evidenceURI`, `deadline`, `epoch` (the certifier's
`signatureEpoch()` when it was signed), `signer` and the 65-byte `signature`. A signature is void once its deadline
has passed, and also after **any** oracle revocation: revoking an oracle advances the signature epoch, so every
signature made before it no longer verifies, and the assessors sign again.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from impact.chain.encoding import format_iso
from impact.chain.errors import UserError, explain_exception
from impact.cli.argtypes import positive_number
from impact.oracle.evidence import AssessmentReport, ReportError, criterion_mismatch, load_report, signature_deadline

# web3 and eth-account are imported by the commands that use them, not when the parser is built: `impact --help`
# must stay quick.


def _tx(receipt: Any) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()


def register(command: Callable[..., Any], sub: Any) -> None:
    p = command("sign", "validate a report against the chain and sign its certification (EIP-712)", cmd_sign, sub)
    p.add_argument("--report", type=Path, required=True, metavar="R", help="the assessment report (required)")
    p.add_argument(
        "--deadline",
        metavar="T",
        help="last moment the signature may be relayed, ISO 8601 UTC (2027-03-01T00:00:00Z, or 2027-03-01 for the "
        "end of that day); overrides the report's `deadline`. Every oracle must sign the same one "
        "(default: the report's)",
    )
    p.add_argument(
        "--out", type=Path, metavar="F", help="signature file (default: signature-ADDRESS.json next to the report)"
    )

    p = command("submit", "relay oracles' signatures in one transaction (any funded account)", cmd_submit, sub)
    p.add_argument("--report", type=Path, required=True, metavar="R", help="the assessment report (required)")
    p.add_argument(
        "--signatures", type=Path, nargs="+", required=True, metavar="S", help="the oracles' signature files (required)"
    )

    p = command("watch", "run the oracle service on an inbox of reports", cmd_watch, sub)
    p.add_argument("--inbox", type=Path, required=True, metavar="DIR", help="the folder reports arrive in (required)")
    p.add_argument(
        "--mode", choices=("sign", "attest"), default="attest", help="attest on chain, or sign (default: attest)"
    )
    p.add_argument("--journal", type=Path, help="SQLite journal (default: INBOX/.journal.sqlite)")
    p.add_argument(
        "--poll", type=positive_number, default=2.0, metavar="S", help="seconds between scans of the inbox (default: 2)"
    )
    p.add_argument("--once", action="store_true", help="process the inbox once and exit")

    p = command(
        "verify-evidence",
        "recompute a report's evidence hash from its files and check it on chain",
        cmd_verify_evidence,
        sub,
    )
    p.add_argument("--report", type=Path, required=True, metavar="R", help="the assessment report (required)")


def _report(path: Path) -> AssessmentReport:
    try:
        report = load_report(path)
        report.evidence_hash()  # reads every file now, so a missing one is reported before anything else
    except ReportError as exc:
        raise UserError(str(exc), "bad-report") from None
    return report


def _key(ctx: Any) -> Any:
    if ctx.signer.key is None:
        raise UserError(
            ctx.signer.no_key_reason or "signing needs a private key: use --account NAME (keystore) or env[:VAR]"
        )
    return ctx.signer.key


@dataclass
class EvidenceChoice:
    """The evidence a command acts on: from an assessment report, or given option by option."""

    report: AssessmentReport | None
    pool_id: int
    milestone_id: int
    evidence: bytes
    uri: str


def evidence_from_args(a: Any, *, empty_uri: bool) -> EvidenceChoice:
    """`--report R`, or all of `--pool`, `--milestone`, `--evidence-hash` and `--uri` (which may be empty only when
    `empty_uri`: finalising names the URI the oracles attested with, which may have been empty)."""
    if a.report:
        try:
            report = load_report(a.report)
            return EvidenceChoice(
                report, report.pool_id, report.milestone_id, report.evidence_hash(), report.evidence_uri
            )
        except ReportError as exc:
            raise UserError(str(exc), "bad-report") from None
    if a.pool is None or a.milestone is None or not a.evidence_hash or a.uri is None or (not a.uri and not empty_uri):
        raise UserError("give --report R, or all of --pool, --milestone, --evidence-hash and --uri", "usage")
    return EvidenceChoice(None, a.pool, a.milestone, _bytes32(a.evidence_hash), a.uri)


def _bytes32(value: str) -> bytes:
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise UserError(f"'{value}' is not a hex value", "bad-value") from None
    if len(raw) != 32:
        raise UserError(f"'{value}' is not 32 bytes", "bad-value")
    return raw


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
    from impact.oracle import certification

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
    if not certifier.functions.isOracle(key.address).call():
        raise UserError(f"{key.address} is not an accredited oracle of this deployment")
    _check_not_voided(ctx, report)
    claim = certification.Certification(
        report.pool_id,
        report.milestone_id,
        report.evidence_hash(),
        report.evidence_uri,
        deadline,
        certifier.functions.signatureEpoch().call(),
    )
    signature = certification.sign(claim, ctx.w3.eth.chain_id, certifier.address, key.key)
    out = a.out or report.folder / f"signature-{key.address}.json"
    document = _signature_file(ctx, claim, key.address, signature)
    out.write_text(json.dumps(document, indent=2) + "\n")
    ctx.emit(
        "oracle.sign/1",
        {"signature_file": str(out), "signature": document},
        f"signed pool {report.pool_id} milestone {report.milestone_id}, evidence 0x{claim.evidence_hash.hex()}, "
        f"valid until {format_iso(deadline)} unless an oracle is revoked before (signature epoch {claim.epoch}): "
        f"{out}",
    )


def _check_not_voided(ctx: Any, report: AssessmentReport) -> None:
    evidence = report.evidence_hash()
    if ctx.system.certifier.functions.isEvidenceVoided(report.pool_id, report.milestone_id, evidence).call():
        raise UserError(
            f"evidence 0x{evidence.hex()} was voided by a reviewer for milestone {report.milestone_id} of pool "
            f"{report.pool_id}: a new certification needs new evidence",
            "evidence-voided",
        )


def _signature_file(ctx: Any, claim: Any, signer: str, signature: bytes) -> dict[str, Any]:
    return {
        "chainId": ctx.w3.eth.chain_id,
        "certifier": ctx.system.certifier.address,
        "poolId": claim.pool_id,
        "milestoneId": claim.milestone_id,
        "evidenceHash": "0x" + claim.evidence_hash.hex(),
        "evidenceURI": claim.evidence_uri,
        "deadline": claim.deadline,
        "epoch": claim.epoch,
        "signer": signer,
        "signature": "0x" + signature.hex(),
    }


def cmd_submit(ctx: Any) -> None:

    from impact.chain.accounts import parse_address
    from impact.chain.output import plural
    from impact.oracle import certification

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
    epoch = ctx.system.certifier.functions.signatureEpoch().call()
    signatures: dict[str, bytes] = {}
    deadlines: dict[str, int] = {}
    for path in a.signatures:
        try:
            data = json.loads(path.read_text())
            signer = parse_address(data["signer"], f"signer address in {path}")
            signature = bytes.fromhex(data["signature"].removeprefix("0x"))
            deadline = int(data["deadline"])
            signed_epoch = int(data["epoch"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UserError(f"{path} is not a signature file ({type(exc).__name__}: {exc})") from None
        if signed_epoch != epoch:
            raise UserError(
                f"{path}: {signer} signed at signature epoch {signed_epoch}, but an oracle has been revoked since "
                f"(epoch {epoch} now), which voids every earlier signature: ask the oracles to sign again",
                "stale-signature",
            )
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
        report.pool_id, report.milestone_id, report.evidence_hash(), report.evidence_uri, deadline, epoch
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
    ctx.sender.simulate(fn)
    ctx.confirm("Relaying oracles' signatures", {"pool": report.pool_id, "milestone": report.milestone_id})
    receipt = ctx.sender.send(fn)
    from impact.chain.output import transaction

    ctx.emit(
        "oracle.submit/1",
        {
            "pool_id": report.pool_id,
            "milestone_id": report.milestone_id,
            "evidence_hash": "0x" + claim.evidence_hash.hex(),
            "signers": [s for s, _ in counted],
            "relayer": ctx.sender.address,
            "transaction": transaction(receipt),
        },
        f"certified pool {report.pool_id} milestone {report.milestone_id} with {plural(len(counted), 'signature')} "
        f"({', '.join(s for s, _ in counted)}), relayed by {ctx.sender.address}; "
        f"tx {_tx(receipt)}",
    )


def cmd_watch(ctx: Any) -> None:
    from impact.chain.errors import explain_exception as explain
    from impact.oracle.chain import Web3OracleChain
    from impact.oracle.service import REJECTED, OracleService, ServiceConfig

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
    from impact.chain.output import plural

    report = _report(ctx.args.report)
    milestone = ctx.system.milestone(report.pool_id, report.milestone_id)
    certified, on_chain = milestone["certified"], "0x" + bytes(milestone["evidenceHash"]).hex()
    mine = "0x" + report.evidence_hash().hex()
    if not certified:
        raise UserError(
            f"milestone {report.milestone_id} of pool {report.pool_id} is not certified yet (the files hash to {mine})",
            "not-certified",
        )
    if on_chain != mine:
        raise UserError(
            f"the files do NOT match: they hash to {mine}, the chain certified {on_chain}", "evidence-mismatch"
        )
    ctx.emit(
        "oracle.verify-evidence/1",
        {
            "pool_id": report.pool_id,
            "milestone_id": report.milestone_id,
            "evidence_hash": mine,
            "files": list(report.files),
            "verified": True,
        },
        f"evidence verified: the {plural(len(report.files), 'file')} hash to {mine}, exactly what was certified for "
        f"pool {report.pool_id} milestone {report.milestone_id}",
    )
