"""The app's entry coroutine with the real window: start-up failures are shown, not raised."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

import console.app
from console.app import SELF_TEST_MORE, SELF_TEST_SKILL, Options, run, self_test
from console.ui.main_window import MainWindow
from console.ui.palette import ERROR
from tests.gui.colours import text_colour
from tests.gui.workbench import choose_kind, until


async def test_a_sandbox_that_cannot_start_is_shown_in_the_open_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    async def broken() -> None:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(console.app, "start_sandbox", broken)
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, settings, sandbox=True)
    window.show()
    app = asyncio.ensure_future(run(Options(sandbox=True, self_test=False), window))
    await until(lambda: "Too many open files" in window.message.text())
    text = window.message.text()
    assert "Could not start the embedded sandbox" in text and "Ctrl+Q" in text
    assert text_colour(window.message) == ERROR  # shown as an error
    assert "Starting the sandbox" not in text
    assert window.isVisible() and not app.done()  # it waits for the user to read and quit
    window.quit_action.trigger()  # Ctrl+Q
    assert await asyncio.wait_for(app, 10) == 1
    assert "Traceback" not in capsys.readouterr().err


async def test_self_test_checks_through_the_workbench_like_a_user(
    window: MainWindow, capsys: Any
) -> None:
    choose_kind(window, "customer")  # the last session ended on a customer account
    assert await self_test(window) == 0
    line = capsys.readouterr().out
    requests = window.activity.model.rowCount()
    assert window.current_account().name == "developer"  # type: ignore[union-attr]
    first = window.model.skills.index(SELF_TEST_SKILL)
    dev = window.model.cells[window.model.key(first, "development")]
    assert dev.state in ("ENABLED", "NOT_ENABLED") and dev.endpoint
    assert window.selected_skills() == [SELF_TEST_MORE[-1]]  # it changed the selection
    assert line == (
        f"self-test ok: {dev.state} via {dev.endpoint} (NA) in {requests} HTTP request(s); "
        "6 answers on 3 rows, each on its own row\n"
    )


async def test_self_test_reports_a_failed_check_in_one_line(
    window: MainWindow, sandbox: Any, capsys: Any
) -> None:
    sandbox.state.revoke("Atzr|sandbox-developer")
    assert await self_test(window) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("self-test FAILED: Check failed:")
    assert "log in again" in lines[0].lower() and "Atzr|" not in lines[0]


async def test_the_heap_is_settled_once_the_window_has_its_services(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    settled: list[tuple[bool, int]] = []
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, settings, sandbox=True)
    window.show()
    monkeypatch.setattr(
        console.app,
        "settle_heap",  # (the real one would freeze the test process's heap)
        lambda: settled.append((window.backend is not None, window.views.count())),
    )
    assert await run(Options(sandbox=True, self_test=True), window) == 0
    assert settled == [(True, 3)]  # after the backend and the History and Sandbox tabs
    assert capsys.readouterr().out.startswith("self-test ok")
