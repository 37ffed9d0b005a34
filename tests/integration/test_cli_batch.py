"""skillctl batch, history and case as scripts use them, against the sandbox over loopback."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from console.batch_csv import RESULT_COLUMNS
from tests.integration.test_cli import skillctl
from tests.sandbox_client import SKILL_OTHER, SKILL_TRIVIA, SKILL_WEATHER

HEADER = "operation,skill_id,stage\n"


def write(path: Path, *lines: str) -> Path:
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def results(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == list(RESULT_COLUMNS)
    return list(reader)


def run(sandbox: Any, tmp_path: Path, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return skillctl(sandbox, *args, XDG_DATA_HOME=str(tmp_path / "data"), **kw)


def history(sandbox: Any, tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    done = run(sandbox, tmp_path, "history", "--json", *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_file_with_bad_rows_is_refused_naming_each_and_nothing_is_sent(
    sandbox: Any, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "in.csv",
        f"enable,{SKILL_TRIVIA},live",
        f"enabel,{SKILL_TRIVIA},live",
        "status,not-a-skill,development",
        f"status,{SKILL_WEATHER},",
    )
    done = run(sandbox, tmp_path, "batch", str(source), "--out", str(tmp_path / "out.csv"))
    assert done.returncode == 2
    for line in ("line 3:", "line 4:", "line 5:"):
        assert line in done.stderr
    assert "line 2:" not in done.stderr
    assert not (tmp_path / "out.csv").exists()
    assert history(sandbox, tmp_path) == []
    assert sandbox.state.world.skills[SKILL_TRIVIA] is not None
    check = skillctl(sandbox, "status", SKILL_TRIVIA, "--stage", "live")
    assert check.returncode == 4  # the good enable row was not sent either


def test_skip_invalid_runs_the_good_rows_and_reports_the_bad_ones(
    sandbox: Any, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "in.csv", f"enable,{SKILL_TRIVIA},live", f"status,{SKILL_WEATHER},stage9"
    )
    out = tmp_path / "out.csv"
    done = run(sandbox, tmp_path, "batch", str(source), "--out", str(out), "--skip-invalid")
    assert done.returncode == 2, done.stderr  # the worst row: an invalid one, skipped
    rows = {r["line"]: r for r in results(out)}
    assert rows["2"]["outcome"] == "ok" and rows["2"]["state"] == "ENABLED"
    assert rows["3"]["outcome"] == "skipped" and "stage9" in rows["3"]["message"]


def test_results_csv_json_lines_and_the_exit_code_rule(sandbox: Any, tmp_path: Path) -> None:
    source = write(
        tmp_path / "in.csv",
        f"status,{SKILL_TRIVIA},development",
        f"status,{SKILL_WEATHER},development",
    )
    out = tmp_path / "out.csv"
    done = run(sandbox, tmp_path, "--json", "batch", str(source), "--out", str(out))
    assert done.returncode == 4, done.stderr  # every failure is "not enabled"
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert sorted(d["line"] for d in lines) == [2, 3]
    assert {d["outcome"] for d in lines} == {"not_found"}
    assert [r["region"] for r in results(out)] == ["na", "na"]
    assert all(r["request_id"] for r in results(out))  # what Amazon support asks for
    enable = write(tmp_path / "enable.csv", f"enable,{SKILL_WEATHER},development")
    assert run(sandbox, tmp_path, "batch", str(enable)).returncode == 0
    # A forbidden row (exit class 1) outranks a "not enabled" row (4).
    mixed = write(
        tmp_path / "mixed.csv", f"status,{SKILL_TRIVIA},live", f"status,{SKILL_OTHER},live"
    )
    assert run(sandbox, tmp_path, "batch", str(mixed)).returncode == 1
    sandbox.add_fault(route="get-enablement", status=503, share=1.0)
    worst = run(sandbox, tmp_path, "batch", str(mixed), SKILL_CONSOLE_MAX_ATTEMPTS="2")
    assert worst.returncode == 5  # server errors outrank "forbidden"


def test_standard_input_and_plain_lines_when_piped(sandbox: Any, tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    environ |= sandbox.env("developer") | {"XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "console", "batch", "-"],
        input=HEADER + f"enable,{SKILL_TRIVIA},live\n",
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("line 2  enable")
    assert "\r" not in done.stderr  # no progress bar when not on a terminal


def test_ctrl_c_leaves_a_valid_partial_file_and_resume_runs_the_rest(
    sandbox: Any, tmp_path: Path
) -> None:
    lines = [f"disable,{SKILL_WEATHER},development"] * 4
    lines += [f"status,{SKILL_WEATHER},development"] * 6
    source = write(tmp_path / "in.csv", *lines)
    out = tmp_path / "first.csv"
    sandbox.add_fault(route="get-enablement", latency=60.0, share=1.0)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    environ |= sandbox.env("developer") | {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "SKILL_CONSOLE_TIMEOUT": "90",
        "SKILL_CONSOLE_DEADLINE": "120",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "batch", str(source), "--out", str(out)],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (out.exists() and len(results(out)) == 4 and sandbox.in_flight() >= 1):
            assert time.monotonic() < deadline, "the batch never reached the slow rows"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    first = results(out)
    assert len(first) == 10  # every row reported: answered, unknown or not run
    by_outcome = {r["line"]: r["outcome"] for r in first}
    assert [by_outcome[str(n)] for n in range(2, 6)] == ["ok"] * 4
    assert set(by_outcome[str(n)] for n in range(6, 12)) <= {"unknown", "not_run"}
    assert "unknown" in by_outcome.values()
    sandbox.faults.clear()
    again = tmp_path / "second.csv"
    done = run(sandbox, tmp_path, "batch", str(source), "--resume", str(out), "--out", str(again))
    assert done.returncode == 4, done.stderr  # the rest: "not enabled" status answers
    assert "4 row(s) already answered, 6 to run" in done.stderr
    second = results(again)
    assert sorted(int(r["line"]) for r in second) == list(range(2, 12))
    assert {r["outcome"] for r in second} == {"ok", "not_found"}
    assert len(done.stdout.splitlines()) == 6  # only the rows not done were run


def test_history_lists_every_action_newest_first(sandbox: Any, tmp_path: Path) -> None:
    assert run(sandbox, tmp_path, "enable", SKILL_TRIVIA, "--stage", "live").returncode == 0
    source = write(tmp_path / "in.csv", f"status,{SKILL_TRIVIA},live", f"status,{SKILL_OTHER},live")
    run(sandbox, tmp_path, "batch", str(source))
    entries = history(sandbox, tmp_path)
    assert [e["operation"] for e in entries][-1] == "enable"
    assert entries[-1]["batch_id"] is None and entries[0]["batch_id"]
    assert all(e["request_id"] for e in entries)
    assert [e["skill_id"] for e in history(sandbox, tmp_path, "--outcome", "failed")] == [
        SKILL_OTHER
    ]
    assert len(history(sandbox, tmp_path, "--skill", SKILL_TRIVIA)) == 2
    assert len(history(sandbox, tmp_path, "--limit", "1")) == 1
    assert history(sandbox, tmp_path, "--since", "2999-01-01") == []
    as_csv = run(sandbox, tmp_path, "history", "--csv")
    assert as_csv.stdout.splitlines()[0].startswith("at,profile,kind,operation")
    plain = run(sandbox, tmp_path, "history")
    assert "forbidden" in plain.stdout
    bad = run(sandbox, tmp_path, "history", "--since", "yesterday-ish")
    assert bad.returncode == 2


def test_case_summary_for_a_customer_has_region_states_and_no_secret(
    sandbox: Any, tmp_path: Path
) -> None:
    disable = run(sandbox, tmp_path, "customer", "disable", SKILL_TRIVIA, account="customer-eu")
    assert disable.returncode in (0, 4), disable.stderr
    done = run(
        sandbox,
        tmp_path,
        "case",
        "--customer",
        SKILL_TRIVIA,
        SKILL_WEATHER,
        account="customer-eu",
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "Customer region: EU" in text
    assert SKILL_TRIVIA in text and SKILL_WEATHER in text
    assert "customer-disable" in text  # what was done in this case, from the history
    for secret in ("Atza|", "Atzr|", "sandbox-client-secret", "Bearer"):
        assert secret not in text
    as_json = run(
        sandbox, tmp_path, "case", "--customer", "--json", SKILL_TRIVIA, account="customer-eu"
    )
    summary = json.loads(as_json.stdout)
    assert summary["region"] == "eu" and summary["login"] == "customer"
    assert summary["skills"][0]["skill_id"] == SKILL_TRIVIA


def test_case_summary_for_the_owner_checks_both_stages(sandbox: Any, tmp_path: Path) -> None:
    done = run(sandbox, tmp_path, "case", SKILL_TRIVIA)
    assert done.returncode == 0, done.stderr
    assert f"{SKILL_TRIVIA} development:" in done.stdout
    assert f"{SKILL_TRIVIA} live:" in done.stdout


def test_a_crash_mid_batch_loses_no_answered_row_from_the_history(
    sandbox: Any, tmp_path: Path
) -> None:
    lines = [f"disable,{SKILL_WEATHER},development"] * 3
    lines += [f"status,{SKILL_WEATHER},development"] * 3
    source = write(tmp_path / "in.csv", *lines)
    out = tmp_path / "out.csv"
    sandbox.add_fault(route="get-enablement", latency=60.0, share=1.0)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    environ |= sandbox.env("developer") | {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "SKILL_CONSOLE_TIMEOUT": "90",
        "SKILL_CONSOLE_DEADLINE": "120",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "batch", str(source), "--out", str(out)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not (out.exists() and len(results(out)) == 3 and sandbox.in_flight() >= 1):
            assert time.monotonic() < deadline, "the batch never reached the slow rows"
            time.sleep(0.02)
        proc.kill()  # no clean-up at all
        proc.wait(timeout=10)
    finally:
        proc.kill()
    sandbox.faults.clear()
    recorded = history(sandbox, tmp_path)
    assert [e["operation"] for e in recorded] == ["disable"] * 3
