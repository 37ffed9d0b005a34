"""Batch files: every bad row named with its line and reason; results files and resuming."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from console.api.errors import ValidationError
from console.batch_csv import RESULT_COLUMNS, ResultsWriter, done_lines, parse_rows
from console.services.batch import BatchResult, BatchRow, Outcome

SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"


def test_good_rows_keep_their_line_numbers_and_login_kind() -> None:
    text = (
        "operation,skill_id,stage\n"
        f"status,{SKILL},development\n"
        "\n"
        "# a comment\n"
        f"enable,{SKILL},live\n"
        f"customer-status,{SKILL},\n"
        "customer endpoint,,\n"
    )
    parsed = parse_rows(text, profile="qa")
    assert parsed.ok, parsed.problems
    assert [(r.line, r.operation, r.kind) for r in parsed.rows] == [
        (2, "status", "developer"),
        (5, "enable", "developer"),
        (6, "customer-status", "customer"),
        (7, "customer-endpoint", "customer"),
    ]
    assert {r.profile for r in parsed.rows} == {"qa"}
    assert parsed.rows[2].stage is None


def test_every_bad_row_is_named_with_its_line_and_reason() -> None:
    text = (
        "stage,operation,skill_id,comment\n"  # any column order; extra columns ignored
        f"development,status,{SKILL},fine\n"
        f"development,enabel,{SKILL},typo\n"  # 3
        "live,enable,not-a-skill,x\n"  # 4
        f"prod,disable,{SKILL},x\n"  # 5
        f",status,{SKILL},x\n"  # 6
        f"live,customer-status,{SKILL},x\n"  # 7
        f",customer-endpoint,{SKILL},x\n"  # 8
        "development\n"  # 9
    )
    parsed = parse_rows(text)
    assert [r.line for r in parsed.rows] == [2]
    lines = {p.line: p.reason for p in parsed.problems}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9]
    assert "enabel" in lines[3] and "customer-status" in lines[3]
    assert "skill" in lines[4].lower()
    assert "prod" in lines[5]
    assert "needs a stage" in lines[6]
    assert "takes no stage" in lines[7]
    assert "takes no skill_id" in lines[8]
    assert "column" in lines[9]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        (f"op,skill,stage\nstatus,{SKILL},live\n", "missing"),
        ("operation,skill_id,stage\n", "no rows"),
    ],
)
def test_a_file_without_header_or_rows_is_refused(text: str, reason: str) -> None:
    parsed = parse_rows(text)
    assert not parsed.ok
    assert reason in parsed.problems[0].reason


def test_a_byte_order_mark_and_crlf_are_fine() -> None:
    parsed = parse_rows(f"\ufeffoperation,skill_id,stage\r\nstatus,{SKILL},live\r\n")
    assert parsed.ok and parsed.rows[0].stage == "live"


def _result(line: int, outcome: Outcome, operation: str = "status") -> BatchResult:
    row = BatchRow(line, operation, SKILL, "live")
    return BatchResult(row, outcome, state="ENABLED" if outcome is Outcome.OK else None)


def test_results_rows_are_flushed_as_they_land_and_resume_skips_answered_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "results.csv"
    with path.open("w", encoding="utf-8", newline="") as sink:
        writer = ResultsWriter(sink)
        writer.write(_result(2, Outcome.OK))
        # Readable before the file is closed: each row is flushed whole.
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert [r["line"] for r in rows] == ["2"]
        writer.write(_result(3, Outcome.NOT_FOUND))
        writer.write(_result(4, Outcome.UNKNOWN))
        writer.write(_result(5, Outcome.NOT_RUN))
        writer.write(_result(6, Outcome.FAILED))
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == list(RESULT_COLUMNS)
    rows = [BatchRow(n, "status", SKILL, "live") for n in range(2, 7)]
    rows[1] = BatchRow(3, "status", SKILL, "live")
    assert sorted(done_lines(path, rows)) == [2, 3]
    # A line that now asks something else is not done.
    changed = [BatchRow(2, "enable", SKILL, "live"), *rows[1:]]
    assert sorted(done_lines(path, changed)) == [3]


def test_resume_from_a_file_that_is_not_a_results_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "input.csv"
    path.write_text(f"operation,skill_id,stage\nstatus,{SKILL},live\n", encoding="utf-8")
    with pytest.raises(ValidationError):
        done_lines(path, [])
    with pytest.raises(ValidationError):
        done_lines(tmp_path / "missing.csv", [])
