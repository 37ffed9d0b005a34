"""What Amazon says reaches the window: violations in the status message, request ids in the log."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from console.ui.activity_log import TOOLTIP_ROLE, to_csv, to_json
from console.ui.main_window import MainWindow
from tests.gui.workbench import cell, confirm, run, select
from tests.sandbox_client import SKILL_UNREADY

NOT_READY = "Regionalized endpoints must not be empty."


async def test_every_violation_and_request_id_is_shown(window: MainWindow, sandbox: Any) -> None:
    select(window, SKILL_UNREADY)
    window.stage.setCurrentText("live")
    await confirm(window, window.enable_action.trigger)
    text = window.detail.text.toPlainText()
    assert "Skill is not ready for enablement." in text
    assert NOT_READY in text and "privacy policy URL" in text  # both violations
    assert "Fix what Amazon lists above" in text and "right kind of account" not in text
    unready = cell(window, SKILL_UNREADY, "live")
    assert unready.state is None and unready.semantic == "failed"  # nothing claimed
    assert f"Request id: {unready.attempts[-1].request_id}" in text

    model = window.activity.model
    attempts = model.attempts()
    assert attempts and all(a.request_id for a in attempts)  # the token refresh's too
    last = attempts[-1]
    tooltip = model.data(model.index(model.rowCount() - 1, 0), TOOLTIP_ROLE)
    assert f"request id {last.request_id}" in str(tooltip)
    rows = list(csv.DictReader(io.StringIO(to_csv(attempts))))
    assert [r["request_id"] for r in rows] == [a.request_id for a in attempts]
    assert json.loads(to_json(attempts))[-1]["request_id"] == last.request_id


async def test_a_404_of_the_check_shows_the_services_words(
    window: MainWindow, sandbox: Any
) -> None:
    unknown = "amzn1.ask.skill.99999999-0000-4000-8000-000000000000"
    select(window, unknown)
    await run(window, window.check_action.trigger)
    assert cell(window, unknown, "development").state == "NOT_ENABLED"
    assert "the service says: Skill with id" in window.detail.text.toPlainText()
