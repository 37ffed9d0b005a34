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

from console.app import sandbox_backend, start_sandbox
from console.ui.main_window import MainWindow

OUT = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).parent / "screenshots"))
SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"


async def scenario() -> None:
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "w.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, settings, sandbox=True)
    window.resize(1040, 840)
    window.show()
    sandbox = await start_sandbox()
    window.set_backend(sandbox_backend(sandbox))
    try:
        window.selector.skill.setCurrentText(SKILL)
        sandbox.add_fault(route="enable", status=503, retry_after="1", count=1)
        window.enable()
        await window.runner.wait()
        window.check()
        await window.runner.wait()
        save(window, "owner.png")
        for i in range(window.account.count()):
            if window.account.itemData(i).name == "customer-ambiguous":
                window.account.setCurrentIndex(i)
        window.selector.stage.setCurrentText("live")
        window.get_partner_code()
        await window.fetch_task
        window.link()
        await window.runner.wait()
        save(window, "customer.png")
        window.backend.open_browser = lambda url: False  # type: ignore[union-attr]
        window.login.login_button.click()
        # The waiting state: URL to copy, paste box, Cancel (no event exists to await).
        while window.login.flow is None:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        save(window.login, "login-waiting.png")
        window.login.cancel_login()
        if window.login.task is not None:
            await window.login.task
    finally:
        if window.backend is not None:
            await window.backend.aclose()
        await asyncio.to_thread(sandbox.stop)


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
