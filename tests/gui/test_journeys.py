"""User journeys through the real workbench against the sandbox over loopback."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from PySide6.QtCore import Qt

from console.ui.main_window import MainWindow
from tests.gui.workbench import cell, choose, confirm, run, select, shown, until
from tests.sandbox_client import SKILL_OTHER, SKILL_TRIVIA, SKILL_WEATHER, scripted_browser


async def sign_in(window: MainWindow, account: str, kind_index: int) -> None:
    """Log in through the pane, with a scripted browser on the sandbox's consent page."""
    window.backend.open_browser = scripted_browser(account)[0]  # type: ignore[union-attr]
    window.sign_in.setChecked(True)
    assert window.login.isVisible()
    window.login.kind.setCurrentIndex(kind_index)
    window.login.login_button.click()
    assert window.login.task is not None
    await window.login.task
    assert window.current_account().name.startswith("login-")  # type: ignore[union-attr]
    assert not window.login.isVisible()  # folded to the account bar once signed in


async def test_qa_journey(window: MainWindow, qtbot: Any) -> None:
    await sign_in(window, "developer", 0)
    qtbot.keyClicks(window.add_ids, f"  {SKILL_TRIVIA} ")  # with spaces around: trimmed
    qtbot.keyClick(window.add_ids, Qt.Key.Key_Return)
    assert SKILL_TRIVIA in window.model.skills
    select(window, SKILL_TRIVIA)
    assert window.enable_action.isEnabled()
    await run(window, window.enable_action.trigger)
    assert cell(window, SKILL_TRIVIA, "development").state == "ENABLED"
    await run(window, lambda: qtbot.keyClick(window, Qt.Key.Key_F5))
    dev = cell(window, SKILL_TRIVIA, "development")
    assert dev.state == "ENABLED" and dev.region == "na" and dev.checked is not None
    window.stage.setCurrentText("live")
    question = await confirm(window, window.enable_action.trigger)
    assert "live" in question and SKILL_TRIVIA in question and "Sandbox Trivia" in question
    assert cell(window, SKILL_TRIVIA, "live").state == "ENABLED"
    other = cell(window, SKILL_TRIVIA, "development")  # item 5: the row says so
    assert other.state == "NOT_ENABLED" and "disables" in (other.note or "")
    assert "disables" in shown(window, SKILL_TRIVIA, 2)
    await confirm(window, window.disable_action.trigger)
    await run(window, window.check_action.trigger)
    assert cell(window, SKILL_TRIVIA, "live").state == "NOT_ENABLED"
    assert (
        window.activity.model.rowCount() == 8
    )  # sign-in token, enable, check ×2, enable, disable, check ×2
    assert window.recent[0] == SKILL_TRIVIA


async def test_support_journey(window: MainWindow, sandbox: Any) -> None:
    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": 0})
    await sign_in(window, "customer-ambiguous", 1)
    await run(window, window.endpoint_action.trigger)
    assert "Europe (EU)" in window.who.text() and "EU endpoint" in window.message.text()
    assert "could not decide" in window.message.text()
    assert sandbox.urls.eu not in window.message.text()  # named, not a raw host (item 18)
    select(window, SKILL_TRIVIA)
    window.stage.setCurrentText("live")
    assert not window.link_action.isEnabled()  # no code, no Link (item 6)
    window.detail.fetch_code.click()
    assert window.fetch_task is not None
    await window.fetch_task
    assert window.detail.partner_code.text() and window.link_action.isEnabled()
    await run(window, window.detail.link_button.click)
    linked = cell(window, SKILL_TRIVIA)
    assert linked.state == "ENABLED" and linked.account_link == "LINKED" and linked.region == "eu"
    assert shown(window, SKILL_TRIVIA, 3) == "Linked" and "Europe" in shown(window, SKILL_TRIVIA, 4)
    assert window.detail.partner_code.text() == ""  # a used code is not left to be reused
    question = await confirm(window, window.unlink_action.trigger)
    assert SKILL_TRIVIA in question and "customer" in question
    assert cell(window, SKILL_TRIVIA).state == "DISABLED"


async def test_cancel_on_unconfirmed_live_disable_sends_nothing(window: MainWindow) -> None:
    select(window, SKILL_TRIVIA)
    window.stage.setCurrentText("live")
    window.disable_action.trigger()
    assert window.confirm_box is not None
    assert "Yes" not in [b.text() for b in window.confirm_box.buttons()]  # type: ignore[attr-defined]
    window.confirm_box.reject()  # type: ignore[attr-defined]
    await asyncio.sleep(0)
    assert window.activity.model.rowCount() == 0 and not window.busy


async def test_invalid_ids_typed_and_pasted_send_nothing(window: MainWindow, qtbot: Any) -> None:
    before = list(window.model.skills)
    for bad in ("amzn1.ask.skill/../admin", "amzn1.a%2Fb", "amzn1.ask?x=1"):
        window.add_ids.clear()
        qtbot.keyClicks(window.add_ids, bad)
        qtbot.keyClick(window.add_ids, Qt.Key.Key_Return)
        assert window.model.skills == before
        assert "not a skill ID" in window.message.text() and window.add_ids.text() == bad
    window.add_ids.setText(f"\n {SKILL_WEATHER} ,\t{SKILL_OTHER}\r\n")  # as a paste does
    window.add_button.click()
    assert window.model.skills[-2:] == [SKILL_WEATHER, SKILL_OTHER] or set(
        [SKILL_WEATHER, SKILL_OTHER]
    ) <= set(window.model.skills)
    window.select_skills([])
    assert not window.check_action.isEnabled()  # nothing selected, nothing to send
    qtbot.keyClick(window, Qt.Key.Key_F5)
    await asyncio.sleep(0)
    assert window.activity.model.rowCount() == 0 and not window.busy


async def test_error_journeys_keep_the_known_state_and_say_what_to_do(
    window: MainWindow,
) -> None:
    select(window, SKILL_OTHER)
    await run(window, window.enable_action.trigger)
    refused = cell(window, SKILL_OTHER, "development")
    assert not refused.lost and "Not allowed" in (refused.failed or "")
    assert "right kind of account" in window.detail.text.toPlainText()
    select(window, SKILL_WEATHER)
    await run(window, window.check_action.trigger)
    known = cell(window, SKILL_WEATHER, "live").state
    window.stage.setCurrentText("live")
    await confirm(window, window.enable_action.trigger)
    weather = cell(window, SKILL_WEATHER, "live")
    assert weather.state == known and not weather.lost  # a 404 keeps what was known (item 6)
    assert "Not found" in (weather.failed or "")
    assert window.enable_action.isEnabled()  # nothing left busy


async def test_expired_login_asks_to_log_in_again(window: MainWindow, sandbox: Any) -> None:
    select(window, SKILL_TRIVIA)
    sandbox.state.revoke("Atzr|sandbox-developer")
    await run(window, window.check_action.trigger)
    assert "log in again" in window.detail.text.toPlainText().lower()


async def test_closing_during_an_operation_cancels_cleanly(
    window: MainWindow, sandbox: Any
) -> None:
    sandbox.add_fault(route="get-enablement", latency=5.0, count=1)
    select(window, SKILL_TRIVIA)
    window.check_action.trigger()
    await until(lambda: not sandbox.faults.rules())  # the request is at the server, unanswered
    window.close()
    assert window.shutdown.is_set()
    await asyncio.wait_for(window.wait_batch(), timeout=2)
    assert window.batch_task is not None and window.batch_task.done()


async def test_pinned_skills_and_sets_keep_their_names_and_persist(window: MainWindow) -> None:
    select(window, SKILL_WEATHER)
    window.pin(SKILL_WEATHER, "Weather (QA)")
    assert shown(window, SKILL_WEATHER, 0) == "Weather (QA)"
    select(window, SKILL_WEATHER, SKILL_TRIVIA)
    window.save_pinned_set("qa")
    window.save_settings()
    again = MainWindow(None, window.settings, sandbox=True)
    try:
        assert again.pinned == {SKILL_WEATHER: "Weather (QA)"}
        assert again.sets == {"qa": [SKILL_TRIVIA, SKILL_WEATHER]}
    finally:
        again.deleteLater()


async def test_a_disable_whose_follow_up_read_fails_is_shown_as_done_with_a_note(
    window: MainWindow, sandbox: Any
) -> None:
    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": 0})
    choose(window, "customer-eu")
    select(window, SKILL_TRIVIA)
    window.stage.setCurrentText("live")
    window.get_partner_code()
    await until(lambda: window.fetch_task is None)
    await run(window, window.link_action.trigger)
    assert cell(window, SKILL_TRIVIA).state == "ENABLED"
    sandbox.add_fault(route="customer-status", status=503, share=1.0)
    await confirm(window, window.unlink_action.trigger)
    unlinked = cell(window, SKILL_TRIVIA)
    assert unlinked.state == "DISABLED" and not unlinked.failed
    assert "DISABLED was the last answer" in window.detail.text.toPlainText()
