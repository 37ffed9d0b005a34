"""The real main window wired to the test sandbox, driven like a user with qtbot.

GUI tests are coroutines run on ONE session-wide qasync loop by the hook below (the pattern
of QT-ASYNC-NOTES "without pytest-asyncio"): a fresh QEventLoop per test crashed the
interpreter at exit (PySide6 6.12 + qasync 0.28) once a handful had been created.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from console.app import sandbox_backend
from console.ui.main_window import MainWindow

TEST_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    qapp.setQuitOnLastWindowClosed(False)  # as the app does (QT-ASYNC-NOTES)
    loop = qasync.QEventLoop(qapp)
    yield loop
    loop.close()  # before the QApplication goes, or its __del__ touches deleted signals


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    loop: qasync.QEventLoop = pyfuncitem.funcargs["qloop"]  # type: ignore[assignment]
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    loop.run_until_complete(asyncio.wait_for(pyfuncitem.obj(**kwargs), TEST_TIMEOUT))
    return True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (
            isinstance(item, pytest.Function)
            and Path(str(item.path)).parent == Path(__file__).parent
            and inspect.iscoroutinefunction(item.obj)
            and "qloop" not in item.fixturenames
        ):
            item.fixturenames.append("qloop")


@pytest.fixture
def window(
    sandbox: Any, qtbot: Any, qloop: qasync.QEventLoop, tmp_path: Path
) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    win = MainWindow(None, settings, sandbox=True)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()  # key presses reach it on a real display too, not only offscreen
    backend = sandbox_backend(sandbox)
    fast = {"SKILL_CONSOLE_RETRY_BASE": "0.01", "SKILL_CONSOLE_TIMEOUT": "5"}
    backend._envs = {name: dict(env) | fast for name, env in backend._envs.items()}

    async def setup() -> None:  # set_backend starts tasks: they belong on the test loop
        win.set_backend(backend)
        if win.logins_task is not None:
            await win.logins_task

    qloop.run_until_complete(setup())
    yield win

    async def cleanup() -> None:
        await win.wait_idle()  # every task the window started, not only the operation
        await backend.aclose()

    qloop.run_until_complete(cleanup())
