"""impact.oracle.evidence: the evidence hash anyone holding the files can recompute."""

import hashlib

import pytest
from eth_utils import keccak

from impact.oracle.evidence import MANIFEST_HEADER, ReportError, build_manifest, load_report

REPORT = """\
pool: 3
milestone: 1
criterion: GLS-V1.1-3.4.1
summary: threats are managed
evidence_uri: ipfs://sample/report
files:
  - b.txt
  - sub/a.txt
"""


@pytest.fixture
def report_dir(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_bytes(b"alpha\n")
    (tmp_path / "b.txt").write_bytes(b"beta\n")
    (tmp_path / "report.yaml").write_text(REPORT)
    return tmp_path


def test_the_manifest_lists_sha256_and_path_sorted_by_path(report_dir):
    manifest = load_report(report_dir / "report.yaml").manifest()
    beta, alpha = hashlib.sha256(b"beta\n").hexdigest(), hashlib.sha256(b"alpha\n").hexdigest()
    assert manifest == MANIFEST_HEADER + f"{beta}  b.txt\n{alpha}  sub/a.txt\n"


def test_the_evidence_hash_is_keccak_of_the_manifest(report_dir):
    report = load_report(report_dir / "report.yaml")
    assert report.evidence_hash() == keccak(report.manifest().encode())


def test_the_hash_does_not_depend_on_the_order_files_are_listed(report_dir):
    assert build_manifest(report_dir, ["sub/a.txt", "b.txt"]) == build_manifest(report_dir, ["b.txt", "sub/a.txt"])


def test_changing_one_byte_of_a_file_changes_the_hash(report_dir):
    before = load_report(report_dir / "report.yaml").evidence_hash()
    (report_dir / "b.txt").write_bytes(b"bets\n")
    assert load_report(report_dir / "report.yaml").evidence_hash() != before


def test_renaming_a_file_changes_the_hash(report_dir):
    before = build_manifest(report_dir, ["b.txt"])
    (report_dir / "c.txt").write_bytes(b"beta\n")
    assert build_manifest(report_dir, ["c.txt"]) != before


def test_a_json_report_reads_the_same(report_dir):
    (report_dir / "report.json").write_text(
        '{"pool": 3, "milestone": 1, "criterion": "GLS-V1.1-3.4.1", "summary": "threats are managed",'
        ' "evidence_uri": "ipfs://sample/report", "files": ["b.txt", "sub/a.txt"]}'
    )
    assert (
        load_report(report_dir / "report.json").evidence_hash()
        == load_report(report_dir / "report.yaml").evidence_hash()
    )


@pytest.mark.parametrize(
    "change, message",
    [
        (("pool: 3", "pool: 0"), "'pool' must be a whole number >= 1, got 0"),
        (("milestone: 1", "milestone: one"), "'milestone' must be a whole number >= 0, got 'one'"),
        (("GLS-V1.1-3.4.1", "3.4"), "criterion '3.4' is not a Green List Standard code like GLS-V1.1-3.4.1"),
        (("summary: threats are managed", "summary: ''"), "'summary' is missing or empty"),
        (("  - b.txt\n", "  - ../b.txt\n"), "evidence path '../b.txt' must stay inside the report's folder"),
        (("  - b.txt\n", "  - /etc/passwd\n"), "evidence path '/etc/passwd' must stay inside the report's folder"),
    ],
)
def test_a_malformed_report_names_the_problem(report_dir, change, message):
    (report_dir / "bad.yaml").write_text(REPORT.replace(*change))
    with pytest.raises(ReportError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        load_report(report_dir / "bad.yaml")


def test_a_missing_evidence_file_is_reported(report_dir):
    (report_dir / "b.txt").unlink()
    with pytest.raises(ReportError, match="evidence file 'b.txt' is missing"):
        load_report(report_dir / "report.yaml").evidence_hash()


def test_a_report_that_is_not_yaml_is_reported(report_dir):
    (report_dir / "broken.yaml").write_text("pool: [1,\n")
    with pytest.raises(ReportError, match="not valid YAML"):
        load_report(report_dir / "broken.yaml")
