"""The status panel: a state badge, account link, the endpoint that answered, when, attempts."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QProgressBar, QVBoxLayout, QWidget

if TYPE_CHECKING:  # types only: the window paints before the API models load
    from console.api.models import OperationResult

# state → (label, colour); anything else is shown raw and marked unknown.
BADGES = {
    "ENABLED": ("Enabled", "#1a7f37"),
    "NOT_ENABLED": ("Not enabled", "#6e7781"),
    "ENABLING": ("Enabling…", "#9a6700"),
    "DISABLING": ("Disabling…", "#9a6700"),
    "ENABLING_FAILED": ("Enabling failed", "#cf222e"),
    "DISABLING_FAILED": ("Disabling failed", "#cf222e"),
    "DISABLED": ("Disabled", "#6e7781"),
    "NO_ASSOCIATION": ("Not enabled (no association)", "#6e7781"),
}


def badge_for(state: str | None) -> tuple[str, str]:
    if state is None:
        return ("Not checked yet", "#6e7781")
    return BADGES.get(state, (f"Unknown: {state}", "#8250df"))


class StatusPanel(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Status", parent)
        self.badge = QLabel()
        self.badge.setAccessibleName("Enablement state")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setMinimumHeight(36)
        self.link = QLabel("—")
        self.endpoint = QLabel("—")
        self.endpoint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.checked = QLabel("—")
        self.attempts = QLabel("—")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Last message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        form = QFormLayout()
        form.addRow("Account link:", self.link)
        form.addRow("Answered by:", self.endpoint)
        form.addRow("Last checked:", self.checked)
        form.addRow("Attempts:", self.attempts)
        layout = QVBoxLayout(self)
        layout.addWidget(self.badge)
        layout.addWidget(self.progress)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.set_state(None)

    def set_state(self, state: str | None) -> None:
        text, colour = badge_for(state)
        self.badge.setText(text)
        self.badge.setStyleSheet(
            f"QLabel {{ background: {colour}; color: white; border-radius: 6px;"
            " font-weight: 600; font-size: 15px; padding: 6px; }"
        )

    def show_result(self, result: OperationResult, region: str | None) -> None:
        self.set_state(result.state)
        self.link.setText(result.account_link or "—")
        where = result.endpoint or "—"
        self.endpoint.setText(f"{where} ({region})" if region else where)
        self.checked.setText(time.strftime("%H:%M:%S"))
        n = len(result.attempts)
        self.attempts.setText(f"{n} HTTP attempt{'s' if n != 1 else ''}")

    def show_busy(self, text: str) -> None:
        self.progress.show()
        self.message.setStyleSheet("")
        self.message.setText(text)

    def show_idle(self) -> None:
        self.progress.hide()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.progress.hide()
        self.message.setStyleSheet("color: #cf222e;" if error else "")
        self.message.setText(text)
