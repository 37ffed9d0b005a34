"""The history view over a temporary History: filter, keep the selection, re-run, export."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QPushButton

from console.services.batch import BatchRow
from console.services.history import History, HistoryEntry
from console.ui.history_view import COLUMNS, HistoryView
from console.ui.palette import ERROR
from tests.gui.colours import text_colour
from tests.gui.mnemonics import mnemonics

SKILL_A = "amzn1.ask.skill.00000000-0000-4000-8000-00000000000a"
SKILL_B = "amzn1.ask.skill.00000000-0000-4000-8000-00000000000b"
SECRET = "Atzr|IwEBIA-a-refresh-token-that-must-never-leave"
NOW = datetime.now(UTC)


def entry(minutes_ago: int, operation: str, skill: str | None, **over: Any) -> HistoryEntry:
    at = (NOW - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds")
    base: dict[str, Any] = {
        "at": at,
        "profile": "default",
        "kind": "customer" if operation.startswith("customer") else "developer",
        "operation": operation,
        "skill_id": skill,
        "stage": None if operation.startswith("customer") else "live",
        "request_id": f"rid-{minutes_ago}",
    }
    return HistoryEntry(**(base | over))


ROWS = (
    entry(50, "status", SKILL_A, state="NOT_ENABLED"),
    entry(40, "enable", SKILL_A, outcome="failed", message=f"refused; refresh_token={SECRET}"),
    entry(30, "customer-enable", SKILL_B, stage="live"),  # a link: not re-run
    entry(20, "customer-status", SKILL_B, state="ENABLED", batch_id="b1"),
    entry(10, "disable", SKILL_B, stage="development", profile="support"),
)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    history = History(tmp_path / "history.sqlite3")
    for row in ROWS:
        history.record(row)
    yield history
    history.close()


@pytest.fixture
def view(history: History, qtbot: Any) -> HistoryView:
    view = HistoryView(history)
    qtbot.addWidget(view)
    view.resize(900, 500)
    return view


async def shown(view: HistoryView) -> None:
    """Show the view (its first read starts) and wait for the read on the loop."""
    view.show()
    await view.wait_idle()


def operations(view: HistoryView) -> list[str]:
    return [e.operation for e in view.shown_entries()]


def select(view: HistoryView, *rows: int) -> None:
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        view.table.selectionModel().select(view.model.index(row, 0), flags)


async def test_rows_are_newest_first_and_the_filters_narrow_them(view: HistoryView) -> None:
    await shown(view)
    assert operations(view) == ["disable", "customer-status", "customer-enable", "enable", "status"]
    assert view.message.text() == "5 actions shown."

    view.skill.setText("00a")  # part of a skill ID
    view.refresh()
    await view.wait_idle()
    assert operations(view) == ["enable", "status"]

    view.outcome.setCurrentIndex(view.outcome.findData("failed"))
    view.refresh()
    await view.wait_idle()
    assert operations(view) == ["enable"]

    view.skill.clear()
    view.outcome.setCurrentIndex(0)
    view.text.setText("customer")
    view.since_on.setChecked(True)
    view.since.setDateTime(view.since.dateTime().fromSecsSinceEpoch(int(NOW.timestamp()) - 25 * 60))
    view.refresh()
    await view.wait_idle()
    assert operations(view) == ["customer-status"]  # customer-enable is older than 25 min


async def test_new_rows_arrive_and_the_selection_stays_on_its_actions(
    view: HistoryView, history: History
) -> None:
    await shown(view)
    select(view, 1)  # customer-status
    view.table.setCurrentIndex(view.model.index(1, 0))
    history.record(entry(0, "status", SKILL_B))
    history.record(entry(1, "status", SKILL_A))
    view.notify_changed()
    view.refresh()  # as the debounce would, without a timed wait
    await view.wait_idle()
    assert len(view.shown_entries()) == 7
    assert [e.operation for e in view.selected_entries()] == ["customer-status"]
    assert view.table.currentIndex().row() == 3  # moved down with its action


async def test_rerun_emits_the_selected_rows_as_batch_rows(view: HistoryView, qtbot: Any) -> None:
    await shown(view)
    select(view, 0, 2, 3)  # disable (support), customer-enable (a link), enable
    assert view.rerun_button.text() == "&Re-run 3 selected"
    emitted: list[list[BatchRow]] = []
    view.rerun_requested.connect(emitted.append)
    qtbot.mouseClick(view.rerun_button, Qt.MouseButton.LeftButton)
    assert emitted == [
        [
            BatchRow(1, "disable", SKILL_B, "development", "support", "developer"),
            BatchRow(2, "enable", SKILL_A, "live", "default", "developer"),
        ]
    ]
    assert "1 row not re-run (customer-enable" in view.message.text()


async def test_export_says_what_it_takes_and_holds_no_secret(
    view: HistoryView, tmp_path: Path
) -> None:
    await shown(view)
    assert view.export_button.text() == "E&xport all 5 shown rows…"
    target = tmp_path / "all.csv"
    assert view.export_to(str(target))
    text = target.read_text()
    assert SECRET not in text and "Atzr|" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["operation"] for r in rows][:2] == ["disable", "customer-status"]
    assert {"profile", "kind", "skill_id", "stage", "request_id", "batch_id"} <= set(rows[0])
    assert view.message.text() == f"Exported all 5 shown rows as CSV to {target}."

    select(view, 3)
    assert view.export_button.text() == "E&xport 1 selected row…"
    target = tmp_path / "one.json"
    assert view.export_to(str(target))
    data = json.loads(target.read_text())
    assert [d["operation"] for d in data] == ["enable"]
    assert "refresh_token=[redacted]" in data[0]["message"] and SECRET not in target.read_text()


async def test_reads_never_wait_on_the_loop(view: HistoryView, history: History) -> None:
    """The read runs in a worker thread: the loop turns while it is out."""
    for n in range(300):
        history.record(entry(100 + n, "status", SKILL_A))
    history.flush()
    view.show()
    turns = 0
    while view.task is not None and not view.task.done():
        turns += 1
        await asyncio.sleep(0)
    await view.wait_idle()
    assert turns >= 1
    assert len(view.shown_entries()) == 305


def test_history_off_is_said(tmp_path: Path, qtbot: Any) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    off = History(blocker / "data" / "history.sqlite3")
    view = HistoryView(off)
    qtbot.addWidget(view)
    assert "History is off" in view.message.text()
    assert text_colour(view.message) == ERROR
    assert not view.export_button.isEnabled() and not view.rerun_button.isEnabled()

    none = HistoryView(None)
    qtbot.addWidget(none)
    assert "not kept" in none.message.text()


async def test_another_backends_history_is_read_afresh(view: HistoryView, tmp_path: Path) -> None:
    await shown(view)
    other = History(tmp_path / "other.sqlite3")
    other.record(entry(3, "customer-endpoint", None))
    try:
        view.refresh()  # a read of the first history is out…
        view.set_history(other)  # …when the window switches: its answer must not show
        await view.wait_idle()
        assert operations(view) == ["customer-endpoint"]
        view.set_history(None)
        assert view.shown_entries() == [] and "not kept" in view.message.text()
        assert not view.export_button.isEnabled()
    finally:
        other.close()


async def test_tab_leaves_the_table_and_mnemonics_are_unique(view: HistoryView, qtbot: Any) -> None:
    await shown(view)
    view.activateWindow()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Tab)
    assert view.focusWidget() is view.export_button  # next in the layout (Re-run: disabled)
    assert not view.table.selectionModel().hasSelection()
    keys = mnemonics(view)
    assert len(keys) == len(set(keys)), keys
    assert all(isinstance(b, QPushButton) for b in (view.rerun_button, view.export_button))


async def test_a_header_click_sorts_and_a_new_read_keeps_that_order(view: HistoryView) -> None:
    await shown(view)
    column = next(i for i, (title, _) in enumerate(COLUMNS) if title == "Operation")
    view.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    expected = ["customer-enable", "customer-status", "disable", "enable", "status"]
    assert operations(view) == expected
    view.refresh()
    await view.wait_idle()
    assert operations(view) == expected
