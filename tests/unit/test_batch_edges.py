"""Edges of batch files, results, history and case summaries found in review (no sandbox)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest

from console.api.models import OperationResult
from console.batch_csv import ResultsWriter, parse_rows
from console.cli_batch import Progress, close_history, needs_a_look, parse_since, row_line
from console.services.batch import BatchResult, BatchRow, BatchRun, Outcome, not_run
from console.services.case import MAX_ACTIONS, case_rows, summarize
from console.services.history import History, HistoryEntry, now_iso

SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"


class FixedNow(datetime):
    """The case summary's clock on 2026-11-30 09:00 UTC (the rows below are a day old)."""

    @classmethod
    def now(cls, tz: object = None) -> FixedNow:  # type: ignore[override]
        return cls(2026, 11, 30, 9, 0, tzinfo=UTC)


def skillctl(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    environ["XDG_DATA_HOME"] = str(data)
    environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # no login: nothing sent
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def history_file(data: Path) -> Path:
    return data / "skill-console" / "history.sqlite3"


def record(data: Path, *entries: HistoryEntry) -> None:
    history = History(history_file(data))
    for entry in entries:
        history.record(entry)
    history.close()


def entry(**over: object) -> HistoryEntry:
    fields: dict[str, object] = {
        "at": now_iso(),
        "profile": "default",
        "kind": "developer",
        "operation": "status",
        "skill_id": SKILL,
        "stage": "live",
        "outcome": "ok",
        "state": "ENABLED",
    }
    return HistoryEntry(**(fields | over))  # type: ignore[arg-type]


def test_results_cells_never_start_a_spreadsheet_formula() -> None:
    row = BatchRow(2, "status", SKILL, "live")
    result = BatchResult(
        row, Outcome.OK, state="=1+1", account_link="@SUM(A1)", request_id="+cmd", message="-2"
    )
    out = io.StringIO()
    writer = ResultsWriter(out)
    writer.write(result)
    writer.write_raw({"line": "3", "state": "=HYPERLINK(1)"})
    first, second = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert (first["state"], first["account_link"], first["request_id"]) == (
        "'=1+1",
        "'@SUM(A1)",
        "'+cmd",
    )
    assert first["message"] == "'-2"
    assert first["skill_id"] == SKILL  # ordinary values are untouched
    assert second["state"] == "'=HYPERLINK(1)"


def test_history_csv_never_starts_a_spreadsheet_formula(tmp_path: Path) -> None:
    # An invalid skill ID is recorded as it was asked (`skillctl case '=...'` does so).
    record(tmp_path, entry(skill_id='=HYPERLINK("http://x")', outcome="failed", state=None))
    done = skillctl(tmp_path, "history", "--csv")
    assert done.returncode == 0, done.stderr
    (row,) = list(csv.DictReader(io.StringIO(done.stdout)))
    assert row["skill_id"] == '\'=HYPERLINK("http://x")'


def _unprivileged() -> list[str]:
    """A command prefix that runs as a user who cannot write a 0555 directory."""
    if os.name != "posix":
        pytest.skip("needs POSIX permissions")
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_history_in_a_read_only_data_directory_is_still_listed() -> None:
    prefix = _unprivileged()
    base = Path(tempfile.mkdtemp(prefix="history-ro-"))  # not under a 0700 pytest directory
    try:
        base.chmod(0o755)
        record(base, entry(skill_id=SKILL), entry(skill_id=SKILL, stage="development"))
        history_file(base).parent.chmod(0o555)
        environ = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
        environ |= {"XDG_DATA_HOME": str(base), "HOME": str(base)}
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "console", "history", "--skill", SKILL, "--json"],
            capture_output=True,
            text=True,
            env=environ,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr.count("History is off") == 1  # said once
        assert [json.loads(line)["stage"] for line in done.stdout.splitlines()] == [
            "development",
            "live",
        ]
    finally:
        history_file(base).parent.chmod(0o755)
        shutil.rmtree(base)


def test_a_terminal_shows_failures_and_unknowns_not_every_row_left_unsent() -> None:
    row = BatchRow(7, "status", SKILL, "live")
    assert needs_a_look(BatchResult(row, Outcome.FAILED, message="Not allowed"))
    assert needs_a_look(BatchResult(row, Outcome.UNKNOWN, message="unknown — check again"))
    assert not needs_a_look(not_run(row))  # after Ctrl+C: thousands of these, counted instead
    assert not needs_a_look(BatchResult(row, Outcome.OK, state="ENABLED"))
    assert "not_run: not run" not in row_line(not_run(row))
    assert "failed: Not allowed" in row_line(
        BatchResult(row, Outcome.FAILED, message="Not allowed")
    )


def test_a_case_summary_keeps_the_change_when_many_reads_followed(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    history = History(path)
    history.record(entry(operation="enable", at="2026-11-29T10:00:00.000+00:00"))
    for n in range(30):  # a QA batch read the skill many times since
        history.record(entry(at=f"2026-11-30T08:{n:02d}:00.000+00:00"))
    history.flush()
    with patch("console.services.case.datetime", FixedNow):
        summary = summarize([], history, skill_ids=[SKILL], profile="default", customer=False)
    history.close()
    assert [a.operation for a in summary.actions].count("enable") == 1
    assert len(summary.actions) == MAX_ACTIONS
    assert summary.left_out == 31 - MAX_ACTIONS
    assert f"and {31 - MAX_ACTIONS} more" in summary.text()
    assert summary.to_dict()["actions_left_out"] == 31 - MAX_ACTIONS


def test_a_huge_age_for_since_means_everything_not_a_failure() -> None:
    assert parse_since("99999999999d") == datetime.min.replace(tzinfo=UTC)


def test_a_row_with_a_quoted_line_break_is_named_by_the_line_it_starts_on() -> None:
    text = f'operation,skill_id,stage\n"sta\ntus",{SKILL},live\nstatus,bad,live\n'
    parsed = parse_rows(text)
    assert [p.line for p in parsed.problems] == [2, 4]


def test_a_semicolon_separated_file_is_told_to_use_commas() -> None:
    parsed = parse_rows(f"operation;skill_id;stage\nstatus;{SKILL};live\n")
    (problem,) = parsed.problems
    assert problem.line == 1 and "separated by ';': use commas" in problem.reason


def test_a_quote_left_open_is_named_where_it_opens() -> None:
    text = f'operation,skill_id,stage\nstatus,"{SKILL},live\nstatus,{SKILL},live\n'
    (problem,) = parse_rows(text).problems
    assert problem.line == 2 and "runs on to line 3: a quote not closed?" in problem.reason


class FakeService:
    """Answers every status read after a turn of the loop."""

    def __init__(self) -> None:
        self.calls = 0

    async def check(self, skill_id: str, stage: str) -> OperationResult:
        self.calls += 1
        await asyncio.sleep(0)
        return OperationResult("status", skill_id, stage, state="ENABLED")

    def region_of(self, endpoint: str | None) -> str | None:
        return None


def test_cancel_from_a_result_callback_stops_cleanly() -> None:
    # `skillctl batch | head` (stdout closed) or a face's "stop at the first failure" cancels
    # from inside on_result, which runs in a worker task: no CancelledError may escape.
    service = FakeService()
    rows = [BatchRow(n, "status", SKILL, "live") for n in range(2, 42)]

    async def service_for(row: BatchRow) -> Any:
        return service

    run = BatchRun(rows, service_for, concurrency=4)
    seen: list[BatchResult] = []

    def on_result(result: BatchResult) -> None:
        seen.append(result)
        if len(seen) == 1:
            run.cancel()

    landed = asyncio.run(run.run(on_result))
    assert run.cancelled
    assert sorted(r.row.line for r in landed) == [r.line for r in rows]  # every row reported
    assert {r.outcome for r in landed} <= {Outcome.OK, Outcome.UNKNOWN, Outcome.NOT_RUN}
    assert service.calls < len(rows)


def test_results_never_overwrite_the_batch_file_itself(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    text = f"operation,skill_id,stage\nstatus,{SKILL},live\n"
    source.write_text(text, encoding="utf-8")
    done = skillctl(tmp_path, "batch", str(source), "--out", str(tmp_path / "." / "in.csv"))
    assert done.returncode == 2
    assert "is the batch file itself" in done.stderr
    assert source.read_text(encoding="utf-8") == text


def test_garbage_with_a_semicolon_is_not_told_about_separators() -> None:
    (problem,) = parse_rows("x;y;\x01z\nfoo\n").problems
    assert "separated" not in problem.reason


def test_history_says_when_the_list_stops_at_the_limit(tmp_path: Path) -> None:
    record(tmp_path, entry(), entry(stage="development"))
    done = skillctl(tmp_path, "history", "--limit", "1")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    assert "the newest 1 shown; --limit N for more" in done.stderr
    assert "--limit" not in skillctl(tmp_path, "history").stderr
    exported = skillctl(tmp_path, "history", "--csv", "--limit", "2")  # an export stops too
    assert "the newest 2 shown" in exported.stderr and len(exported.stdout.splitlines()) == 3


def test_resume_without_out_keeps_the_results_in_the_resumed_file(tmp_path: Path) -> None:
    other = SKILL[:-1] + "2"
    source = tmp_path / "in.csv"
    source.write_text(f"operation,skill_id,stage\nstatus,{SKILL},live\nstatus,{other},live\n")
    earlier = tmp_path / "results.csv"
    with earlier.open("w", encoding="utf-8", newline="") as stream:
        writer = ResultsWriter(stream)
        row = BatchRow(2, "status", SKILL, "live")
        writer.write(BatchResult(row, Outcome.OK, state="ENABLED"))
        writer.write(not_run(BatchRow(3, "status", other, "live")))
    # No login is configured: the row run now fails without sending anything.
    done = skillctl(tmp_path, "batch", str(source), "--resume", str(earlier))
    assert "1 row(s) already answered, 1 to run" in done.stderr
    rows = {r["line"]: r for r in csv.DictReader(io.StringIO(earlier.read_text()))}
    assert rows["2"]["outcome"] == "ok"
    assert rows["3"]["outcome"] == "failed"  # the row run now is in the file too
    assert f"results: {earlier}" in done.stderr


def test_history_lists_cancelled_actions_on_their_own(tmp_path: Path) -> None:
    record(tmp_path, entry(), entry(outcome="cancelled", state=None, stage="development"))
    done = skillctl(tmp_path, "history", "--outcome", "cancelled", "--json")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["stage"] for line in done.stdout.splitlines()] == ["development"]


def test_history_turning_off_during_a_run_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = History(tmp_path / "history.sqlite3")
    assert history.enabled and history.notice is None
    history._db.close()  # type: ignore[union-attr]  # the disk went away under the writer
    history.record(entry())
    assert not history.enabled
    close_history(history, said=None)
    assert "History is off" in capsys.readouterr().err
    close_history(history, said=history.notice)  # said once: not again
    assert capsys.readouterr().err == ""


def test_a_skill_named_twice_in_a_case_is_checked_once() -> None:
    rows = case_rows([SKILL, SKILL], customer=True, profile="default")
    assert [r.operation for r in rows] == ["customer-endpoint", "customer-status"]
    assert len(case_rows([SKILL, SKILL], customer=False, profile="default")) == 2


def test_the_progress_bar_fits_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a: os.terminal_size((60, 20)))
    stream = io.StringIO()
    progress = Progress(1500, stream, bar=True)
    row = BatchRow(2, "status", SKILL, "live")
    for outcome in (Outcome.FAILED, Outcome.NOT_FOUND, Outcome.OK) * 300:
        progress.add(BatchResult(row, outcome), "")
    drawn = [part.removesuffix("\x1b[K") for part in stream.getvalue().split("\r") if part]
    assert drawn and max(len(part) for part in drawn) <= 59


def test_skipped_rows_keep_what_their_line_asked(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"operation,skill_id,stage\nenabel,{SKILL},live\nstatus,=1+1,dev\n")
    out = tmp_path / "out.csv"
    done = skillctl(tmp_path, "batch", str(source), "--skip-invalid", "--out", str(out))
    assert done.returncode == 2, done.stderr  # only skipped rows: nothing sent
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [(r["line"], r["operation"], r["skill_id"], r["stage"], r["outcome"]) for r in rows] == [
        ("2", "enabel", SKILL, "live", "skipped"),
        ("3", "status", "'=1+1", "dev", "skipped"),
    ]
