"""The window's history database opens at first use, once, and its notice is said once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from console.services.history import History
from console.ui import backend as backend_module
from console.ui.backend import Backend


def opened(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    """Make the backend open `path`; returns the names of the threads that opened it."""
    threads: list[str] = []

    def fake_open(retention_days: int | None = None) -> History:
        threads.append(threading.current_thread().name)
        return History(path, retention_days=retention_days)

    monkeypatch.setattr(backend_module, "open_history", fake_open)
    return threads


def test_opens_at_first_use_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    threads = opened(monkeypatch, tmp_path / "history.sqlite3")
    backend = Backend([], {}, login_env={}, persist=False, record=True)
    assert threads == [] and backend.history_notice() is None  # nothing opened at start
    seen: list[History | None] = []
    workers = [threading.Thread(target=lambda: seen.append(backend.history)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(threads) == 1 and len({id(h) for h in seen}) == 1 and seen[0] is backend.history
    assert backend.history_notice() is None  # a healthy history has nothing to say
    seen[0].close()  # type: ignore[union-attr]


def test_notice_said_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    opened(monkeypatch, blocker / "data" / "history.sqlite3")
    backend = Backend([], {}, login_env={}, persist=False, record=True)
    history = backend.history
    assert history is not None and not history.enabled
    notice = backend.history_notice()
    assert notice is not None and "History is off" in notice
    assert backend.history_notice() is None


def test_not_recorded_never_opens(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    threads = opened(monkeypatch, tmp_path / "history.sqlite3")
    backend = Backend([], {}, login_env={}, persist=False)
    assert backend.history is None and threads == []
