"""Assessment reports and their evidence hash.

An oracle's assessment report is a JSON or YAML file naming the pool, the milestone, the Green List criterion,
a summary, the evidence URI and the evidence files (paths relative to the report), and optionally the deadline of
the oracles' signatures (see `signature_deadline`). The evidence hash commits
to the files' contents and names, so that anyone holding the files can recompute it and compare it with the
hash certified on chain:

    manifest = "green-list-evidence/v1\\n" + for each file, sorted by path: "<sha256 hex>  <path>\\n"
    evidence hash = keccak-256(manifest, UTF-8)

Paths are POSIX-style and relative to the report's folder; a path may not leave that folder.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from impact.chain.encoding import format_iso, parse_utc_time

MANIFEST_HEADER = "green-list-evidence/v1\n"
_STANDARD_REF = re.compile(r"^GLS-V\d+\.\d+-[1-4](\.\d+){1,2}$")


class ReportError(ValueError):
    """The report is malformed or its files cannot be read; the message says which and why."""


@dataclass(frozen=True)
class AssessmentReport:
    path: Path
    pool_id: int
    milestone_id: int
    criterion: str
    summary: str
    evidence_uri: str
    files: tuple[str, ...]
    deadline: int | None = None  # unix time; the last second at which the oracles' signatures may be relayed

    @property
    def folder(self) -> Path:
        return self.path.parent

    def manifest(self) -> str:
        return build_manifest(self.folder, self.files)

    def evidence_hash(self) -> bytes:
        return hash_manifest(self.manifest())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def build_manifest(folder: Path, files: Iterable[str]) -> str:
    """The canonical manifest of `files` (relative to `folder`): one 'sha256  path' line each, sorted by path."""
    lines = []
    for name in sorted(set(_normalise(f) for f in files)):
        path = folder / name
        if not path.is_file():
            raise ReportError(f"evidence file '{name}' is missing from {folder}")
        lines.append(f"{sha256_file(path)}  {name}\n")
    if not lines:
        raise ReportError("a report needs at least one evidence file")
    return MANIFEST_HEADER + "".join(lines)


def hash_manifest(manifest: str) -> bytes:
    from eth_utils import keccak  # here, not at import: `impact --help` must not load eth-utils

    return keccak(manifest.encode("utf-8"))


def load_report(path: str | Path) -> AssessmentReport:
    """Reads and validates an assessment report; raises ReportError with one clear sentence."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read report {path}: {exc}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first_line = str(exc).splitlines()[0]
        raise ReportError(
            f"report {path.name} is not valid {path.suffix.lstrip('.').upper() or 'YAML'}: {first_line}"
        ) from None
    if not isinstance(data, dict):
        raise ReportError(
            f"report {path.name}: expected a mapping of pool, milestone, criterion, summary, evidence_uri, files"
        )
    return AssessmentReport(
        path=path.resolve(),
        pool_id=_whole(data, "pool", path, minimum=1),
        milestone_id=_whole(data, "milestone", path, minimum=0),
        criterion=_criterion(data, path),
        summary=_text(data, "summary", path),
        evidence_uri=_text(data, "evidence_uri", path),
        files=_files(data, path),
        deadline=_deadline(data, path),
    )


def signature_deadline(report: AssessmentReport, override: str | None, now: int) -> int:
    """The deadline the oracles sign: `override` (`--deadline`) if given, else the report's own `deadline`.

    Oracles sign independently, on different days, and their signatures combine only if they sign the very same
    deadline, so it must be something they agree on (written in the report), not a time derived from when each
    one signs. Refused when there is none, or when it is not after `now` (the chain's time).
    """
    if override is not None:
        try:
            deadline = parse_utc_time(override, end_of_day=True)
        except ValueError as exc:
            raise ReportError(f"--deadline {exc}") from None
    elif report.deadline is not None:
        deadline = report.deadline
    else:
        raise ReportError(
            f"report {report.path.name} has no deadline for the signatures: add one the oracles agree on "
            "(e.g. `deadline: 2027-03-01T00:00:00Z`, or a date for the end of that day UTC) or pass --deadline"
        )
    if deadline <= now:
        raise ReportError(
            f"the signatures' deadline {format_iso(deadline)} has already passed (the chain's time is "
            f"{format_iso(now)}): agree on a later one"
        )
    return deadline


def criterion_mismatch(report: AssessmentReport, scheduled_ref: str, refusing: str) -> str | None:
    """The sentence refusing `report` if it assesses another Green List reference than the milestone's, else None.

    The comparison is exact: a report on indicator GLS-V1.1-3.4.1 does not certify a milestone scheduled as the
    whole criterion GLS-V1.1-3.4, nor one scheduled as another indicator."""
    if report.criterion == scheduled_ref:
        return None
    return (
        f"report {report.path.name} assesses {report.criterion}, but milestone {report.milestone_id} of pool "
        f"{report.pool_id} is scheduled as {scheduled_ref}: {refusing}"
    )


def _whole(data: dict[str, Any], key: str, path: Path, minimum: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ReportError(f"report {path.name}: '{key}' must be a whole number >= {minimum}, got {value!r}")
    return value


def _text(data: dict[str, Any], key: str, path: Path) -> str:
    value = data.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)  # YAML reads "3.4" as a number; keep the user's text for the error message
    if not isinstance(value, str) or not value.strip():
        raise ReportError(f"report {path.name}: '{key}' is missing or empty")
    return value.strip()


def _deadline(data: dict[str, Any], path: Path) -> int | None:
    if data.get("deadline") is None:
        return None
    try:
        return parse_utc_time(data["deadline"], end_of_day=True)
    except ValueError as exc:
        raise ReportError(f"report {path.name}: 'deadline' {exc}") from None


def _criterion(data: dict[str, Any], path: Path) -> str:
    value = _text(data, "criterion", path)
    if not _STANDARD_REF.match(value):
        raise ReportError(
            f"report {path.name}: criterion '{value}' is not a Green List Standard code like GLS-V1.1-3.4.1"
        )
    return value


def _files(data: dict[str, Any], path: Path) -> tuple[str, ...]:
    files = data.get("files")
    if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
        raise ReportError(f"report {path.name}: 'files' must be a non-empty list of file names")
    try:
        return tuple(_normalise(f) for f in files)
    except ReportError as exc:
        raise ReportError(f"report {path.name}: {exc}") from None


def _normalise(name: str) -> str:
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts:
        raise ReportError(f"evidence path '{name}' must stay inside the report's folder")
    return str(posix)
