"""The sandbox panel (sandbox mode only): its addresses, one-click faults, reset, clock, rotation.

QA shows retries and expiries without curl. No HTTP here: every call goes through
`console.services.sandbox_admin.SandboxAdmin`, one at a time, on the running (qasync) loop.
Errors are shown in the panel's message line in words.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.api.errors import ConsoleError
from console.services.sandbox_admin import (
    FAULT_ROUTES,
    FAULT_TARGETS,
    ActiveFault,
    FaultSpec,
    SandboxAdmin,
)
from console.ui.palette import ERROR, tint

__all__ = ["SandboxPanel", "sandbox_addresses", "sandbox_panel"]

# The one-click faults: button text, tooltip, and how the spec is built from the settings.
FAULT_BUTTONS: tuple[tuple[str, str, str], ...] = (
    ("429", "&429 + Retry-After", "Too Many Requests with the Retry-After set beside it"),
    ("503", "&503", "Service Unavailable (with Retry-After when one is set)"),
    ("latency", "&Latency", "Answer late by the latency set beside it"),
    ("drop", "D&rop", "Hang up before the handler runs: nothing changes"),
    (
        "drop_response",
        "Drop &answer",
        "Run the handler, then hang up: the change happened but no answer comes back",
    ),
)
CLOCK_STEPS: tuple[tuple[str, float], ...] = (("+5 m&in", 300.0), ("+1 &h", 3600.0))


def sandbox_addresses(urls: Any) -> dict[str, str]:
    """Label → address from the app's SandboxUrls (any object with those attributes)."""
    return {
        "Login with Amazon (hub)": urls.hub,
        "Admin": urls.admin,
        "NA endpoint": urls.na,
        "EU endpoint": urls.eu,
        "FE endpoint": urls.fe,
        "Partner OAuth": urls.partner,
    }


def sandbox_panel(urls: Any, parent: QWidget | None = None) -> SandboxPanel:
    """The panel for a running sandbox, from its SandboxUrls (`server.urls`)."""
    return SandboxPanel(SandboxAdmin(urls.admin), sandbox_addresses(urls), parent)


class SandboxPanel(QWidget):
    """Addresses, faults, reset, clock and rotation of one sandbox, over its admin routes."""

    done = Signal(str)  # after each admin call: the message line's text (tests, the window)

    def __init__(
        self,
        admin: SandboxAdmin,
        addresses: Mapping[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sandboxPanel")
        self.admin = admin
        self.task: asyncio.Task[None] | None = None  # the admin call in flight, if any
        self._controls: list[QWidget] = []
        layout = QGridLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._address_box(addresses), 0, 0)
        layout.addWidget(self._state_box(), 1, 0)
        layout.addWidget(self._fault_box(), 0, 1, 2, 1)
        self.message = QLabel()
        self.message.setObjectName("sandboxMessage")
        self.message.setAccessibleName("Sandbox panel message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message, 2, 0, 1, 2)
        layout.setColumnStretch(1, 1)
        layout.setRowStretch(1, 1)

    # --- building -----------------------------------------------------------------------------

    def _address_box(self, addresses: Mapping[str, str]) -> QGroupBox:
        box = QGroupBox("Addresses")
        form = QFormLayout(box)
        self.address_fields: dict[str, QLineEdit] = {}
        for label, url in addresses.items():
            field = QLineEdit(url)
            field.setReadOnly(True)  # selectable and copyable, reached by Tab
            field.setAccessibleName(f"{label} address")
            field.setCursorPosition(0)
            # Wide enough for the whole address: a cut-off port is a wrong port.
            field.setMinimumWidth(field.fontMetrics().horizontalAdvance(url + "  ") + 12)
            form.addRow(label, field)
            self.address_fields[label] = field
        return box

    def _state_box(self) -> QGroupBox:
        box = QGroupBox("Sandbox state")
        column = QVBoxLayout(box)
        self.reset_button = self._button("Re&set state", self.reset)
        self.reset_button.setToolTip(
            "Back to the seed state: enablements, links, logins, clock, rotation; clears faults"
        )
        column.addWidget(self.reset_button)
        clock = QHBoxLayout()
        clock.addWidget(QLabel("Advance clock:"))
        self.clock_buttons: list[QPushButton] = []
        for text, seconds in CLOCK_STEPS:
            button = self._button(text, functools.partial(self.advance_clock, seconds))
            button.setToolTip("Move the sandbox's clock forward: codes, tokens and transitions age")
            clock.addWidget(button)
            self.clock_buttons.append(button)
        clock.addStretch(1)
        column.addLayout(clock)
        self.rotation = QCheckBox("Rotate refresh &tokens")
        self.rotation.setToolTip(
            "Each refresh answers a new refresh token and the old one stops working, "
            "as Login with Amazon may do"
        )
        self.rotation.clicked.connect(lambda on: self._start(self._set_rotation(bool(on))))
        self._controls.append(self.rotation)
        column.addWidget(self.rotation)
        column.addStretch(1)
        return box

    def _fault_box(self) -> QGroupBox:
        box = QGroupBox("Faults")
        column = QVBoxLayout(box)
        form = QFormLayout()
        self.route = QComboBox()
        for name, text in FAULT_ROUTES.items():
            self.route.addItem(f"{text} ({name})" if name != "*" else text, name)
        self.route.setCurrentIndex(self.route.findData("get-enablement"))
        self.target = QComboBox()
        for name, text in FAULT_TARGETS.items():
            self.target.addItem(text, name)
        self.count = QSpinBox(minimum=1, maximum=100, value=1, suffix=" call(s)")
        self.count.setToolTip("The fault applies to the next N matching calls, then goes")
        self.retry_after = QSpinBox(minimum=0, maximum=120, value=2, suffix=" s")
        self.retry_after.setSpecialValueText("none")
        self.latency = QDoubleSpinBox(minimum=0.1, maximum=120.0, value=3.0, suffix=" s")
        self.latency.setDecimals(1)
        for label, widget in (
            ("R&oute:", self.route),
            ("Listen&er:", self.target),
            ("Ti&mes:", self.count),
            ("Retr&y-After:", self.retry_after),
            ("Late&ncy:", self.latency),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            form.addRow(caption, widget)
        column.addLayout(form)
        buttons = QHBoxLayout()
        self.fault_buttons: dict[str, QPushButton] = {}
        for kind, text, tip in FAULT_BUTTONS:
            button = self._button(text, functools.partial(self.inject, kind))
            button.setToolTip(tip)
            buttons.addWidget(button)
            self.fault_buttons[kind] = button
        column.addLayout(buttons)
        column.addWidget(QLabel("Active faults:"))
        self.fault_list = QListWidget()
        self.fault_list.setAccessibleName("Active faults")
        self.fault_list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        column.addWidget(self.fault_list, 1)
        row = QHBoxLayout()
        self.clear_button = self._button("&Clear faults", self.clear_faults)
        self.refresh_button = self._button("Re&fresh", self.refresh)
        self.refresh_button.setToolTip("Read the active faults and the rotation setting again")
        row.addWidget(self.clear_button)
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        column.addLayout(row)
        return box

    def _button(self, text: str, start: Callable[[], Awaitable[None]]) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda: self._start(start()))
        self._controls.append(button)
        return button

    # --- running admin calls ------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done()

    def _start(self, work: Awaitable[None]) -> None:
        """Run one admin call on the loop; a second click while one runs is not queued."""
        if self.busy:
            if asyncio.iscoroutine(work):
                work.close()
            return
        self.task = asyncio.ensure_future(self._guard(work))

    async def _guard(self, work: Awaitable[None]) -> None:
        self._set_enabled(False)
        try:
            await work
        except ConsoleError as error:
            where = f" ({error.endpoint})" if error.endpoint else ""
            self._say(f"{error.message}{where}. {error.hint}", error=True)
        except Exception as error:  # a bug must not leave the panel disabled or silent
            self._say(f"Unexpected problem: {type(error).__name__}", error=True)
        finally:
            self._set_enabled(True)
            self.done.emit(self.message.text())

    def _set_enabled(self, on: bool) -> None:
        for widget in self._controls:
            widget.setEnabled(on)

    def _say(self, text: str, *, error: bool = False) -> None:
        tint(self.message, ERROR if error else None)
        self.message.setText(text)

    def _show_faults(self, faults: list[ActiveFault]) -> None:
        self.fault_list.clear()
        if not faults:
            self.fault_list.addItem("No active faults: every call is answered normally.")
        for fault in faults:
            self.fault_list.addItem(fault.describe())

    def spec(self, kind: str) -> FaultSpec:
        """The fault a one-click button injects with the current settings."""
        route, region = str(self.route.currentData()), str(self.target.currentData())
        retry = str(self.retry_after.value()) if self.retry_after.value() else None
        base = FaultSpec(route=route, region=region, times=self.count.value())
        if kind == "429":
            return base._replace(status=429, retry_after=retry)
        if kind == "503":
            return base._replace(status=503, retry_after=retry)
        if kind == "latency":
            return base._replace(latency=self.latency.value())
        if kind == "drop":
            return base._replace(drop=True)
        return base._replace(drop_response=True)

    # --- the actions (coroutines; the buttons start them) --------------------------------------

    async def inject(self, kind: str) -> None:
        spec = self.spec(kind)
        faults = await self.admin.add_fault(spec)
        self._show_faults(faults)
        calls = f"{spec.times} call{'s' if spec.times != 1 else ''}"
        where = self.route.currentText()
        if spec.region != "*":
            where += f" on {self.target.currentText()}"
        self._say(f"Injected {kind.replace('_', ' ')} for the next {calls} to {where}.")

    async def clear_faults(self) -> None:
        self._show_faults(await self.admin.clear_faults())
        self._say("Faults cleared: every call is answered normally.")

    async def reset(self) -> None:
        await self.admin.reset()
        self._show_faults(await self.admin.faults())
        self.rotation.setChecked(await self.admin.rotation())
        self._say(
            "The sandbox is back in its seed state (enablements, links, logins, clock); "
            "faults cleared."
        )

    async def advance_clock(self, seconds: float) -> None:
        await self.admin.advance_clock(seconds)
        step = f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min"
        self._say(
            f"The sandbox clock moved {step} forward: codes, tokens and transitions "
            "that old have expired."
        )

    async def _set_rotation(self, on: bool) -> None:
        try:
            now = await self.admin.set_rotation(on)
        except ConsoleError:
            self.rotation.setChecked(await _quiet(self.admin.rotation(), not on))  # as it is
            raise
        self.rotation.setChecked(now)
        self._say(
            "Refresh-token rotation is on: each refresh hands out a new refresh token."
            if now
            else "Refresh-token rotation is off."
        )

    async def refresh(self) -> None:
        self._show_faults(await self.admin.faults())
        self.rotation.setChecked(await self.admin.rotation())
        self._say("Read the sandbox's faults and settings.")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.busy:  # the list ages as calls use faults up: read it when shown
            self._start(self.refresh())

    async def wait_idle(self) -> None:
        """Until the admin call in flight (if any) has finished; never raises."""
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)

    async def aclose(self) -> None:
        """Stop the call in flight and close the admin client (the window's shutdown)."""
        if self.task is not None:
            self.task.cancel()
        await self.wait_idle()
        await self.admin.aclose()


async def _quiet(read: Awaitable[bool], fallback: bool) -> bool:
    """A read whose failure is already being told: the fallback instead of a second error."""
    try:
        return await read
    except ConsoleError:
        return fallback
