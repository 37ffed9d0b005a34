"""The live activity log: one row per HTTP attempt, filterable, copyable and exportable.

The window docks it and builds it just after its first paint (see MainWindow.activity).
Each row may carry the question it served (`AttemptContext`: profile, login kind, operation,
skill, stage), given to `add` or set for a whole operation with `attempt_context`.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.ui.palette import ERROR, tint

if TYPE_CHECKING:  # types only: the window paints before the API models load
    from PySide6.QtWidgets import QFileDialog

    from console.api.models import Attempt

COLUMNS = (
    "Time",
    "Account",
    "Operation",
    "Skill",
    "Stage",
    "Method",
    "Status",
    "Try",
    "Decision",
    "Elapsed",
    "Host",
    "Path",
)
ACCOUNT, OPERATION = 1, 2  # hidden until a row with a context arrives
CONTEXT_COLUMNS = (ACCOUNT, OPERATION)
# Widest typical cell per column (Path stretches): fixed widths spare the header from asking
# Python for every cell's size on each new row.
SAMPLES = (
    "00:00:00",
    "default · developer",
    "customer-status",
    "amzn1.ask.skill.0000…0001",
    "development",
    "DELETE",
    "no answer",
    "Try",
    "retry in 20.0 s (dropped)",
    "99999 ms",
    "api.eu.amazonalexa.com",
)
DISPLAY_ROLE, TOOLTIP_ROLE = 0, 3  # Qt.ItemDataRole values
FILTER_ROLE = 0x0101  # Qt.UserRole + 1: a row's cells in one string, what the filter matches
FOLLOW_DECISIONS = ("retry", "refresh")  # the same request is sent again after these
_SKILL_PATH = re.compile(r"/skills/([^/]+)(?:/stages/([^/]+))?")
Index = QModelIndex | QPersistentModelIndex
# Save-dialog filters; the one the user picks decides the suffix added to a bare file name.
FILTERS = {"CSV (*.csv)": "csv", "JSON (*.json)": "json"}


class Context(Protocol):
    """What a row may know of its question; a BatchRow or an AttemptContext fits."""

    @property
    def profile(self) -> str: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def operation(self) -> str: ...
    @property
    def skill_id(self) -> str | None: ...
    @property
    def stage(self) -> str | None: ...


class AttemptContext(NamedTuple):
    """The question an attempt served, as the window knew it when the operation started."""

    profile: str
    kind: str | None
    operation: str
    skill_id: str | None = None
    stage: str | None = None


# The context of the operation running in this task (see `attempt_context`).
current_context: contextvars.ContextVar[Context | None] = contextvars.ContextVar(
    "activity_context", default=None
)


@contextlib.contextmanager
def attempt_context(context: Context | None) -> Iterator[None]:
    """Attempts logged inside (in this task, and tasks it starts) carry `context`."""
    token = current_context.set(context)
    try:
        yield
    finally:
        current_context.reset(token)


class Row(NamedTuple):
    """One log row: the attempt, its question if known, and its try of that request."""

    attempt: Attempt
    context: AttemptContext | None
    try_number: int


def as_context(context: Context | None) -> AttemptContext | None:
    if context is None or isinstance(context, AttemptContext):
        return context
    return AttemptContext(
        context.profile, context.kind, context.operation, context.skill_id, context.stage
    )


def skill_and_stage(row: Row) -> tuple[str, str]:
    """From the context, else from the path (/skills/<id>/stages/<stage>/…)."""
    context = row.context
    found = _SKILL_PATH.search(row.attempt.path)
    skill = (context.skill_id if context else None) or (found.group(1) if found else None)
    stage = (context.stage if context else None) or (found.group(2) if found else None)
    return skill or "", stage or ""


def account_text(context: AttemptContext | None) -> str:
    if context is None:
        return ""
    return f"{context.profile} · {context.kind}" if context.kind else context.profile


def attempt_row(row: Row) -> list[str]:
    attempt = row.attempt
    status = str(attempt.status) if attempt.status is not None else "no answer"
    decision = attempt.decision + (f" ({attempt.error})" if attempt.error else "")
    skill, stage = skill_and_stage(row)
    return [
        attempt.started_at.astimezone().strftime("%H:%M:%S"),
        account_text(row.context),
        row.context.operation if row.context else "",
        skill,
        stage,
        attempt.method,
        status,
        str(row.try_number),
        decision,
        f"{attempt.elapsed_ms:.0f} ms",
        attempt.host,
        attempt.path,
    ]


def tooltip(row: Row) -> str:
    attempt = row.attempt
    lines = [attempt.url]
    if attempt.error:
        lines.append(f"no answer: {attempt.error}")
    lines.append(
        f"try {row.try_number} of this request; attempt {attempt.attempt} of the operation"
    )
    if row.context is not None:
        skill, stage = skill_and_stage(row)
        about = " ".join(p for p in (skill, stage) if p)
        lines.append(f"{row.context.operation} {about} as {account_text(row.context)}".strip())
    if attempt.request_id:
        lines.append(f"request id {attempt.request_id}")
    return "\n".join(lines)


class TryCounter:
    """The try number of each request (the client's `attempt` counts across an operation's
    endpoints and token refreshes): a request sent again right after a retry or refresh
    decision about the same method and URL is its next try."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], tuple[int, int]] = {}  # key → (attempt, try)

    def count(self, attempt: Attempt) -> int:
        key = (attempt.method, attempt.url)
        previous = self._last.pop(key, None)
        number = 1
        if previous is not None and attempt.attempt > previous[0]:
            number = previous[1] + 1
        if attempt.decision.startswith(FOLLOW_DECISIONS):  # only then can a next try follow
            self._last[key] = (attempt.attempt, number)
        return number

    def clear(self) -> None:
        self._last.clear()


FLUSH_MS = 50  # the longest an attempt waits before the table shows it


class ActivityModel(QAbstractTableModel):
    """Attempts as rows; it holds nothing secret because Attempt holds nothing secret."""

    MAX_ROWS = 5000  # a long fault storm must not grow memory without bound

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Row] = []
        self._cells: list[list[str]] = []  # rendered once per row, not once per paint
        self.tries = TryCounter()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def data(self, index: Index, role: int = DISPLAY_ROLE) -> object:
        if not index.isValid():
            return None
        if role == DISPLAY_ROLE:
            return self._cells[index.row()][index.column()]
        if role == FILTER_ROLE:  # one call per row instead of one per cell (~3x faster)
            return "\t".join(self._cells[index.row()])
        if role == TOOLTIP_ROLE:
            return tooltip(self._rows[index.row()])
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> object:
        if role == DISPLAY_ROLE and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def append(self, attempt: Attempt, context: AttemptContext | None = None) -> None:
        self.extend([Row(attempt, context, self.tries.count(attempt))])

    def extend(self, rows: list[Row]) -> None:
        """Add rows at the end, dropping the oldest beyond MAX_ROWS."""
        rows = rows[-self.MAX_ROWS :]
        excess = len(self._rows) + len(rows) - self.MAX_ROWS
        if excess > 0:
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            del self._rows[:excess]
            del self._cells[:excess]
            self.endRemoveRows()
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self._cells.extend(attempt_row(r) for r in rows)
        self.endInsertRows()

    def attempts(self) -> list[Attempt]:
        return [r.attempt for r in self._rows]

    def rows(self) -> list[Row]:
        return list(self._rows)

    def take_all(self) -> list[Row]:
        """Empty the model; returns what it held (for Undo)."""
        self.beginResetModel()
        rows, self._rows, self._cells = self._rows, [], []
        self.endResetModel()
        return rows

    def put_back(self, rows: list[Row]) -> None:
        """Rows taken by `take_all`, before the rows logged since (within MAX_ROWS)."""
        self.beginResetModel()
        merged = (rows + self._rows)[-self.MAX_ROWS :]
        self._rows = merged
        self._cells = [attempt_row(r) for r in merged]
        self.endResetModel()

    def clear(self) -> None:
        self.take_all()


def as_rows(items: list[Attempt] | list[Row]) -> list[Row]:
    """Log rows as they are; bare attempts (old callers) get their tries counted in order."""
    counter = TryCounter()
    return [
        item if isinstance(item, Row) else Row(item, None, counter.count(item)) for item in items
    ]


CSV_FIELDS = (
    "started_at",
    "profile",
    "kind",
    "operation",
    "skill_id",
    "stage",
    "method",
    "url",
    "status",
    "elapsed_ms",
    "attempt",  # of the operation, as the client counts
    "try",  # of this request
    "decision",
    "error",
    "request_id",  # what Amazon support asks for when a case is escalated
)


def export_dict(row: Row) -> dict[str, object]:
    """A row as exported: the attempt (which holds nothing secret) and its question."""
    skill, stage = skill_and_stage(row)
    context = row.context
    return row.attempt.to_dict() | {
        "try": row.try_number,
        "profile": context.profile if context else None,
        "kind": context.kind if context else None,
        "operation": context.operation if context else None,
        "skill_id": skill or None,
        "stage": stage or None,
    }


def to_csv(items: list[Attempt] | list[Row]) -> str:
    import csv  # export-time imports keep them off the start-up path
    import io

    from console.batch_csv import csv_cell  # a spreadsheet shows formulas as text

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in as_rows(items):
        data = export_dict(row)
        writer.writerow(
            {k: "" if data.get(k) is None else csv_cell(data.get(k)) for k in CSV_FIELDS}
        )
    return out.getvalue()


def to_json(items: list[Attempt] | list[Row]) -> str:
    import json

    return json.dumps([export_dict(row) for row in as_rows(items)], indent=2)


def export_format(path: str, chosen: str = "csv") -> str:
    """The format to write: a .json or .csv suffix decides, any other name gets `chosen`."""
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    return suffix if suffix in ("csv", "json") else chosen


def save_dialog(
    parent: QWidget, name: str, start: str, export_to: Callable[[str, str], object]
) -> QFileDialog:
    """A reusable Save dialog for CSV/JSON exports: the filter picked decides the suffix a bare
    name gets, and so the format; `export_to(path, format)` writes the chosen file."""
    from PySide6.QtWidgets import QFileDialog  # the dialog loads on first use

    box = QFileDialog(parent, "", start, ";;".join(FILTERS))
    box.setObjectName(name)
    box.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    box.setDefaultSuffix("csv")
    box.filterSelected.connect(lambda chosen: box.setDefaultSuffix(FILTERS.get(chosen, "csv")))

    def chosen(path: str) -> None:
        kind = FILTERS.get(box.selectedNameFilter(), "csv")
        if not os.path.splitext(path)[1]:  # a native dialog that ignored the default suffix
            path = f"{path}.{kind}"
        export_to(path, kind)

    box.fileSelected.connect(chosen)
    return box


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
    """The log's table, filter, Copy/Export/Clear(+Undo) and message line (the window docks it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activityLog")
        self._model = ActivityModel()
        # Attempts wait here for at most FLUSH_MS, then go in together: a batch logs one every
        # few ms, and each insert scrolled and repainted the whole log (a frame's time each).
        self._pending: list[tuple[Attempt, AttemptContext | None]] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self.flush)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self._model)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterRole(FILTER_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Activity log")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Tab leaves the table (arrows move in it): Tab must never select rows silently,
        # which would change what Copy and Export take.
        self.table.setTabKeyNavigation(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # IDs and paths end usefully
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self._size_columns()
        for column in CONTEXT_COLUMNS:  # shown once a row says which account asked
            self.table.setColumnHidden(column, True)
        self.filter = QLineEdit(placeholderText="Filter (host, path, skill, status, decision…)")
        self.filter.setAccessibleName("Filter activity log")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter_changed)
        self.copy_button = QPushButton("Cop&y")
        self.copy_button.clicked.connect(self.copy_rows)
        self.export_button = QPushButton("E&xport…")
        self.export_button.clicked.connect(self.export_dialog)
        # No mnemonics on Clear/Undo: every letter of them is taken in the window already.
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Empty the log (Undo brings the rows back)")
        self.clear_button.clicked.connect(self.clear)
        self.undo_button = QPushButton("Undo clear")
        self.undo_button.setToolTip("Bring back the rows Clear removed (Ctrl+Z in the log)")
        self.undo_button.clicked.connect(self.undo_clear)
        self.undo_button.hide()
        self._cleared: list[Row] = []
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
        for button in (self.copy_button, self.export_button, self.clear_button, self.undo_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.table)
        self.table.addAction(self._copy_action())
        chain = (self.filter, self.copy_button, self.export_button, self.clear_button)
        for first, second in zip(chain, (*chain[1:], self.undo_button), strict=True):
            QWidget.setTabOrder(first, second)  # as laid out: the bar, then the table
        QWidget.setTabOrder(self.undo_button, self.table)
        undo = QAction("Undo clear", self)
        undo.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.setShortcut(QKeySequence.StandardKey.Undo)  # in the log only: fields keep their own
        undo.triggered.connect(self.undo_clear)
        self.table.addAction(undo)
        self.table.selectionModel().selectionChanged.connect(self._scope_changed)
        self.proxy.rowsInserted.connect(self._scope_changed)
        self.proxy.rowsRemoved.connect(self._scope_changed)
        self.proxy.modelReset.connect(self._scope_changed)
        self._scope_pending = False
        self._update_scope()

    def _size_columns(self) -> None:
        """Widths from the font, user-resizable; ResizeToContents would query every row."""
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        metrics = self.table.fontMetrics()
        # Room for the header's margins and sort arrow, from the font: asking the style for
        # PM_HeaderMargin creates QStyle's enums, ~5 ms of the complete window for ~24 px.
        padding = metrics.horizontalAdvance("MM") + 4
        for column, sample in enumerate(SAMPLES):
            width = max(
                metrics.horizontalAdvance(sample), metrics.horizontalAdvance(COLUMNS[column])
            )
            header.resizeSection(column, width + padding)
        self.table.verticalHeader().setDefaultSectionSize(metrics.height() + 6)

    def _copy_action(self) -> QAction:
        action = QAction("Copy", self.table)
        # Only while the table has focus: Ctrl+C in a label or field copies that text.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setShortcut(QKeySequence.StandardKey.Copy)
        action.triggered.connect(self.copy_rows)
        return action

    @property
    def model(self) -> ActivityModel:
        """The log's rows, every attempt logged so far (reading it puts the waiting ones in)."""
        self.flush()
        return self._model

    def add(self, attempt: Attempt, context: Context | None = None) -> None:
        """Log one attempt; `context` (else the running operation's `attempt_context`) says
        which question it served. The table shows it within FLUSH_MS, with the others logged
        meanwhile, in one insert."""
        known = as_context(context if context is not None else current_context.get())
        self._pending.append((attempt, known))
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def flush(self) -> None:
        """Put the waiting attempts in the table, in the order logged. The view follows new
        rows only while it is at the end."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        self._flush_timer.stop()
        bar = self.table.verticalScrollBar()
        following = bar.value() >= bar.maximum()
        if self.table.isColumnHidden(ACCOUNT) and any(known for _, known in pending):
            for column in CONTEXT_COLUMNS:
                self.table.setColumnHidden(column, False)
        model = self._model
        model.extend(
            [Row(attempt, known, model.tries.count(attempt)) for attempt, known in pending]
        )
        if following:
            self.table.scrollToBottom()

    def show_message(self, text: str, *, error: bool = False) -> None:
        tint(self.message, ERROR if error else None)
        self.message.setText(text)
        self.message.show()

    # --- what Copy and Export take ------------------------------------------------------------

    def _proxy_rows(self) -> list[int]:
        """The selected rows if any, else every row the filter lets through; table order."""
        self.flush()
        selected = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return selected or list(range(self.proxy.rowCount()))

    def selected_rows(self) -> list[Row]:
        all_rows = self.model.rows()
        return [
            all_rows[self.proxy.mapToSource(self.proxy.index(r, 0)).row()]
            for r in self._proxy_rows()
        ]

    def selected_attempts(self) -> list[Attempt]:
        """What the user sees: the selected rows if any, else every row the filter lets through;
        in the table's order, never a hidden row."""
        return [row.attempt for row in self.selected_rows()]

    def scope_text(self) -> str:
        """What Copy/Export take, in words: '12 selected rows' or 'all 240 shown rows'."""
        self.flush()
        selected = len(self.table.selectionModel().selectedRows())
        if selected:
            return _plural(selected, "selected row")
        shown = self.proxy.rowCount()
        if shown == 0:
            return "no rows"
        return f"all {shown} shown rows" if shown > 1 else "the 1 shown row"

    def _scope_changed(self) -> None:
        """Coalesced: a fault storm adds many rows per frame; the buttons change once."""
        if not self._scope_pending:
            self._scope_pending = True
            QTimer.singleShot(0, self, self._update_scope)

    def _update_scope(self) -> None:
        self._scope_pending = False
        scope = self.scope_text()
        # Enabled even with nothing to take: pressing them says why nothing happened.
        self.export_button.setText(f"E&xport {scope}…")
        self.copy_button.setText(f"Cop&y {scope}")
        self.copy_button.setToolTip(f"Copy {scope} as CSV (Ctrl+C in the table)")
        self.export_button.setToolTip(f"Save {scope} as CSV or JSON")

    def _filter_changed(self, text: str) -> None:
        """Filter, then keep the current row in view (else the newest), never a jump."""
        self.flush()
        self.proxy.setFilterFixedString(text)
        self.table.updateGeometries()  # the scroll range for the new row count, before scrolling
        current = self.table.currentIndex()
        if current.isValid():
            self.table.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)
        else:
            self.table.scrollToBottom()

    def _filter_note(self) -> str:
        text = self.filter.text()
        if not text or self.table.selectionModel().hasSelection():
            return ""
        return f" (shown by the filter “{text}”; {self.model.rowCount()} in the log)"

    def _nothing(self) -> str:
        return "no row matches the filter" if self.filter.text() else "the log is empty"

    def copy_rows(self) -> None:
        rows = self.selected_rows()
        if not rows:
            self.show_message(f"Nothing copied: {self._nothing()}.", error=True)
            return
        scope = self.scope_text()
        QGuiApplication.clipboard().setText(to_csv(rows))
        self.show_message(f"Copied {scope} as CSV{self._filter_note()}.")

    # --- Clear and Undo -----------------------------------------------------------------------

    def clear(self) -> None:
        """Empty the log; Undo brings the rows back (the last Clear's only)."""
        self.flush()
        count = self.model.rowCount()
        if not count:
            self.show_message("The log is already empty.")
            return
        self._cleared = self.model.take_all()
        self.model.tries.clear()
        self.undo_button.show()
        self.show_message(
            f"Cleared {_plural(count, 'row')}. Undo clear (Ctrl+Z in the log) brings them back."
        )

    def undo_clear(self) -> None:
        if not self._cleared:
            return
        rows, self._cleared = self._cleared, []
        self.model.put_back(rows)
        self.undo_button.hide()
        self.show_message(f"Brought back {_plural(len(rows), 'row')}.")
        self.table.scrollToBottom()

    # --- Export -------------------------------------------------------------------------------

    def export_dialog(self) -> None:
        if not self.selected_rows():
            self.show_message(f"Nothing to export: {self._nothing()}.", error=True)
            return
        if self.export_box is None:
            from PySide6.QtCore import QStandardPaths  # the dialog loads on first use

            start = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            )
            if not os.path.isdir(start):
                start = os.path.expanduser("~")
            self.export_box = save_dialog(self, "exportDialog", start, self.export_to)
        box = self.export_box
        box.setWindowTitle(f"Export {self.scope_text()} of the activity log")
        box.selectFile("activity." + (box.defaultSuffix() or "csv"))
        box.open()  # not exec(): no nested loop inside a running qasync loop

    def export_to(self, path: str, chosen: str = "csv") -> bool:
        """Write the rows Copy would take to `path`; the suffix (else `chosen`) picks the format.
        Failures are told in the dock's message line, never raised into the Qt slot."""
        rows = self.selected_rows()
        scope = self.scope_text()
        fmt = export_format(path, chosen)
        text = to_json(rows) if fmt == "json" else to_csv(rows)
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
        self.show_message(f"Exported {scope} as {fmt.upper()} to {path}{self._filter_note()}.")
        return True
