"""The activity log dock: Copy and Export take what the user sees and say what they did."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QFileDialog, QLineEdit, QPushButton

from console.api.models import Attempt
from console.services.batch import BatchRow
from console.ui.activity_log import (
    COLUMNS,
    TOOLTIP_ROLE,
    ActivityLog,
    AttemptContext,
    attempt_context,
    to_csv,
)
from console.ui.main_window import MainWindow
from console.ui.palette import ERROR
from tests.gui.colours import text_colour
from tests.gui.mnemonics import mnemonics
from tests.sandbox_client import SKILL_TRIVIA

NA, EU = "https://api.amazonalexa.com", "https://api.eu.amazonalexa.com"
PATH = "/v1/skills/amzn1.ask.skill.x/stages/live/enablement"


def attempt(base: str, status: int, n: int, decision: str) -> Attempt:
    return Attempt("GET", base + PATH, status, 12.0, n, decision, datetime.now(UTC))


@pytest.fixture
def dock(qtbot: Any) -> Iterator[ActivityLog]:
    """A dock holding NA 503 (retry), EU 400 (next endpoint), NA 204 (done), in that order."""
    dock = ActivityLog()
    qtbot.addWidget(dock)
    for row in (
        attempt(NA, 503, 1, "retry in 1.0 s"),
        attempt(EU, 400, 2, "next endpoint"),
        attempt(NA, 204, 3, "done"),
    ):
        dock.add(row)
    dock.show()
    qtbot.waitUntil(lambda: dock.proxy.rowCount() == 3)  # the table shows them together
    yield dock


def click(dock: ActivityLog, label: str, qtbot: Any) -> None:
    """Press the dock's button labelled `label`, as a user would."""
    button = next(
        b for b in dock.findChildren(QPushButton) if b.text().replace("&", "").startswith(label)
    )
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def csv_statuses(text: str) -> list[str]:
    return [row["status"] for row in csv.DictReader(io.StringIO(text))]


def test_copy_takes_only_the_rows_the_filter_shows(dock: ActivityLog, qtbot: Any) -> None:
    clipboard = QGuiApplication.clipboard()
    qtbot.keyClicks(dock.filter, "api.amazonalexa")  # NA only
    click(dock, "Copy", qtbot)
    assert csv_statuses(clipboard.text()) == ["503", "204"]
    assert dock.message.text().startswith("Copied all 2 shown rows as CSV")
    assert "api.amazonalexa" in dock.message.text()

    clipboard.setText("untouched")
    dock.filter.setText("no such host")
    click(dock, "Copy", qtbot)
    assert clipboard.text() == "untouched"  # never the hidden rows
    assert "Nothing copied" in dock.message.text() and "filter" in dock.message.text()


def test_copy_takes_the_selected_rows_in_table_order(dock: ActivityLog, qtbot: Any) -> None:
    dock.proxy.sort(2, Qt.SortOrder.DescendingOrder)  # by status: 503, 400, 204
    selection = dock.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.select(dock.proxy.index(2, 0), flags)  # 204
    selection.select(dock.proxy.index(0, 0), flags)  # 503
    dock.table.setFocus()
    qtbot.keyClick(dock.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert csv_statuses(QGuiApplication.clipboard().text()) == ["503", "204"]
    assert dock.message.text() == "Copied 2 selected rows as CSV."


def test_export_writes_only_the_shown_rows_and_confirms(dock: ActivityLog, tmp_path: Path) -> None:
    dock.filter.setText("eu.amazonalexa")
    target = tmp_path / "log.json"
    ok = dock.export_to(str(target))
    rows = json.loads(target.read_text())
    assert [r["status"] for r in rows] == [400]
    assert ok is True
    assert dock.message.text().startswith(f"Exported the 1 shown row as JSON to {target}")
    assert text_colour(dock.message) != ERROR  # not styled as an error


def test_export_to_an_unwritable_place_is_told_in_the_dock(dock: ActivityLog) -> None:
    path = "/proc/nope/activity.csv"
    assert dock.export_to(path) is False  # no exception escapes into the Qt slot
    text = dock.message.text()
    assert dock.message.isVisible()
    assert "Export failed" in text and path in text and "choose a folder you can write to" in text
    assert text_colour(dock.message) == ERROR


def test_a_failed_export_leaves_the_old_file_whole(
    dock: ActivityLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "activity.csv"
    target.write_text("the previous export\n")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    assert dock.export_to(str(target)) is False
    assert target.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["activity.csv"]  # no temp file left
    assert "No space left on device" in dock.message.text()


def test_the_chosen_filter_decides_suffix_and_format(
    dock: ActivityLog, qtbot: Any, tmp_path: Path
) -> None:
    click(dock, "Export", qtbot)
    box = dock.findChild(QFileDialog)
    assert box is not None and box.isVisible()
    box.setDirectory(str(tmp_path))
    types = box.findChild(QComboBox, "fileTypeCombo")
    name = box.findChild(QLineEdit, "fileNameEdit")
    buttons = box.findChild(QDialogButtonBox, "buttonBox")
    assert types is not None and name is not None and buttons is not None
    qtbot.keyClick(types, Qt.Key.Key_Down)  # CSV → JSON, as a user picks it
    assert types.currentText() == "JSON (*.json)"
    assert box.defaultSuffix() == "json"  # a bare name will get .json
    name.clear()
    qtbot.keyClicks(name, "bare-name")
    buttons.button(QDialogButtonBox.StandardButton.Save).click()
    written = tmp_path / "bare-name.json"
    assert [p.name for p in tmp_path.iterdir()] == ["bare-name.json"]
    assert len(json.loads(written.read_text())) == 3
    assert dock.message.text().startswith(f"Exported all 3 shown rows as JSON to {written}")

    # An explicit suffix wins over the filter: .csv under JSON is written as CSV.
    click(dock, "Export", qtbot)
    name.clear()
    qtbot.keyClicks(name, "typed.csv")
    buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert csv_statuses((tmp_path / "typed.csv").read_text()) == ["503", "400", "204"]


def test_export_with_nothing_shown_says_so_instead_of_asking(dock: ActivityLog, qtbot: Any) -> None:
    dock.filter.setText("no such host")
    click(dock, "Export", qtbot)
    box = dock.findChild(QFileDialog)
    assert box is None or not box.isVisible()
    assert dock.message.text() == "Nothing to export: no row matches the filter."


async def test_user_filters_the_live_log_and_copies(window: MainWindow, qtbot: Any) -> None:
    """In the real window: a check logs its attempts; a filter narrows what Copy takes."""
    window.model.add_skills([SKILL_TRIVIA])
    window.select_skills([SKILL_TRIVIA])
    window.check_action.trigger()
    await window.wait_batch()
    log = window.activity
    total = log.model.rowCount()
    assert total >= 1
    qtbot.keyClicks(log.filter, "zzz-no-such-row")
    QGuiApplication.clipboard().setText("before")
    click(log, "Copy", qtbot)
    assert QGuiApplication.clipboard().text() == "before"
    log.filter.clear()
    click(log, "Copy", qtbot)
    assert len(csv_statuses(QGuiApplication.clipboard().text())) == total
    scope = f"all {total} shown rows" if total > 1 else "the 1 shown row"
    assert log.message.text() == f"Copied {scope} as CSV."


# --- issue 10: Tab, columns, tries, wording, context, Clear + Undo ----------------------------

SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"
SKILL_PATH = f"/v1/skills/{SKILL}/stages/development/enablement"


def cell(dock: ActivityLog, row: int, column: str) -> str:
    return str(dock.proxy.index(row, COLUMNS.index(column)).data())


def settle_buttons(dock: ActivityLog, qtbot: Any) -> None:
    """The button texts follow the rows once per turn of the loop."""
    qtbot.waitUntil(lambda: not dock._scope_pending)


def test_tab_leaves_the_table_without_selecting(dock: ActivityLog, qtbot: Any) -> None:
    qtbot.waitExposed(dock)
    dock.activateWindow()
    dock.table.setFocus()
    qtbot.waitUntil(dock.table.hasFocus)
    qtbot.keyClick(dock.table, Qt.Key.Key_Tab)
    assert not dock.table.hasFocus()
    assert not dock.table.selectionModel().hasSelection()


def test_buttons_say_what_copy_and_export_take(dock: ActivityLog, qtbot: Any) -> None:
    settle_buttons(dock, qtbot)
    assert dock.export_button.text() == "E&xport all 3 shown rows…"
    assert dock.copy_button.text() == "Cop&y all 3 shown rows"
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    dock.table.selectionModel().select(dock.proxy.index(1, 0), flags)
    settle_buttons(dock, qtbot)
    assert dock.export_button.text() == "E&xport 1 selected row…"
    dock.table.clearSelection()
    dock.filter.setText("eu.amazonalexa")
    settle_buttons(dock, qtbot)
    assert dock.export_button.text() == "E&xport the 1 shown row…"


def test_try_counts_per_request_and_a_lost_answer_is_said_in_full(qtbot: Any) -> None:
    dock = ActivityLog()
    qtbot.addWidget(dock)
    at = datetime.now(UTC)
    dropped = "the connection was dropped before an answer came back"
    for row in (
        Attempt("GET", NA + SKILL_PATH, 503, 5.0, 1, "retry in 0.1 s", at),
        Attempt("GET", NA + SKILL_PATH, None, 5.0, 2, "next endpoint", at, error=dropped),
        Attempt("GET", EU + SKILL_PATH, 204, 5.0, 3, "done", at),
    ):
        dock.add(row)
    qtbot.waitUntil(lambda: dock.proxy.rowCount() == 3)  # shown together within FLUSH_MS
    assert [cell(dock, r, "Try") for r in range(3)] == ["1", "2", "1"]  # EU: its own first try
    assert cell(dock, 1, "Status") == "no answer"
    assert dropped in cell(dock, 1, "Decision")
    assert dropped in str(dock.proxy.index(1, 0).data(TOOLTIP_ROLE))
    assert (cell(dock, 0, "Skill"), cell(dock, 0, "Stage")) == (SKILL, "development")
    rows = list(csv.DictReader(io.StringIO(to_csv(dock.selected_rows()))))
    assert [(r["attempt"], r["try"]) for r in rows] == [("1", "1"), ("2", "2"), ("3", "1")]


def test_exports_name_the_account_operation_skill_and_stage(qtbot: Any, tmp_path: Path) -> None:
    dock = ActivityLog()
    qtbot.addWidget(dock)
    at = datetime.now(UTC)
    assert dock.table.isColumnHidden(COLUMNS.index("Account"))
    dock.add(Attempt("POST", "https://api.amazon.com/auth/o2/token", 200, 3.0, 1, "done", at))
    question = BatchRow(1, "status", SKILL, "live", profile="support")
    with attempt_context(question):  # as the window wraps an operation
        dock.add(Attempt("GET", NA + PATH, 404, 9.0, 1, "done", at))
    dock.add(
        Attempt("GET", NA + PATH, 204, 9.0, 1, "done", at),
        context=AttemptContext("default", "customer", "customer-status", SKILL, None),
    )
    dock.flush()  # the table now, not within FLUSH_MS
    assert not dock.table.isColumnHidden(COLUMNS.index("Account"))
    assert cell(dock, 1, "Account") == "support · developer"
    assert cell(dock, 1, "Operation") == "status"
    target = tmp_path / "log.json"
    assert dock.export_to(str(target))
    data = json.loads(target.read_text())
    assert data[0]["profile"] is None and data[0]["operation"] is None  # not known: not invented
    assert {k: data[1][k] for k in ("profile", "kind", "operation", "skill_id", "stage")} == {
        "profile": "support",
        "kind": "developer",
        "operation": "status",
        "skill_id": SKILL,
        "stage": "live",
    }
    assert data[2]["operation"] == "customer-status" and data[2]["kind"] == "customer"


def test_clear_can_be_undone(dock: ActivityLog, qtbot: Any) -> None:
    click(dock, "Clear", qtbot)
    assert dock.model.rowCount() == 0
    assert dock.undo_button.isVisible()
    assert dock.message.text() == "Cleared 3 rows. Undo clear (Ctrl+Z in the log) brings them back."
    dock.add(attempt(NA, 200, 1, "done"))  # logged after the clear
    dock.table.setFocus()
    qtbot.keyClick(dock.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert csv_statuses(to_csv(dock.model.rows())) == ["503", "400", "204", "200"]
    assert not dock.undo_button.isVisible()
    assert dock.message.text() == "Brought back 3 rows."
    click(dock, "Clear", qtbot)
    click(dock, "Undo clear", qtbot)  # the button does the same
    assert dock.model.rowCount() == 4


def test_clearing_the_filter_keeps_the_current_row_in_view(qtbot: Any) -> None:
    dock = ActivityLog()
    qtbot.addWidget(dock)
    dock.resize(900, 300)
    dock.show()
    qtbot.waitExposed(dock)
    for n in range(300):
        dock.add(attempt(EU if n == 40 else NA, 200 if n != 40 else 400, 1, "done"))
    dock.filter.setText("eu.amazonalexa")
    dock.table.setCurrentIndex(dock.proxy.index(0, 0))  # the one EU row: log row 40
    dock.filter.clear()
    current = dock.table.currentIndex()
    assert current.row() == 40
    viewport = dock.table.viewport().rect()
    assert viewport.intersects(dock.table.visualRect(current))


def test_mnemonics_are_unique_in_the_log(dock: ActivityLog) -> None:
    click_keys = mnemonics(dock)
    assert len(click_keys) == len(set(click_keys)), click_keys


async def test_a_batch_marks_each_rows_attempts_with_its_own_question(qtbot: Any) -> None:
    """The wiring the window uses: `on_start` sets the row as the context in the row's task,
    so attempts of rows running side by side each name their own question."""
    import asyncio

    from console.api.models import OperationResult
    from console.services.batch import BatchRun
    from console.ui.activity_log import current_context

    dock = ActivityLog()
    qtbot.addWidget(dock)

    class Service:
        async def check(self, skill_id: str, stage: str) -> OperationResult:
            await asyncio.sleep(0)  # interleave the rows
            url = f"{NA}/v1/skills/{skill_id}/stages/{stage}/enablement"
            dock.add(Attempt("GET", url, 204, 1.0, 1, "done", datetime.now(UTC)))
            return OperationResult("status", skill_id, stage, "ENABLED")

        def region_of(self, endpoint: str | None) -> str | None:
            return None

    async def service_for(row: BatchRow) -> Any:
        return Service()

    rows = [BatchRow(n, "status", f"skill-{n}", "live", profile=f"p{n}") for n in range(1, 5)]
    run = BatchRun(rows, service_for, concurrency=4, on_start=current_context.set)
    await run.run()
    dock.flush()  # the table now, not within FLUSH_MS
    named = {(cell(dock, r, "Account"), cell(dock, r, "Skill")) for r in range(4)}
    assert named == {(f"p{n} · developer", f"skill-{n}") for n in range(1, 5)}
    assert current_context.get() is None  # the test's own context is untouched


def test_attempts_logged_together_go_in_with_one_insert_in_order(qtbot: Any) -> None:
    dock = ActivityLog()
    qtbot.addWidget(dock)
    inserts: list[tuple[int, int]] = []
    dock.proxy.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    for n, status in enumerate((503, 503, 204), start=1):
        dock.add(attempt(NA, status, n, "retry in 0.1 s" if status == 503 else "done"))
    assert dock.proxy.rowCount() == 0  # waiting: a batch logs an attempt every few ms
    qtbot.waitUntil(lambda: dock.proxy.rowCount() == 3)
    assert inserts == [(0, 2)]  # one insert (one repaint), not three
    assert [cell(dock, r, "Try") for r in range(3)] == ["1", "2", "3"]  # counted in order
    dock.add(attempt(EU, 204, 4, "done"))
    assert dock.model.rowCount() == 4  # reading the model puts the waiting ones in at once
    assert inserts == [(0, 2), (3, 3)]
