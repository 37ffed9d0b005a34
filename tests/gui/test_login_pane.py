"""Logging in from the window: scripted browser, paste fallback, deny, log out."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from console.ui.main_window import MainWindow
from tests.gui.workbench import cell, run, select, until
from tests.sandbox_client import SKILL_TRIVIA, fake_xdg_open, scripted_browser


async def login(window: MainWindow) -> None:
    window.login.login_button.click()
    assert window.login.task is not None
    await window.login.task


async def test_qa_logs_in_with_the_browser_then_works(window: MainWindow) -> None:
    opener, answers = scripted_browser("developer")
    window.backend.open_browser = opener  # type: ignore[union-attr]
    await login(window)
    assert window.current_account().name == "login-developer"  # type: ignore[union-attr]
    assert "Signed in: developer" in window.login.state.text()
    assert (
        "expires in 59:" in window.login.state.text()
        or "expires in 60:" in window.login.state.text()
    )
    assert answers[0].status_code == 200
    token_url = window.backend.login_env["SKILL_CONSOLE_LWA_TOKEN_URL"]  # type: ignore[union-attr]
    logged = window.activity.model.attempts()
    assert any(a.url == token_url and a.method == "POST" for a in logged)  # item 9
    assert "Developer" in window.who.text() and "skill owner" in window.who.text()
    select(window, SKILL_TRIVIA)
    await run(window, window.enable_action.trigger)
    assert cell(window, SKILL_TRIVIA, "development").state == "ENABLED"
    assert window.log_out.isEnabled()
    window.log_out.click()  # the account bar's Log out
    assert window.login.task is not None
    await window.login.task
    assert not window.model.cells  # what belonged to the login is gone with it (item 10)
    assert "Sandbox: the demo accounts below are signed in" in window.login.state.text()
    assert all(a.name != "login-developer" for a in window.backend.accounts)  # type: ignore[union-attr]


async def test_paste_fallback_and_waiting_state(window: MainWindow, sandbox: Any) -> None:
    captured: list[str] = []
    window.backend.open_browser = lambda url: False  # type: ignore[union-attr]
    window.login.kind.setCurrentIndex(1)  # customer
    window.login.login_button.click()
    for _ in range(200):
        if window.login.flow is not None:
            break
        await asyncio.sleep(0.01)
    assert window.login.waiting.isVisible() and window.login.url.text().startswith("http")
    assert "No browser" in window.login.waiting_label.text()  # said, not "Waiting…" (item 11)
    opener, _ = scripted_browser(
        "customer-eu", tamper=lambda loc: captured.append(loc) or "http://127.0.0.1:9/"
    )
    opener(window.login.url.text())
    for _ in range(500):
        if captured:
            break
        await asyncio.sleep(0.01)
    window.login.paste.setText(captured[0].replace("state=", "state=x"))
    window.login.use_pasted()
    assert "state mismatch" in window.login.error.text()
    assert window.login.paste.text()  # nothing the user typed is lost
    window.login.paste.setText(captured[0])
    window.login.use_pasted()
    assert window.login.task is not None
    await window.login.task
    assert window.current_account().kind == "customer"  # type: ignore[union-attr]
    assert not window.login.waiting.isVisible()


async def test_denied_login_says_what_to_do(window: MainWindow) -> None:
    opener, _ = scripted_browser("developer", decision="deny")
    window.backend.open_browser = opener  # type: ignore[union-attr]
    await login(window)
    assert "denied" in window.login.error.text() and "Allow" in window.login.error.text()
    assert window.login.login_button.isEnabled()
    window.backend.open_browser = scripted_browser("developer")[0]  # type: ignore[union-attr]
    await login(window)
    assert not window.login.error.text()  # no old red error under "Signed in" (item 10)


async def test_cancel_while_waiting(window: MainWindow) -> None:
    window.backend.open_browser = lambda url: True  # type: ignore[union-attr]
    window.sign_in.setChecked(True)
    window.login.login_button.click()
    for _ in range(200):
        if window.login.flow is not None:
            break
        await asyncio.sleep(0.01)
    assert "No browser window?" in window.login.waiting_label.text()  # claims no browser
    window.login.cancel_login()
    assert window.login.task is not None
    await window.login.task
    assert "cancelled" in window.login.error.text().lower()


async def test_a_login_amazon_ended_leaves_the_window(window: MainWindow, sandbox: Any) -> None:
    from tests.gui.test_journeys import until

    window.backend.open_browser = scripted_browser("developer")[0]  # type: ignore[union-attr]
    await login(window)
    assert window.current_account().name == "login-developer"  # type: ignore[union-attr]
    for token in list(sandbox.state.world.grants):
        if "sandbox-" not in token:
            sandbox.state.revoke(token)
    sandbox.clock.advance(3700)  # the access token expired: the refresh meets the revocation
    select(window, SKILL_TRIVIA)
    await run(window, window.check_action.trigger)
    await until(lambda: "developer" not in window.login.state.text())
    assert "log in again" in window.message.text().lower()  # whichever came first
    assert all(a.name != "login-developer" for a in window.backend.accounts)  # type: ignore[union-attr]


async def test_a_desktop_without_a_browser_is_told_to_open_the_url(
    window: MainWindow, tmp_path: Path, monkeypatch: Any
) -> None:
    fake_xdg_open(tmp_path, monkeypatch, exit_code=3)  # xdg-open found no browser
    window.backend.open_browser = None  # type: ignore[union-attr]  # the system's opener
    window.login.login_button.click()
    await until(lambda: window.login.flow is not None)
    assert "No browser could be opened" in window.login.waiting_label.text()
    window.cancel_action.trigger()
    await until(lambda: not window.login.busy)


async def test_a_logout_that_cannot_revoke_names_login_with_amazon(
    window: MainWindow, sandbox: Any
) -> None:
    window.backend.open_browser = scripted_browser("developer")[0]  # type: ignore[union-attr]
    await login(window)
    sandbox.add_fault(route="revoke", drop=True, share=1.0)
    window.login.start_logout()
    assert window.login.task is not None
    await window.login.task
    said = window.login.error.text()
    assert "Login with Amazon could not be reached" in said and "127.0.0.1" not in said
    assert "/auth/o2/revoke" in window.login.error.toolTip()  # the address, for support
