"""The workbench's rows: one per skill, its answers in cells keyed by the whole question.

A cell's key is (account, login kind, skill ID, stage) — captured when an operation starts and
carried by its result — so an answer can only land on the cell it was asked for; a row that is
gone (removed, or another account's) drops it (WORKBENCH-PATTERNS 1–3). Semantic states are
returned through `STATE_ROLE`; the delegate picks colours from the palette at paint time.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QWidget

from console.ui.cells import CUSTOMER_STAGE, LOOKS, STAGES, Cell, CellKey, link_words, region_words

if TYPE_CHECKING:  # QStyle's many enums take ~5 ms to create: at the first state cell's paint
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QStyleOptionViewItem

STATE_ROLE = 0x0100 + 1  # Qt.UserRole + 1: the cell's semantic state
KEY_ROLE = 0x0100 + 2  # the cell's CellKey (works through proxies)
# Qt.DisplayRole (0) and Qt.ToolTipRole (3), as numbers: Qt's enums are not created at start-up.
_SERVED_ROLES = frozenset({0, 3, STATE_ROLE, KEY_ROLE})
_INDEX = QModelIndex | QPersistentModelIndex
OWNER_COLUMNS = ("Name", "Skill ID", "Development", "Live", "Last checked")
CUSTOMER_COLUMNS = ("Name", "Skill ID", "State", "Account link", "Region", "Last checked")


class WorkbenchModel(QAbstractTableModel):
    """Skills as rows; owner accounts see both stages side by side, customers one state."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.skills: list[str] = []
        self._rows: dict[str, int] | None = None  # skill → row, built on use: an answer per row
        self.names: dict[str, str] = {}
        self.account = ""  # the account whose cells are shown
        self.kind = "developer"
        self.cells: dict[CellKey, Cell] = {}

    # --- shape --------------------------------------------------------------------------------

    @property
    def owner(self) -> bool:
        return self.kind != "customer"

    def headers(self) -> tuple[str, ...]:
        return OWNER_COLUMNS if self.kind != "customer" else CUSTOMER_COLUMNS

    # rowCount and columnCount run hundreds of thousands of times in a big selection: lean
    def rowCount(self, parent: _INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.skills)

    def columnCount(self, parent: _INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else (5 if self.kind != "customer" else 6)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers()[section]
        return None

    def stage_of_column(self, column: int) -> str | None:
        """The stage a column shows (owner view), or None for the other columns."""
        if self.owner and column in (2, 3):
            return STAGES[column - 2]
        return None

    def key(self, row: int, stage: str | None = None) -> CellKey:
        stage = CUSTOMER_STAGE if not self.owner else (stage or STAGES[0])
        return CellKey(self.account, self.kind, self.skills[row], stage)

    def row_of(self, skill: str) -> int | None:
        """The row showing `skill`, or None (a dict, not `list.index`: a 500-row batch asks
        for every landing)."""
        if self._rows is None:
            self._rows = {s: n for n, s in enumerate(self.skills)}
        return self._rows.get(skill)

    def cell(self, key: CellKey) -> Cell | None:
        """The cell of `key` if its row is shown; None means: drop the answer."""
        if key.account != self.account or key.kind != self.kind:
            return None
        if self.row_of(key.skill_id) is None:
            return None
        cell = self.cells.get(key)
        if cell is None:  # (not setdefault: a new Cell per call, 500 of them per batch)
            cell = self.cells[key] = Cell()
        return cell

    def data(self, index: _INDEX, role: int = 0) -> Any:
        # A view asks each cell for a dozen roles at every paint; only these have answers.
        if role not in _SERVED_ROLES or not index.isValid():
            return None
        skill = self.skills[index.row()]
        column = index.column()
        if role == KEY_ROLE:
            return self.key(index.row(), self.stage_of_column(column))
        if self.owner:
            return self._owner_data(skill, index.row(), column, role)
        return self._customer_data(skill, index.row(), column, role)

    def _cell_for(self, row: int, stage: str | None) -> Cell:
        return self.cells.get(self.key(row, stage)) or Cell()

    def _checked(self, cells: list[Cell]) -> str:
        times = [c.checked for c in cells if c.checked is not None]
        if not times:
            return "—"
        return time.strftime("%H:%M:%S", time.localtime(max(times)))

    def _owner_data(self, skill: str, row: int, column: int, role: int) -> Any:
        display = role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
        if column == 0 and display:
            return self.names.get(skill, "")
        if column == 1 and display:
            return skill
        if column in (2, 3):
            cell = self._cell_for(row, STAGES[column - 2])
            if role == STATE_ROLE:
                return cell.semantic
            if display:
                return cell.text()
        if column == 4 and display:
            return self._checked([self._cell_for(row, s) for s in STAGES])
        return None

    def _customer_data(self, skill: str, row: int, column: int, role: int) -> Any:
        display = role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
        cell = self._cell_for(row, None)
        if role == STATE_ROLE and column == 2:
            return cell.semantic
        if not display:
            return None
        values = [
            self.names.get(skill, ""),
            skill,
            cell.text(),
            link_words(cell.account_link),
            region_words(cell.region),
            self._checked([cell]),
        ]
        return values[column]

    # --- changes ------------------------------------------------------------------------------

    def set_account(self, account: str, kind: str) -> None:
        """Show another account: what belonged to the previous one is cleared."""
        if account == self.account and kind == self.kind:
            return
        self.beginResetModel()
        self.account, self.kind = account, kind
        self.cells = {}
        self.endResetModel()

    def add_skills(self, skills: list[str], names: dict[str, str] | None = None) -> int:
        """Append skills not shown yet; returns how many were added."""
        self.names.update(names or {})
        fresh = [s for s in dict.fromkeys(skills) if self.row_of(s) is None]
        if fresh:
            first = len(self.skills)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self.skills.extend(fresh)
            self._rows = None
            self.endInsertRows()
        for skill in skills:
            if names and skill in names and skill not in fresh:
                self.changed(skill)
        return len(fresh)

    def remove_skills(self, skills: list[str]) -> None:
        for skill in skills:
            if skill not in self.skills:
                continue
            row = self.skills.index(skill)
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.skills[row]
            self._rows = None
            self.endRemoveRows()
            self.cells = {k: v for k, v in self.cells.items() if k.skill_id != skill}

    def changed(self, skill: str) -> None:
        """Repaint one skill's row (only that row: the selection and sort stay)."""
        row = self.row_of(skill)
        if row is not None:
            last = self.columnCount() - 1
            self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def changed_many(self, skills: list[str]) -> None:
        """Repaint these skills' rows: one signal per run of adjacent rows, not one per row
        (a 500-row batch starting or ending would otherwise send hundreds)."""
        rows = sorted({r for s in skills if (r := self.row_of(s)) is not None})
        last = self.columnCount() - 1
        start = 0
        for n in range(1, len(rows) + 1):
            if n == len(rows) or rows[n] != rows[n - 1] + 1:
                self.dataChanged.emit(self.index(rows[start], 0), self.index(rows[n - 1], last))
                start = n

    def running_cells(self) -> list[tuple[CellKey, Cell]]:
        return [(k, c) for k, c in self.cells.items() if c.running]


def _accent(palette: QPalette, hue: int) -> QColor:
    """A state colour derived from the palette: a hue at the palette's own lightness."""
    base = palette.color(QPalette.ColorRole.Base)
    dark = base.lightnessF() < 0.5
    accent = QColor.fromHsl(hue, 150, 90 if dark else 170)
    mix = 0.45 if dark else 0.55
    return QColor.fromRgbF(
        base.redF() * (1 - mix) + accent.redF() * mix,
        base.greenF() * (1 - mix) + accent.greenF() * mix,
        base.blueF() * (1 - mix) + accent.blueF() * mix,
    )


class StateDelegate(QStyledItemDelegate):
    """Draws a state cell: a palette-derived fill, a symbol, and the words; running cells get
    the style's own progress bar under the text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _INDEX) -> None:
        state = index.data(STATE_ROLE)
        if not isinstance(state, str):
            super().paint(painter, option, index)
            return
        from PySide6.QtWidgets import QStyle  # not at import: the complete window needs none

        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        _words, symbol, hue = LOOKS.get(state, LOOKS["unknown"])
        palette = option.palette
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        if selected:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Highlight))
            colour = palette.color(QPalette.ColorRole.HighlightedText)
        else:
            if hue is not None:
                painter.fillRect(rect.adjusted(1, 1, -1, -1), _accent(palette, hue))
            colour = palette.color(QPalette.ColorRole.Text)
            if state in ("idle", "not_enabled"):
                colour = palette.color(QPalette.ColorRole.PlaceholderText)
        if state == "failed" or "last action failed" in text:  # a stripe, not only colour
            stripe = _accent(palette, 0).darker(160)
            painter.fillRect(rect.x(), rect.y(), 4, rect.height(), stripe)
        if state == "running":
            self._draw_bar(painter, option, rect)
        font = painter.font()
        font.setItalic(state in ("disabled", "no_association", "unknown"))
        font.setBold(state == "enabled")
        painter.setFont(font)
        painter.setPen(colour)
        inner = rect.adjusted(8, 0, -4, 0)
        elided = painter.fontMetrics().elidedText(  # the bold or italic font's own widths
            f"{symbol} {text}", Qt.TextElideMode.ElideRight, inner.width()
        )
        painter.drawText(
            inner, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), elided
        )
        painter.restore()

    def _draw_bar(self, painter: QPainter, option: QStyleOptionViewItem, rect: Any) -> None:
        from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionProgressBar

        bar = QStyleOptionProgressBar()
        bar.rect = rect.adjusted(4, rect.height() - 6, -4, -1)
        bar.minimum = 0
        bar.maximum = 0
        bar.palette = option.palette
        bar.state = option.state
        widget: QWidget | None = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, widget)
