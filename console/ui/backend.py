"""What the window talks to: one ConsoleService per account, and the login of a profile.

No HTTP here; it only wires the service and session layers for the widgets.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping

from console.api.client import ApiSettings, AttemptListener
from console.api.errors import ConsoleError
from console.api.regions import EndpointMemory, region_of
from console.auth.lwa import LoginFlow, LoginKind
from console.auth.profile import Customer, who_line
from console.auth.tokens import TokenStore
from console.config import RuntimeState, api_settings, history_retention_days
from console.services import ConsoleService, session
from console.services.batch import DEFAULT_CONCURRENCY
from console.services.history import History, open_history
from console.services.partner import SANDBOX_PARTNER_REDIRECT, fetch_partner_code
from console.services.throttle import Limiter
from console.ui.accounts import Account

TOKEN_VARS = ("SKILL_CONSOLE_REFRESH_TOKEN", "SKILL_CONSOLE_ACCESS_TOKEN")


def load_transport() -> None:
    """httpx's async transport (anyio): ~0.1 s of imports and ~1 MiB the idle window does not
    need; the first request would import it on the UI thread, so a worker thread does first."""
    import anyio._backends._asyncio
    import httpcore._backends.anyio

    del anyio, httpcore


WHO_LIMIT = 32  # characters of a name or an email in the account bar (full in its tooltip)


def login_account(kind: str, profile: str, customer: Customer | None = None) -> Account:
    """The account entry for this profile's own login of `kind`; a customer login says who."""
    label = "Developer" if kind == LoginKind.DEVELOPER else "Customer"
    text = f"{label} — signed in (profile {profile})"
    if kind == LoginKind.DEVELOPER:
        return Account(f"login-{kind}", kind, text)
    return Account(f"login-{kind}", kind, text, who_line(customer), who_line(customer, WHO_LIMIT))


class Backend:
    def __init__(
        self,
        accounts: list[Account],
        envs: Mapping[str, Mapping[str, str]],
        *,
        login_env: Mapping[str, str],
        partner_authorize_url: str | None = None,
        persist: bool = True,
        record: bool | None = None,
        profile: str = "default",
    ) -> None:
        """`persist`: keep logins and learned endpoints; `record`: keep a history of actions
        (default: as `persist`)."""
        self.profile = profile
        self._demo = list(accounts)
        self._envs = dict(envs)
        self.login_env = {k: v for k, v in login_env.items() if k not in TOKEN_VARS}
        self.partner_authorize_url = partner_authorize_url
        self.partner_redirect_uri = SANDBOX_PARTNER_REDIRECT
        self.store = TokenStore(profile, memory_only=not persist)
        self.open_browser: Callable[[str], bool] | None = None  # None: the system browser
        self._services: dict[str, ConsoleService] = {}
        self._building: dict[str, asyncio.Future[ConsoleService]] = {}  # see aservice
        self._listeners: list[AttemptListener] = []
        # The keychain is read and written off the UI thread (it may be slow, locked or ask the
        # user); the widgets see this copy, renewed after logins, logouts and refreshes.
        self._logins: list[session.LoginInfo] = []
        self.keychain_problem: ConsoleError | None = None
        self._saves: set[asyncio.Task[None]] = set()
        self.on_logins_changed: Callable[[], None] | None = None  # the window re-reads them
        self.demo_skills: dict[str, str] = {}  # sandbox: skill ID → demo name (workbench rows)
        self.sandbox_admin: str | None = None  # sandbox: its admin address (faults, reset)
        if persist:
            state = RuntimeState()
            self.memory = EndpointMemory(state.endpoints(), on_change=state.save_endpoints)
        else:
            self.memory = EndpointMemory()
        # Every action is recorded (services.history); `history.notice` is for the window to
        # show once (moved aside, or off because the data directory cannot be written). The
        # database opens at first use, not at start (~0.4 MiB of idle RSS, and its integrity
        # check takes ~140 ms on a large file): a service's first build opens it off the UI
        # thread; the lock because two accounts' services may be built at once.
        self._keep_history = persist if record is None else record
        self._history: History | None = None
        self._history_lock = threading.Lock()
        self._notice_said = False
        # One limiter for every account's services: after a 429 the whole window slows down
        # together (honouring Retry-After) instead of each row retrying on its own.
        self.limiter = Limiter(DEFAULT_CONCURRENCY)
        # An account's environment is fixed for the life of the backend (another profile is
        # another backend), so what is parsed from it is parsed once: every answer asks for
        # its region and every selection for the addresses' names (~0.5 ms a parse).
        self._settings: dict[str, ApiSettings] = {}
        self._places: dict[str, dict[str, str]] = {}

    @property
    def history(self) -> History | None:
        """The history (None: not recorded), opened here on first use."""
        if not self._keep_history:
            return None
        with self._history_lock:
            if self._history is None:
                self._history = open_history(history_retention_days())
            return self._history

    def history_notice(self) -> str | None:
        """The opened history's notice the first time it is asked for (None: nothing to say,
        said already, or not opened yet); never opens the history."""
        with self._history_lock:
            if self._history is None or self._notice_said:
                return None
            self._notice_said = True
            return self._history.notice

    @property
    def accounts(self) -> list[Account]:
        """Demo accounts (sandbox) first, then this profile's stored logins."""
        logins = [login_account(i.kind, self.profile, i.customer) for i in self.logins()]
        return self._demo + logins

    def logins(self) -> list[session.LoginInfo]:
        """The profile's logins as last read (see `reload_logins`); no keychain access."""
        return list(self._logins)

    async def reload_logins(self) -> list[session.LoginInfo]:
        """Read this profile's logins from the keychain, in a worker thread."""
        try:
            self._logins = await asyncio.to_thread(session.whoami, self.profile, self.store)
            self.keychain_problem = None
        except ConsoleError as error:  # locked, or access refused: say so, keep going
            self._logins, self.keychain_problem = [], error
        return self.logins()

    def add_listener(self, listener: AttemptListener) -> None:
        self._listeners.append(listener)

    def _env(self, account: str) -> Mapping[str, str]:
        return self._envs.get(account, self.login_env)

    def _kind(self, account: str) -> str:
        return next(a.kind for a in self.accounts if a.name == account)

    def settings(self, account: str) -> ApiSettings:
        """The account's API settings (raises ConsoleError if they cannot be read)."""
        settings = self._settings.get(account)
        if settings is None:
            settings = self._settings[account] = api_settings(self._env(account))
        return settings

    def service(self, account: str) -> ConsoleService:
        """The account's service (built on first use; raises AuthError if not logged in)."""
        if account not in self._services:
            load_transport()
            env = self._env(account)
            tokens = session.token_provider(
                env,
                profile=self.profile,
                kind=self._kind(account),
                store=self.store,
                on_revoked=self._login_ended,
                on_store_error=self._keychain_failed,
            )
            self._services[account] = ConsoleService(
                api_settings(env),
                tokens,
                on_attempt=self._emit,
                memory=self.memory,
                history=self.history,
                limiter=self.limiter,
                profile=self.profile,
                kind=self._kind(account),
            )
        return self._services[account]

    async def aservice(self, account: str) -> ConsoleService:
        """`service`, but a first build (TLS context, CA bundle, the history) runs off the UI
        thread, once: the rows of a batch that ask for it meanwhile wait for the same build
        (each building its own made services that were never closed, and the threads' work
        held the GIL against the window's first paint)."""
        if account in self._services:
            return self._services[account]
        building = self._building.get(account)
        if building is None:
            building = asyncio.ensure_future(asyncio.to_thread(self.service, account))
            self._building[account] = building
            building.add_done_callback(lambda done: self._built(account, done))
        # shielded: a row cancelled while it waits leaves the build to the others
        return await asyncio.shield(building)

    def _built(self, account: str, done: asyncio.Future[ConsoleService]) -> None:
        self._building.pop(account, None)  # a failed build is tried again by the next row
        if not done.cancelled():
            done.exception()  # seen by its waiters; none left (all cancelled) is not an error

    async def login(self, kind: str, on_started: Callable[[LoginFlow], None]) -> Account:
        """Browser login for this profile; returns the account entry to select."""
        await asyncio.to_thread(load_transport)
        await session.login(
            self.login_env,
            profile=self.profile,
            kind=LoginKind(kind),
            open_browser=self.open_browser,
            on_started=on_started,
            store=self.store,
            on_attempt=self._emit,  # the login's own token calls reach the activity log
        )
        await self._drop(f"login-{kind}")  # its old service held the old tokens
        await self.reload_logins()
        made = f"login-{kind}"  # with who signed in, as just stored
        return next((a for a in self.accounts if a.name == made), login_account(kind, self.profile))

    async def logout(self) -> session.LogoutReport:
        await asyncio.to_thread(load_transport)
        try:
            report = await session.logout(
                self.login_env, profile=self.profile, store=self.store, on_attempt=self._emit
            )
        finally:
            await self.reload_logins()
        for kind in report.removed:
            await self._drop(f"login-{kind}")
        return report

    def _keychain_failed(self, error: ConsoleError) -> None:
        """Called in a worker thread when refreshed tokens could not be stored: say so later."""
        self.keychain_problem = error

    def _login_ended(self, kind: str) -> None:
        """Called on the loop when LWA refused the login for good (the store is already
        updated): the service that held it goes."""
        self._in_background(lambda: None, dropped=f"login-{kind}")

    def _in_background(self, change: Callable[[], None], dropped: str | None) -> None:
        async def run() -> None:
            try:
                await asyncio.to_thread(change)
            except ConsoleError as error:
                self.keychain_problem = error
            if dropped is not None:
                await self._drop(dropped)  # its service holds the ended login
            await self.reload_logins()
            if self.on_logins_changed is not None:
                self.on_logins_changed()

        task = asyncio.ensure_future(run())
        self._saves.add(task)
        task.add_done_callback(self._saves.discard)

    def region(self, endpoint: str | None, account: str) -> str | None:
        if endpoint is None:
            return None
        region = region_of(endpoint, self.settings(account).endpoints)
        return region.value.upper() if region else None

    def places(self, account: str = "") -> dict[str, str]:
        """Addresses in words for messages ("NA endpoint", "Login with Amazon"), keyed by the
        base URL and by scheme://host; no account: the login profile's."""
        places = self._places.get(account)
        if places is None:
            places = self._places[account] = self._name_places(account)
        return dict(places)

    def _name_places(self, account: str) -> dict[str, str]:
        from urllib.parse import urlsplit

        from console.config import lwa_settings

        words: dict[str, str] = {}
        named = [
            (url, f"{region.value.upper()} endpoint")
            for region, url in self.settings(account).endpoints.items()
        ]
        lwa = lwa_settings(self._env(account))  # Amazon's own addresses when none is set
        named += [(lwa.token_url, "Login with Amazon"), (lwa.authorize_url, "Login with Amazon")]
        if self.partner_authorize_url:
            named.append((self.partner_authorize_url, "the test partner"))
        for url, word in named:
            parts = urlsplit(url)
            words.setdefault(f"{parts.scheme}://{parts.netloc}", word)
            words.setdefault(url.rstrip("/"), word)
        return words

    async def partner_code(self) -> str:
        if not self.partner_authorize_url:
            raise RuntimeError("only the sandbox's test partner hands out codes without a login")
        await asyncio.to_thread(load_transport)
        return await fetch_partner_code(
            self.partner_authorize_url, redirect_uri=self.partner_redirect_uri
        )

    async def aclose(self) -> None:
        if self._saves:  # a refreshed login must reach the keychain before we go
            await asyncio.gather(*self._saves, return_exceptions=True)
        await self._builds_done(*self._building)  # a build under way stores its service later
        services, self._services = list(self._services.values()), {}
        for service in services:
            await service.aclose()
        with self._history_lock:
            history, self._history = self._history, None
            self._keep_history = False  # closed for good: nothing reopens it
        if history is not None:
            history.close()

    async def _builds_done(self, *accounts: str) -> None:
        """Wait until these accounts' service builds under way have stored (or failed)."""
        builds = [self._building[a] for a in accounts if a in self._building]
        if builds:
            await asyncio.wait(builds)  # (not gather: a cancelled wait leaves the build alone)

    async def _drop(self, account: str) -> None:
        # A build under way read the old login: let it finish, then drop what it made.
        await self._builds_done(account)
        service = self._services.pop(account, None)
        if service is not None:
            await service.aclose()

    def _emit(self, attempt: object) -> None:
        for listener in self._listeners:
            listener(attempt)  # type: ignore[arg-type]
