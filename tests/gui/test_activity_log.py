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
from console.ui.activity_log import ActivityLog
from console.ui.main_window import MainWindow
from console.ui.palette import ERROR
from tests.gui.colours import text_colour
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
    yield dock


def click(dock: ActivityLog, label: str, qtbot: Any) -> None:
    """Press the dock's button labelled `label`, as a user would."""
    button = next(b for b in dock.findChildren(QPushButton) if b.text().replace("&", "") == label)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def csv_statuses(text: str) -> list[str]:
    return [row["status"] for row in csv.DictReader(io.StringIO(text))]


def test_copy_takes_only_the_rows_the_filter_shows(dock: ActivityLog, qtbot: Any) -> None:
    clipboard = QGuiApplication.clipboard()
    qtbot.keyClicks(dock.filter, "api.amazonalexa")  # NA only
    click(dock, "Copy", qtbot)
    assert csv_statuses(clipboard.text()) == ["503", "204"]
    assert dock.message.text().startswith("Copied 2 rows as CSV")
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
    assert dock.message.text().startswith(f"Exported 1 attempt as JSON to {target}")
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
    click(dock, "Export…", qtbot)
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
    assert dock.message.text().startswith(f"Exported 3 attempts as JSON to {written}")

    # An explicit suffix wins over the filter: .csv under JSON is written as CSV.
    click(dock, "Export…", qtbot)
    name.clear()
    qtbot.keyClicks(name, "typed.csv")
    buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert csv_statuses((tmp_path / "typed.csv").read_text()) == ["503", "400", "204"]


def test_export_with_nothing_shown_says_so_instead_of_asking(dock: ActivityLog, qtbot: Any) -> None:
    dock.filter.setText("no such host")
    click(dock, "Export…", qtbot)
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
    assert log.message.text() == f"Copied {total} row{'s' if total != 1 else ''} as CSV."
