"""The main window, a workbench: skills as rows (both owner stages side by side, or the
customer's state), actions on the selected rows through the batch engine, a detail pane, a
compact account bar over a collapsible login pane, and the activity log dock.

Every operation captures its cell keys (account, kind, skill, stage) when it starts; answers
find their cell by key when they land, so a selection or account change never moves one.
Other views (History, Sandbox) join through `add_view`.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.ui.accounts import Account
from console.ui.answers import CURRENT, RUNNING_WORDS, row_message
from console.ui.cells import (
    CUSTOMER_STAGE,
    STAGES,
    CellKey,
    clean_ids,
    name_hosts,
    region_words,
)
from console.ui.detail_pane import DetailPane
from console.ui.palette import ERROR, fill, tint

if TYPE_CHECKING:  # asyncio, the API models and the service stack load after the first paint
    import asyncio

    from console.api.errors import ConsoleError
    from console.api.models import Attempt, OperationResult
    from console.services import ConsoleService
    from console.services.batch import BatchResult, BatchRow, BatchRun
    from console.services.customers import Progress
    from console.services.history import History
    from console.ui.activity_log import ActivityLog
    from console.ui.backend import Backend
    from console.ui.history_view import HistoryView
    from console.ui.login_pane import LoginPane
    from console.ui.warm_up import WarmUp
    from console.ui.workbench_model import WorkbenchModel

LOG_HEIGHT = 150  # the log's first height: the workbench keeps room above it at 1280×720
MINIMUM = (960, 600)
PROGRESS_MS = 50  # the batch progress bar shows the count at most this often
# Answers that land together are applied in one turn of the loop; past this much of it, the
# rest wait a turn, so the rows' repaint (and input) goes between (a 500-row batch applied up
# to 8 answers, ~7 ms, in one turn, then repainted them in the same frame).
APPLY_BUDGET_S = 0.004
LOGIN_WIDTH = 300  # the stated minimum size: every primary action still shows
FIRST_SIZE = (1280, 760)
READY = "Ready. Add skills (paste IDs, import a CSV or pick a pinned set), select rows, press F5."
NOT_SIGNED_IN = "Not signed in: open Sign in (Alt+G) and press 'Log in with Amazon'."


def _json_setting(raw: object, kind: type) -> object:
    """A JSON value from settings; anything unreadable is dropped, not fatal."""
    if raw in (None, "", "{}", "[]"):  # nothing kept yet: no json module before first paint
        return kind()
    import json

    try:
        data = json.loads(str(raw))
    except ValueError:
        return kind()
    return data if isinstance(data, kind) else kind()


class TurnBudget:
    """How much of the current turn of the event loop the work inside `with` has taken."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started: float | None = None  # this turn's first work; None: a new turn

    def __enter__(self) -> None:
        import asyncio
        import time

        if self.started is None:
            self.started = time.monotonic()
            # Runs at the next turn (before a task that yields now resumes): a new budget.
            asyncio.get_running_loop().call_soon(self._new_turn)

    def __exit__(self, *_: object) -> None:
        return None

    def _new_turn(self) -> None:
        self.started = None

    @property
    def spent(self) -> bool:
        import time

        return self.started is not None and time.monotonic() - self.started > self.seconds


def _pinned(raw: object) -> dict[str, str]:
    data = _json_setting(raw, dict)
    assert isinstance(data, dict)
    return {str(k): str(v) for k, v in data.items()}


def _sets(raw: object) -> dict[str, list[str]]:
    data = _json_setting(raw, dict)
    assert isinstance(data, dict)
    return {str(k): [str(s) for s in v] for k, v in data.items() if isinstance(v, list)}


def _account_words(account: Account) -> str:
    """An account in a sentence: the customer's name and email when Amazon shared them (in
    full: the detail pane and confirmations), else its label."""
    if account.who.startswith("Customer: "):
        return account.who.removeprefix("Customer: ")
    return account.label.split(" — ")[0]


class MainWindow(QMainWindow):
    close_requested = Signal()
    answers_landed = Signal()  # a batch or a single row finished: the history has new rows

    def __init__(self, backend: Backend | None, settings: QSettings, *, sandbox: bool) -> None:
        super().__init__()
        self.backend = backend
        self.settings = settings
        self.sandbox = sandbox
        # The app's name is in the title bar already (applicationDisplayName): not twice.
        self.setWindowTitle("Sandbox" if sandbox else "Workbench")
        self.setObjectName("mainWindow")
        self.logins_task: asyncio.Task[None] | None = None
        self.swap_task: asyncio.Task[None] | None = None
        self.fetch_task: asyncio.Task[None] | None = None
        self.batch: BatchRun | None = None
        self.batch_task: asyncio.Task[None] | None = None
        self.row_tasks: dict[CellKey, asyncio.Task[None]] = {}  # link / unlink, per cell
        self._shutdown: asyncio.Event | None = None
        self.painted = False
        self.activity_dock: QDockWidget | None = None  # built by finish_start
        self._activity: ActivityLog | None = None
        self.history_view: HistoryView | None = None  # added by the app after the backend
        self._model: WorkbenchModel | None = None
        self._selected: list[str] | None = None  # see selected_skills
        self._holding_selection = 0  # see _selection_settles_once
        self._selection_moved = False
        self._detail_pending = False  # see _detail_next_turn
        self._shortcuts: list[tuple[QAction, str | QKeySequence.StandardKey]] = []
        self._started = False
        self._closing = False
        self.warm_up: WarmUp | None = None  # see _warm_up
        self.backend_factory: Callable[[str], Backend] | None = None  # profile → backend
        self.pinned = _pinned(settings.value("pinnedSkills", "{}"))
        self.sets = _sets(settings.value("pinnedSets", "{}"))
        recent = settings.value("recentSkills", [], type=list)
        self.recent = [str(s) for s in recent] if isinstance(recent, list) else []
        self.endpoint_answer: dict[str, str] = {}  # account → where its customer lives
        self.endpoint_results: dict[str, BatchResult] = {}  # …and the answer (case summary)
        self.confirm_box: QWidget | None = None
        self.dialog: QWidget | None = None
        self._login: LoginPane | None = None  # folded until opened: see `login`
        self.detail = DetailPane()
        self._build_actions()
        self._build_layout()
        self._wire()
        self.set_backend(backend)
        geometry = settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)  # Qt moves an off-screen window back inside
        else:
            self._fit_screen()
        self.add_ids.setFocus()  # typing at start-up goes into the skill IDs field

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
        self.check_action = self._action(
            "&Check", "F5", self.check, "Read the state of the selected rows (F5)"
        )
        self.enable_action = self._action(
            "&Enable",
            "Ctrl+Shift+E",  # not Ctrl+E: Linux text fields take it (end of line)
            self.enable,
            "Owner: enable the chosen stage of the selected rows; the other stage is "
            "disabled (Ctrl+Shift+E)",
        )
        self.disable_action = self._action(
            "&Disable",
            "Ctrl+Shift+D",
            self.disable,
            "Owner: disable the chosen stage of the selected rows (Ctrl+Shift+D)",
        )
        self.endpoint_action = self._action(
            "&Find endpoint", "Ctrl+P", self.find_endpoint, "Customer: find the regional endpoint"
        )
        self.link_action = self._action(
            "&Link", "Ctrl+L", self.link, "Customer: enable and link the selected skill"
        )
        self.unlink_action = self._action(
            "Unlin&k",
            "Ctrl+Shift+U",  # not Ctrl+U: Linux text fields take it (delete the line)
            self.unlink,
            "Customer: disable and unlink the selected skills (Ctrl+Shift+U)",
        )
        self.cancel_action = self._action(
            "Cancel", "Esc", self.cancel, "Cancel the running operations or sign-in (Esc)"
        )
        self.login_action = self._action(
            "Log in with Amazon…",
            "Ctrl+Shift+L",
            self.start_login,
            "Open the login pane and sign in with the browser (Ctrl+Shift+L)",
        )
        self.copy_action = self._action(
            "Copy result", "Ctrl+Shift+C", self.copy_result, "Copy the selected row's details"
        )
        self.quit_action = self._action(
            "&Quit", "Ctrl+Q", lambda: self.close(), "Quit (Ctrl+Q)"
        )  # the standard key is empty on Windows
        self.cancel_action.setEnabled(False)
        menu = self.menuBar().addMenu("&Skill")
        for action in (self.check_action, self.enable_action, self.disable_action):
            menu.addAction(action)
        menu.addSeparator()
        for action in (self.endpoint_action, self.link_action, self.unlink_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.copy_action)
        menu.addAction(self.login_action)
        menu.addAction(self.cancel_action)
        menu.addAction(self.quit_action)
        self.view_menu = self.menuBar().addMenu("&View")
        help_menu = self.menuBar().addMenu("&Help")
        self.shortcuts_action = QAction("Keyboard &shortcuts", self)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self._shortcuts.append((self.shortcuts_action, "F1"))
        help_menu.addAction(self.shortcuts_action)
        self.about_action = QAction("&About Skill Console", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)  # macOS: the application menu
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    def _button(self, action: QAction) -> QPushButton:
        button = QPushButton(action.text())
        button.setToolTip(action.toolTip())
        button.setAccessibleName(action.text().replace("&", ""))
        button.clicked.connect(action.trigger)
        action.enabledChanged.connect(button.setEnabled)
        button.setEnabled(action.isEnabled())
        return button

    def _account_bar(self) -> QWidget:
        """One line: account switcher, who is signed in, Sign in (folds the pane), Log out."""
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.account = QComboBox()
        self.account.setAccessibleName("Account")
        self.account.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.account.setMinimumContentsLength(28)  # the list's longest entry never widens it
        label = QLabel("Acco&unt:")
        label.setBuddy(self.account)
        self.who = QLabel("—")
        self.who.setAccessibleName("Signed in as")
        self.who.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.sign_in = QPushButton("Si&gn in…")
        self.sign_in.setCheckable(True)
        self.sign_in.setToolTip("Show or hide the login pane (profile, Log in with Amazon)")
        self.log_out = QPushButton("Log out")
        self.log_out.setToolTip("Log out this profile's logins (revokes them)")
        row.addWidget(label)
        row.addWidget(self.account)
        row.addWidget(self.who, 1)
        row.addWidget(self.sign_in)
        row.addWidget(self.log_out)
        return bar

    def _skills_bar(self) -> QWidget:
        """Adding rows: paste many IDs, import a CSV, pinned sets; pin and remove rows."""
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.add_ids = QLineEdit(placeholderText="paste or type skill IDs (many at once)")
        self.add_ids.setAccessibleName("Skill IDs to add")
        self.add_ids.setClearButtonEnabled(True)
        label = QLabel("Add skill &IDs:")
        label.setBuddy(self.add_ids)
        self.add_button = QPushButton("Add")
        self.import_button = QPushButton("Im&port CSV…")
        self.import_button.setToolTip("Add the skills of a batch CSV (operation,skill_id,stage)")
        self.set_picker = QComboBox()
        self.set_picker.setAccessibleName("Pinned sets")
        self.set_picker.setToolTip("Add a pinned set of skills")
        self.set_picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.set_picker.setMinimumContentsLength(12)
        self.save_set = QPushButton("Save set…")
        self.save_set.setToolTip("Pin the selected rows (or all rows) as a named set")
        self.pin_button = QPushButton("Pi&n…")
        self.pin_button.setToolTip("Give the selected skill a friendly name (pinned), or unpin")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected rows from the workbench (Delete)")
        row.addWidget(label)
        row.addWidget(self.add_ids, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.import_button)
        row.addWidget(self.set_picker)
        row.addWidget(self.save_set)
        row.addWidget(self.pin_button)
        row.addWidget(self.remove_button)
        return bar

    def _actions_bar(self) -> QWidget:
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.stage = QComboBox()
        self.stage.addItems(list(STAGES))
        self.stage.setAccessibleName("Stage to change")
        self.stage.setToolTip("The stage Enable, Disable and Link act on")
        stage_label = QLabel("Stage:")
        stage_label.setBuddy(self.stage)
        row.addWidget(stage_label)
        row.addWidget(self.stage)
        self.owner_buttons = [self._button(a) for a in (self.enable_action, self.disable_action)]
        self.customer_buttons = [
            self._button(a) for a in (self.endpoint_action, self.unlink_action)
        ]
        row.addWidget(self._button(self.check_action))
        for button in self.owner_buttons + self.customer_buttons:
            row.addWidget(button)
        self.cancel_button = self._button(self.cancel_action)
        row.addWidget(self.cancel_button)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Batch progress")
        self.progress.setFormat("%v of %m")
        self.progress.setMaximumWidth(180)
        keep = self.progress.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # appearing moves nothing (item 20)
        self.progress.setSizePolicy(keep)
        self.progress.hide()
        row.addWidget(self.progress)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Last message")
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.message.setFixedHeight(2 * self.message.fontMetrics().lineSpacing() + 4)
        row.addWidget(self.message, 1)
        return bar

    def _build_layout(self) -> None:
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(6, 4, 6, 0)
        outer.addWidget(self._account_bar())
        outer.addWidget(self._skills_bar())
        outer.addWidget(self._actions_bar())
        self.table = QTableView()
        self.table.setAccessibleName("Skills")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (item 4)
        self.table.setAlternatingRowColors(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.splitter = QSplitter()
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.table.setMinimumWidth(360)
        self.detail.setMinimumWidth(300)
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(self.splitter, "Workbench")
        # The login pane (see `login`) goes left of the views, folded until asked for (or
        # while nobody is signed in): opening it takes width, never the actions' height.
        self.middle = QHBoxLayout()
        self.middle.addWidget(self.views, 1)
        outer.addLayout(self.middle, 1)
        self.log_room = QWidget()  # where the log dock goes: nothing moves when it comes
        self.log_room.setFixedHeight(LOG_HEIGHT)
        outer.addWidget(self.log_room)
        self.setCentralWidget(body)
        self.setMinimumSize(*MINIMUM)
        if self.sandbox:
            marker = QLabel(" SANDBOX ")
            marker.setAccessibleName("Sandbox mode")
            fill(marker, "#9a6700")
            font = marker.font()
            font.setBold(True)
            marker.setFont(font)
            self.statusBar().addPermanentWidget(marker)
        self.sandbox_address = QLabel()
        self.sandbox_address.setAccessibleName("Sandbox admin address")
        self.statusBar().addWidget(self.sandbox_address)
        order = [
            self.account,
            self.sign_in,
            self.log_out,
            self.add_ids,
            self.add_button,
            self.import_button,
            self.set_picker,
            self.save_set,
            self.pin_button,
            self.remove_button,
            self.stage,
            self.table,
            self.detail.text,
            self.detail.copy_result,
            self.detail.copy_case,
            self.detail.partner_code,
            self.detail.fetch_code,
            self.detail.redirect_uri,
            self.detail.verifier,
            self.detail.link_button,
        ]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

    def _wire(self) -> None:
        self.account.currentIndexChanged.connect(lambda _: self._account_changed())
        self.sign_in.toggled.connect(lambda shown: self.login.setVisible(shown))
        self.log_out.clicked.connect(lambda: self.login.start_logout())
        self.add_ids.returnPressed.connect(self.add_typed)
        self.add_button.clicked.connect(self.add_typed)
        self.import_button.clicked.connect(self.ask_import)
        self.set_picker.activated.connect(self._set_chosen)
        self.save_set.clicked.connect(self.ask_save_set)
        self.pin_button.clicked.connect(self.ask_pin)
        self.remove_button.clicked.connect(self.remove_selected)
        self.detail.copy_result.clicked.connect(self.copy_result)
        self.detail.copy_case.clicked.connect(self.copy_case_summary)
        self.detail.fetch_code.clicked.connect(self.get_partner_code)
        self.detail.link_button.clicked.connect(self.link_action.trigger)
        self.detail.partner_code.textChanged.connect(lambda _: self._refresh_enabled())
        self.countdown = QTimer(self)
        self.countdown.setInterval(500)
        self.countdown.timeout.connect(self._tick)
        # QProgressBar.setValue repaints at once, and with it every dirty part of the window
        # (the table's landed rows): once per answer, several times in one turn of a batch.
        # The bar shows the count at most every PROGRESS_MS instead.
        self._progress_done = 0
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_MS)
        self._progress_timer.timeout.connect(lambda: self.progress.setValue(self._progress_done))

    def finish_start(self) -> None:
        """Everything the first frame does not need, right after it: the table model and its
        delegate, the activity log dock, keyboard shortcuts, selectable labels. They need Qt's
        `Qt` namespace, whose enums take a noticeable part of start-up to create (see README,
        Benchmarks)."""
        if self._started:
            return
        self._started = True
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QHeaderView

        from console.ui.workbench_model import StateDelegate

        for action, shortcut in self._shortcuts:
            action.setShortcut(QKeySequence(shortcut))
        if self._login is not None:  # else built when first opened (folded until then)
            self._login.finish_start()
        self.detail.finish_start()
        self.who.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sandbox_address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.setModel(self.model)
        # Only the state columns (owner: development, live; customer: state, then a text
        # column it passes on): the other cells keep Qt's own delegate, without a Python call.
        states = StateDelegate(self.table)
        for column in (2, 3):
            self.table.setItemDelegateForColumn(column, states)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # the ID's tail tells apart
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._size_columns()
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        for signal in (
            self.model.modelReset,
            self.model.rowsInserted,
            self.model.rowsRemoved,
            self.table.selectionModel().selectionChanged,
        ):
            signal.connect(lambda *_: self._forget_selection())
        self.table.selectionModel().currentChanged.connect(lambda *_: self._selection_changed())
        self.table.clicked.connect(self._clicked)
        remove = QAction("Remove the selected rows", self.table)
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # not in text fields
        remove.triggered.connect(self.remove_selected)
        self.table.addAction(remove)
        self.model.modelReset.connect(self._size_columns)
        dock = QDockWidget("Activity log", self)
        dock.setObjectName("activityDock")
        dock.setWidget(self.activity)
        self.log_room.hide()
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        self.activity_dock = dock
        state = self.settings.value("windowState")
        self.resizeDocks([dock], [LOG_HEIGHT], Qt.Orientation.Vertical)  # a first start's room
        splitter = self.settings.value("splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
            if min(self.splitter.sizes() or [0]) <= 0:  # a pane squeezed to nothing comes back
                self.splitter.setSizes([3, 2])
        if isinstance(state, QByteArray):
            # The log's visibility, size and place as left: once the dock is laid out, or
            # the layout's own first pass would undo it.
            QTimer.singleShot(0, self, lambda: self.restoreState(state))
        self._fill_sets()
        self._account_changed()

    def _size_columns(self) -> None:
        widths = [130, 200, 160, 160, 80] if self.model.owner else [120, 180, 140, 90, 110, 70]
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)

    @property
    def login(self) -> LoginPane:
        """The login pane, made when first opened or used: until then it is folded (a first
        start with nobody signed in opens it once the backend is there)."""
        if self._login is None:
            from console.ui.login_pane import LoginPane

            login = self._login = LoginPane()
            login.setFixedWidth(LOGIN_WIDTH)
            login.hide()  # not a top-level window for a moment
            self.middle.insertWidget(0, login)
            login.setVisible(self.sign_in.isChecked())
            login.logged_in.connect(self._logged_in)
            login.logged_out.connect(lambda: self.reload_accounts(None))
            login.profile_changed.connect(self.switch_profile)
            login.busy_changed.connect(lambda _: self._refresh_enabled())
            # a sign-in shows its waiting state and fallbacks, however it was started
            login.login_button.clicked.connect(lambda: self.sign_in.setChecked(True))
            login.set_backend(self.backend, self._profiles(self.backend), fixed=self.sandbox)
            login.set_outside_busy(self.busy or self.fetching)
            if self._started:
                login.finish_start()
        return self._login

    @property
    def model(self) -> WorkbenchModel:
        """The rows (made on first use; finish_start shows them)."""
        if self._model is None:
            from console.ui.workbench_model import WorkbenchModel

            self._model = WorkbenchModel(self)
        return self._model

    # --- the seam for other views -------------------------------------------------------------

    def add_view(self, title: str, widget: QWidget, shortcut: str | None = None) -> int:
        """Add a view (History, Sandbox) as a tab beside the workbench; `shortcut` shows it."""
        index = self.views.addTab(widget, title)
        if shortcut:
            action = QAction(f"Show {title.replace('&', '')}", self)
            action.triggered.connect(lambda: self.views.setCurrentWidget(widget))
            self.addAction(action)
            self.view_menu.addAction(action)
            if self._started:
                action.setShortcut(QKeySequence(shortcut))
            else:
                self._shortcuts.append((action, shortcut))
        return index

    @property
    def history(self) -> History | None:
        """The history the window's services record into (None: not recorded)."""
        return self.backend.history if self.backend is not None else None

    async def service_for_account(self, name: str) -> ConsoleService:
        """The ConsoleService of an account, as the workbench uses it."""
        assert self.backend is not None
        return await self.backend.aservice(name)

    def run_rows(self, rows: list[BatchRow]) -> bool:
        """Run rows (e.g. re-run from History) on the workbench: their skills become rows
        of an account of the rows' login kind, and the answers land there."""
        account = self.current_account()
        kinds = {row.kind for row in rows}
        if account is None or self.backend is None or not rows:
            return False
        if account.kind not in kinds:
            other = next((a for a in self.backend.accounts if a.kind in kinds), None)
            if other is None:
                self.show_message(f"No {'/'.join(sorted(kinds))} account is signed in.", True)
                return False
            self._choose_account(other.name)
            account = other
        from dataclasses import replace

        from console.services.batch import OPERATIONS

        mine = [r for r in rows if r.kind == account.kind and r.operation in OPERATIONS]
        if len(mine) < len(rows):  # a link needs a fresh partner code: not from history
            self.show_message(
                f"{len(rows) - len(mine)} row(s) cannot be re-run here (a link needs a fresh "
                "partner code: use the detail pane; or another login kind).",
                error=True,
            )
        self.model.add_skills([r.skill_id for r in mine if r.skill_id], self.names())
        return self._run_batch([replace(r, profile=account.name) for r in mine], "Re-run")

    # --- accounts -----------------------------------------------------------------------------

    def show_about(self) -> None:
        from console.ui.about import show_about

        show_about(self)

    def show_shortcuts(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        lines = [
            f"{action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}\t"
            f"{action.text().replace('&', '')}"
            for action, _ in self._shortcuts
        ]
        extra = [
            "Alt+letter\tthe underlined button or field",
            "Delete\tremove the selected rows",
            "Tab / Shift+Tab\tnext / previous control (leaves the table)",
        ]
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", "", parent=self)
        box.setText("\n".join(lines + extra))
        box.setObjectName("shortcutsDialog")
        self.dialog = box
        box.open()

    def set_backend(self, backend: Backend | None) -> None:
        if backend is not None:
            self.finish_start()  # a backend means work: shortcuts and the log must be there
        self.backend = backend
        self.account.clear()
        if backend is None:
            self.show_message("Starting the sandbox…" if self.sandbox else "Loading…")
        else:
            backend.add_listener(self._on_attempt)
            backend.on_logins_changed = self._logins_changed
            self.detail.fetch_code.setVisible(backend.partner_authorize_url is not None)
            if backend.partner_authorize_url and not self.detail.redirect_uri.text():
                self.detail.redirect_uri.setText(backend.partner_redirect_uri)
            admin = getattr(backend, "sandbox_admin", None)
            self.sandbox_address.setText(f"Sandbox admin: {admin}" if admin else "")
            self.show_message(READY)
            self.model.add_skills(
                self.pinned_first() + list(getattr(backend, "demo_skills", {})), self.names()
            )
            self.reload_accounts(str(self.settings.value("lastAccount", "")))
            self._load_logins(backend)
        if self._login is not None:  # else it reads the backend when it is made
            self._login.set_backend(backend, self._profiles(backend), fixed=self.sandbox)
        if self.history_view is not None:  # another profile's backend keeps its own history
            self.history_view.set_history(self.history)
        self._account_changed()

    def names(self) -> dict[str, str]:
        """Friendly names: the sandbox's demo names, overridden by pins."""
        demo = dict(getattr(self.backend, "demo_skills", {}) or {})
        return demo | self.pinned

    def pinned_first(self) -> list[str]:
        return list(self.pinned) + [r for r in self.recent if r not in self.pinned]

    def _logins_changed(self) -> None:
        """A refresh or a revocation changed what is stored (e.g. LWA ended a login)."""
        before = self.current_account()
        self.reload_accounts(None)
        if self._login is not None:
            self._login.refresh()
        after = self.current_account()
        if before is not None and (after is None or after.name != before.name):
            self.show_message(
                f"{before.label.split(' — ')[0]}: the login has ended (Amazon refused it). "
                "Log in again (Ctrl+Shift+L).",
                error=True,
            )

    def start_login(self) -> None:
        self.sign_in.setChecked(True)
        self.login.start_login()

    def _logged_in(self, account: Account) -> None:
        self.login.error.clear()  # an old problem does not stay under "Signed in"
        self.reload_accounts(account.name)
        self.sign_in.setChecked(False)  # folds to the account bar once signed in

    def _load_logins(self, backend: Backend) -> None:
        """The profile's stored logins, read from the keychain off the UI thread."""
        import asyncio

        async def load() -> None:
            await backend.reload_logins()
            if backend is self.backend:
                self.reload_accounts(str(self.settings.value("lastAccount", "")))
                if self._login is not None:
                    self._login.refresh()

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
            self.show_message(f"{problem.message}. {problem.hint}", error=True)
        elif not self.backend.accounts:
            self.show_message(NOT_SIGNED_IN)
            self.sign_in.setChecked(True)  # nobody signed in: the pane is what is needed
        elif self.message.text() == NOT_SIGNED_IN:  # the stored logins have arrived
            self.show_message(READY)
        self._account_changed()

    def _choose_account(self, name: str) -> bool:
        for index in range(self.account.count()):
            if getattr(self.account.itemData(index), "name", None) == name:
                self.account.setCurrentIndex(index)
                return True
        return False

    def switch_profile(self, profile: str) -> None:
        """Another profile: another login and settings; the old backend is closed."""
        if self.backend_factory is None:
            return
        if self.busy or self.fetching:  # put the picker back: nothing changed yet
            if self.backend is not None:
                self.login.profile.setCurrentText(self.backend.profile)
            self.show_message(
                "Finish or cancel (Esc) the running operations before switching profiles.",
                error=True,
            )
            return
        import asyncio

        from console.api.errors import ConsoleError

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

    def current_account(self) -> Account | None:
        data = self.account.currentData()
        return data if isinstance(data, Account) else None

    def _account_changed(self) -> None:
        """Another account: its own cells (the other's are cleared), its own columns."""
        account = self.current_account()
        if account is None:
            self.who.setText("Nobody signed in — open Sign in (Alt+G)")
            self.who.setToolTip("")
        else:
            kind = "skill owner (developer)" if account.kind == "developer" else "customer"
            where = self.endpoint_answer.get(account.name, "")
            if account.who:  # a browser sign-in: which customer (item 12)
                self.who.setText(f"{account.who_short}{where}")
                self.who.setToolTip(account.who)
            else:
                self.who.setText(f"{account.label.split(' — ')[0]} · {kind}{where}")
                self.who.setToolTip("")
        with self._selection_settles_once():
            if self._started:
                name = account.name if account else ""
                kind = account.kind if account else "developer"
                kept = self.selected_skills()  # the rows stay selected; their answers do not
                if (name, kind) != (self.model.account, self.model.kind) and not self.busy:
                    self.show_message(READY)  # the last account's words go with its answers
                self.model.set_account(name, kind)
                self.select_skills(kept)
            self._selection_moved = True  # another account: other actions, now
            owner = account is None or account.kind == "developer"
            for button in self.owner_buttons:
                button.setVisible(owner)
            for button in self.customer_buttons:
                button.setVisible(not owner)
            self._detail_next_turn()

    # --- rows ---------------------------------------------------------------------------------

    def add_typed(self) -> None:
        """Add the IDs typed or pasted (trimmed; many at once); say what was not an ID."""
        good, bad = clean_ids(self.add_ids.text())
        added = self.model.add_skills(good, self.names())
        if bad:
            self.add_ids.setText(" ".join(bad))  # what was refused stays to be fixed
            from console.api.validation import skill_id_problem

            self.show_message(
                f"Added {added}; not a skill ID: {bad[0]!r} ({skill_id_problem(bad[0])})",
                error=True,
            )
        else:
            self.add_ids.clear()
            self.show_message(f"Added {added} skill(s)." if added else "Already there.")
        self._remember(good)

    def _remember(self, skills: list[str]) -> None:
        self.recent = list(dict.fromkeys(skills + self.recent))[:30]

    def ask_import(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        dialog = QFileDialog(self, "Import skills from a CSV", "", "CSV files (*.csv);;All (*)")
        dialog.fileSelected.connect(self.import_csv)
        self.dialog = dialog
        dialog.open()  # not exec(): see QT-ASYNC-NOTES

    def import_csv(self, path: str) -> int:
        """Add the skills of a batch CSV (or of a plain list of IDs, one a line)."""
        from pathlib import Path

        from console.batch_csv import parse_rows

        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            self.show_message(f"Could not read {path}: {error}", error=True)
            return 0
        parsed = parse_rows(text)
        skills = [r.skill_id for r in parsed.rows if r.skill_id]
        if not parsed.rows:  # not a batch file: maybe a list of IDs
            skills, _ = clean_ids(text)
        added = self.model.add_skills(skills, self.names())
        problems = "; ".join(str(p) for p in parsed.problems[:3]) if parsed.rows else ""
        self.show_message(
            f"Imported {added} skill(s) from {Path(path).name}."
            + (f" Skipped: {problems}" if problems else ""),
            error=bool(problems),
        )
        return added

    def _fill_sets(self) -> None:
        self.set_picker.clear()
        self.set_picker.addItem("Pinned sets…", None)
        for name, skills in self.sets.items():
            self.set_picker.addItem(f"{name} ({len(skills)})", name)

    def _set_chosen(self, index: int) -> None:
        name = self.set_picker.itemData(index)
        if isinstance(name, str):
            added = self.model.add_skills(self.sets.get(name, []), self.names())
            self.show_message(f"Added {added} skill(s) from the set '{name}'.")
        self.set_picker.setCurrentIndex(0)

    def ask_save_set(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        dialog = QInputDialog(self)
        dialog.setWindowTitle("Save a pinned set")
        dialog.setLabelText("Name of the set (the selected rows, or all rows):")
        dialog.textValueSelected.connect(self.save_pinned_set)
        self.dialog = dialog
        dialog.open()

    def save_pinned_set(self, name: str) -> None:
        name = name.strip()
        skills = self.selected_skills() or list(self.model.skills)
        if not name or not skills:
            return
        self.sets[name] = skills
        self._fill_sets()
        self.show_message(f"Pinned the set '{name}' ({len(skills)} skills).")

    def ask_pin(self) -> None:
        skills = self.selected_skills()
        if len(skills) != 1:
            self.show_message("Select one row to pin or unpin.", error=True)
            return
        skill = skills[0]
        if skill in self.pinned:
            del self.pinned[skill]
            self.model.names.pop(skill, None)
            self.model.add_skills([skill], self.names())
            self.model.changed(skill)
            self.show_message(f"Unpinned {skill}.")
            return
        from PySide6.QtWidgets import QInputDialog

        dialog = QInputDialog(self)
        dialog.setWindowTitle("Pin skill")
        dialog.setLabelText(f"Friendly name for {skill}:")
        dialog.setTextValue(self.model.names.get(skill, ""))
        dialog.textValueSelected.connect(lambda name: self.pin(skill, name))
        self.dialog = dialog
        dialog.open()

    def pin(self, skill: str, name: str) -> None:
        self.pinned[skill] = name.strip() or skill
        self.model.add_skills([skill], {skill: self.pinned[skill]})
        self.model.changed(skill)

    def remove_selected(self) -> None:
        skills = [s for s in self.selected_skills() if not self._in_flight(s)]
        self.model.remove_skills(skills)

    def _in_flight(self, skill: str) -> bool:
        return any(k.skill_id == skill for k, _ in self.model.running_cells())

    def selected_skills(self) -> list[str]:
        """The selected rows' skills, in table order (read once, before anything changes).
        Cached until the selection or the rows change: asking Qt costs O(rows × columns)."""
        if not self._started:
            return []
        if self._selected is None:
            from typing import cast

            from PySide6.QtCore import QItemSelectionRange

            # a QItemSelection is a list of ranges (iterable, though its stubs do not say so)
            ranges = cast(list[QItemSelectionRange], self.table.selectionModel().selection())
            rows = sorted({r for s in ranges for r in range(s.top(), s.bottom() + 1)})
            skills = self.model.skills
            self._selected = [skills[r] for r in rows if r < len(skills)]
        return list(self._selected)

    def _forget_selection(self) -> None:
        self._selected = None

    def current_skill(self) -> str | None:
        skills = self.selected_skills()
        return skills[0] if len(skills) == 1 else None

    def select_skills(self, skills: list[str]) -> None:
        """Select these rows (tests, the self-test and re-runs drive the window this way)."""
        from PySide6.QtCore import QItemSelection, QItemSelectionModel

        selection = QItemSelection()
        last = self.model.columnCount() - 1
        rows = sorted({r for s in skills if (r := self.model.row_of(s)) is not None})
        start = 0
        for n in range(1, len(rows) + 1):  # one range per run of adjacent rows
            if n == len(rows) or rows[n] != rows[n - 1] + 1:
                selection.select(
                    self.model.index(rows[start], 0), self.model.index(rows[n - 1], last)
                )
                start = n
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        with self._selection_settles_once():  # two signals, one refresh
            self.table.selectionModel().select(selection, flags)
            first = self.model.row_of(skills[0]) if skills else None
            if first is not None:
                index = self.model.index(first, 0)
                self.table.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.NoUpdate
                )

    def _clicked(self, index: QModelIndex) -> None:
        stage = self.model.stage_of_column(index.column())
        if stage is not None:
            self.stage.setCurrentText(stage)  # a click on a stage cell picks that stage

    def _selection_changed(self) -> None:
        self._forget_selection()  # (its own slot may run after this one)
        if self._holding_selection:
            self._selection_moved = True
            return
        if not self._detail_pending:  # (else it is shown at the next turn, as selected then)
            self._show_detail()
        self._refresh_enabled()

    def _detail_next_turn(self) -> None:
        """The detail pane (and the customer's link form) at the next turn of the loop: their
        relayout and repaint then make a frame of their own, not one with the account switch
        that asked for them (~11 ms together on our 2-core VM). Emptied now: nothing of the
        last account shows meanwhile."""
        self.detail.clear("…")
        if not self._detail_pending:
            self._detail_pending = True
            QTimer.singleShot(0, self, self._detail_now)

    def _detail_now(self) -> None:
        if not self._detail_pending:
            return
        self._detail_pending = False
        account = self.current_account()
        self.detail.link_box.setVisible(account is not None and account.kind != "developer")
        self._show_detail()

    @contextlib.contextmanager
    def _selection_settles_once(self) -> Iterator[None]:
        """Selection signals inside only mark the selection moved; the detail pane and the
        actions follow once, at the end (each refresh costs ~0.6 ms; an account switch made
        three in the one turn that also repaints the window)."""
        self._holding_selection += 1
        try:
            yield
        finally:
            self._holding_selection -= 1
            if not self._holding_selection and self._selection_moved:
                self._selection_moved = False
                self._selection_changed()

    def _show_detail(self) -> None:
        skills = self.selected_skills()
        if not skills:
            self.detail.clear()
            return
        if len(skills) > 1:
            self.detail.clear(f"{len(skills)} rows selected: the actions apply to all of them.")
            return
        from console.ui.detail_pane import cell_text

        skill = skills[0]
        row = self.model.skills.index(skill)
        stages = list(STAGES) if self.model.owner else [CUSTOMER_STAGE]
        places = self._places()
        blocks = []
        for stage in stages:
            key = self.model.key(row, stage or None)
            cell = self.model.cells.get(key)
            if cell is not None:
                blocks.append(cell_text(key, cell, places))
            else:
                blocks.append(f"{'Stage ' + stage if stage else 'Customer status'}: Not checked")
        name = self.model.names.get(skill)
        account = self.current_account()
        who = _account_words(account) if account else "—"
        header = f"{name} — {skill}" if name else skill
        self.detail.show_cells(f"{header}\nfor {who}", [f"Skill: {header}", *blocks], places)

    def _places(self) -> dict[str, str]:
        """Base URLs → words ("NA endpoint", "Login with Amazon") for this account."""
        account = self.current_account()
        if self.backend is None or account is None:
            return {}
        from console.api.errors import ConsoleError

        try:
            return self.backend.places(account.name)
        except ConsoleError:  # settings that cannot be read: the message says so, raw
            return {}

    # --- enabling -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A batch or a link/unlink runs."""
        # `batch` and `row_tasks` are cleared before the tasks' last words, which refresh
        return self.batch is not None or bool(self.row_tasks)

    @property
    def fetching(self) -> bool:
        """A sandbox partner code is being fetched."""
        return self.fetch_task is not None and not self.fetch_task.done()

    def _refresh_enabled(self) -> None:
        """Every action's enabled state, from (account, selection, what runs) in one place."""
        account = self.current_account()
        ready = account is not None and self.backend is not None and not self.busy
        selected = bool(self.selected_skills())
        owner = account is not None and account.kind == "developer"
        single = self.current_skill() is not None
        self.check_action.setEnabled(ready and selected)
        self.enable_action.setEnabled(ready and selected and owner)
        self.disable_action.setEnabled(ready and selected and owner)
        self.endpoint_action.setEnabled(ready and not owner and account is not None)
        has_code = bool(self.detail.partner_code.text().strip())
        self.link_action.setEnabled(ready and single and not owner and has_code)
        self.detail.link_button.setEnabled(self.link_action.isEnabled())
        self.unlink_action.setEnabled(ready and selected and not owner)
        self.detail.fetch_code.setEnabled(account is not None and not self.fetching)
        self.copy_action.setEnabled(single)
        self.detail.copy_result.setEnabled(single)
        self.detail.copy_case.setEnabled(selected and self.backend is not None)
        self.pin_button.setEnabled(single)
        self.remove_button.setEnabled(selected)
        self.log_out.setEnabled(bool(self.backend and self.backend.logins()) and not self.busy)
        signing_in = self._login is not None and self._login.busy
        self.cancel_action.setEnabled(self.busy or self.fetching or signing_in)
        if self._login is not None:
            self._login.set_outside_busy(self.busy or self.fetching)

    def cancel(self) -> None:
        """Esc: whatever runs — the batch, links, a code fetch, or a sign-in."""
        if self.batch is not None:
            self.batch.cancel()
        for task in self.row_tasks.values():
            task.cancel()
        if self.fetching:
            assert self.fetch_task is not None
            self.fetch_task.cancel()
        if self._login is not None and self._login.busy:
            self._login.cancel_login()

    # --- actions ------------------------------------------------------------------------------

    def _rows(self, operation: str, stages: list[str] | None) -> list[BatchRow]:
        from console.services.batch import BatchRow

        account = self.current_account()
        if account is None:
            return []
        rows: list[BatchRow] = []
        for skill in self.selected_skills():
            for stage in stages or [None]:  # type: ignore[list-item]
                rows.append(
                    BatchRow(
                        line=len(rows) + 1,
                        operation=operation,
                        skill_id=skill,
                        stage=stage,
                        profile=account.name,  # the window's account: its key's first part
                        kind=account.kind,
                    )
                )
        return rows

    def check(self) -> None:
        account = self.current_account()
        if account is None:
            return
        if account.kind == "developer":
            self._run_batch(self._rows("status", list(STAGES)), "Check")
        else:
            self._run_batch(self._rows("customer-status", None), "Check")

    def enable(self) -> None:
        stage = self.stage.currentText()
        rows = self._rows("enable", [stage])
        self._confirm(rows, "Enable", stage == "live", lambda: self._run_batch(rows, "Enable"))

    def disable(self) -> None:
        stage = self.stage.currentText()
        rows = self._rows("disable", [stage])
        self._confirm(rows, "Disable", stage == "live", lambda: self._run_batch(rows, "Disable"))

    def find_endpoint(self) -> None:
        from console.services.batch import BatchRow

        account = self.current_account()
        if account is None or account.kind != "customer":
            return
        row = BatchRow(1, "customer-endpoint", profile=account.name, kind=account.kind)
        self._run_batch([row], "Find endpoint")

    def _key(self, row: BatchRow) -> CellKey:
        stage = row.stage or CUSTOMER_STAGE if row.kind == "developer" else CUSTOMER_STAGE
        return CellKey(row.profile, row.kind, row.skill_id or "", stage or CUSTOMER_STAGE)

    def _run_batch(self, rows: list[BatchRow], name: str) -> bool:
        """Run rows through the batch engine; their cells say queued, then running, then the
        answer. Nothing starts while another batch or link runs."""
        if not rows or self.backend is None or self.busy:
            return False
        import asyncio

        from console.services.batch import BatchRun

        backend = self.backend
        for row in rows:
            cell = self.model.cell(self._key(row))
            if cell is not None:
                cell.running = "Queued…"
                cell.retry_at, cell.attempt = None, None
        self._repaint_rows(rows)

        async def service_for(row: BatchRow) -> ConsoleService:
            self._bind(row)  # this task's attempts belong to this row's cell
            return await backend.aservice(row.profile)

        def started(row: BatchRow) -> None:
            cell = self.model.cell(self._key(row))
            if cell is not None:
                cell.running = RUNNING_WORDS.get(row.operation, "Working…")
                self.model.changed(row.skill_id or "")

        run = BatchRun(rows, service_for, on_start=started)
        self.batch = run
        self.progress.setRange(0, len(rows))
        self.progress.setValue(0)
        self.progress.show()
        self.show_message(f"{name}: {len(rows)} request(s)… (Esc cancels)")

        async def go() -> None:
            done = 0
            failures = 0
            budget = TurnBudget(APPLY_BUDGET_S)
            try:
                async for result in run.results():
                    done += 1
                    failures += result.outcome in ("failed", "unknown")
                    self._progress_done = done
                    if not self._progress_timer.isActive():
                        self._progress_timer.start()
                    with budget:
                        self._apply(result)
                    if budget.spent:  # (a queued answer comes without waiting a turn)
                        await asyncio.sleep(0)
            finally:
                self.batch = None
                self.answers_landed.emit()
                self._progress_timer.stop()
                self.progress.hide()
                for row in rows:  # whatever did not report (cancelled early) stops running
                    cell = self.model.cell(self._key(row))
                    if cell is not None and cell.running:
                        cell.running = None
                self._repaint_rows(rows)
                stopped = " (cancelled)" if run.cancelled else ""
                current = self.current_account()
                if current is None or current.name != rows[0].profile:
                    pass  # another account's words would mislabel this one's screen
                elif rows[0].operation == "customer-endpoint" and not stopped:
                    pass  # its answer is the message (see _endpoint_answered)
                else:
                    self.show_message(
                        f"{name}{stopped}: {done} of {len(rows)} answered"
                        + (f", {failures} failed or unknown — see the rows." if failures else "."),
                        error=bool(failures) or run.cancelled,
                    )
                self._refresh_enabled()
                self._show_detail()

        self.batch_task = asyncio.ensure_future(go())
        self.countdown.start()
        self._refresh_enabled()
        return True

    def _repaint_rows(self, rows: list[BatchRow]) -> None:
        self.model.changed_many([r.skill_id for r in rows if r.skill_id])

    def _apply(self, result: BatchResult) -> None:
        """An answer into its own cell (found by the key it carries), or dropped."""
        row = result.row
        if row.operation == "customer-endpoint":
            self._endpoint_answered(result)
            return
        key = self._key(row)
        cell = self.model.cell(key)
        if cell is None:
            return  # its row is gone, or it belongs to another account: drop it
        from console.ui.answers import settle

        if settle(cell, result, lambda text: name_hosts(text, self._places())):
            self._other_stage_disabled(key)
        self.model.changed(key.skill_id)
        if key.skill_id == self.current_skill():
            self._show_detail()

    def _other_stage_disabled(self, key: CellKey) -> None:
        from console.ui.answers import other_stage_disabled

        other = "live" if key.stage == "development" else "development"
        other_stage_disabled(self.model.cell(key), self.model.cell(key._replace(stage=other)), key)

    def _endpoint_answered(self, result: BatchResult) -> None:
        account = result.row.profile
        self.endpoint_results[account] = result
        if str(result.outcome) == "ok":
            regions = region_words(result.region)
            places = self.backend.places(account) if self.backend else {}
            named = ", ".join(places.get(u, u) for u in (result.endpoint or "").split())
            more = (
                " (Alexa could not decide: tried in this order)"
                if " " in (result.region or "")
                else ""
            )
            self.endpoint_answer[account] = f" · region: {regions} — {named}{more}"
            self.show_message(f"Find endpoint: {regions}, {named}{more}.")
        else:
            self.show_message(f"Find endpoint failed: {result.message}. {result.hint}", True)
        self._account_changed()

    # --- customer link / unlink ---------------------------------------------------------------

    def link(self) -> None:
        account, skill = self.current_account(), self.current_skill()
        code = self.detail.partner_code.text().strip()
        if account is None or skill is None or not code or self.busy:
            return
        from console.services.batch import BatchRow

        stage = self.stage.currentText()
        uri = self.detail.redirect_uri.text().strip()
        verifier = self.detail.verifier.text().strip() or None
        row = BatchRow(1, "customer-enable", skill, stage, profile=account.name, kind="customer")

        async def work(service: ConsoleService) -> OperationResult:
            from console.api.errors import ConsoleError

            try:
                result = await service.customer_enable(
                    skill, stage, code, uri, verifier, on_progress=self._progress(row)
                )
            except ConsoleError as error:
                if any(a.method == "POST" for a in error.attempts):
                    self._spent(code)  # sent: a partner code works once, whatever happened
                raise
            self._spent(code)
            return result

        self._run_row(row, "Linking…", work)

    def unlink(self) -> None:
        account = self.current_account()
        skills = self.selected_skills()
        if account is None or not skills:
            return
        from console.services.batch import BatchRow

        rows = [
            BatchRow(n, "customer-disable", s, None, profile=account.name, kind="customer")
            for n, s in enumerate(skills, start=1)
        ]

        def go() -> None:
            for row in rows:
                skill, progress = row.skill_id or "", self._progress(row)

                async def work(
                    service: ConsoleService, skill: str = skill, progress: Progress = progress
                ) -> OperationResult:
                    return await service.customer_disable(skill, on_progress=progress)

                self._run_row(row, "Unlinking…", work)

        self._confirm(rows, "Unlink", True, go)

    def _progress(self, row: BatchRow) -> Callable[[OperationResult], None]:
        """Show each ENABLING/DISABLING read in the row while the service follows it."""
        key = self._key(row)

        def show(result: OperationResult) -> None:
            cell = self.model.cell(key)
            if cell is not None and result.state:
                cell.running = f"{result.state.title()}… following it"
                self.model.changed(key.skill_id)

        return show

    def _run_row(self, row: BatchRow, words: str, work: Callable[..., object]) -> None:
        import asyncio

        from console.api.errors import ConsoleError
        from console.services.batch import BatchResult, Outcome, _answered, _failed
        from console.services.history import now_iso

        key = self._key(row)
        cell = self.model.cell(key)
        if cell is None or self.backend is None:
            return
        cell.running = words
        self.model.changed(key.skill_id)
        backend = self.backend

        async def go() -> None:
            self._bind(row)
            started = now_iso()
            service = None
            try:
                service = await backend.aservice(row.profile)
                result = await work(service)  # type: ignore[misc]
                answer = _answered(row, result, service, started)
            except asyncio.CancelledError:
                answer = BatchResult(row, Outcome.UNKNOWN, message="cancelled", started=started)
            except ConsoleError as error:
                answer = _failed(row, error, service, started)
            except Exception as error:  # a bug must not leave the row running
                answer = _failed(
                    row, ConsoleError(f"Unexpected ({type(error).__name__})"), service, started
                )
            finally:
                self.row_tasks.pop(key, None)
                self.answers_landed.emit()
            self._apply(answer)
            self.show_message(row_message(answer))
            self._refresh_enabled()

        self.row_tasks[key] = asyncio.ensure_future(go())
        self.countdown.start()
        self._refresh_enabled()

    def _spent(self, code: str) -> None:
        """Clear a used partner code (unless the user has put a fresh one there meanwhile)."""
        if self.detail.partner_code.text().strip() == code:
            self.detail.partner_code.clear()

    def get_partner_code(self) -> None:
        if self.backend is None or self.fetching:  # one at a time
            return
        import asyncio

        from console.api.errors import ConsoleError

        backend = self.backend

        async def fetch() -> None:
            try:
                self.detail.partner_code.setText(await backend.partner_code())
                self.show_message("Fresh partner code ready (valid 5 minutes, once).")
            except asyncio.CancelledError:
                self.show_message("Getting a partner code was cancelled.", error=True)
            except ConsoleError as error:
                self._show_error("Get partner code", error)
            finally:
                self.fetch_task = None
                self._refresh_enabled()

        self.show_message("Getting a fresh partner code… (Esc cancels)")
        self.fetch_task = asyncio.ensure_future(fetch())
        self._refresh_enabled()

    # --- confirmations, copying, messages -------------------------------------------------------

    def _confirm(
        self, rows: list[BatchRow], verb: str, ask: bool, go: Callable[[], object]
    ) -> None:
        """Changes that reach users ask first, naming what (skill, stage, account); the dialog
        is opened, not exec()'d (see QT-ASYNC-NOTES)."""
        if not rows:
            return
        if not ask:
            go()
            return
        from PySide6.QtWidgets import QMessageBox

        account = self.current_account()
        who = _account_words(account) if account else "?"
        names = [
            f"{self.model.names.get(r.skill_id or '', '')} ({r.skill_id})".strip() for r in rows
        ]
        listed = "\n".join(f"• {n}" for n in names[:8]) + (
            f"\n… and {len(names) - 8} more" if len(names) > 8 else ""
        )
        stage = rows[0].stage
        what = f"the {stage} stage of " if stage else ""
        for_whom = (
            f"for the customer {who}" if account and account.kind == "customer" else f"as {who}"
        )
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(f"{verb} — please confirm")
        box.setText(f"{verb} {what}{len(rows)} skill(s) {for_whom}?\n\n{listed}")
        label = f"{verb} {stage}" if stage else verb
        yes = box.addButton(label, QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setObjectName("confirmDialog")
        self.confirm_yes = yes

        def answered(_: int) -> None:
            if box.clickedButton() is yes:
                go()

        box.finished.connect(answered)
        self.confirm_box = box
        box.open()

    def copy_result(self) -> None:
        if self.current_skill() is None:
            return
        text = f"{self.detail.title.text()}\n\n{self.detail.text.toPlainText()}"
        QGuiApplication.clipboard().setText(text)
        self.show_message("Copied the selected row's details.")

    def case_summary_text(self) -> str:
        """The previous issue's case summary over the selected rows' last results."""
        from dataclasses import replace

        from console.services.batch import BatchResult, BatchRow, Outcome, with_row
        from console.services.case import summarize

        account = self.current_account()
        skills = self.selected_skills()
        customer = account is not None and account.kind == "customer"
        found = [
            c.result
            for k, c in sorted(self.model.cells.items())
            if k.skill_id in skills and c.result is not None
        ]
        # summarize orders by line, and a customer's case starts with where they live
        checks = [with_row(r, replace(r.row, line=n)) for n, r in enumerate(found, start=1)]
        if customer and account is not None:
            where = self.endpoint_results.get(account.name) or BatchResult(
                BatchRow(0, "customer-endpoint", profile=account.name, kind="customer"),
                Outcome.NOT_RUN,
                message="not looked up in this session (Find endpoint, Ctrl+P)",
            )
            checks.insert(0, with_row(where, replace(where.row, line=0)))
        profile = self.backend.profile if self.backend else "default"
        summary = summarize(
            checks,
            self.history,
            skill_ids=skills,
            profile=profile,
            customer=customer,
            signed_in_as=self._customer_named(account),
        )
        return summary.text()

    def _customer_named(self, account: Account | None) -> str | None:
        """The signed-in customer's name and email (a browser sign-in that Amazon told)."""
        if account is None or account.kind != "customer" or self.backend is None:
            return None
        for info in self.backend.logins():
            if f"login-{info.kind}" == account.name and info.customer and info.customer.known:
                return str(info.customer.who())
        return None

    def copy_case_summary(self) -> None:
        if not self.selected_skills():
            return
        QGuiApplication.clipboard().setText(self.case_summary_text())
        self.show_message("Copied a case summary of the selected rows (no secrets in it).")

    def show_message(self, text: str, error: bool = False) -> None:
        """The message line; addresses by their role ("NA endpoint"), the raw text for support
        in its tooltip."""
        named = name_hosts(text, self._places())
        self.message.setText(named)
        self.message.setToolTip(named if named == text else f"{named}\n\nWith addresses: {text}")
        tint(self.message, ERROR if error else None)

    def _show_error(self, name: str, error: ConsoleError) -> None:
        listed = "".join(f"\n • {v.message}" for v in error.violations)  # what Amazon says
        self.show_message(f"{name} failed: {error.message}{listed}\n{error.hint}", error=True)

    def _bind(self, row: BatchRow) -> None:
        """In the row's own task: its attempts count down in its cell and carry its question
        (account, kind, operation, skill, stage) into the activity log."""
        from console.ui.activity_log import current_context

        CURRENT.set(self._key(row))
        current_context.set(row)

    # --- attempts: per-row retry countdown ------------------------------------------------------

    def _on_attempt(self, attempt: Attempt) -> None:
        self.activity.add(attempt)
        key = CURRENT.get()
        if key is None:
            return
        cell = self.model.cell(key)
        if cell is None or not cell.running:
            return
        from console.ui.cells import RETRY

        cell.attempts.append(attempt)
        match = RETRY.search(attempt.decision)
        if match:
            import time

            cell.retry_at = time.monotonic() + float(match.group(1))
            of = self._max_attempts(key.account)
            cell.attempt = (attempt.attempt + 1, of)
        else:
            cell.retry_at = None
        self.model.changed(key.skill_id)

    def _max_attempts(self, account: str) -> int:
        if self.backend is None:
            return 5
        return self.backend.settings(account).policy.max_attempts

    def _tick(self) -> None:
        """Count retry pauses down in their rows; stop when nothing runs."""
        import time

        running = self.model.running_cells()
        now = time.monotonic()
        for key, cell in running:
            if cell.retry_at is not None:
                if cell.retry_at <= now - 0.5:
                    cell.retry_at = None  # the retry is out: no stale countdown
                self.model.changed(key.skill_id)
        if not running and not self.busy:
            self.countdown.stop()

    # --- shutdown -----------------------------------------------------------------------------

    def save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        if self.activity_dock is not None:
            self.settings.setValue("windowState", self.saveState())
            self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.setValue("recentSkills", self.recent)
        import json

        self.settings.setValue("pinnedSkills", json.dumps(self.pinned))
        self.settings.setValue("pinnedSets", json.dumps(self.sets))
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
        login_task = self._login.task if self._login is not None else None
        tasks = [self.batch_task, login_task, self.swap_task, self.fetch_task]
        tasks += [self.logins_task, *self.row_tasks.values()]
        pending = [t for t in tasks if t is not None and not t.done()]
        for task in pending:
            # the profile swap and keychain read finish; the batch drains after its cancel
            if task not in (self.swap_task, self.logins_task, self.batch_task):
                task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def wait_batch(self) -> None:
        """Until the running batch and links (if any) have finished; never raises."""
        import asyncio

        tasks = [self.batch_task, *self.row_tasks.values()]
        await asyncio.gather(*[t for t in tasks if t is not None], return_exceptions=True)

    def _fit_screen(self) -> None:
        """A first start: FIRST_SIZE, or less on a small or scaled screen."""
        screen = self.screen()
        available = screen.availableGeometry() if screen is not None else None
        width, height = FIRST_SIZE
        if available is not None:
            width = max(MINIMUM[0], min(width, int(available.width() * 0.95)))
            height = max(MINIMUM[1], min(height, int(available.height() * 0.92)))
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
        elif self._started and self.warm_up is None and not self._closing:
            QTimer.singleShot(0, self, self._warm_up)  # the complete window is drawn

    def _warm_up(self) -> None:
        """What the first action would pay for once, paid in the idle turns after the complete
        window is drawn, a small step at a time (console/ui/warm_up.py)."""
        if self.warm_up is not None or self._closing:
            return
        from console.ui.warm_up import WarmUp

        self.warm_up = WarmUp(self)
        self.warm_up.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        if self.warm_up is not None:
            self.warm_up.stop()
        self.save_settings()
        self.cancel()
        self.shutdown.set()  # the main coroutine finishes the clean-up (QT-ASYNC-NOTES)
        self.close_requested.emit()
        event.accept()
