"""The live activity log: one row per HTTP attempt, filterable, copyable and exportable.

The window docks it and builds it just after its first paint (see MainWindow.activity).
"""

from __future__ import annotations

import contextlib
import os
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
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.ui.palette import ERROR, tint

if TYPE_CHECKING:  # types only: the window paints before the API models load
    from PySide6.QtWidgets import QFileDialog

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
# Save-dialog filters; the one the user picks decides the suffix added to a bare file name.
FILTERS = {"CSV (*.csv)": "csv", "JSON (*.json)": "json"}


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
            rid = f"\nrequest id {attempt.request_id}" if attempt.request_id else ""
            return attempt.url + (f"\n{attempt.error}" if attempt.error else "") + rid
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
        [
            "started_at",
            "method",
            "url",
            "status",
            "elapsed_ms",
            "attempt",
            "decision",
            "error",
            "request_id",  # what Amazon support asks for when a case is escalated
        ]
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
                a.request_id or "",
            ]
        )
    return out.getvalue()


def to_json(attempts: list[Attempt]) -> str:
    import json

    return json.dumps([a.to_dict() for a in attempts], indent=2)


def export_format(path: str, chosen: str = "csv") -> str:
    """The format to write: a .json or .csv suffix decides, any other name gets `chosen`."""
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    return suffix if suffix in ("csv", "json") else chosen


def write_atomically(path: str, text: str) -> None:
    """Write `text` to `path` through a temporary file beside it, then rename it into place:
    a failure (full disk, no permission) leaves the old file or none, never half of one."""
    import tempfile

    target = os.path.realpath(path)  # replace what a symlink points at, not the link
    folder = os.path.dirname(target) or "."
    fd, temporary = tempfile.mkstemp(prefix=".activity-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, _file_mode(target))  # mkstemp's 0600 is not what a user expects
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _file_mode(target: str) -> int:
    """The mode a plain open() would give: the old file's, or 0666 less the umask."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class ActivityLog(QWidget):
    """The log's table, filter, Copy/Export/Clear and message line (the window docks it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activityLog")
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
        self.copy_button = QPushButton("Cop&y")
        self.copy_button.setToolTip("Copy the selected rows (or all shown rows) as CSV")
        self.copy_button.clicked.connect(self.copy_rows)
        self.export_button = QPushButton("E&xport…")
        self.export_button.setToolTip("Save the selected rows (or all shown rows) as CSV or JSON")
        self.export_button.clicked.connect(self.export_dialog)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.model.clear)
        # One line under the buttons says what Copy/Export did, or why it failed.
        self.message = QLabel()
        self.message.setObjectName("activityMessage")
        self.message.setAccessibleName("Activity log message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.export_box: QFileDialog | None = None  # made on first use, then reused
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        for button in (self.copy_button, self.export_button, clear):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.table)
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
        # Only while the table has focus: Ctrl+C in a label or field copies that text.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setShortcut(QKeySequence.StandardKey.Copy)
        action.triggered.connect(self.copy_rows)
        return action

    def add(self, attempt: Attempt) -> None:
        self.model.append(attempt)
        self.table.scrollToBottom()

    def show_message(self, text: str, *, error: bool = False) -> None:
        tint(self.message, ERROR if error else None)
        self.message.setText(text)
        self.message.show()

    def selected_attempts(self) -> list[Attempt]:
        """What the user sees: the selected rows if any, else every row the filter lets through;
        in the table's order, never a hidden row."""
        proxy_rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if not proxy_rows:
            proxy_rows = list(range(self.proxy.rowCount()))
        all_rows = self.model.attempts()
        return [all_rows[self.proxy.mapToSource(self.proxy.index(r, 0)).row()] for r in proxy_rows]

    def _scope(self) -> str:
        """How the rows Copy/Export take were chosen, for the confirmation line."""
        if self.table.selectionModel().hasSelection():
            return "selected "
        return ""

    def _filter_note(self) -> str:
        text = self.filter.text()
        if not text or self.table.selectionModel().hasSelection():
            return ""
        return f" (shown by the filter “{text}”; {self.model.rowCount()} in the log)"

    def copy_rows(self) -> None:
        attempts = self.selected_attempts()
        if not attempts:
            why = "no row matches the filter" if self.filter.text() else "the log is empty"
            self.show_message(f"Nothing copied: {why}.", error=True)
            return
        QGuiApplication.clipboard().setText(to_csv(attempts))
        rows = _plural(len(attempts), f"{self._scope()}row")
        self.show_message(f"Copied {rows} as CSV{self._filter_note()}.")

    def export_dialog(self) -> None:
        if not self.selected_attempts():
            why = "no row matches the filter" if self.filter.text() else "the log is empty"
            self.show_message(f"Nothing to export: {why}.", error=True)
            return
        if self.export_box is None:
            from PySide6.QtCore import QStandardPaths  # the dialog loads on first use
            from PySide6.QtWidgets import QFileDialog

            start = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            )
            if not os.path.isdir(start):
                start = os.path.expanduser("~")
            box = QFileDialog(self, "Export activity log", start, ";;".join(FILTERS))
            box.setObjectName("exportDialog")
            box.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            box.setDefaultSuffix("csv")
            # The filter picked decides the suffix a bare name gets, and so the format.
            box.filterSelected.connect(lambda name: box.setDefaultSuffix(FILTERS.get(name, "csv")))
            box.fileSelected.connect(lambda path: self._export_chosen(path, box))
            self.export_box = box
        box = self.export_box
        box.selectFile("activity." + (box.defaultSuffix() or "csv"))
        box.open()  # not exec(): no nested loop inside a running qasync loop

    def _export_chosen(self, path: str, box: QFileDialog) -> None:
        chosen = FILTERS.get(box.selectedNameFilter(), "csv")
        if not os.path.splitext(path)[1]:  # a native dialog that ignored the default suffix
            path = f"{path}.{chosen}"
        self.export_to(path, chosen)

    def export_to(self, path: str, chosen: str = "csv") -> bool:
        """Write the rows Copy would take to `path`; the suffix (else `chosen`) picks the format.
        Failures are told in the dock's message line, never raised into the Qt slot."""
        attempts = self.selected_attempts()
        fmt = export_format(path, chosen)
        text = to_json(attempts) if fmt == "json" else to_csv(attempts)
        try:
            write_atomically(path, text)
        except OSError as error:
            reason = error.strerror or str(error)
            self.show_message(
                f"Export failed: could not write {path} ({reason}). Nothing was saved; "
                "choose a folder you can write to and export again.",
                error=True,
            )
            return False
        rows = _plural(len(attempts), f"{self._scope()}attempt")
        self.show_message(f"Exported {rows} as {fmt.upper()} to {path}{self._filter_note()}.")
        return True
