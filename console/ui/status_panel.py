"""The status panel: a state badge, account link, the endpoint that answered, when, attempts."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QProgressBar, QVBoxLayout, QWidget

from console.ui.palette import ERROR, fill, tint

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
UNKNOWN = ("State unknown — check again (F5)", "#8250df")  # after a failure or a cancel


def badge_for(state: str | None) -> tuple[str, str]:
    if state is None:
        return ("Not checked yet", "#6e7781")
    return BADGES.get(state, (f"Unknown: {state}", "#8250df"))


class StatusPanel(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Status", parent)
        self.badge = QLabel()
        self.badge.setAccessibleName("Enablement state")
        self.badge.setMinimumHeight(36)
        self.badge.setMargin(6)
        font = self.badge.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.badge.setFont(font)
        self.subject = QLabel("—")
        self.subject.setWordWrap(True)
        self.subject.setAccessibleName("Status of")
        self.link = QLabel("—")
        self.endpoint = QLabel("—")
        self.checked = QLabel("—")
        self.attempts = QLabel("—")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Last message")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        form = QFormLayout()
        form.addRow("For:", self.subject)
        form.addRow("Account link:", self.link)
        form.addRow("Answered by:", self.endpoint)
        form.addRow("Last checked:", self.checked)
        form.addRow("Attempts:", self.attempts)
        layout = QVBoxLayout(self)
        layout.addWidget(self.badge)
        layout.addWidget(self.progress)
        layout.addLayout(form)
        layout.addWidget(self.message)
        fill(self.badge, badge_for(None)[1])  # its text comes with the alignment, just after

    def finish_start(self) -> None:
        """What the first frame does not need (see MainWindow.finish_start)."""
        from PySide6.QtCore import Qt

        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for label in (self.endpoint, self.message):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # the service's words, never HTML
        if not self.badge.text():
            self.set_state(None)

    def set_state(self, state: str | None) -> None:
        self._set_badge(*badge_for(state))

    def _set_badge(self, text: str, colour: str) -> None:
        self.badge.setText(text)
        fill(self.badge, colour)

    def show_result(self, result: OperationResult, region: str | None, subject: str = "") -> None:
        self.set_state(result.state)
        self.link.setText(result.account_link or "—")
        self._answered(len(result.attempts), result.endpoint, region, subject)

    def show_endpoints(
        self, result: OperationResult, region: str | None, subject: str = ""
    ) -> None:
        """Find endpoint: who answered; the skill's state is not part of the answer."""
        self._answered(len(result.attempts), result.endpoint, region, subject)

    def show_failure(
        self, attempts: int, endpoint: str | None, region: str | None, subject: str = ""
    ) -> None:
        """After a failure or a cancel the state is not known: say so, keep what is."""
        self._set_badge(*UNKNOWN)
        self.link.setText("—")
        self._answered(attempts, endpoint, region, subject)

    def show_known(
        self,
        state: str,
        attempts: int,
        endpoint: str | None,
        region: str | None,
        subject: str = "",
    ) -> None:
        """An error answer that still says what the state is (e.g. NO_ASSOCIATION)."""
        self.set_state(state)
        self.link.setText("—")
        self._answered(attempts, endpoint, region, subject)

    def forget(self) -> None:
        """The skill, stage or account changed: what is shown no longer applies."""
        self.set_state(None)
        for label in (self.subject, self.link, self.endpoint, self.checked, self.attempts):
            label.setText("—")

    def _answered(
        self, attempts: int, endpoint: str | None, region: str | None, subject: str
    ) -> None:
        where = endpoint or "—"
        self.endpoint.setText(f"{where} ({region})" if region and endpoint else where)
        self.checked.setText(time.strftime("%H:%M:%S"))
        self.attempts.setText(f"{attempts} HTTP attempt{'s' if attempts != 1 else ''}")
        self.subject.setText(subject or "—")

    def show_busy(self, text: str) -> None:
        self.progress.show()
        tint(self.message, None)
        self.message.setText(text)

    def show_idle(self) -> None:
        self.progress.hide()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.progress.hide()
        tint(self.message, ERROR if error else None)
        self.message.setText(text)
