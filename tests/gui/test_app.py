"""The app's entry coroutine with the real window: start-up failures are shown, not raised."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

import console.app
from console.app import Options, run
from console.ui.main_window import MainWindow
from tests.gui.test_journeys import until


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
    await until(lambda: "Too many open files" in window.status.message.text())
    text = window.status.message.text()
    assert "Could not start the embedded sandbox" in text and "Ctrl+Q" in text
    assert "#cf222e" in window.status.message.styleSheet()  # shown as an error
    assert not window.status.progress.isVisible()  # no longer "Starting the sandbox…"
    assert window.isVisible() and not app.done()  # it waits for the user to read and quit
    window.quit_action.trigger()  # Ctrl+Q
    assert await asyncio.wait_for(app, 10) == 1
    assert "Traceback" not in capsys.readouterr().err
