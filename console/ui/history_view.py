"""The history view: what was done and when, filtered, re-run or exported (never a secret).

Reads run in a worker thread on their own read-only connection (services.history_search), so
the event loop never waits on SQLite. Rows are keyed by their whole entry: a refresh keeps the
selection and the current row on the same actions, wherever they move.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.api.redact import redact
from console.services.batch import OPERATIONS, BatchRow
from console.services.history import COLUMNS as STORED
from console.services.history import History, HistoryEntry
from console.services.history_search import HistoryFilter, search
from console.ui.activity_log import export_format, save_dialog, write_atomically
from console.ui.palette import ERROR, tint

__all__ = ["HistoryModel", "HistoryView", "rerun_rows", "to_csv", "to_json"]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("Time", "at"),
    ("Profile", "profile"),
    ("Kind", "kind"),
    ("Operation", "operation"),
    ("Skill", "skill_id"),
    ("Stage", "stage"),
    ("Region", "region"),
    ("Outcome", "outcome"),
    ("State", "state"),
    ("Request ID", "request_id"),
    ("Batch ID", "batch_id"),
)
EXPORT_FIELDS = STORED  # an export carries what the database keeps, in its order
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1  # the HistoryEntry behind a row
OUTCOMES = (("Any outcome", None), ("ok", "ok"), ("failed", "failed"), ("cancelled", "cancelled"))
DEBOUNCE_MS = 250  # typing in a filter box reads once, after a pause
Index = QModelIndex | QPersistentModelIndex


def local_time(at: str) -> str:
    try:
        return datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return at


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _shown(n: int) -> str:
    return "no rows" if n == 0 else "the 1 shown row" if n == 1 else f"all {n} shown rows"


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class HistoryModel(QAbstractTableModel):
    """History entries as rows (newest first, as read); sorts itself in Python, which is much
    cheaper than a sort proxy asking Python for every cell on each reset."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[HistoryEntry] = []
        self._cells: list[list[str]] = []
        self._order: tuple[int, Qt.SortOrder] | None = None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(self._rows[index.row()], COLUMNS[index.column()][1])
        if role == ENTRY_ROLE:
            return self._rows[index.row()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._order = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._apply_order()
        self.layoutChanged.emit()

    def _apply_order(self) -> None:
        if self._order is None or not self._rows:
            return
        column, order = self._order
        name = COLUMNS[column][1]
        # ISO times sort as text; ties keep the read order (newest first).
        ranked = sorted(
            range(len(self._rows)),
            key=lambda i: str(getattr(self._rows[i], name) or ""),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self._rows = [self._rows[i] for i in ranked]
        self._cells = [self._cells[i] for i in ranked]

    def set_rows(self, entries: list[HistoryEntry], cells: list[list[str]]) -> None:
        self.beginResetModel()
        self._rows, self._cells = list(entries), list(cells)
        self._apply_order()
        self.endResetModel()

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.set_rows(entries, [_cells(e) for e in entries])

    def entries(self) -> list[HistoryEntry]:
        return list(self._rows)

    def entry(self, row: int) -> HistoryEntry:
        return self._rows[row]


def _cells(entry: HistoryEntry) -> list[str]:
    cells = []
    for _, name in COLUMNS:
        value = getattr(entry, name)
        cells.append(local_time(value) if name == "at" else "" if value is None else str(value))
    return cells


def load(path: Path, wanted: HistoryFilter) -> tuple[list[HistoryEntry], list[list[str]]]:
    """Read and render the cells, both in the worker thread: the UI thread only swaps them in."""
    entries = search(path, wanted)
    return entries, [_cells(e) for e in entries]


def _tooltip(entry: HistoryEntry, column: str) -> str:
    lines = [f"{column}: {getattr(entry, column)}"] if column in ("skill_id", "request_id") else []
    if entry.endpoint:
        lines.append(f"answered by {entry.endpoint}")
    if entry.account_link:
        lines.append(f"account link {entry.account_link}")
    if entry.message:
        kind = f"{entry.error_kind}: " if entry.error_kind else ""
        lines.append(kind + redact(entry.message))
    lines.append(f"{_plural(entry.attempts, 'HTTP attempt')}; at {entry.at} (UTC)")
    return "\n".join(lines)


def export_dict(entry: HistoryEntry) -> dict[str, object]:
    """An entry as exported: the history's own fields, the message redacted once more."""
    data = {name: getattr(entry, name) for name in EXPORT_FIELDS}
    if entry.message:
        data["message"] = redact(entry.message)
    return data


def to_csv(entries: list[HistoryEntry]) -> str:
    import csv
    import io

    from console.batch_csv import csv_cell  # a spreadsheet shows formulas as text

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for entry in entries:
        writer.writerow(
            {k: "" if v is None else csv_cell(v) for k, v in export_dict(entry).items()}
        )
    return out.getvalue()


def to_json(entries: list[HistoryEntry]) -> str:
    import json

    return json.dumps([export_dict(e) for e in entries], indent=2)


def rerun_rows(entries: list[HistoryEntry]) -> tuple[list[BatchRow], list[HistoryEntry]]:
    """Batch rows asking the same questions again, in the given order, and the entries that
    cannot be asked again (a link needs a fresh partner code; an unlink is not repeated
    blindly)."""
    rows: list[BatchRow] = []
    skipped: list[HistoryEntry] = []
    for entry in entries:
        if entry.operation not in OPERATIONS:
            skipped.append(entry)
            continue
        rows.append(
            BatchRow(
                line=len(rows) + 1,
                operation=entry.operation,
                skill_id=entry.skill_id,
                stage=entry.stage,
                profile=entry.profile,
                kind=entry.kind or "",
            )
        )
    return rows, skipped


class HistoryView(QWidget):
    """Filter, table, Re-run and Export over one History (None: history is not kept)."""

    rerun_requested = Signal(object)  # list[BatchRow], in the table's order
    loaded = Signal(int)  # after each read: how many rows are shown (tests, status lines)

    def __init__(self, history: History | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyView")
        self.history = history
        self.task: asyncio.Task[None] | None = None  # the read in flight
        self._again = False  # a change landed while reading: read once more
        self.truncated = False
        self._shown_once = False
        self.model = HistoryModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("History")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # IDs differ at their ends
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._size_columns()
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._build_filters()
        self.rerun_button = QPushButton("&Re-run selected")
        self.rerun_button.setToolTip("Ask the selected questions again, as a batch")
        self.rerun_button.clicked.connect(self.rerun_selected)
        self.export_button = QPushButton("E&xport…")
        self.export_button.clicked.connect(self.export_dialog)
        self.refresh_button = QPushButton("Re&fresh")
        self.refresh_button.setToolTip("Read the history again (it also refreshes on its own)")
        self.refresh_button.clicked.connect(self.refresh)
        self.message = QLabel()
        self.message.setObjectName("historyMessage")
        self.message.setAccessibleName("History message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_box: QFileDialog | None = None
        actions = QHBoxLayout()
        actions.addWidget(self.rerun_button)
        actions.addWidget(self.export_button)
        actions.addStretch(1)
        actions.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self.filter_bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh)
        chain = (
            self.skill,
            self.since_on,
            self.since,
            self.outcome,
            self.text,
            self.table,
            self.rerun_button,
            self.export_button,
            self.refresh_button,
        )
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)  # as laid out: filters, table, actions
        self._update_buttons()
        if not self.available:
            self._show_off()

    # --- building -----------------------------------------------------------------------------

    def _build_filters(self) -> None:
        self.skill = QLineEdit(placeholderText="part of a skill ID")
        self.skill.setAccessibleName("Filter by skill")
        self.skill.setClearButtonEnabled(True)
        self.since_on = QCheckBox("&Since")
        self.since = QDateTimeEdit(QDateTime.currentDateTime().addDays(-7))
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.since.setAccessibleName("Since")
        self.since.setEnabled(False)
        self.since_on.toggled.connect(self.since.setEnabled)
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Filter by outcome")
        for text, value in OUTCOMES:
            self.outcome.addItem(text, value)
        self.text = QLineEdit(placeholderText="contains…")
        self.text.setAccessibleName("Filter by operation")
        self.text.setClearButtonEnabled(True)
        skill_label = QLabel("S&kill:")
        skill_label.setBuddy(self.skill)
        outcome_label = QLabel("&Outcome:")
        outcome_label.setBuddy(self.outcome)
        text_label = QLabel("O&peration:")
        text_label.setBuddy(self.text)
        bar = QHBoxLayout()
        for widget, stretch in (
            (skill_label, 0),
            (self.skill, 2),
            (self.since_on, 0),
            (self.since, 0),
            (outcome_label, 0),
            (self.outcome, 0),
            (text_label, 0),
            (self.text, 1),
        ):
            bar.addWidget(widget, stretch)
        self.filter_bar = bar
        for signal in (self.skill.textChanged, self.text.textChanged):
            signal.connect(self._soon)
        self.since_on.toggled.connect(self._soon)
        self.since.dateTimeChanged.connect(self._soon)
        self.outcome.currentIndexChanged.connect(self._soon)

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        samples = {
            "at": "2026-12-31 23:59:59",
            "skill_id": "amzn1.ask.skill.00000000-0000",
            "request_id": "0123456789abcdef0123",
            "batch_id": "0123456789ab",
            "operation": "customer-endpoint",
            "state": "NOT_ENABLED",
            "kind": "developer",
            "stage": "development",
            "profile": "default",
            "outcome": "cancelled",
        }
        for column, (title, name) in enumerate(COLUMNS):
            sample = samples.get(name, title)
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title))
            self.table.horizontalHeader().resizeSection(column, width + 24)
        self.table.verticalHeader().setDefaultSectionSize(metrics.height() + 8)

    # --- state --------------------------------------------------------------------------------

    @property
    def available(self) -> bool:
        return self.history is not None and self.history.enabled

    def set_history(self, history: History | None) -> None:
        """Another backend's history (the window switched sandbox/profile): read it afresh."""
        self.history = history
        self.model.set_rows([], [])
        for widget in (self.skill, self.since_on, self.outcome, self.text, self.refresh_button):
            widget.setEnabled(True)
        if not self.available:
            self._show_off()
            return
        self._say("")
        self._update_buttons()
        if self.isVisible():
            self.refresh()
        else:
            self._shown_once = False  # read when next shown

    def _show_off(self) -> None:
        if self.history is None:
            text = "History is not kept in this session (the sandbox keeps nothing on disk)."
        else:
            text = self.history.notice or "History is off: actions are not recorded."
        self._say(text, error=self.history is not None)
        for widget in (self.skill, self.since_on, self.outcome, self.text, self.refresh_button):
            widget.setEnabled(False)
        self._update_buttons()

    def current_filter(self) -> HistoryFilter:
        since = None
        if self.since_on.isChecked():
            seconds = self.since.dateTime().toSecsSinceEpoch()
            since = datetime.fromtimestamp(seconds, UTC)
        return HistoryFilter(
            skill=self.skill.text(),
            since=since,
            outcome=self.outcome.currentData(),
            text=self.text.text(),
        )

    def _say(self, text: str, *, error: bool = False) -> None:
        tint(self.message, ERROR if error else None)
        self.message.setText(text)

    def _selected_rows(self) -> list[int]:
        """Selected rows, in the table's order (whole ranges: no index per cell)."""
        rows: set[int] = set()
        selection = self.table.selectionModel().selection()
        for n in range(selection.size()):
            span = selection.at(n)
            rows.update(range(span.top(), span.bottom() + 1))
        return sorted(rows)

    def selected_entries(self) -> list[HistoryEntry]:
        return [self.model.entry(r) for r in self._selected_rows()]

    def shown_entries(self) -> list[HistoryEntry]:
        return self.model.entries()

    def export_scope(self) -> tuple[list[HistoryEntry], str]:
        """What Export takes and how to say it: the selection if any, else every shown row."""
        chosen = self.selected_entries()
        if chosen:
            return chosen, _plural(len(chosen), "selected row")
        shown = self.shown_entries()
        return shown, _shown(len(shown))

    def scope_text(self) -> str:
        selected = len(self._selected_rows())
        if selected:
            return _plural(selected, "selected row")
        return _shown(self.model.rowCount())

    @Slot()
    def _update_buttons(self) -> None:
        selected = len(self._selected_rows())
        self.rerun_button.setEnabled(self.available and selected > 0)
        self.rerun_button.setText(
            f"&Re-run {selected} selected" if selected else "&Re-run selected"
        )
        self.export_button.setText(f"E&xport {self.scope_text()}…")
        self.export_button.setEnabled(self.available and self.model.rowCount() > 0)

    # --- reading ------------------------------------------------------------------------------

    @Slot()
    def _soon(self) -> None:
        if self.available:
            self._debounce.start()

    @Slot()
    def notify_changed(self) -> None:
        """New rows landed (the window calls this after an operation or a batch row)."""
        self._soon()

    @Slot()
    def refresh(self) -> None:
        """Read with the current filter now (coalesced: one read at a time, one more after)."""
        self._debounce.stop()
        if not self.available:
            return
        if self.task is not None and not self.task.done():
            self._again = True
            return
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while True:
            history = self.history
            if history is None or not history.enabled:
                return  # switched to no history meanwhile: set_history said so
            self._again = False
            wanted = self.current_filter()
            history.flush()  # rows of this turn first (a commit, on the writer's thread)
            try:
                entries, cells = await asyncio.to_thread(load, history.path, wanted)
            except sqlite3.Error as exc:
                if history is not self.history:
                    continue  # a read of a history no longer shown: its error is not news
                self._say(
                    f"The history could not be read ({exc}). Try Refresh; if it keeps "
                    "failing, restart the app.",
                    error=True,
                )
                self.loaded.emit(self.model.rowCount())
                return
            # The filter or the history changed while reading: that answer is stale.
            if not self._again and history is self.history:
                break
        self._show(entries, cells, wanted)

    def _show(
        self, entries: list[HistoryEntry], cells: list[list[str]], wanted: HistoryFilter
    ) -> None:
        selected = set(self.selected_entries())
        current = self.table.currentIndex().data(ENTRY_ROLE)
        self.model.set_rows(entries, cells)
        self._restore(selected, current)
        self.truncated = len(entries) >= wanted.limit
        more = f" (the newest {wanted.limit}; narrow the filter)" if self.truncated else ""
        self._say(f"{_plural(len(entries), 'action')} shown{more}.")
        self._update_buttons()
        self.loaded.emit(len(entries))

    def _restore(self, selected: set[HistoryEntry], current: HistoryEntry | None) -> None:
        """Select the same actions again after a read, and keep the current one in view."""
        if not selected and current is None:
            return
        rows = self.model.entries()
        chosen = [i for i, e in enumerate(rows) if e in selected]
        selection = QItemSelection()
        last = len(COLUMNS) - 1
        for first, end in _runs(chosen):  # one range per run of rows, not one per row
            selection.select(self.model.index(first, 0), self.model.index(end, last))
        model = self.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag
        model.select(selection, flags.ClearAndSelect | flags.Rows)
        found = next((i for i, e in enumerate(rows) if e == current), None)
        current_index = self.model.index(found, 0) if found is not None else QModelIndex()
        if current_index.isValid():
            model.setCurrentIndex(current_index, flags.NoUpdate)
            self.table.scrollTo(current_index)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:  # the first read waits until someone looks
            self._shown_once = True
            self.refresh()

    async def wait_idle(self) -> None:
        """Until the read in flight (if any) is shown; never raises."""
        while self.task is not None and not self.task.done():
            await asyncio.gather(self.task, return_exceptions=True)

    # --- actions ------------------------------------------------------------------------------

    @Slot()
    def rerun_selected(self) -> None:
        rows, skipped = rerun_rows(self.selected_entries())
        why = ""
        if skipped:
            ops = sorted({e.operation for e in skipped})
            why = (
                f" {_plural(len(skipped), 'row')} not re-run ({', '.join(ops)}: a link needs a "
                "fresh partner code; unlink it from the workbench)."
            )
        if not rows:
            self._say("Nothing to re-run." + why, error=True)
            return
        self._say(f"Re-running {_plural(len(rows), 'row')} on the workbench.{why}")
        self.rerun_requested.emit(rows)

    @Slot()
    def export_dialog(self) -> None:
        entries, scope = self.export_scope()
        if not entries:
            self._say("Nothing to export: no action matches the filter.", error=True)
            return
        if self.export_box is None:
            self.export_box = save_dialog(
                self, "historyExportDialog", os.path.expanduser("~"), self.export_to
            )
        box = self.export_box
        box.setWindowTitle(f"Export {scope} of the history")
        box.selectFile("history." + (box.defaultSuffix() or "csv"))
        box.open()  # not exec(): no nested loop inside a running qasync loop

    def export_to(self, path: str, chosen: str = "csv") -> bool:
        """Write what Export takes (selection, else every shown row) to `path`, atomically."""
        entries, scope = self.export_scope()
        fmt = export_format(path, chosen)
        text = to_json(entries) if fmt == "json" else to_csv(entries)
        try:
            write_atomically(path, text)
        except OSError as error:
            self._say(
                f"Export failed: could not write {path} ({error.strerror or error}). Nothing "
                "was saved; choose a folder you can write to and export again.",
                error=True,
            )
            return False
        self._say(f"Exported {scope} as {fmt.upper()} to {path}.")
        return True
