"""The app's History and Sandbox tabs, wired to the workbench as `skill-console --sandbox` does:
answers land in the history, a history row re-runs on its workbench row, and every attempt in
the activity log carries the question it served."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QItemSelectionModel

from console.api.models import Attempt
from console.app import add_views
from console.services.history import HistoryEntry
from console.ui.activity_log import to_csv as log_csv
from console.ui.history_view import to_csv as history_csv
from console.ui.main_window import MainWindow
from tests.gui.workbench import cell, run, select, until
from tests.sandbox_client import SKILL_TRIVIA, SKILL_WEATHER


async def test_history_and_sandbox_are_tabs_and_history_reruns_on_the_workbench(
    window: MainWindow, sandbox: Any
) -> None:
    panel = add_views(window, sandbox)
    try:
        titles = [window.views.tabText(i) for i in range(window.views.count())]
        assert titles == ["Workbench", "History", "Sandbox"]
        assert window.history_view is None  # built when first opened
        window.views.setCurrentIndex(titles.index("History"))  # the user opens History
        view = window.history_view
        assert view is not None

        select(window, SKILL_TRIVIA, SKILL_WEATHER)
        await run(window, window.check_action.trigger)
        window.views.setCurrentIndex(0)
        window.views.setCurrentIndex(titles.index("History"))  # and opens it again
        await view.wait_idle()
        await until(lambda: {e.skill_id for e in view.shown_entries()} >= {SKILL_TRIVIA})

        index, asked = next(
            (i, e) for i, e in enumerate(view.shown_entries()) if e.skill_id == SKILL_TRIVIA
        )
        assert asked.stage is not None
        first = cell(window, SKILL_TRIVIA, asked.stage).checked
        view.table.selectionModel().select(
            view.model.index(index, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        view.rerun_button.click()
        await window.wait_batch()
        assert cell(window, SKILL_TRIVIA, asked.stage).checked != first  # asked again
        await until(lambda: len(view.shown_entries()) >= 5)  # the re-run is history too

        asked = {
            (row.context.operation, row.context.skill_id)
            for row in window.activity.model.rows()
            if row.context is not None
        }
        assert ("status", SKILL_TRIVIA) in asked and ("status", SKILL_WEATHER) in asked
    finally:
        await panel.aclose()


def test_window_exports_show_formulas_as_text() -> None:
    """A request id, or a skill ID kept as it was asked, can start with '=': a spreadsheet
    opening an export must show it as text, not run it."""
    formula = '=HYPERLINK("http://x")'
    attempt = Attempt(
        "GET",
        "https://api.example/v1",
        200,
        1.0,
        1,
        "done",
        datetime.now(UTC),
        request_id=formula,
    )
    entry = HistoryEntry(
        at="2026-11-30T09:00:00",
        profile="default",
        kind="developer",
        operation="status",
        skill_id=formula,
    )
    for text in (log_csv([attempt]), history_csv([entry])):
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        assert "'" + formula in cells and formula not in cells


def test_an_export_dialog_gives_a_bare_name_the_chosen_format(qtbot: Any, tmp_path: Any) -> None:
    """Both views' Save dialogs: the filter picked decides a bare name's suffix and format."""
    from PySide6.QtWidgets import QWidget

    from console.ui.activity_log import save_dialog

    parent = QWidget()
    qtbot.addWidget(parent)
    written: list[tuple[str, str]] = []
    box = save_dialog(parent, "exportDialog", str(tmp_path), lambda p, k: written.append((p, k)))
    box.selectNameFilter("JSON (*.json)")
    box.fileSelected.emit(str(tmp_path / "bare"))
    box.fileSelected.emit(str(tmp_path / "named.csv"))
    assert written == [(str(tmp_path / "bare.json"), "json"), (str(tmp_path / "named.csv"), "json")]
