"""The window under stress: a locked keychain, stale results, duplicates, focus, mnemonics."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from console.ui.backend import Backend
from console.ui.main_window import MainWindow
from tests.gui.workbench import cell, choose, choose_kind, run, select, until
from tests.sandbox_client import PARTNER_REDIRECT, SKILL_FLAKY, SKILL_OTHER, SKILL_TRIVIA


def real_window(qtbot: Any, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, settings, sandbox=False)
    qtbot.addWidget(window)
    return window


async def test_keychain_is_read_off_the_ui_thread_and_not_every_second(
    sandbox: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    reads: list[threading.Thread] = []
    original = keyring.get_password

    def counting(service: str, key: str) -> str | None:
        reads.append(threading.current_thread())
        return original(service, key)

    monkeypatch.setattr(keyring, "get_password", counting)
    window = real_window(qtbot, tmp_path)
    window.set_backend(Backend([], {}, login_env=sandbox.env(), profile="default"))
    assert window.logins_task is not None
    await window.logins_task
    assert reads and all(t is not threading.main_thread() for t in reads)
    before = len(reads)
    for _ in range(5):
        window.login.refresh()  # what the 1 s countdown timer does
    assert len(reads) == before
    await window.wait_idle()


async def test_a_locked_keychain_is_explained_not_fatal(
    sandbox: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    def locked(service: str, key: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    monkeypatch.setattr(keyring, "get_password", locked)
    window = real_window(qtbot, tmp_path)
    window.set_backend(Backend([], {}, login_env=sandbox.env(), profile="default"))
    assert window.logins_task is not None
    await window.logins_task
    assert "keychain refused access" in window.login.state.text()
    assert "Unlock the keychain" in window.message.text()
    assert window.isVisible() or True  # still here: nothing escaped the loop
    await window.wait_idle()


async def test_a_row_never_shows_a_stale_or_unknown_state_as_known(
    window: MainWindow, sandbox: Any
) -> None:
    select(window, SKILL_TRIVIA)
    await run(window, window.check_action.trigger)
    assert cell(window, SKILL_TRIVIA, "live").state == "NOT_ENABLED"
    assert SKILL_TRIVIA in window.detail.title.text()  # unelided
    choose(window, "developer-other")  # another account: the answer is gone
    assert not window.model.cells and window.selected_skills() == [SKILL_TRIVIA]
    assert "Not checked" in window.detail.text.toPlainText()
    choose(window, "developer")
    select(window, SKILL_OTHER)
    await run(window, window.enable_action.trigger)  # 403: nothing known is claimed
    other = cell(window, SKILL_OTHER, "development")
    assert other.state is None and other.failed and len(other.attempts) == 1
    assert "NA endpoint" in window.detail.text.toPlainText()


async def test_a_failed_transition_is_not_reported_as_done(
    window: MainWindow, sandbox: Any
) -> None:
    import httpx

    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": 0})
    choose(window, "customer-eu")
    select(window, SKILL_FLAKY)
    window.stage.setCurrentText("live")
    window.detail.redirect_uri.setText(PARTNER_REDIRECT)
    window.get_partner_code()
    window.get_partner_code()  # a second click starts nothing
    assert window.fetch_task is not None and window.cancel_action.isEnabled()
    await until(lambda: window.fetch_task is None)
    assert window.detail.partner_code.text()
    await run(window, window.link_action.trigger)
    flaky = cell(window, SKILL_FLAKY)
    assert flaky.state == "ENABLING_FAILED" and flaky.semantic == "failed"
    assert "did not take" in (flaky.failed or "") and "done" not in flaky.text()


async def test_one_logout_per_click_and_esc_cancels_a_sign_in(window: MainWindow) -> None:
    calls: list[int] = []
    backend = window.backend
    assert backend is not None
    original = backend.logout

    async def counted() -> Any:
        calls.append(1)
        return await original()

    backend.logout = counted  # type: ignore[method-assign]
    window.login.start_logout()
    window.login.start_logout()
    assert window.login.task is not None
    await window.login.task
    assert calls == [1]
    backend.open_browser = lambda url: False  # nobody comes back from this browser
    window.login.login_button.click()
    await until(lambda: window.login.flow is not None)
    assert window.cancel_action.isEnabled()
    window.cancel_action.trigger()  # Esc
    await until(lambda: not window.login.busy)
    assert "cancelled" in window.login.error.text().lower()


async def test_profiles_cannot_change_under_a_running_operation(window: MainWindow) -> None:
    select(window, SKILL_TRIVIA)
    window.check_action.trigger()
    assert window.busy and not window.login.new_profile.isEnabled()
    await window.wait_batch()
    assert window.login.new_profile.isEnabled() or window.login.fixed


def test_focus_starts_in_the_skill_ids_field(window: MainWindow) -> None:
    window.activateWindow()
    assert window.focusWidget() is window.add_ids


def mnemonics(root: QWidget) -> list[str]:
    """The Alt+letter keys of every visible button, label and menu."""
    texts = [w.text() for w in root.findChildren(QAbstractButton) if w.isVisible()]
    texts += [w.text() for w in root.findChildren(QLabel) if w.isVisible() and w.buddy()]
    texts += [a.text() for a in root.menuBar().actions()]  # type: ignore[attr-defined]
    return [m.lower() for t in texts for m in re.findall(r"&([^&\s])", t)]


def test_every_mnemonic_is_unique_for_owners_and_customers(window: MainWindow) -> None:
    window.sign_in.setChecked(True)  # the login pane open too
    owner = mnemonics(window)
    assert len(owner) == len(set(owner)), " ".join(sorted(owner))
    choose_kind(window, "customer")
    customer = mnemonics(window)
    assert len(customer) == len(set(customer)), customer
    assert "r" in customer  # Partner code has one (item 20)
    assert "&" not in window.detail.copy_result.text()  # Ctrl+Shift+C; Alt+Y is the log's Copy


def test_the_window_fits_its_stated_minimum(window: MainWindow) -> None:
    choose_kind(window, "customer")  # the customer's controls are the tallest
    window.resize(1024, 600)
    assert window.height() <= 600 and window.width() <= 1024


def test_colours_follow_a_light_dark_switch(window: MainWindow, qapp: Any) -> None:
    from PySide6.QtGui import QColor, QPalette

    from console.ui.palette import ERROR
    from tests.gui.colours import text_colour

    window.show_message("fine")
    window.login.error.setText("a problem")
    original = QPalette(qapp.palette())
    dark = QPalette(original)
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
    try:
        qapp.setPalette(dark)
        qapp.processEvents()
        assert text_colour(window.message) == "#e8eaed"  # inherited, not frozen
        assert text_colour(window.login.error) == ERROR
    finally:
        qapp.setPalette(original)


async def test_the_log_is_where_the_user_left_it(window: MainWindow, qtbot: Any) -> None:
    from tests.gui.workbench import until

    assert window.activity_dock is not None
    from PySide6.QtCore import Qt

    window.resizeDocks([window.activity_dock], [300], Qt.Orientation.Vertical)
    await until(lambda: window.activity_dock is not None and window.activity_dock.height() > 260)
    window.save_settings()
    again = MainWindow(None, window.settings, sandbox=True)
    qtbot.addWidget(again)
    again.show()
    await until(lambda: again.activity_dock is not None)
    assert again.activity_dock is not None
    await until(lambda: again.activity_dock.height() == window.activity_dock.height())
    window.activity_dock.hide()
    window.save_settings()
    third = MainWindow(None, window.settings, sandbox=True)
    qtbot.addWidget(third)
    third.show()
    await until(lambda: third.activity_dock is not None)
    assert third.activity_dock is not None and not third.activity_dock.isVisible()


async def test_a_profile_that_cannot_load_leaves_the_window_working(
    sandbox: Any, qtbot: Any, tmp_path: Path
) -> None:
    from console.api.errors import ValidationError

    def factory(profile: str) -> Backend:
        if profile == "broken":
            raise ValidationError("The settings file cannot be read", hint="Fix it.")
        return Backend([], {}, login_env=sandbox.env(), profile=profile)

    window = real_window(qtbot, tmp_path)
    window.backend_factory = factory
    window.set_backend(factory("default"))
    window.switch_profile("broken")
    assert window.swap_task is not None
    await window.swap_task
    assert window.backend is not None and window.backend.profile == "default"
    assert "cannot be read" in window.message.text()
    assert window.login.profile.currentText() == "default"
    await window.wait_idle()


async def test_stored_logins_replace_the_not_signed_in_message(
    sandbox: Any, qtbot: Any, tmp_path: Path
) -> None:
    from console.auth.token_endpoint import TokenSet
    from console.auth.tokens import TokenStore

    TokenStore("default").save("developer", TokenSet("Atza|x", "Atzr|sandbox-developer", 0.0))
    window = real_window(qtbot, tmp_path)
    window.set_backend(Backend([], {}, login_env=sandbox.env(), profile="default"))
    assert window.logins_task is not None
    await window.logins_task
    assert window.current_account() is not None
    assert window.message.text().startswith("Ready.")
    await window.wait_idle()
