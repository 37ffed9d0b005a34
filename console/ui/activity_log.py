"""The live activity log: one row per HTTP attempt, filterable, copyable and exportable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:  # types only: the window paints before the API models load
    from console.api.models import Attempt

COLUMNS = ("Time", "Method", "Status", "Elapsed", "Attempt", "Decision", "Host", "Path")
# Widest typical cell per column (Path stretches): fixed widths spare the header from asking
# Python for every cell's size on each new row.
SAMPLES = (
    "00:00:00",
    "DELETE",
    "Status",
    "99999 ms",
    "Attempt",
    "retry in 20.0 s",
    "api.eu.amazonalexa.com",
)
DISPLAY_ROLE, TOOLTIP_ROLE = 0, 3  # Qt.ItemDataRole values
Index = QModelIndex | QPersistentModelIndex


def attempt_row(attempt: Attempt) -> list[str]:
    status = str(attempt.status) if attempt.status is not None else (attempt.error or "—")
    return [
        attempt.started_at.astimezone().strftime("%H:%M:%S"),
        attempt.method,
        status,
        f"{attempt.elapsed_ms:.0f} ms",
        str(attempt.attempt),
        attempt.decision,
        attempt.host,
        attempt.path,
    ]


class ActivityModel(QAbstractTableModel):
    """Attempts as rows; it holds nothing secret because Attempt holds nothing secret."""

    MAX_ROWS = 5000  # a long fault storm must not grow memory without bound

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Attempt] = []
        self._cells: list[list[str]] = []  # rendered once per row, not once per paint

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def data(self, index: Index, role: int = DISPLAY_ROLE) -> object:
        if not index.isValid():
            return None
        if role == DISPLAY_ROLE:
            return self._cells[index.row()][index.column()]
        if role == TOOLTIP_ROLE:
            attempt = self._rows[index.row()]
            return attempt.url + (f"\n{attempt.error}" if attempt.error else "")
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> object:
        if role == DISPLAY_ROLE and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def append(self, attempt: Attempt) -> None:
        if len(self._rows) >= self.MAX_ROWS:
            self.beginRemoveRows(QModelIndex(), 0, 0)
            self._rows.pop(0)
            self._cells.pop(0)
            self.endRemoveRows()
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(attempt)
        self._cells.append(attempt_row(attempt))
        self.endInsertRows()

    def attempts(self) -> list[Attempt]:
        return list(self._rows)

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._cells.clear()
        self.endResetModel()


def to_csv(attempts: list[Attempt]) -> str:
    import csv  # export-time imports keep them off the start-up path
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["started_at", "method", "url", "status", "elapsed_ms", "attempt", "decision", "error"]
    )
    for a in attempts:
        writer.writerow(
            [
                a.started_at.isoformat(),
                a.method,
                a.url,
                a.status,
                round(a.elapsed_ms, 1),
                a.attempt,
                a.decision,
                a.error or "",
            ]
        )
    return out.getvalue()


def to_json(attempts: list[Attempt]) -> str:
    import json

    return json.dumps([a.to_dict() for a in attempts], indent=2)


class ActivityDock(QDockWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Activity log", parent)
        self.setObjectName("activityDock")
        self.model = ActivityModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Activity log")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self._size_columns()
        self.filter = QLineEdit(placeholderText="Filter (host, path, status, decision…)")
        self.filter.setAccessibleName("Filter activity log")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        copy = QPushButton("&Copy")
        copy.setToolTip("Copy the selected rows (or all) as CSV")
        copy.clicked.connect(self.copy_rows)
        export = QPushButton("E&xport…")
        export.setToolTip("Save the log as CSV or JSON")
        export.clicked.connect(self.export_dialog)
        clear = QPushButton("C&lear")
        clear.clicked.connect(self.model.clear)
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        for button in (copy, export, clear):
            bar.addWidget(button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self.setWidget(body)
        self.table.addAction(self._copy_action())

    def _size_columns(self) -> None:
        """Widths from the font, user-resizable; ResizeToContents would query every row."""
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        metrics = self.table.fontMetrics()
        padding = 4 * self.table.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin) + 8
        for column, sample in enumerate(SAMPLES):
            width = max(
                metrics.horizontalAdvance(sample), metrics.horizontalAdvance(COLUMNS[column])
            )
            header.resizeSection(column, width + padding)

    def _copy_action(self) -> QAction:
        action = QAction("Copy", self.table)
        action.setShortcut(QKeySequence.StandardKey.Copy)
        action.triggered.connect(self.copy_rows)
        return action

    def add(self, attempt: Attempt) -> None:
        self.model.append(attempt)
        self.table.scrollToBottom()

    def selected_attempts(self) -> list[Attempt]:
        rows = sorted({self.proxy.mapToSource(i).row() for i in self.table.selectedIndexes()})
        all_rows = self.model.attempts()
        return [all_rows[r] for r in rows] if rows else all_rows

    def copy_rows(self) -> None:
        QGuiApplication.clipboard().setText(to_csv(self.selected_attempts()))

    def export_dialog(self) -> None:
        dialog = QFileDialog(
            self, "Export activity log", "activity.csv", "CSV (*.csv);;JSON (*.json)"
        )
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.export_to)
        dialog.open()  # not exec(): no nested loop inside a running qasync loop

    def export_to(self, path: str) -> None:
        from pathlib import Path

        target = Path(path)
        attempts = self.model.attempts()
        text = to_json(attempts) if target.suffix.lower() == ".json" else to_csv(attempts)
        target.write_text(text, encoding="utf-8")
