"""Which customer signed in (issue 10, item 12): the account bar, the login pane, a restart,
log out, the case summary — and the name, email and token nowhere they must not be."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from console.app import sandbox_backend
from console.ui.main_window import MainWindow
from tests.gui.workbench import cell, run, select, until
from tests.sandbox_client import SKILL_TRIVIA, scripted_browser

NORA = "Customer: Nora North <nora.north@example.com>"


async def customer_login(window: MainWindow, opener: Any) -> None:
    window.backend.open_browser = opener  # type: ignore[union-attr]
    window.login.kind.setCurrentIndex(1)  # customer
    window.login.login_button.click()
    assert window.login.task is not None
    await window.login.task
    assert window.current_account().name == "login-customer"  # type: ignore[union-attr]


def without_profile(opener: Any) -> Any:
    """A browser whose consent grants only the Alexa scope."""
    return lambda url: opener(url.replace("+profile", ""))


def written(*paths: Path | str) -> str:
    return "".join(Path(p).read_text() for p in paths)


@pytest.fixture
def long_named(sandbox: Any) -> Iterator[None]:
    world = sandbox.state.world
    nora = world.accounts["customer-na"]
    profile = (("user_id", "amzn1.account.LONG"), ("name", "Nora " + "N" * 70))
    profile += (("email", "nora." + "n" * 60 + "@example.com"),)
    world.accounts["customer-na"] = dataclasses.replace(nora, profile=profile)
    yield  # the sandbox fixture's reset puts the seed back


async def test_a_browser_sign_in_names_the_customer_until_log_out(
    window: MainWindow, sandbox: Any, tmp_path: Path
) -> None:
    opener, _ = scripted_browser("customer-na")
    await customer_login(window, opener)
    assert window.who.text() == NORA and window.who.toolTip() == NORA
    assert (
        window.login.customer.text() == NORA and not window.login.customer.isHidden()
    )  # (the pane folds away)
    logged = window.activity.model.attempts()
    assert any(a.method == "GET" and a.url.endswith("/user/profile") for a in logged)
    # The case summary names the customer (a ticket needs to know whose account it is).
    select(window, SKILL_TRIVIA)
    await run(window, window.check_action.trigger)
    assert cell(window, SKILL_TRIVIA).state
    assert "for Nora North <nora.north@example.com>" in window.detail.title.text()
    summary = window.case_summary_text()
    assert "signed in as the customer Nora North <nora.north@example.com>" in summary
    # Nothing personal, and no token, in the activity log's export or the history database.
    window.activity.export_to(str(tmp_path / "log.json"), "json")
    window.activity.export_to(str(tmp_path / "log.csv"), "csv")
    history = window.backend.history  # type: ignore[union-attr]
    assert history is not None
    window.save_settings()
    window.settings.sync()
    # (and the window's settings file)
    exported = written(tmp_path / "log.json", tmp_path / "log.csv", window.settings.fileName())
    stored = history.path.read_bytes()
    tokens = [t for t in sandbox.state.world.access_tokens]
    assert tokens
    for secret in ["nora.north@example.com", "Nora North", *tokens]:
        assert secret not in exported and secret.encode() not in stored
    # Log out: the name goes with the login.
    window.log_out.click()
    assert window.login.task is not None
    await window.login.task
    assert "Nora" not in window.who.text() and not window.who.toolTip()
    assert window.login.customer.isHidden() and not window.login.customer.text()


async def test_without_the_profile_scope_the_customer_is_signed_in_unnamed(
    window: MainWindow,
) -> None:
    opener, _ = scripted_browser("customer-eu")
    await customer_login(window, without_profile(opener))
    text = window.who.text()
    assert text.startswith("Customer — signed in; Amazon did not share the customer's name:")
    assert "'profile' permission was not granted (403 insufficient_scope)" in text
    assert not window.login.error.text()  # not a failed sign-in


async def test_a_failing_profile_endpoint_leaves_the_sign_in_standing(
    window: MainWindow, sandbox: Any
) -> None:
    sandbox.add_fault(route="profile", status=503)
    opener, _ = scripted_browser("customer-fe")
    await customer_login(window, opener)
    assert "Amazon did not share the customer's name" in window.who.text()
    assert "refused (503)" in window.who.text() and not window.login.error.text()
    select(window, SKILL_TRIVIA)
    await run(window, window.check_action.trigger)  # the login works
    assert cell(window, SKILL_TRIVIA).state


async def test_the_name_survives_a_restart_and_long_values_are_elided(
    window: MainWindow, sandbox: Any, qtbot: Any, tmp_path: Path, long_named: None
) -> None:
    opener, _ = scripted_browser("customer-na")
    await customer_login(window, opener)
    full = window.who.toolTip()
    assert full.startswith("Customer: Nora NNNN") and full.endswith("@example.com>")
    assert "…" in window.who.text() and len(window.who.text()) < len(full)
    assert window.login.customer.text() == full  # the pane shows it in full, selectable
    # A new window on the same stored login: the name is read back, not fetched again.
    profile_calls = len([c for c in sandbox.faults.journal() if c.get("route") == "profile"])
    settings = QSettings(str(tmp_path / "again.ini"), QSettings.Format.IniFormat)
    again = MainWindow(None, settings, sandbox=True)
    qtbot.addWidget(again)
    backend = sandbox_backend(sandbox)
    again.set_backend(backend)
    assert again.logins_task is not None
    await again.logins_task
    try:
        assert again._choose_account("login-customer")
        await until(lambda: again.who.toolTip() == full)
        journal = [c for c in sandbox.faults.journal() if c.get("route") == "profile"]
        assert len(journal) == profile_calls
    finally:
        await again.wait_idle()
        await backend.aclose()
