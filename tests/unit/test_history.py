"""The history database: rows as they land, two writers, a damaged file, a read-only directory."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.config import history_retention_days
from console.services.history import CHECKPOINT_ROWS, History, HistoryEntry, now_iso


def entry(n: int = 0, **over: object) -> HistoryEntry:
    fields: dict[str, object] = {
        "at": now_iso(),
        "profile": "default",
        "kind": "developer",
        "operation": "status",
        "skill_id": f"skill-{n}",
        "stage": "live",
        "outcome": "ok",
        "state": "ENABLED",
    }
    return HistoryEntry(**(fields | over))  # type: ignore[arg-type]


def test_rows_are_committed_as_they_land_and_listed_newest_first(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    history = History(path)
    history.record(entry(1))
    history.record(entry(2, outcome="failed", error_kind="throttled", message="Throttled"))
    history.flush()  # the writer thread commits each row at once; this waits for it
    # Another connection (another process, a crash later) already sees both rows.
    reader = History(path)
    assert [e.skill_id for e in reader.query()] == ["skill-2", "skill-1"]
    assert [e.skill_id for e in reader.query(outcome="failed")] == ["skill-2"]
    assert [e.skill_id for e in reader.query(skill_id="skill-1")] == ["skill-1"]
    assert reader.query(since=datetime.now(UTC) + timedelta(minutes=1)) == []
    assert len(reader.query(limit=1)) == 1
    history.close()
    reader.close()


def test_messages_are_redacted_before_they_are_stored(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    history = History(path)
    history.record(entry(message="refused: Bearer Atza|secret-token-value code=ANSWERCODE"))
    history.close()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"Atza|secret-token-value" not in data
    assert b"ANSWERCODE" not in data


def test_two_processes_writing_at_once_both_succeed(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    History(path).close()  # the schema exists before the race
    script = textwrap.dedent(
        f"""
        import sys
        from console.services.history import CHECKPOINT_ROWS, History, HistoryEntry, now_iso
        h = History({str(path)!r})
        assert h.enabled, h.notice
        for n in range(150):
            h.record(HistoryEntry(at=now_iso(), profile=sys.argv[1], kind=None,
                                  operation="status", skill_id=str(n)))
        h.close()
        assert h.notice is None, h.notice
        """
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, name]) for name in ("one", "two")]
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    history = History(path)
    rows = history.query(limit=None)
    assert len(rows) == 300
    assert {r.profile for r in rows} == {"one", "two"}
    history.close()


def test_a_damaged_database_is_moved_aside_and_a_new_one_started(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    history = History(path)
    assert history.enabled
    assert history.notice is not None and "moved aside" in history.notice
    aside = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    history.record(entry(1))
    assert len(history.query()) == 1
    history.close()


def test_a_data_directory_that_cannot_be_written_turns_history_off(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    history = History(blocker / "data" / "history.sqlite3")
    assert not history.enabled
    assert history.notice is not None and "History is off" in history.notice
    history.record(entry(1))  # a no-op, not an error
    assert history.query() == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_a_read_only_data_directory_turns_history_off(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o500)
    try:
        history = History(data / "history.sqlite3")
        assert not history.enabled
        assert history.notice is not None and str(data) in history.notice
    finally:
        data.chmod(0o700)


def test_rows_older_than_the_retention_are_dropped_on_open(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    history = History(path)
    old = (datetime.now(UTC) - timedelta(days=100)).isoformat()
    history.record(entry(1, at=old))
    history.record(entry(2))
    history.close()
    kept = History(path, retention_days=0)  # 0 keeps everything
    assert len(kept.query()) == 2
    kept.close()
    pruned = History(path)  # the default, 90 days
    assert [e.skill_id for e in pruned.query()] == ["skill-2"]
    pruned.close()


def test_the_retention_setting_is_read_from_settings_toml(tmp_path: Path) -> None:
    settings = tmp_path / "settings.toml"
    assert history_retention_days(settings) is None
    settings.write_text("[history]\nretention_days = 30\n")
    assert history_retention_days(settings) == 30
    # A value that cannot be read keeps everything: a typo must not delete history.
    for wrong in ("'forever'", "-1", "'365'", "true"):
        settings.write_text(f"[history]\nretention_days = {wrong}\n")
        assert history_retention_days(settings) == 0, wrong
    settings.write_text("[history\nretention_days = 30\n")
    assert history_retention_days(settings) == 0
    settings.write_text("[other]\nx = 1\n")
    assert history_retention_days(settings) is None


def test_the_log_is_checkpointed_on_a_worker_thread_not_in_a_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.sqlite3"
    history = History(path)
    assert history._db is not None
    assert history._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    threads: list[threading.Thread] = []
    checkpoint = History._checkpoint

    def spy(self: History) -> None:
        threads.append(threading.current_thread())
        checkpoint(self)

    monkeypatch.setattr(History, "_checkpoint", spy)

    async def rows_land() -> None:  # one row per turn of the loop, as a batch's answers do
        for n in range(CHECKPOINT_ROWS):
            history.record(entry(n))
            await asyncio.sleep(0)

    asyncio.run(rows_land())
    history.close()  # waits for the checkpoint; closing the last connection copies the rest
    assert threads and threading.main_thread() not in threads
    assert not Path(f"{path}-wal").exists()
    reader = History(path)
    assert len(reader.query(limit=None)) == CHECKPOINT_ROWS
    reader.close()
