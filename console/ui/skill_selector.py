"""Skill ID and stage, validated as you type with the client's own rules; recent and pinned
skills (pinned ones carry a friendly name) in the drop-down."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from console.api.validation import skill_id_problem
from console.ui.palette import ERROR, tint

MAX_RECENT = 15


class SkillSelector(QGroupBox):
    validity_changed = Signal(bool)

    def __init__(
        self,
        recent: list[str] | None = None,
        pinned: dict[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Skill", parent)
        self._recent = [r for r in (recent or []) if skill_id_problem(r) is None][:MAX_RECENT]
        self.pinned: dict[str, str] = dict(pinned or {})
        self.skill = QComboBox()
        self.skill.setEditable(True)
        self.skill.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.skill.setAccessibleName("Skill ID")
        self.skill.setToolTip("Type or paste a skill ID; the list holds pinned and recent skills")
        line = self.skill.lineEdit()
        assert line is not None
        line.setPlaceholderText("amzn1.ask.skill.…")
        line.setClearButtonEnabled(True)
        self.pin = QPushButton("☆ &Pin…")
        self.pin.setToolTip("Pin this skill with a friendly name (or unpin it)")
        self.pin.setAccessibleName("Pin skill")
        self.pin.clicked.connect(self.toggle_pin)
        self.stage = QComboBox()
        self.stage.addItems(["development", "live"])
        self.stage.setAccessibleName("Stage")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Skill ID problem")
        tint(self.hint, ERROR)
        row = QHBoxLayout()
        row.addWidget(self.skill, 1)
        row.addWidget(self.pin)
        form = QFormLayout(self)
        label = QLabel("Skill &ID:")
        label.setBuddy(self.skill)
        form.addRow(label, row)
        form.addRow("S&tage:", self.stage)
        form.addRow("", self.hint)
        self.skill.editTextChanged.connect(self._revalidate)
        self.skill.activated.connect(self._chosen)
        self._valid = False
        self.dialog: QWidget | None = None
        self._refill("")
        self._revalidate("")

    @property
    def line_edit(self) -> QLineEdit:
        line = self.skill.lineEdit()
        assert line is not None
        return line

    def skill_id(self) -> str:
        return self.skill.currentText()

    def stage_name(self) -> str:
        return self.stage.currentText()

    def is_valid(self) -> bool:
        return self._valid

    def recent(self) -> list[str]:
        return list(self._recent)

    def remember(self, skill_id: str) -> None:
        """Move a used skill ID to the top of the recent list."""
        self._recent = [skill_id, *[r for r in self._recent if r != skill_id]][:MAX_RECENT]
        self._refill(skill_id)

    def toggle_pin(self) -> None:
        skill_id = self.skill_id()
        if skill_id in self.pinned:
            del self.pinned[skill_id]
            self._refill(skill_id)
            return
        if not self._valid:
            return
        from PySide6.QtWidgets import QInputDialog  # dialogs load on first use

        dialog = QInputDialog(self)
        dialog.setWindowTitle("Pin skill")
        dialog.setLabelText(f"Friendly name for {skill_id}:")
        dialog.textValueSelected.connect(lambda name: self.pin_as(skill_id, name))
        self.dialog = dialog
        dialog.open()  # not exec(): see QT-ASYNC-NOTES

    def pin_as(self, skill_id: str, name: str) -> None:
        self.pinned[skill_id] = name.strip() or skill_id
        self._refill(skill_id)

    def _refill(self, keep: str) -> None:
        """Pinned skills (★ name) first, then recent ones; the field keeps `keep`."""
        self.skill.blockSignals(True)
        self.skill.clear()
        for skill_id, name in sorted(self.pinned.items(), key=lambda p: p[1].lower()):
            self.skill.addItem(f"★ {name} — {skill_id}", skill_id)
        for skill_id in self._recent:
            if skill_id not in self.pinned:
                self.skill.addItem(skill_id, skill_id)
        self.skill.setCurrentIndex(-1)
        self.skill.setEditText(keep)
        self.skill.blockSignals(False)
        self._update_pin_button(keep)

    def _chosen(self, index: int) -> None:
        """A drop-down entry puts its bare ID in the field (the label is not an ID)."""
        skill_id = self.skill.itemData(index)
        if isinstance(skill_id, str):
            self.skill.setEditText(skill_id)

    def _update_pin_button(self, text: str) -> None:
        pinned = text in self.pinned
        self.pin.setText("★ Un&pin" if pinned else "☆ &Pin…")
        self.pin.setEnabled(pinned or skill_id_problem(text) is None)

    def _revalidate(self, text: str) -> None:
        problem = skill_id_problem(text)
        self.hint.setText("" if not text else (problem or ""))
        self._update_pin_button(text)
        valid = problem is None
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
