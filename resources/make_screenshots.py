"""Regenerate the README screenshots from the real app against the embedded sandbox.

QT_QPA_PLATFORM=offscreen uv run python resources/make_screenshots.py

SCREENSHOT_DIR=/tmp/shots writes them elsewhere (to look before replacing the README's).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from console.app import add_views, sandbox_backend, start_sandbox
from console.ui.main_window import MainWindow

OUT = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).parent / "screenshots"))
TRIVIA = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"
WEATHER = "amzn1.ask.skill.00000000-0000-4000-8000-000000000002"
SIZE = (1366, 740)  # a 1366x768 laptop less a title bar


async def scenario() -> None:
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "w.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, settings, sandbox=True)
    window.resize(*SIZE)
    window.show()
    sandbox = await start_sandbox()
    window.set_backend(sandbox_backend(sandbox, record=False))
    panel = add_views(window, sandbox)
    try:
        # Owner: enable development through a 503 and a retry; both stages side by side.
        choose(window, "developer")
        window.stage.setCurrentText("development")
        window.select_skills([TRIVIA, WEATHER])
        window.check_action.trigger()
        await window.wait_batch()
        window.select_skills([TRIVIA])
        sandbox.add_fault(route="enable", status=503, retry_after="1", count=1)
        window.enable_action.trigger()
        await window.wait_batch()
        save(window, "owner.png")
        # Customer whose region is ambiguous: link through a fresh sandbox partner code.
        choose(window, "customer-ambiguous")
        window.stage.setCurrentText("live")
        window.select_skills([TRIVIA, WEATHER])
        window.check_action.trigger()
        await window.wait_batch()
        window.select_skills([TRIVIA])
        window.get_partner_code()
        if window.fetch_task is not None:
            await window.fetch_task
        window.link_action.trigger()
        await window.wait_batch()
        save(window, "customer.png")
        # The sandbox panel: addresses and one-click faults, with one fault waiting.
        sandbox.add_fault(route="get-enablement", status=429, retry_after="2", count=3)
        window.views.setCurrentWidget(panel)
        await panel.refresh()
        await panel.wait_idle()
        save(window, "sandbox.png")
        window.views.setCurrentIndex(0)
        # Signing in when no browser can be opened: URL to copy, paste box, Cancel.
        window.backend.open_browser = lambda url: False  # type: ignore[union-attr]
        window.login.login_button.click()
        while window.login.flow is None:  # noqa: ASYNC110 (no event to await)
            await asyncio.sleep(0.01)
        save(window, "login-waiting.png")
        window.login.cancel_login()
        if window.login.task is not None:
            await window.login.task
    finally:
        await window.wait_idle()
        await panel.aclose()
        if window.backend is not None:
            await window.backend.aclose()
        await asyncio.to_thread(sandbox.stop)


def choose(window: MainWindow, name: str) -> None:
    assert window._choose_account(name), name


def save(window: MainWindow, name: str) -> None:
    OUT.mkdir(exist_ok=True)
    window.grab().save(str(OUT / name), "PNG", 9)


def main() -> int:
    app = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(scenario())
    return 0


if __name__ == "__main__":
    sys.exit(main())
