"""The detail pane: everything known about the selected row, unelided and selectable, its last
operation's attempts, Copy result / Copy case summary, and the customer's link form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.ui.cells import (
    Cell,
    CellKey,
    link_words,
    name_hosts,
    region_words,
    words_for_state,
)

if TYPE_CHECKING:
    from console.api.models import Attempt


def attempt_line(n: int, attempt: Attempt, place: str) -> str:
    answer = str(attempt.status) if attempt.status is not None else (attempt.error or "no answer")
    rid = f", request id {attempt.request_id}" if attempt.request_id else ""
    return (
        f"  {n}. {attempt.method} {attempt.path} at {place} → {answer} "
        f"({attempt.elapsed_ms:.0f} ms; then: {attempt.decision}{rid})"
    )


def cell_text(key: CellKey, cell: Cell, places: dict[str, str]) -> str:
    """One cell as plain text: the state, where it came from, the last operation and attempts."""
    import time

    head = f"Stage {key.stage}" if key.stage else "Customer status"
    lines = [f"{head}: {cell.text()}"]
    if cell.state is not None:
        lines.append(f"  State: {words_for_state(cell.state)} ({cell.state})")
    if cell.account_link is not None:
        lines.append(f"  Account link: {link_words(cell.account_link)}")
    if cell.region or cell.endpoint:
        where = places.get(cell.endpoint or "", cell.endpoint or "—")
        lines.append(f"  Answered by: {region_words(cell.region)} — {where}")
    if cell.checked is not None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(cell.checked))
        lines.append(f"  Last checked: {stamp}")
    if cell.note:
        lines.append(f"  Note: {cell.note}")
    if cell.lost:  # whatever the error's own hint says about the network
        lines.append("  The change may have happened: check again (F5) before repeating it.")
    result = cell.result
    if result is not None:
        lines.append(
            f"  Last operation: {result.row.operation} → {result.outcome}"
            + (f" ({result.finished})" if result.finished else "")
        )
        if result.message:
            lines.append(f"  Message: {result.message}")
        if result.hint and result.outcome not in ("ok", "not_found"):
            lines.append(f"  What to do: {result.hint}")
        if result.error is not None:
            lines += [f"  • {v.message}" for v in result.error.violations]
        if result.result is not None:
            lines += [f"  Note: {note}" for note in result.result.notes]
        if result.request_id:
            lines.append(f"  Request id: {result.request_id}")
    if cell.attempts:
        lines.append("  Attempts:")
        for n, attempt in enumerate(cell.attempts, start=1):
            base = attempt.url[: len(attempt.url) - len(attempt.path)]
            place = places.get(base, attempt.host)
            lines.append(attempt_line(n, attempt, place))
    return name_hosts("\n".join(lines), places)


class DetailPane(QWidget):
    """The selected row in full; the customer's link form below it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Select a row to see its details.")
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Selected skill")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Details of the selected row")
        self.text.setTabChangesFocus(True)  # Tab moves on, it does not type into it
        self.copy_result = QPushButton("Copy result")
        self.copy_result.setToolTip("Copy these details for a ticket (Ctrl+Shift+C)")
        self.copy_case = QPushButton("Copy case summary")
        self.copy_case.setToolTip(
            "Copy a support case summary of the selected rows: their state and what this "
            "login did on them lately (no secrets)"
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_result)
        buttons.addWidget(self.copy_case)
        buttons.addStretch(1)
        self.link_box = self._link_form()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.link_box)

    def _link_form(self) -> QGroupBox:
        box = QGroupBox("Link this skill for the customer")
        self.partner_code = QLineEdit(placeholderText="one-time partner authorization code")
        self.partner_code.setAccessibleName("Partner authorization code")
        self.redirect_uri = QLineEdit(placeholderText="https://… (used to get the code)")
        self.redirect_uri.setAccessibleName("Redirect URI")
        self.verifier = QLineEdit(placeholderText="optional PKCE code verifier")
        self.verifier.setAccessibleName("PKCE code verifier")
        self.fetch_code = QPushButton("Get sand&box code")
        self.fetch_code.setToolTip("Ask the sandbox's test partner for a fresh one-time code")
        self.link_button = QPushButton("&Link")
        self.link_button.setToolTip("Enable and link the selected skill with the partner code")
        code_row = QHBoxLayout()
        code_row.addWidget(self.partner_code, 1)
        code_row.addWidget(self.fetch_code)
        form = QFormLayout(box)
        code_label = QLabel("Pa&rtner code:")
        code_label.setBuddy(self.partner_code)
        uri_label = QLabel("Redirec&t URI:")
        uri_label.setBuddy(self.redirect_uri)
        form.addRow(code_label, code_row)
        form.addRow(uri_label, self.redirect_uri)
        form.addRow("PKCE verifier:", self.verifier)
        link_row = QHBoxLayout()
        link_row.addStretch(1)
        link_row.addWidget(self.link_button)
        form.addRow(link_row)
        return box

    def finish_start(self) -> None:
        from PySide6.QtCore import Qt

        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def show_cells(
        self, title: str, blocks: list[str], places: dict[str, str] | None = None
    ) -> None:
        self.title.setText(title)
        text = "\n\n".join(blocks)
        self.text.setPlainText(text)
        self.text.setToolTip(addresses(text, places or {}))

    def clear(self, title: str = "Select a row to see its details.") -> None:
        self.title.setText(title)
        self.text.clear()
        self.text.setToolTip("")


def addresses(text: str, places: dict[str, str]) -> str:
    """The raw address behind each endpoint named in `text`, for support."""
    lines = [
        f"{word}: {base}"
        for base, word in sorted(places.items(), key=lambda item: item[1])
        if word in text and "/" not in base.split("://", 1)[-1]
    ]
    return "Addresses:\n" + "\n".join(lines) if lines else ""
