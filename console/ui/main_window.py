"""The main window: account, skill/stage, actions, status panel and the activity log dock."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.api.errors import ConsoleError
from console.ui.accounts import Account
from console.ui.login_pane import LoginPane
from console.ui.operations import OperationRunner
from console.ui.palette import fill
from console.ui.skill_selector import SkillSelector
from console.ui.status_panel import StatusPanel

if TYPE_CHECKING:  # asyncio, the API models and the service stack load after the first paint
    import asyncio

    from console.api.models import Attempt, OperationResult
    from console.services import ConsoleService
    from console.ui.activity_log import ActivityLog
    from console.ui.backend import Backend

TRANSITIONAL = ("ENABLING", "DISABLING")
LOG_HEIGHT = 190  # the log's first height: the customer controls fit above it at 1040×840
FAILED = ("ENABLING_FAILED", "DISABLING_FAILED")
READY = "Ready. Enter a skill ID and press F5 to check it."
NOT_SIGNED_IN = "Not signed in: choose a login kind and press 'Log in with Amazon' (Ctrl+Shift+L)."
WANTED = {"customer-enable": ("ENABLED",), "customer-disable": ("DISABLED", "NO_ASSOCIATION")}


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
        self.logins_task: asyncio.Task[None] | None = None
        self.swap_task: asyncio.Task[None] | None = None
        self.fetch_task: asyncio.Task[None] | None = None
        self._shutdown: asyncio.Event | None = None
        self.painted = False
        self.activity_dock: QDockWidget | None = None  # built by finish_start
        self._activity: ActivityLog | None = None
        self._shortcuts: list[tuple[QAction, str | QKeySequence.StandardKey]] = []
        self._started = False
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
            self._fit_screen()
        self.selector.skill.setFocus()  # typing at start-up goes into the skill ID

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
            self._shortcuts.append((action, shortcut))  # set by finish_start
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.check_action = self._action("&Check", "F5", self.check, "Read the current state (F5)")
        self.enable_action = self._action(
            "&Enable",
            "Ctrl+Shift+E",  # not Ctrl+E: Linux text fields take it (end of line)
            self.enable,
            "Owner: enable this stage; the other is disabled (Ctrl+Shift+E)",
        )
        self.disable_action = self._action(
            "&Disable", "Ctrl+Shift+D", self.disable, "Owner: disable this stage (Ctrl+Shift+D)"
        )
        self.endpoint_action = self._action(
            "&Find endpoint", "Ctrl+P", self.find_endpoint, "Customer: find the regional endpoint"
        )
        self.link_action = self._action(
            "&Link", "Ctrl+L", self.link, "Customer: enable and link with the partner code"
        )
        self.unlink_action = self._action(
            "&Unlink",
            "Ctrl+Shift+U",  # not Ctrl+U: Linux text fields take it (delete the line)
            self.unlink,
            "Customer: disable and unlink (Ctrl+Shift+U)",
        )
        self.cancel_action = self._action(
            "Cancel", "Esc", self.cancel, "Cancel the running operation or sign-in (Esc)"
        )
        self.quit_action = self._action(
            "&Quit",
            "Ctrl+Q",
            lambda: self.close(),
            "Quit (Ctrl+Q)",  # the standard key is empty on Windows
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
        self.view_menu = self.menuBar().addMenu("&View")
        self.about_action = QAction("&About Skill Console", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)  # macOS: the application menu
        self.about_action.triggered.connect(self.show_about)
        self.menuBar().addMenu("&Help").addAction(self.about_action)

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
        account_form.addRow("Lo&gged in as:", self.account)
        self.account_kind = QLabel()
        account_form.addRow("Account type:", self.account_kind)

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
        self.fetch_code = QPushButton("Get sand&box code")
        self.fetch_code.setToolTip("Ask the sandbox's test partner for a fresh one-time code")
        self.fetch_code.clicked.connect(self.get_partner_code)
        code_row.addWidget(self.fetch_code)
        link_form.addRow("Partner code:", code_row)
        link_form.addRow("&Redirect URI:", self.redirect_uri)
        link_form.addRow("P&KCE verifier:", self.verifier)
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
        # The controls scroll rather than push the window past a small or scaled screen.
        left.setContentsMargins(0, 0, 0, 0)
        controls = QWidget()
        controls.setLayout(left)
        scroll = QScrollArea()
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.controls_area = scroll
        body = QWidget()
        outer = QVBoxLayout(body)
        columns = QHBoxLayout()
        columns.addWidget(scroll, 3)
        columns.addWidget(self.status, 2)
        outer.addLayout(columns, 1)
        self.log_room = QWidget()  # where the log dock goes: nothing moves when it comes
        self.log_room.setFixedHeight(LOG_HEIGHT)
        outer.addWidget(self.log_room)
        self.setCentralWidget(body)
        if self.sandbox:
            marker = QLabel(" SANDBOX ")
            marker.setAccessibleName("Sandbox mode")
            fill(marker, "#9a6700")
            font = marker.font()
            font.setBold(True)
            marker.setFont(font)
            self.statusBar().addPermanentWidget(marker)
        self.setTabOrder(self.account, self.selector.skill)
        self.setTabOrder(self.selector.skill, self.selector.stage)

    def _wire(self) -> None:
        self.login.logged_in.connect(lambda account: self.reload_accounts(account.name))
        self.login.logged_out.connect(lambda: self.reload_accounts(None))
        self.login.profile_changed.connect(self.switch_profile)
        self.login.busy_changed.connect(lambda _: self._refresh_enabled())
        self.account.currentIndexChanged.connect(self._account_changed)
        self.selector.validity_changed.connect(lambda _: self._refresh_enabled())
        # The status panel describes one skill, stage and account: a change makes it stale.
        self.selector.skill.editTextChanged.connect(lambda _: self._forget_result())
        self.selector.stage.currentIndexChanged.connect(lambda _: self._forget_result())
        self.account.currentIndexChanged.connect(lambda _: self._forget_result())
        self.runner.started.connect(self._on_started)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.idle.connect(self._refresh_enabled)

    def finish_start(self) -> None:
        """Everything the first frame does not need, right after it: the activity log dock,
        keyboard shortcuts, selectable labels. They need Qt's `Qt` namespace, whose enums take
        a noticeable part of start-up to create (see README, Benchmarks)."""
        if self._started:
            return
        self._started = True
        from PySide6.QtCore import Qt

        for action, shortcut in self._shortcuts:
            action.setShortcut(QKeySequence(shortcut))
        self.login.finish_start()
        self.status.finish_start()
        self.controls_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to what is inside
        dock = QDockWidget("Activity log", self)
        dock.setObjectName("activityDock")
        dock.setWidget(self.activity)
        self.log_room.hide()
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        self.activity_dock = dock
        state = self.settings.value("windowState")
        self.resizeDocks([dock], [LOG_HEIGHT], Qt.Orientation.Vertical)  # a first start's room
        if isinstance(state, QByteArray):
            # The log's visibility, size and place as left: once the dock is laid out, or
            # the layout's own first pass would undo it.
            QTimer.singleShot(0, self, lambda: self.restoreState(state))

    def show_about(self) -> None:
        from console.ui.about import show_about

        show_about(self)

    def set_backend(self, backend: Backend | None) -> None:
        if backend is not None:
            self.finish_start()  # a backend means work: shortcuts and the log must be there
        self.backend = backend
        self.account.clear()
        if backend is None:
            self.status.show_busy("Starting the sandbox…" if self.sandbox else "Loading…")
        else:
            self.status.show_idle()
            backend.add_listener(self._on_attempt)
            backend.on_logins_changed = self._logins_changed
            self.fetch_code.setVisible(backend.partner_authorize_url is not None)
            if backend.partner_authorize_url and not self.redirect_uri.text():
                self.redirect_uri.setText(backend.partner_redirect_uri)
            self.status.show_message(READY)
            self.reload_accounts(str(self.settings.value("lastAccount", "")))
            self._load_logins(backend)
        self.login.set_backend(backend, self._profiles(backend), fixed=self.sandbox)
        self._account_changed()

    def _logins_changed(self) -> None:
        """A refresh or a revocation changed what is stored (e.g. LWA ended a login)."""
        self.reload_accounts(None)
        self.login.refresh()

    def _load_logins(self, backend: Backend) -> None:
        """The profile's stored logins, read from the keychain off the UI thread."""
        import asyncio

        async def load() -> None:
            await backend.reload_logins()
            if backend is self.backend:
                self.reload_accounts(str(self.settings.value("lastAccount", "")))
                self.login.refresh()
                self.selector.skill.setFocus()

        self.logins_task = asyncio.ensure_future(load())

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
        if self.backend.keychain_problem is not None:
            problem = self.backend.keychain_problem
            self.status.show_message(f"{problem.message}. {problem.hint}", error=True)
        elif not self.backend.accounts:
            self.status.show_message(NOT_SIGNED_IN)
        elif self.status.message.text() == NOT_SIGNED_IN:  # the stored logins have arrived
            self.status.show_message(READY)
        self._account_changed()

    def switch_profile(self, profile: str) -> None:
        """Another profile: another login and settings; the old backend is closed."""
        if self.backend_factory is None:
            return
        if self.runner.busy or self.fetching:  # put the picker back: nothing changed yet
            if self.backend is not None:
                self.login.profile.setCurrentText(self.backend.profile)
            self.status.show_message(
                "Finish or cancel (Esc) the running operation before switching profiles.",
                error=True,
            )
            return
        import asyncio

        old, self.backend = self.backend, None
        factory = self.backend_factory

        async def swap() -> None:
            try:
                fresh = factory(profile)
            except ConsoleError as error:  # e.g. a broken settings.toml: stay where we were
                self.set_backend(old)
                self._show_error(f"Switching to profile '{profile}'", error)
                return
            if old is not None:
                await old.aclose()
            self.set_backend(fresh)

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
        self.fetch_code.setEnabled(ready and not self.fetching)
        self.cancel_action.setEnabled(self.runner.busy or self.fetching or self.login.busy)
        self.login.set_outside_busy(self.runner.busy or self.fetching)

    @property
    def fetching(self) -> bool:
        """A sandbox partner code is being fetched."""
        return self.fetch_task is not None and not self.fetch_task.done()

    def cancel(self) -> None:
        """Esc: whatever runs — an operation, a code fetch, or a sign-in."""
        self.runner.cancel()
        if self.fetching:
            assert self.fetch_task is not None
            self.fetch_task.cancel()
        if self.login.busy:
            self.login.cancel_login()

    def _forget_result(self) -> None:
        if not self.runner.busy:
            self.status.forget()
            self.status.show_message("")

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
            return await service.customers.status(skill, on_progress=self._progress())

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
            try:
                result = await service.customer_enable(
                    skill, stage, code, uri, verifier, on_progress=self._progress()
                )
            except ConsoleError as error:
                if any(a.method == "POST" for a in error.attempts):
                    self.partner_code.clear()  # sent: a partner code works once, whatever happened
                raise
            self.partner_code.clear()
            return result

        self._start("Link", work)

    def unlink(self) -> None:
        skill = self.selector.skill_id()

        async def work(account: Account) -> OperationResult:
            service = await self._service(account)
            return await service.customer_disable(skill, on_progress=self._progress())

        self._confirm_live(
            f"Disable and unlink {skill} for this customer?", lambda: self._start("Unlink", work)
        )

    def get_partner_code(self) -> None:
        if self.backend is None or self.fetching or self.runner.busy:  # one at a time
            return
        backend = self.backend

        async def fetch() -> None:
            import asyncio

            try:
                self.partner_code.setText(await backend.partner_code())
                self.status.show_message("Fresh partner code ready (valid 5 minutes, once).")
            except asyncio.CancelledError:
                self.status.show_message("Getting a partner code was cancelled.", error=True)
            except ConsoleError as error:
                self._show_error("Get partner code", error)
            finally:
                self.fetch_task = None
                self._refresh_enabled()

        import asyncio

        self.status.show_busy("Getting a fresh partner code… (Esc cancels)")
        self.fetch_task = asyncio.ensure_future(fetch())
        self._refresh_enabled()

    async def _service(self, account: Account) -> ConsoleService:
        assert self.backend is not None
        return await self.backend.aservice(account.name)

    def _progress(self) -> Callable[[OperationResult], None]:
        """Show each ENABLING/DISABLING read while the service follows it."""
        subject = self._subject()

        def show(result: OperationResult) -> None:
            self.status.show_result(result, self._region(result.endpoint), subject)
            if result.state in TRANSITIONAL:
                self.status.show_busy(
                    f"{result.state.title()}… following until it settles (Esc cancels)"
                )

        return show

    def _confirm_live(self, question: str, go: Callable[[], object]) -> None:
        """Live changes ask first; the dialog is opened, not exec()'d (see QT-ASYNC-NOTES)."""
        account = self.current_account()
        live = self.selector.stage_name() == "live" or (account and account.kind == "customer")
        if not live:
            go()
            return
        from PySide6.QtWidgets import QMessageBox  # dialogs load on first use, not at start-up

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

    def _region(self, endpoint: str | None) -> str | None:
        """NA, EU or FE for an endpoint of the current account's settings, if it is one."""
        account = self.current_account()
        if self.backend is None or account is None:
            return None
        return self.backend.region(endpoint, account.name)

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

    def _subject(self) -> str:
        """What the status panel describes: skill, stage and account."""
        account = self.current_account()
        who = account.label.split(" — ")[0] if account else "—"
        skill = self.selector.skill_id() or "—"
        if len(skill) > 34:  # the tail tells skills apart; the panel must not crowd the controls
            skill = f"{skill[:16]}…{skill[-16:]}"
        return f"{skill} · {self.selector.stage_name()} · {who}"

    def _on_finished(self, name: str, result: OperationResult) -> None:
        if result.endpoints:
            self.status.show_endpoints(result, self._region(result.endpoint), self._subject())
            named = [f"{self._region(url) or '?'} {url}" for url in result.endpoints]
            more = " (Alexa could not decide: they are tried in this order)"
            self.status.show_message(
                f"{name}: " + ", ".join(named) + (more if len(named) > 1 else "")
            )
            return
        self.status.show_result(result, self._region(result.endpoint), self._subject())
        notes = "".join(f"\nNote: {note}" for note in result.notes)
        if result.state in FAILED:
            self.status.show_message(
                f"{name}: Alexa reports {result.state} — the change did not complete. Check "
                "again (F5); to retry a link, get a fresh partner code first." + notes,
                error=True,
            )
        elif result.state in TRANSITIONAL:
            self.status.show_message(
                f"{name}: still {result.state} after following it; check again later (F5)." + notes
            )
        elif result.state not in WANTED.get(result.operation, (result.state,)):
            self.status.show_message(
                f"{name}: Alexa reports {result.state} afterwards — the change did not take. "
                "Check again (F5), then try once more." + notes,
                error=True,
            )
        elif result.detail:  # e.g. a 404 of the check: show the service's words, guess nothing
            self.status.show_message(f"{name}: done. The service says: {result.detail}")
        else:
            self.status.show_message(f"{name}: done." + notes)

    def _on_failed(self, name: str, error: ConsoleError) -> None:
        endpoint = error.endpoint
        region = self._region(endpoint)
        if error.code == "NO_ASSOCIATION":  # a failure that still tells the state
            self.status.show_known(
                "NO_ASSOCIATION", len(error.attempts), endpoint, region, self._subject()
            )
        else:
            self.status.show_failure(len(error.attempts), endpoint, region, self._subject())
        self._show_error(name, error)

    def _show_error(self, name: str, error: ConsoleError) -> None:
        where = f" ({error.endpoint})" if error.endpoint else ""
        listed = "".join(f"\n • {v.message}" for v in error.violations)  # what Amazon says
        self.status.show_message(
            f"{name} failed: {error.message}{where}{listed}\n{error.hint}", error=True
        )

    def _on_cancelled(self, name: str) -> None:
        self.status.show_failure(0, None, None, self._subject())
        self.status.show_message(
            f"{name} cancelled. The last request may or may not have reached the service: "
            "press F5 to check the current state.",
            error=True,
        )

    # --- shutdown -----------------------------------------------------------------------------

    def save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        if self.activity_dock is not None:
            self.settings.setValue("windowState", self.saveState())
        self.settings.setValue("recentSkills", self.selector.recent())
        self.settings.setValue("pinnedSkills", json.dumps(self.selector.pinned))
        account = self.current_account()
        if account is not None:
            self.settings.setValue("lastAccount", account.name)
        if self.backend is not None and not self.sandbox:
            self.settings.setValue("profile", self.backend.profile)
        self.settings.sync()

    async def wait_idle(self) -> None:
        """Cancel and wait out every task the window started (at shutdown)."""
        import asyncio

        self.cancel()
        tasks = [self.runner.task, self.login.task, self.swap_task, self.fetch_task]
        tasks.append(self.logins_task)
        pending = [t for t in tasks if t is not None and not t.done()]
        for task in pending:
            if task is not self.swap_task and task is not self.logins_task:
                task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self.runner.wait()

    def _fit_screen(self) -> None:
        """A first start: 1040×840, or less on a small or scaled screen."""
        screen = self.screen()
        available = screen.availableGeometry() if screen is not None else None
        width, height = 1040, 840
        if available is not None:
            width = min(width, int(available.width() * 0.95))
            height = min(height, int(available.height() * 0.9))
        self.resize(width, height)

    @property
    def shutdown(self) -> asyncio.Event:
        """Set when the window closes; the main coroutine then cleans up (QT-ASYNC-NOTES)."""
        if self._shutdown is None:
            import asyncio

            self._shutdown = asyncio.Event()
        return self._shutdown

    @property
    def activity(self) -> ActivityLog:
        """The activity log (made on first use; finish_start docks it)."""
        if self._activity is None:
            from console.ui.activity_log import ActivityLog

            self._activity = ActivityLog()
        return self._activity

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            QTimer.singleShot(0, self, self.finish_start)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.cancel()
        self.shutdown.set()  # the main coroutine finishes the clean-up (QT-ASYNC-NOTES)
        self.close_requested.emit()
        event.accept()
