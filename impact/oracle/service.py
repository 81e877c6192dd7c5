"""`oracle watch`: a long-running service that takes assessment reports from an inbox and signs or attests them.

Guarantees:
- never double-submits: each milestone is journalled (SQLite) and a transaction is recorded before it is sent,
  so a restart finds and follows the same transaction instead of making a new one (see `impact.oracle.journal`);
- never loses a report: a report leaves the inbox only once its outcome is journalled, into a folder of its own
  under `processed/` (or `rejected/`, with one clear log line, without stopping the others), together with its
  evidence files, so that it can still be verified or signed from there;
- checks each report against its milestone before acting: the milestone's Green List reference must be the
  report's criterion, and a milestone already certified is nothing to do (processed, not rejected);
- signs (in sign mode) the deadline written in the report, so that independent oracles' signatures combine;
- rides out node outages: transient RPC failures are retried with exponential backoff;
- stops cleanly on SIGINT/SIGTERM, between steps;
- follows the escrow's rounds: a milestone handled before is handled again when a reviewer voided the evidence it
  handled (a report with new evidence starts the new round), or, in sign mode, when an oracle revocation voided
  the signature it made (it signs again, at the new signature epoch).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from impact.oracle.evidence import AssessmentReport, ReportError, criterion_mismatch, load_report, signature_deadline
from impact.oracle.journal import BROADCAST, DONE, PENDING, Entry, Journal

log = logging.getLogger("impact.oracle")
T = TypeVar("T")

SIGN, ATTEST = "sign", "attest"
REPORT_SUFFIXES = (".yaml", ".yml", ".json")
PROCESSED, REJECTED, STOPPED = "processed", "rejected", "stopped"  # what became of one report


class TransientChainError(Exception):
    """The node could not be reached or timed out; the same call may succeed later."""


class ChainRejection(Exception):
    """The chain says no (a custom error, in plain words); retrying will not help."""


@dataclass(frozen=True)
class Receipt:
    status: int
    block_number: int


@dataclass(frozen=True)
class MilestoneView:
    standard_ref: str
    certified: bool


class OracleChain(Protocol):
    """What the service needs from the chain, for one oracle account."""

    oracle: str

    def check_certifiable(self, pool_id: int, milestone_id: int) -> None: ...

    def milestone(self, pool_id: int, milestone_id: int) -> MilestoneView: ...

    def has_attested(self, pool_id: int, milestone_id: int) -> bool: ...

    def sign_attest_tx(self, report: AssessmentReport) -> tuple[bytes, str]: ...

    def broadcast(self, raw_tx: bytes) -> None: ...

    def receipt(self, tx_hash: str) -> Receipt | None: ...

    def sign_certification(self, report: AssessmentReport, deadline: int) -> dict: ...

    def is_voided(self, pool_id: int, milestone_id: int, evidence: str) -> bool: ...

    def signature_epoch(self) -> int: ...

    def now(self) -> int: ...


@dataclass
class ServiceConfig:
    inbox: Path
    journal: Path
    mode: str = ATTEST
    poll_seconds: float = 2.0
    max_backoff: float = 30.0
    receipt_timeout: float = 120.0

    @property
    def rejected_dir(self) -> Path:
        return self.inbox / "rejected"

    @property
    def processed_dir(self) -> Path:
        return self.inbox / "processed"

    @property
    def outbox(self) -> Path:
        return self.inbox / "signatures"


class OracleService:
    def __init__(self, chain: OracleChain, config: ServiceConfig, stop: threading.Event | None = None) -> None:
        self.chain = chain
        self.config = config
        self.stop = stop or threading.Event()
        self.journal = Journal(config.journal)
        for folder in (config.inbox, config.rejected_dir, config.processed_dir, config.outbox):
            folder.mkdir(parents=True, exist_ok=True)

    # -- running --------------------------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        def _stop(signum: int, _frame: object) -> None:
            log.info("received %s: stopping after the current step", signal.Signals(signum).name)
            self.stop.set()

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)

    def run(self, once: bool = False) -> list[str]:
        """Watches the inbox until stopped (or for one scan with `once`); returns what became of each report."""
        log.info("watching %s as oracle %s (%s mode)", self.config.inbox, self.chain.oracle, self.config.mode)
        self.resume()
        outcomes: list[str] = []
        while not self.stop.is_set():
            outcomes += self.scan()
            if once:
                break
            self.stop.wait(self.config.poll_seconds)
        self.journal.close()
        log.info("stopped")
        return outcomes

    def resume(self) -> None:
        """Finishes what a previous run left half-done: transactions recorded but not yet confirmed."""
        for entry in self.journal.entries():
            if entry.state == BROADCAST and not self.stop.is_set():
                log.info(
                    "pool %d milestone %d: resuming transaction %s", entry.pool_id, entry.milestone_id, entry.tx_hash
                )
                self._retry(lambda e=entry: self._follow(e.pool_id, e.milestone_id, e.raw_tx, e.tx_hash))

    def scan(self) -> list[str]:
        outcomes = []
        for path in self._reports():
            if self.stop.is_set():
                break
            if path.exists():  # not filed away with an earlier report as its evidence
                outcomes.append(self.process(path))
        return outcomes

    def _reports(self) -> list[Path]:
        """The inbox's report files, leaving out any that a readable report names as one of its evidence files
        (a `data.json` of evidence is not a report)."""
        candidates = self._candidates()
        evidence = {path for report in self._readable(candidates) for path in _evidence_paths(report)}
        return [p for p in candidates if p.resolve() not in evidence]

    @staticmethod
    def _readable(paths: list[Path]) -> list[AssessmentReport]:
        reports = []
        for path in paths:
            try:
                reports.append(load_report(path))
            except ReportError:
                pass
        return reports

    # -- one report -----------------------------------------------------------------------------------------

    def process(self, path: Path) -> str:
        """Handles one report; returns PROCESSED, REJECTED or STOPPED (left in the inbox, to resume)."""
        report = None
        try:
            report = load_report(path)
            evidence = "0x" + report.evidence_hash().hex()
        except ReportError as exc:
            log.error("%s: rejected, %s", path.name, exc)
            self._file_away(path, report, self.config.rejected_dir)  # with whichever of its files are there
            return REJECTED

        where = f"pool {report.pool_id} milestone {report.milestone_id}"
        entry = self.journal.get(report.pool_id, report.milestone_id)
        try:
            if entry and entry.state == DONE and self._retry(lambda: self._new_round(entry, evidence)):
                self.journal.forget(report.pool_id, report.milestone_id)
                entry = None
        except ChainRejection as exc:
            log.error("%s: rejected by the chain, %s", path.name, exc)
            self._file_away(path, report, self.config.rejected_dir)
            return REJECTED
        # In sign mode a report with a new deadline (the oracles agreed on another one) is signed again: a
        # signature sends nothing, so signing twice cannot double-submit.
        resign = self.config.mode == SIGN and entry is not None and entry.deadline != report.deadline
        if entry and entry.state == DONE and not (resign and entry.evidence == evidence):
            if entry.evidence != evidence:
                log.error(
                    "%s: rejected, %s was already handled with other evidence %s", path.name, where, entry.evidence
                )
                self._file_away(path, report, self.config.rejected_dir)
                return REJECTED
            log.info("%s: %s already %s, nothing to do", path.name, where, entry.state)
            self._file_away(path, report, self.config.processed_dir)
            return PROCESSED

        try:
            self._retry(lambda: self._act(report, evidence))
        except (ChainRejection, ReportError) as exc:
            # Not journalled as final: the assessor may drop the report again once the chain allows it.
            log.error("%s: rejected%s, %s", path.name, " by the chain" if isinstance(exc, ChainRejection) else "", exc)
            self._file_away(path, report, self.config.rejected_dir)
            return REJECTED
        if (
            self.stop.is_set()
            and (entry := self.journal.get(report.pool_id, report.milestone_id))
            and entry.state != DONE
        ):
            return STOPPED  # stopped mid-way; the report stays in the inbox and the journal says where we were
        self._file_away(path, report, self.config.processed_dir)
        return PROCESSED

    def _new_round(self, entry: Entry, evidence: str) -> bool:
        """Whether a milestone handled before must be handled again: a reviewer voided the evidence it handled (the
        oracles start a new round, with new evidence), or, in sign mode, an oracle was revoked since it signed (the
        signature epoch advanced, which voids the signature)."""
        where = f"pool {entry.pool_id} milestone {entry.milestone_id}"
        if entry.evidence != evidence:
            if self.chain.is_voided(entry.pool_id, entry.milestone_id, entry.evidence):
                log.info("%s: evidence %s was voided by a reviewer; handling the new evidence", where, entry.evidence)
                return True
            return False
        if self.config.mode == SIGN and entry.output:
            try:
                signed = int(json.loads(Path(entry.output).read_text())["epoch"])
            except (OSError, ValueError, KeyError, TypeError):
                return False
            epoch = self.chain.signature_epoch()
            if signed != epoch:
                log.info(
                    "%s: an oracle was revoked since it signed (epoch %d, now %d): signing again", where, signed, epoch
                )
                return True
        return False

    def _act(self, report: AssessmentReport, evidence: str) -> None:
        pool_id, milestone_id = report.pool_id, report.milestone_id
        where = f"pool {pool_id} milestone {milestone_id}"
        entry = self.journal.get(pool_id, milestone_id)
        if entry is None or entry.state != BROADCAST:
            # Before anything is signed: the milestone's own view. Following a recorded transaction skips this, as
            # its outcome is on chain whatever the milestone says now.
            milestone = self.chain.milestone(pool_id, milestone_id)
            if milestone.certified:
                log.info("%s: already certified on chain, nothing to do", where)
                self.journal.start(pool_id, milestone_id, str(report.path), evidence)
                self.journal.done(pool_id, milestone_id, detail="already certified")
                return
            if mismatch := criterion_mismatch(report, milestone.standard_ref, f"refusing to {self.config.mode} it"):
                raise ReportError(mismatch)
        if self.config.mode == SIGN:
            self._sign(report, evidence)
            return

        entry = self.journal.start(pool_id, milestone_id, str(report.path), evidence)
        if entry.state == BROADCAST:
            self._follow(pool_id, milestone_id, entry.raw_tx, entry.tx_hash)
            return
        if self.chain.has_attested(pool_id, milestone_id):
            log.info("%s: this oracle already attested this round on chain", where)
            self.journal.done(pool_id, milestone_id, detail="already attested on chain")
            return
        self.chain.check_certifiable(pool_id, milestone_id)
        raw_tx, tx_hash = self.chain.sign_attest_tx(report)
        # Recorded before it is sent: after a crash from here on, we follow this transaction, never a new one.
        self.journal.broadcasting(pool_id, milestone_id, raw_tx, tx_hash)
        _fault_point("after-record")
        log.info("%s: attesting evidence %s in transaction %s", where, evidence, tx_hash)
        self._follow(pool_id, milestone_id, raw_tx, tx_hash)

    def _follow(self, pool_id: int, milestone_id: int, raw_tx: bytes | None, tx_hash: str | None) -> None:
        """Sees a recorded transaction through: broadcast (again, harmlessly) until it has a receipt."""
        assert raw_tx is not None and tx_hash is not None
        where = f"pool {pool_id} milestone {milestone_id}"
        receipt = self.chain.receipt(tx_hash)
        if receipt is None:
            try:
                self.chain.broadcast(raw_tx)
            except ChainRejection as exc:
                # "nonce too low" / "already known": the transaction (or its twin) is in; the receipt will tell.
                log.info("%s: node says %s; waiting for the receipt", where, exc)
            _fault_point("after-broadcast")
            receipt = self._wait_receipt(tx_hash)
        if receipt.status == 1:
            log.info("%s: attested in block %d (%s)", where, receipt.block_number, tx_hash)
            self.journal.done(pool_id, milestone_id, output=tx_hash)
        else:
            log.error("%s: transaction %s reverted in block %d", where, tx_hash, receipt.block_number)
            self.journal.rejected(pool_id, milestone_id, f"transaction {tx_hash} reverted")

    def _wait_receipt(self, tx_hash: str) -> Receipt:
        deadline = time.monotonic() + self.config.receipt_timeout
        while time.monotonic() < deadline:
            receipt = self.chain.receipt(tx_hash)
            if receipt is not None:
                return receipt
            if self.stop.wait(0.2):
                break
        raise TransientChainError(f"no receipt for {tx_hash} yet")

    def _sign(self, report: AssessmentReport, evidence: str) -> None:
        pool_id, milestone_id = report.pool_id, report.milestone_id
        self.chain.check_certifiable(pool_id, milestone_id)
        # The report's deadline, which every oracle signs: it is what lets independent signatures combine.
        deadline = signature_deadline(report, None, self.chain.now())
        self.journal.start(pool_id, milestone_id, str(report.path), evidence, deadline)
        self.journal.signing(pool_id, milestone_id, evidence, deadline)
        signature = self.chain.sign_certification(report, deadline)
        out = self.config.outbox / f"pool{pool_id}-milestone{milestone_id}-{self.chain.oracle}.json"
        _write_atomically(out, json.dumps(signature, indent=2) + "\n")
        log.info("pool %d milestone %d: signed evidence %s, signature in %s", pool_id, milestone_id, evidence, out.name)
        self.journal.done(pool_id, milestone_id, output=str(out))

    # -- helpers --------------------------------------------------------------------------------------------

    def _retry(self, step: Callable[[], T]) -> T | None:
        delay = 0.5
        while True:
            try:
                return step()
            except TransientChainError as exc:
                log.warning("node unavailable (%s); retrying in %.1f s", exc, delay)
                if self.stop.wait(delay):
                    return None
                delay = min(delay * 2, self.config.max_backoff)

    def _file_away(self, path: Path, report: AssessmentReport | None, folder: Path) -> None:
        """Moves a report into a folder of its own under `folder` (processed/ or rejected/), with its evidence
        files at the same relative paths, so that it can still be verified or signed from there. An evidence file
        that another report in the inbox also names is copied, not moved."""
        target = folder / path.stem
        if target.exists():
            target = folder / f"{path.stem}.{int(time.time() * 1000)}"
        target.mkdir(parents=True)
        others = [p for p in self._readable(self._candidates()) if p.path != path.resolve()] if report else []
        still_needed = {evidence for other in others for evidence in _evidence_paths(other)}
        for name in report.files if report else ():
            source = path.parent / name
            if not source.is_file():
                continue
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            if source.resolve() in still_needed:
                shutil.copy2(source, target / name)
            else:
                shutil.move(str(source), target / name)
                _remove_empty_parents(source.parent, path.parent)
        shutil.move(str(path), target / path.name)

    def _candidates(self) -> list[Path]:
        return sorted(p for p in self.config.inbox.iterdir() if p.is_file() and p.suffix in REPORT_SUFFIXES)


def _evidence_paths(report: AssessmentReport) -> set[Path]:
    return {(report.folder / name).resolve() for name in report.files}


def _remove_empty_parents(folder: Path, root: Path) -> None:
    """Removes `folder` and its parents up to (not including) `root` while they are empty."""
    while folder.resolve() != root.resolve() and root.resolve() in folder.resolve().parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _fault_point(name: str) -> None:
    """Crash here on purpose when IMPACT_ORACLE_CRASH_AT names this point (used by the restart tests)."""
    if os.environ.get("IMPACT_ORACLE_CRASH_AT") == name:
        log.error("crashing on purpose at %s (IMPACT_ORACLE_CRASH_AT)", name)
        os._exit(70)


__all__ = [
    "ATTEST",
    "SIGN",
    "ChainRejection",
    "MilestoneView",
    "OracleChain",
    "OracleService",
    "Receipt",
    "ServiceConfig",
    "TransientChainError",
    "PENDING",
]
