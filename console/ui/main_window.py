"""The main window: account, skill/stage, actions, status panel and the activity log dock."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.api.errors import ConsoleError
from console.ui.accounts import Account
from console.ui.activity_log import ActivityDock
from console.ui.login_pane import LoginPane
from console.ui.operations import OperationRunner
from console.ui.skill_selector import SkillSelector
from console.ui.status_panel import StatusPanel

if TYPE_CHECKING:  # asyncio, the API models and the service stack load after the first paint
    import asyncio

    from console.api.models import Attempt, OperationResult
    from console.services import ConsoleService
    from console.ui.backend import Backend

TRANSITIONAL = ("ENABLING", "DISABLING")


def _pinned(raw: object) -> dict[str, str]:
    """Pinned skills from settings; anything unreadable is dropped, not fatal."""
    try:
        data = json.loads(str(raw))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items()}


class MainWindow(QMainWindow):
    close_requested = Signal()

    def __init__(self, backend: Backend | None, settings: QSettings, *, sandbox: bool) -> None:
        super().__init__()
        self.backend = backend
        self.settings = settings
        self.sandbox = sandbox
        self.setWindowTitle("Skill Enablement Console" + (" — Sandbox" if sandbox else ""))
        self.setObjectName("mainWindow")
        self.runner = OperationRunner(self)
        self._shutdown: asyncio.Event | None = None
        self.painted = False
        self.activity = ActivityDock(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.activity)
        self.status = StatusPanel()
        recent = settings.value("recentSkills", [], type=list)
        self.selector = SkillSelector(
            [str(s) for s in recent] if isinstance(recent, list) else [],
            _pinned(settings.value("pinnedSkills", "{}")),
        )
        self.login = LoginPane()
        self.backend_factory: Callable[[str], Backend] | None = None  # profile → backend
        self.account = QComboBox()
        self.account.setAccessibleName("Account")
        self.partner_code = QLineEdit(placeholderText="partner authorization code")
        self.partner_code.setAccessibleName("Partner authorization code")
        self.redirect_uri = QLineEdit(placeholderText="https://… (used to get the code)")
        self.redirect_uri.setAccessibleName("Redirect URI")
        self.verifier = QLineEdit(placeholderText="optional PKCE code verifier")
        self.verifier.setAccessibleName("Code verifier")
        self._build_actions()
        self._build_layout()
        self._wire()
        self.set_backend(backend)
        geometry = settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1040, 840)

    # --- construction -------------------------------------------------------------------------

    def _action(
        self,
        text: str,
        shortcut: str | QKeySequence.StandardKey | None,
        slot: Callable[[], object],
        tip: str,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.check_action = self._action("&Check", "F5", self.check, "Read the current state (F5)")
        self.enable_action = self._action(
            "&Enable", "Ctrl+E", self.enable, "Owner: enable this stage (the other is disabled)"
        )
        self.disable_action = self._action(
            "&Disable", "Ctrl+D", self.disable, "Owner: disable this stage"
        )
        self.endpoint_action = self._action(
            "Find end&point", "Ctrl+P", self.find_endpoint, "Customer: find the regional endpoint"
        )
        self.link_action = self._action(
            "&Link", "Ctrl+L", self.link, "Customer: enable and link with the partner code"
        )
        self.unlink_action = self._action(
            "&Unlink", "Ctrl+U", self.unlink, "Customer: disable and unlink"
        )
        self.cancel_action = self._action(
            "Cancel", "Esc", self.runner.cancel, "Cancel the running operation (Esc)"
        )
        self.quit_action = self._action(
            "&Quit", QKeySequence.StandardKey.Quit, lambda: self.close(), "Quit"
        )
        self.cancel_action.setEnabled(False)
        menu = self.menuBar().addMenu("&Skill")
        for action in (self.check_action, self.enable_action, self.disable_action):
            menu.addAction(action)
        menu.addSeparator()
        for action in (self.endpoint_action, self.link_action, self.unlink_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.cancel_action)
        menu.addAction(self.quit_action)
        view = self.menuBar().addMenu("&View")
        view.addAction(self.activity.toggleViewAction())

    def _button(self, action: QAction) -> QPushButton:
        button = QPushButton(action.text())
        button.setToolTip(action.toolTip())
        button.setAccessibleName(action.text().replace("&", ""))
        button.clicked.connect(action.trigger)
        action.enabledChanged.connect(button.setEnabled)
        button.setEnabled(action.isEnabled())
        return button

    def _build_layout(self) -> None:
        account_box = QGroupBox("Account")
        account_form = QFormLayout(account_box)
        account_form.addRow("&Logged in as:", self.account)
        self.account_kind = QLabel()
        account_form.addRow("Kind:", self.account_kind)

        owner_box = QGroupBox("Skill owner")
        owner_row = QHBoxLayout(owner_box)
        for action in (self.check_action, self.enable_action, self.disable_action):
            owner_row.addWidget(self._button(action))
        self.owner_box = owner_box

        customer_box = QGroupBox("Customer")
        customer_layout = QVBoxLayout(customer_box)
        row = QHBoxLayout()
        for action in (self.endpoint_action, self.check_action, self.unlink_action):
            row.addWidget(self._button(action))
        customer_layout.addLayout(row)
        link_form = QFormLayout()
        code_row = QHBoxLayout()
        code_row.addWidget(self.partner_code, 1)
        self.fetch_code = QPushButton("Get sandbox &code")
        self.fetch_code.setToolTip("Ask the sandbox's test partner for a fresh one-time code")
        self.fetch_code.clicked.connect(self.get_partner_code)
        code_row.addWidget(self.fetch_code)
        code_label = QLabel("Partner c&ode:")
        code_label.setBuddy(self.partner_code)
        link_form.addRow(code_label, code_row)
        link_form.addRow("&Redirect URI:", self.redirect_uri)
        link_form.addRow("&Verifier:", self.verifier)
        customer_layout.addLayout(link_form)
        customer_layout.addWidget(self._button(self.link_action))
        self.customer_box = customer_box

        cancel = self._button(self.cancel_action)
        left = QVBoxLayout()
        left.addWidget(self.login)
        left.addWidget(account_box)
        left.addWidget(self.selector)
        left.addWidget(owner_box)
        left.addWidget(customer_box)
        left.addWidget(cancel)
        left.addStretch(1)
        body = QWidget()
        columns = QHBoxLayout(body)
        columns.addLayout(left, 3)
        columns.addWidget(self.status, 2)
        self.setCentralWidget(body)
        if self.sandbox:
            marker = QLabel(" SANDBOX ")
            marker.setAccessibleName("Sandbox mode")
            marker.setStyleSheet(
                "background: #9a6700; color: white; font-weight: 700; border-radius: 4px;"
            )
            self.statusBar().addPermanentWidget(marker)
        self.setTabOrder(self.account, self.selector.skill)
        self.setTabOrder(self.selector.skill, self.selector.stage)

    def _wire(self) -> None:
        self.login.logged_in.connect(lambda account: self.reload_accounts(account.name))
        self.login.logged_out.connect(lambda: self.reload_accounts(None))
        self.login.profile_changed.connect(self.switch_profile)
        self.account.currentIndexChanged.connect(self._account_changed)
        self.selector.validity_changed.connect(lambda _: self._refresh_enabled())
        self.runner.started.connect(self._on_started)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.idle.connect(self._refresh_enabled)

    def set_backend(self, backend: Backend | None) -> None:
        self.backend = backend
        self.account.clear()
        if backend is None:
            self.status.show_busy("Starting the sandbox…" if self.sandbox else "Loading…")
        else:
            self.status.show_idle()
            backend.add_listener(self._on_attempt)
            self.fetch_code.setVisible(backend.partner_authorize_url is not None)
            if backend.partner_authorize_url and not self.redirect_uri.text():
                self.redirect_uri.setText(backend.partner_redirect_uri)
            self.status.show_message("Ready. Enter a skill ID and press F5 to check it.")
            self.reload_accounts(str(self.settings.value("lastAccount", "")))
        self.login.set_backend(backend, self._profiles(backend), fixed=self.sandbox)
        self._account_changed()

    def _profiles(self, backend: Backend | None) -> list[str]:
        if backend is None or self.sandbox:
            return [backend.profile] if backend is not None else []
        from console.config import list_profiles

        names = list_profiles()
        return names if backend.profile in names else [*names, backend.profile]

    def reload_accounts(self, select: str | None) -> None:
        """Refill the account list (after a login or logout), keeping or choosing `select`."""
        if self.backend is None:
            return
        current = self.current_account()
        wanted = select or (current.name if current else "")
        self.account.blockSignals(True)
        self.account.clear()
        for account in self.backend.accounts:
            self.account.addItem(account.label, account)
        index = next((i for i, a in enumerate(self.backend.accounts) if a.name == wanted), 0)
        self.account.setCurrentIndex(index)
        self.account.blockSignals(False)
        if not self.backend.accounts:
            self.status.show_message(
                "Not signed in: choose a login kind and press 'Log in with Amazon' (Ctrl+Shift+L)."
            )
        self._account_changed()

    def switch_profile(self, profile: str) -> None:
        """Another profile: another login and settings; the old backend is closed."""
        if self.backend_factory is None or self.runner.busy:
            return
        import asyncio

        old, self.backend = self.backend, None

        async def swap() -> None:
            if old is not None:
                await old.aclose()
            assert self.backend_factory is not None
            self.set_backend(self.backend_factory(profile))

        self.swap_task = asyncio.ensure_future(swap())

    # --- state --------------------------------------------------------------------------------

    def current_account(self) -> Account | None:
        data = self.account.currentData()
        return data if isinstance(data, Account) else None

    def _account_changed(self) -> None:
        account = self.current_account()
        self.account_kind.setText(
            "—"
            if account is None
            else ("Developer (skill owner)" if account.kind == "developer" else "Customer")
        )
        self._refresh_enabled()

    def _refresh_enabled(self) -> None:
        account = self.current_account()
        ready = account is not None and not self.runner.busy
        valid = self.selector.is_valid()
        owner = account is not None and account.kind == "developer"
        self.owner_box.setVisible(account is None or owner)
        self.customer_box.setVisible(account is not None and not owner)
        self.check_action.setEnabled(ready and valid)
        self.enable_action.setEnabled(ready and valid and owner)
        self.disable_action.setEnabled(ready and valid and owner)
        self.endpoint_action.setEnabled(ready and not owner)
        self.link_action.setEnabled(ready and valid and not owner)
        self.unlink_action.setEnabled(ready and valid and not owner)
        self.fetch_code.setEnabled(ready)
        self.cancel_action.setEnabled(self.runner.busy)

    # --- actions ------------------------------------------------------------------------------

    def _start(self, name: str, make: Callable[[Account], Awaitable[OperationResult]]) -> bool:
        account = self.current_account()
        if account is None or self.backend is None:
            return False
        started = self.runner.start(name, lambda: make(account))
        if started:
            self._refresh_enabled()  # grey out at once, not one loop turn later
        return started

    def check(self) -> None:
        skill, stage = self.selector.skill_id(), self.selector.stage_name()

        async def work(account: Account) -> OperationResult:
            service = await self._service(account)
            if account.kind == "developer":
                return await service.check(skill, stage)
            return await self._follow(service, await service.customer_status(skill))

        self._start("Check", work)

    def enable(self) -> None:
        skill, stage = self.selector.skill_id(), self.selector.stage_name()

        async def work(account: Account) -> OperationResult:
            return await (await self._service(account)).enable(skill, stage)

        self._start("Enable", work)

    def disable(self) -> None:
        skill, stage = self.selector.skill_id(), self.selector.stage_name()

        async def work(account: Account) -> OperationResult:
            return await (await self._service(account)).disable(skill, stage)

        self._confirm_live(
            f"Disable the live stage of {skill}?",
            lambda: self._start("Disable", work),
        )

    def find_endpoint(self) -> None:
        async def work(account: Account) -> OperationResult:
            return await (await self._service(account)).find_endpoint()

        self._start("Find endpoint", work)

    def link(self) -> None:
        skill, stage = self.selector.skill_id(), self.selector.stage_name()
        code, uri = self.partner_code.text().strip(), self.redirect_uri.text().strip()
        verifier = self.verifier.text().strip() or None

        async def work(account: Account) -> OperationResult:
            service = await self._service(account)
            result = await service.link(skill, stage, code, uri, verifier)
            self.partner_code.clear()  # a partner code works once, whatever happened
            return await self._follow(service, result)

        self._start("Link", work)

    def unlink(self) -> None:
        skill = self.selector.skill_id()

        async def work(account: Account) -> OperationResult:
            service = await self._service(account)
            return await self._follow(service, await service.unlink(skill))

        self._confirm_live(
            f"Disable and unlink {skill} for this customer?", lambda: self._start("Unlink", work)
        )

    def get_partner_code(self) -> None:
        if self.backend is None:
            return
        backend = self.backend

        async def fetch() -> None:
            try:
                self.partner_code.setText(await backend.partner_code())
                self.status.show_message("Fresh partner code ready (valid 5 minutes, once).")
            except ConsoleError as error:
                self._show_error("Get partner code", error)

        import asyncio

        self.fetch_task = asyncio.ensure_future(fetch())

    async def _service(self, account: Account) -> ConsoleService:
        assert self.backend is not None
        return await self.backend.aservice(account.name)

    async def _follow(self, service: ConsoleService, result: OperationResult) -> OperationResult:
        if result.state not in TRANSITIONAL:
            return result
        self.status.show_result(result, self._region(result))
        self.status.show_busy(f"{result.state.title()}… following until it settles (Esc cancels)")
        return await service.customers.follow(
            result, on_progress=lambda r: self.status.show_result(r, self._region(r))
        )

    def _confirm_live(self, question: str, go: Callable[[], object]) -> None:
        """Live changes ask first; the dialog is opened, not exec()'d (see QT-ASYNC-NOTES)."""
        account = self.current_account()
        live = self.selector.stage_name() == "live" or (account and account.kind == "customer")
        if not live:
            go()
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Please confirm",
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("confirmDialog")

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                go()

        box.finished.connect(answered)
        self.confirm_box = box
        box.open()

    # --- results ------------------------------------------------------------------------------

    def _region(self, result: OperationResult) -> str | None:
        account = self.current_account()
        if self.backend is None or account is None:
            return None
        return self.backend.region(result.endpoint, account.name)

    def _on_attempt(self, attempt: Attempt) -> None:
        self.activity.add(attempt)
        if attempt.decision.startswith("retry"):
            self.status.show_busy(
                f"{attempt.host} answered {attempt.status or attempt.error}: {attempt.decision}"
                " (Esc cancels)"
            )

    def _on_started(self, name: str) -> None:
        self._refresh_enabled()
        self.status.show_busy(f"{name}… (Esc cancels)")
        skill = self.selector.skill_id()
        if self.selector.is_valid():
            self.selector.remember(skill)

    def _on_finished(self, name: str, result: OperationResult) -> None:
        self.status.show_result(result, self._region(result))
        if result.endpoints:
            self.status.show_message(f"{name}: " + ", ".join(result.endpoints))
        else:
            self.status.show_message(f"{name}: done.")

    def _on_failed(self, name: str, error: ConsoleError) -> None:
        self._show_error(name, error)

    def _show_error(self, name: str, error: ConsoleError) -> None:
        where = f" ({error.endpoint})" if error.endpoint else ""
        self.status.show_message(f"{name} failed: {error.message}{where}\n{error.hint}", error=True)

    def _on_cancelled(self, name: str) -> None:
        self.status.show_message(
            f"{name} cancelled. The last request may or may not have reached the service: "
            "press F5 to check the current state.",
            error=True,
        )

    # --- shutdown -----------------------------------------------------------------------------

    def save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("recentSkills", self.selector.recent())
        self.settings.setValue("pinnedSkills", json.dumps(self.selector.pinned))
        account = self.current_account()
        if account is not None:
            self.settings.setValue("lastAccount", account.name)
        if self.backend is not None and not self.sandbox:
            self.settings.setValue("profile", self.backend.profile)
        self.settings.sync()

    @property
    def shutdown(self) -> asyncio.Event:
        """Set when the window closes; the main coroutine then cleans up (QT-ASYNC-NOTES)."""
        if self._shutdown is None:
            import asyncio

            self._shutdown = asyncio.Event()
        return self._shutdown

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.painted = True

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.runner.cancel()
        self.shutdown.set()  # the main coroutine finishes the clean-up (QT-ASYNC-NOTES)
        self.close_requested.emit()
        event.accept()
