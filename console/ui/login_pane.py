"""The login pane: profile, login kind, browser login with its waiting state, and log out.

It drives the session layer through the window's backend (`login`, `logout`, `logins`); it
holds no HTTP. While the browser is out, it shows the URL to copy, a box for pasting the
redirect address (the fallback when the browser cannot reach this machine) and Cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.api.errors import ConsoleError
from console.auth.profile import who_line
from console.ui.cells import name_hosts
from console.ui.palette import ERROR, tint

if TYPE_CHECKING:
    import asyncio

    from console.auth.lwa import LoginFlow


def countdown(seconds: float) -> str:
    if seconds <= 0:
        return "expired (renewed on next use)"
    minutes, secs = divmod(int(seconds), 60)
    return f"expires in {minutes}:{secs:02d}"


class LoginPane(QGroupBox):
    logged_in = Signal(object)  # Account
    logged_out = Signal()
    profile_changed = Signal(str)
    busy_changed = Signal(bool)  # a login, logout or profile change started or ended

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Login", parent)
        self.backend: Any = None
        self.task: asyncio.Task[None] | None = None
        self.flow: LoginFlow | None = None
        self.dialog: QWidget | None = None
        self.profile = QComboBox()
        self.profile.setAccessibleName("Profile")
        self.fixed = False  # sandbox: demo accounts, no profile management
        self.outside_busy = False  # the window runs an operation: profiles must not change
        self._was_busy = False
        self.new_profile = QPushButton("Ne&w…")
        self.new_profile.setToolTip("Create a profile (another account's settings and login)")
        self.rename_profile = QPushButton("Rena&me…")
        self.rename_profile.setToolTip("Rename this profile (its login moves with it)")
        self.delete_profile = QPushButton("Delete")
        self.delete_profile.setToolTip("Log out and delete this profile")
        self.kind = QComboBox()
        self.kind.addItem("Developer (skill owner)", "developer")
        self.kind.addItem("Customer (account linking)", "customer")
        self.kind.setAccessibleName("Login kind")
        self.login_button = QPushButton("Log in with &Amazon")
        self.login_button.setToolTip("Open the browser to sign in (Ctrl+Shift+L)")
        self.logout_button = QPushButton("Log &out")
        self.state = QLabel("Not signed in.")
        self.state.setWordWrap(True)
        self.state.setAccessibleName("Login state")
        # Which customer signed in, in full and selectable (the account bar elides it).
        self.customer = QLabel()
        self.customer.setWordWrap(True)
        self.customer.setAccessibleName("Signed-in customer")
        self.customer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.customer.hide()
        self.error = QLabel()
        self.error.setWordWrap(True)
        tint(self.error, ERROR)
        self.error.setAccessibleName("Login problem")
        self.waiting = self._waiting_box()
        # A narrow side pane: one control a line, so it needs width for none of them.
        grid = QGridLayout()
        grid.addWidget(QLabel("Profile:"), 0, 0)
        grid.addWidget(self.profile, 0, 1)
        manage = QHBoxLayout()
        manage.addWidget(self.new_profile)
        manage.addWidget(self.rename_profile)
        manage.addWidget(self.delete_profile)
        grid.addLayout(manage, 1, 0, 1, 2)
        grid.addWidget(QLabel("Kind:"), 2, 0)
        grid.addWidget(self.kind, 2, 1)
        grid.addWidget(self.login_button, 3, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.waiting)
        layout.addWidget(self.state)
        layout.addWidget(self.customer)
        layout.addWidget(self.logout_button)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.waiting.hide()
        self.login_button.clicked.connect(self.start_login)
        self.logout_button.clicked.connect(self.start_logout)
        self.new_profile.clicked.connect(self.ask_new_profile)
        self.delete_profile.clicked.connect(self.ask_delete_profile)
        self.rename_profile.clicked.connect(self.ask_rename_profile)
        self.profile.activated.connect(self._profile_chosen)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    def _waiting_box(self) -> QWidget:
        box = QWidget()
        self.url = QLineEdit()
        self.url.setReadOnly(True)
        self.url.setAccessibleName("Sign-in URL")
        copy = QPushButton("Copy URL")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.url.text()))
        self.paste = QLineEdit(placeholderText="…or paste the address the browser ended on")
        self.paste.setAccessibleName("Pasted redirect address")
        use = QPushButton("Use this address")
        use.clicked.connect(self.use_pasted)
        self.paste.returnPressed.connect(self.use_pasted)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.cancel_login)
        self.waiting_label = QLabel()
        self.waiting_label.setWordWrap(True)
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.waiting_label, 0, 0, 1, 2)
        grid.addWidget(self.url, 1, 0, 1, 2)
        grid.addWidget(copy, 2, 1)
        grid.addWidget(self.paste, 3, 0, 1, 2)
        grid.addWidget(use, 4, 1)
        grid.addWidget(cancel, 5, 1)
        return box

    # --- wiring -------------------------------------------------------------------------------

    def finish_start(self) -> None:
        """What the first frame does not need (see MainWindow.finish_start). Ctrl+Shift+L is
        the window's: it works while this pane is folded away too."""

    def set_backend(self, backend: Any, profiles: list[str], *, fixed: bool) -> None:
        """A backend for `profiles[...]`; `fixed` (sandbox) disables profile management."""
        self.backend = backend
        self.fixed = fixed
        self.profile.clear()
        self.profile.addItems(profiles)
        if backend is not None:
            self.profile.setCurrentText(backend.profile)
        self.refresh()

    @property
    def busy(self) -> bool:
        """A login, logout or profile change is running."""
        return self.task is not None and not self.task.done()

    def set_outside_busy(self, busy: bool) -> None:
        """The window runs an operation on this profile's account: hold profile changes."""
        self.outside_busy = busy
        self.refresh()

    def refresh(self) -> None:
        """Logged-in state with the expiry counting down (from memory: no keychain reads)."""
        busy = self.busy
        if busy != self._was_busy:
            self._was_busy = busy
            self.busy_changed.emit(busy)
        logins = self.backend.logins() if self.backend is not None else []
        self.login_button.setEnabled(self.backend is not None and not busy)
        self.logout_button.setEnabled(bool(logins) and not busy)
        manage = self.backend is not None and not self.fixed and not busy
        for widget in (self.profile, self.new_profile, self.rename_profile, self.delete_profile):
            widget.setEnabled(manage and not self.outside_busy)
        self._show_customer(logins)
        if busy:
            return
        problem = getattr(self.backend, "keychain_problem", None)
        if problem is not None:
            self.state.setText(f"Logins unavailable: {problem.message}. {problem.hint}")
        elif logins:
            parts = [f"{i.kind}, access token {countdown(i.expires_in)}" for i in logins]
            where = "keychain" if logins[0].persistent else "memory only"
            self.state.setText("Signed in: " + "; ".join(parts) + f" ({where}).")
        elif self.fixed:
            self.state.setText(
                "Sandbox: the demo accounts below are signed in already. Log in here only to "
                "try the browser sign-in against the sandbox."
            )
        else:
            note = getattr(self.backend.store, "warning", None) if self.backend else None
            self.state.setText("Not signed in." + (f" {note}" if note else ""))

    def _show_customer(self, logins: list[Any]) -> None:
        """Who the customer login is; set only when it changes (a selection stays)."""
        info = next((i for i in logins if i.kind == "customer"), None)
        text = who_line(info.customer) if info is not None else ""
        if text != self.customer.text():
            self.customer.setText(text)
        self.customer.setVisible(bool(text))

    # --- login --------------------------------------------------------------------------------

    def start_login(self) -> None:
        if self.backend is None or (self.task is not None and not self.task.done()):
            return
        import asyncio

        self._say_error("")
        self.task = asyncio.ensure_future(self._login(str(self.kind.currentData())))
        self.refresh()

    async def _login(self, kind: str) -> None:
        import asyncio

        try:
            account = await self.backend.login(kind, self._show_waiting)
        except asyncio.CancelledError:
            self.error.setText("Login cancelled.")
        except ConsoleError as error:
            self._say_error(f"{error.message}. {error.hint}")
        except Exception as error:  # a bug must not leave the pane stuck waiting
            self.error.setText(f"Login failed unexpectedly ({type(error).__name__}).")
        else:
            self.logged_in.emit(account)
        finally:
            self.flow = None
            self.waiting.hide()
            self.paste.clear()
            self.task = None
            self.refresh()

    def _show_waiting(self, flow: LoginFlow) -> None:
        self.flow = flow
        self.url.setText(flow.url)
        self.url.setCursorPosition(0)
        if not flow.listening:
            text = (
                f"{flow.redirect_uri} is in use: open the URL, sign in, then paste the "
                "address the browser ends on."
            )
        elif flow.browser_opened:
            # The opener handed the URL over (a failing xdg-open is reported as not opened);
            # a browser may still not show, so say what to do if nothing appeared.
            text = (
                "The sign-in page was handed to your browser: finish signing in there "
                "(5 minutes). No browser window? Copy the URL below into one, or paste the "
                "address it ends on."
            )
        else:
            text = "No browser could be opened: open this URL yourself, then come back."
        self.waiting_label.setText(text)
        self.waiting.show()
        self.state.setText("Signing in…")

    def use_pasted(self) -> None:
        if self.flow is None:
            return
        try:
            self.flow.submit_redirect(self.paste.text())
        except ConsoleError as error:
            self._say_error(f"{error.message}. {error.hint}")  # the pasted text stays

    def cancel_login(self) -> None:
        if self.flow is not None:
            self.flow.cancel()
        elif self.task is not None:
            self.task.cancel()

    def _say_error(self, text: str) -> None:
        """A login problem; addresses by their role ("Login with Amazon"), the raw text for
        support in the tooltip."""
        named = text
        if self.backend is not None:
            import contextlib

            with contextlib.suppress(ConsoleError):  # unreadable settings: say it raw
                named = name_hosts(text, self.backend.places())
        self.error.setText(named)
        self.error.setToolTip("" if named == text else f"{named}\n\nWith addresses: {text}")

    # --- logout and profiles ------------------------------------------------------------------

    def start_logout(self) -> None:
        if self.backend is None or self.busy:  # a second click never starts a second logout
            return
        import asyncio

        self._say_error("")

        async def go() -> None:
            try:
                report = await self.backend.logout()
                if report.not_revoked:
                    self._say_error(
                        "Logged out here, but Amazon could not be asked to revoke the login ("
                        + "; ".join(report.not_revoked)
                        + "). Revoke it in your Amazon account if it may have leaked."
                    )
            except ConsoleError as error:
                self._say_error(f"{error.message}. {error.hint}")
            finally:
                self.task = None
                self.refresh()
                self.logged_out.emit()

        self.task = asyncio.ensure_future(go())
        self.refresh()

    def _profile_chosen(self, _: int) -> None:
        name = self.profile.currentText()
        if self.backend is not None and name != self.backend.profile:
            self.profile_changed.emit(name)

    def ask_new_profile(self) -> None:
        from PySide6.QtWidgets import QInputDialog  # dialogs load on first use

        dialog = QInputDialog(self)
        dialog.setWindowTitle("New profile")
        dialog.setLabelText("Name (letters, digits, - and _):")
        dialog.textValueSelected.connect(self.create_profile)
        self.dialog = dialog
        dialog.open()  # not exec(): see QT-ASYNC-NOTES

    def create_profile(self, name: str, save: Callable[..., None] | None = None) -> bool:
        from console.config import valid_profile_name  # config loads after the first frame

        if not valid_profile_name(name):
            self.error.setText(f"'{name}' is not a valid profile name: use letters, digits, - _.")
            return False
        from console.config import add_profile

        try:
            (save or add_profile)(name)
        except ConsoleError as error:
            self.error.setText(f"{error.message}. {error.hint}")
            return False
        if self.profile.findText(name) < 0:
            self.profile.addItem(name)
        self.profile.setCurrentText(name)
        self.profile_changed.emit(name)
        return True

    def ask_rename_profile(self) -> None:
        old = self.profile.currentText()
        if old == "default":
            self.error.setText("The default profile cannot be renamed; create a new one instead.")
            return
        from PySide6.QtWidgets import QInputDialog  # dialogs load on first use

        dialog = QInputDialog(self)
        dialog.setWindowTitle("Rename profile")
        dialog.setLabelText(f"New name for '{old}':")
        dialog.setTextValue(old)
        dialog.textValueSelected.connect(lambda new: self.rename_current(old, new))
        self.dialog = dialog
        dialog.open()

    def rename_current(self, old: str, new: str) -> bool:
        if new == old or self.busy:
            return False
        from console.config import valid_profile_name

        if not valid_profile_name(new) or self.profile.findText(new) >= 0:
            self.error.setText(f"'{new}' is not a free, valid profile name (letters, digits, - _).")
            return False
        import asyncio

        from console.config import save_profiles
        from console.services.session import move_logins

        async def go() -> None:
            try:  # the keychain may be slow or ask the user: not on the UI thread
                await asyncio.to_thread(move_logins, old, new)
            except ConsoleError as error:
                self.error.setText(f"Could not rename '{old}': {error.message}. {error.hint}")
                return
            finally:
                self.task = None
                self.refresh()
            save_profiles(lambda profiles: profiles.__setitem__(new, profiles.pop(old, {})))
            self.profile.setItemText(self.profile.findText(old), new)
            self.profile_changed.emit(new)

        self.task = asyncio.ensure_future(go())
        self.refresh()
        return True

    def ask_delete_profile(self) -> None:
        name = self.profile.currentText()
        if name == "default":
            self.error.setText("The default profile cannot be deleted.")
            return
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete profile",
            f"Log out and delete the profile '{name}'?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.finished.connect(
            lambda b: self.delete_current() if b == QMessageBox.StandardButton.Yes else None
        )
        self.dialog = box
        box.open()

    def delete_current(self) -> None:
        if self.busy:
            return
        import asyncio

        from console.config import save_profiles

        name = self.profile.currentText()

        async def go() -> None:
            try:
                await self.backend.logout()
            except ConsoleError as error:  # the profile stays: its login may still be stored
                self.error.setText(f"Could not delete '{name}': {error.message}. {error.hint}")
                return
            finally:
                self.task = None
                self.refresh()
            save_profiles(lambda profiles: profiles.pop(name, None))
            self.profile.removeItem(self.profile.findText(name))
            self.profile.setCurrentText("default")
            self.profile_changed.emit("default")

        self.task = asyncio.ensure_future(go())
        self.refresh()
