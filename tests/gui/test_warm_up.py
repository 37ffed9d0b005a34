"""The window's first-use costs are paid in idle turns after the complete window is drawn
(console/ui/warm_up.py): once, a step per turn, and not at all once the window is closing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from console.ui.main_window import MainWindow
from console.ui.warm_up import WarmUp
from tests.gui.workbench import until


async def turns(n: int) -> None:
    """Let the loop run at least `n` turns (a zero timer fires in each)."""
    for _ in range(n):
        await asyncio.sleep(0.001)


def recorder(log: list[str], names: str) -> tuple[Callable[[], None], ...]:
    return tuple((lambda name=name: log.append(name)) for name in names)


def new_window(qtbot: Any, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, settings, sandbox=False)
    qtbot.addWidget(window)
    return window


async def test_steps_run_one_per_turn_once(qtbot: Any) -> None:
    log: list[str] = []
    warm = WarmUp(None, recorder(log, "abc"))
    await turns(2)
    assert log == [] and not warm.done  # nothing before start
    warm.start()
    assert log == []  # not in the caller's turn either
    warm.start()  # again: idempotent
    await until(lambda: warm.done)
    assert log == ["a", "b", "c"]
    warm.start()  # after the end: nothing
    await turns(3)
    assert log == ["a", "b", "c"]


async def test_stop_drops_the_rest(qtbot: Any) -> None:
    log: list[str] = []
    warm = WarmUp(None, recorder(log, "abc"))
    warm.start()
    warm.stop()
    await turns(3)
    assert log == [] and warm.done


async def test_the_window_warms_up_after_its_complete_frame(qtbot: Any, tmp_path: Path) -> None:
    window = new_window(qtbot, tmp_path)
    window.show()
    await until(lambda: window.warm_up is not None and window.warm_up.done)
    assert window._started  # the complete window came first
    first = window.warm_up
    window.repaint()  # later frames start nothing new
    await turns(3)
    assert window.warm_up is first


async def test_closing_the_window_stops_the_warm_up(
    qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    window = new_window(qtbot, tmp_path)
    ran: list[str] = []
    steps = (window.close, *recorder(ran, "ab"))  # the user quits between two steps
    monkeypatch.setattr("console.ui.warm_up.STEPS", steps)
    window.show()
    await until(lambda: window.warm_up is not None and window.warm_up.done)
    await turns(3)
    assert ran == []


async def test_a_window_closed_before_its_warm_up_starts_none(qtbot: Any, tmp_path: Path) -> None:
    window = new_window(qtbot, tmp_path)
    window.show()
    await until(lambda: window._started)
    window.close()
    window.repaint()  # a frame after the close schedules nothing
    await turns(3)
    assert window.warm_up is None or window.warm_up.done
