"""Profiles in the window: create, switch, rename and delete, each with its own login."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from console.config import list_profiles
from console.ui.backend import Backend
from console.ui.main_window import MainWindow
from tests.sandbox_client import scripted_browser


async def settle(window: MainWindow) -> None:
    for _ in range(3):  # a rename or login ends in a swap, which loads the logins
        for name in ("swap_task", "logins_task"):
            task = getattr(window, name, None)
            if task is not None:
                await task
        if window.login.task is not None:
            await window.login.task
        await asyncio.sleep(0)


async def test_profiles_have_their_own_logins(sandbox: Any, qtbot: Any, tmp_path: Path) -> None:
    def factory(profile: str) -> Backend:
        backend = Backend([], {}, login_env=sandbox.env(), profile=profile)
        backend.open_browser = scripted_browser("developer")[0]
        return backend

    window = MainWindow(
        None, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat), sandbox=False
    )
    qtbot.addWidget(window)
    window.backend_factory = factory
    window.set_backend(factory("default"))
    await settle(window)
    assert "Not signed in" in window.message.text() and window.login.isVisibleTo(window)
    window.login.login_button.click()
    await settle(window)
    assert window.current_account().name == "login-developer"  # type: ignore[union-attr]

    assert window.login.create_profile("qa-eu")
    await settle(window)
    assert window.backend.profile == "qa-eu" and "qa-eu" in list_profiles()  # type: ignore[union-attr]
    assert window.current_account() is None  # a new profile is not signed in
    assert not window.login.create_profile("bad name!")
    assert "not a valid profile name" in window.login.error.text()

    assert window.login.rename_current("qa-eu", "qa-emea")
    await settle(window)
    assert "qa-emea" in list_profiles() and "qa-eu" not in list_profiles()

    window.switch_profile("default")
    await settle(window)
    assert window.current_account().name == "login-developer"  # type: ignore[union-attr]
    await window.backend.aclose()  # type: ignore[union-attr]
