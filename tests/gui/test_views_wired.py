"""The app's History and Sandbox tabs, wired to the workbench as `skill-console --sandbox` does:
answers land in the history, a history row re-runs on its workbench row, and every attempt in
the activity log carries the question it served."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel

from console.app import add_views
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
        view = window.history_view
        assert view is not None

        select(window, SKILL_TRIVIA, SKILL_WEATHER)
        await run(window, window.check_action.trigger)
        window.views.setCurrentWidget(view)  # the user opens History
        await view.wait_idle()
        await until(lambda: {e.skill_id for e in view.shown_entries()} >= {SKILL_TRIVIA})
        first = cell(window, SKILL_TRIVIA, "development").checked

        index = next(i for i, e in enumerate(view.shown_entries()) if e.skill_id == SKILL_TRIVIA)
        view.table.selectionModel().select(
            view.model.index(index, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        view.rerun_button.click()
        await window.wait_batch()
        assert cell(window, SKILL_TRIVIA, "development").checked != first  # asked again
        await until(lambda: len(view.shown_entries()) >= 5)  # the re-run is history too

        asked = {
            (row.context.operation, row.context.skill_id)
            for row in window.activity.model.rows()
            if row.context is not None
        }
        assert ("status", SKILL_TRIVIA) in asked and ("status", SKILL_WEATHER) in asked
    finally:
        await panel.aclose()
