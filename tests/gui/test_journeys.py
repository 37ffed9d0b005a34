"""User journeys through the real window against the sandbox over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from console.ui.main_window import MainWindow
from tests.sandbox_client import SKILL_OTHER, SKILL_TRIVIA, SKILL_WEATHER, scripted_browser


async def run(win: MainWindow, trigger: Any) -> None:
    trigger()
    await win.runner.wait()


async def confirm(win: MainWindow, trigger: Any) -> None:
    trigger()
    box = win.confirm_box
    assert (box.isVisible() and "live" in box.text().lower()) or "unlink" in box.text().lower()
    box.button(QMessageBox.StandardButton.Yes).click()
    await win.runner.wait()


async def sign_in(window: MainWindow, account: str, kind_index: int) -> None:
    """Log in through the pane, with a scripted browser on the sandbox's consent page."""
    window.backend.open_browser = scripted_browser(account)[0]  # type: ignore[union-attr]
    window.login.kind.setCurrentIndex(kind_index)
    window.login.login_button.click()
    assert window.login.task is not None
    await window.login.task
    assert window.current_account().name.startswith("login-")  # type: ignore[union-attr]


async def test_qa_journey(window: MainWindow, qtbot: Any) -> None:
    await sign_in(window, "developer", 0)
    qtbot.keyClicks(window.selector.line_edit, SKILL_TRIVIA)
    assert window.enable_action.isEnabled()
    await run(window, window.enable_action.trigger)
    assert window.status.badge.text() == "Enabled"
    await run(window, lambda: qtbot.keyClick(window, Qt.Key.Key_F5))
    assert window.status.badge.text() == "Enabled" and "(NA)" in window.status.endpoint.text()
    window.selector.stage.setCurrentText("live")
    await run(window, window.enable_action.trigger)
    window.selector.stage.setCurrentText("development")
    await run(window, window.check_action.trigger)
    assert window.status.badge.text() == "Not enabled"
    window.selector.stage.setCurrentText("live")
    await confirm(window, window.disable_action.trigger)
    await run(window, window.check_action.trigger)
    assert window.status.badge.text() == "Not enabled"
    assert window.activity.model.rowCount() == 6
    assert window.selector.recent()[0] == SKILL_TRIVIA


async def test_support_journey(window: MainWindow, sandbox: Any) -> None:
    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": 0})
    await sign_in(window, "customer-ambiguous", 1)
    window.selector.skill.setCurrentText(SKILL_TRIVIA)
    window.selector.stage.setCurrentText("live")
    await run(window, window.endpoint_action.trigger)
    assert sandbox.urls.eu in window.status.message.text()
    window.fetch_code.click()
    await window.fetch_task
    assert window.partner_code.text()
    await run(window, window.link_action.trigger)
    assert window.status.badge.text() == "Enabled" and window.status.link.text() == "LINKED"
    assert "(EU)" in window.status.endpoint.text()
    assert window.partner_code.text() == ""  # a used code is not left to be reused
    await confirm(window, window.unlink_action.trigger)
    assert window.status.badge.text() == "Disabled"


async def test_cancel_on_unconfirmed_live_disable_sends_nothing(window: MainWindow) -> None:
    window.selector.skill.setCurrentText(SKILL_TRIVIA)
    window.selector.stage.setCurrentText("live")
    window.disable_action.trigger()
    window.confirm_box.button(QMessageBox.StandardButton.Cancel).click()
    await window.runner.wait()
    assert window.activity.model.rowCount() == 0


async def test_invalid_ids_typed_and_pasted_send_nothing(window: MainWindow, qtbot: Any) -> None:
    for bad in ("amzn1.ask.skill/../admin", "amzn1.a%2Fb", "skill one", "amzn1.ask?x=1"):
        window.selector.skill.setCurrentText("")
        qtbot.keyClicks(window.selector.line_edit, bad)
        assert not window.check_action.isEnabled() and not window.enable_action.isEnabled()
        assert window.selector.hint.text()
        qtbot.keyClick(window, Qt.Key.Key_F5)
    window.selector.skill.setCurrentText("amzn1.ask.skill/../x")  # as a paste does
    assert not window.enable_action.isEnabled()
    await asyncio.sleep(0)
    assert window.activity.model.rowCount() == 0 and not window.runner.busy


async def test_error_journeys_show_what_to_do(window: MainWindow) -> None:
    window.selector.skill.setCurrentText(SKILL_OTHER)
    await run(window, window.enable_action.trigger)
    text = window.status.message.text()
    assert "Not allowed" in text and "right kind of account" in text
    window.selector.skill.setCurrentText(SKILL_WEATHER)
    window.selector.stage.setCurrentText("live")
    await run(window, window.enable_action.trigger)
    assert "Not found" in window.status.message.text()
    assert window.enable_action.isEnabled()  # nothing left busy


async def test_expired_login_asks_to_log_in_again(window: MainWindow, sandbox: Any) -> None:
    window.selector.skill.setCurrentText(SKILL_TRIVIA)
    sandbox.state.revoke("Atzr|sandbox-developer")
    await run(window, window.check_action.trigger)
    assert "log in again" in window.status.message.text().lower()


async def test_throttling_shows_retries_and_cancel_works(window: MainWindow, sandbox: Any) -> None:
    sandbox.add_fault(route="get-enablement", status=429, retry_after="30", share=1.0)
    window.selector.skill.setCurrentText(SKILL_TRIVIA)
    window.check_action.trigger()
    assert window.runner.busy and window.cancel_action.isEnabled()
    assert not window.runner.start("again", lambda: asyncio.sleep(0))  # no duplicate
    await until(lambda: "retry in" in window.status.message.text())
    assert "retry in 30.0 s" in window.status.message.text()
    window.cancel_action.trigger()
    await window.runner.wait()
    assert "cancelled" in window.status.message.text()
    assert window.check_action.isEnabled() and not window.cancel_action.isEnabled()


async def test_closing_during_an_operation_cancels_cleanly(
    window: MainWindow, sandbox: Any
) -> None:
    sandbox.add_fault(route="get-enablement", latency=5.0, count=1)
    window.selector.skill.setCurrentText(SKILL_TRIVIA)
    window.check_action.trigger()
    await until(lambda: not sandbox.faults.rules())  # the request is at the server, unanswered
    window.close()
    assert window.shutdown.is_set()
    await asyncio.wait_for(window.runner.wait(), timeout=2)
    assert window.runner.task is not None and window.runner.task.done()


async def test_pinned_skills_keep_a_friendly_name_and_persist(window: MainWindow) -> None:
    selector = window.selector
    selector.skill.setCurrentText(SKILL_WEATHER)
    selector.pin_as(SKILL_WEATHER, "Weather (QA)")
    selector.skill.setCurrentText("")
    assert selector.skill.itemText(0) == f"★ Weather (QA) — {SKILL_WEATHER}"
    selector.skill.setCurrentIndex(0)
    selector.skill.activated.emit(0)
    assert selector.skill_id() == SKILL_WEATHER and window.check_action.isEnabled()
    window.save_settings()
    again = MainWindow(None, window.settings, sandbox=True)
    try:
        assert again.selector.pinned == {SKILL_WEATHER: "Weather (QA)"}
    finally:
        again.deleteLater()


async def until(condition: Callable[[], bool]) -> None:
    """Wait (without blocking the Qt loop) until `condition` holds; fail after 10 s."""
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 (Qt state has no event to await)
            await asyncio.sleep(0.01)


async def test_a_disable_whose_follow_up_read_fails_is_shown_as_done_with_a_note(
    window: MainWindow, sandbox: Any
) -> None:
    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": 0})
    await sign_in(window, "customer-eu", 1)
    window.selector.skill.setCurrentText(SKILL_TRIVIA)
    window.selector.stage.setCurrentText("live")
    window.fetch_code.click()
    await window.fetch_task
    await run(window, window.link_action.trigger)
    assert window.status.badge.text() == "Enabled"
    sandbox.add_fault(route="customer-status", status=503, share=1.0)
    await confirm(window, window.unlink_action.trigger)
    assert window.status.badge.text() == "Disabled"
    message = window.status.message.text()
    assert "Unlink: done." in message and "Note: DISABLED was the last answer" in message
