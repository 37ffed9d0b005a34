"""Skill ID and stage, validated as you type with the client's own rules."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget

from console.api.validation import skill_id_problem


class SkillSelector(QGroupBox):
    validity_changed = Signal(bool)

    def __init__(self, recent: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Skill", parent)
        self.skill = QComboBox()
        self.skill.setEditable(True)
        self.skill.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.skill.addItems(recent or [])
        self.skill.setCurrentText("")
        self.skill.setAccessibleName("Skill ID")
        line = self.skill.lineEdit()
        assert line is not None
        line.setPlaceholderText("amzn1.ask.skill.…")
        line.setClearButtonEnabled(True)
        self.stage = QComboBox()
        self.stage.addItems(["development", "live"])
        self.stage.setAccessibleName("Stage")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Skill ID problem")
        self.hint.setStyleSheet("color: #cf222e;")
        form = QFormLayout(self)
        form.addRow("Skill &ID:", self.skill)
        form.addRow("&Stage:", self.stage)
        form.addRow("", self.hint)
        self.skill.editTextChanged.connect(self._revalidate)
        self._valid = False
        self._revalidate(self.skill.currentText())

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

    def remember(self, skill_id: str) -> None:
        """Move a used skill ID to the top of the recent list (at most 15)."""
        index = self.skill.findText(skill_id)
        if index >= 0:
            self.skill.removeItem(index)
        self.skill.insertItem(0, skill_id)
        while self.skill.count() > 15:
            self.skill.removeItem(self.skill.count() - 1)
        self.skill.setCurrentIndex(0)

    def recent(self) -> list[str]:
        return [self.skill.itemText(i) for i in range(self.skill.count())]

    def _revalidate(self, text: str) -> None:
        problem = skill_id_problem(text)
        self.hint.setText("" if not text else (problem or ""))
        valid = problem is None
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
