"""The Login with Amazon authorization-code flow for a native app (RFC 8252), with PKCE.

    flow = LoginFlow(lwa, authorize_url, scopes, port=0)
    url = await flow.start()        # receiver listening (or paste mode if the port is taken)
    ...show url, Cancel, a paste box; flow.submit_redirect(pasted) when the user pastes...
    tokens = await flow.wait()      # AuthError on deny, state mismatch, timeout, cancel

The browser is opened by `start` through `open_browser` (injectable: tests script one).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

from console.api.errors import AuthError
from console.auth.pkce import challenge_for, new_state, new_verifier

if TYPE_CHECKING:  # uvicorn and starlette load with the first login, not with every command
    from console.auth.loopback import Callback, LoopbackReceiver
    from console.auth.token_endpoint import LwaClient, TokenSet

__all__ = ["CUSTOMER_SCOPES", "DEVELOPER_SCOPES", "LoginFlow", "LoginKind", "scopes_for"]

DEVELOPER_SCOPES = ("alexa::ask:skills:readwrite", "alexa::ask:skills:test")
# `profile`: the customer's name and email (GET /user/profile), so the console can say who
# signed in; the Alexa scope alone names nobody. Amazon asks the customer's consent once.
CUSTOMER_SCOPES = ("alexa::skills:account_linking", "profile")
DEFAULT_TIMEOUT = 300.0  # an authorization code lives five minutes
BROWSER_GRACE = 2.0  # seconds to learn whether a browser could be opened
OPENER_GRACE = 1.5  # within BROWSER_GRACE: xdg-open returns once the browser has the URL


class LoginKind(StrEnum):
    DEVELOPER = "developer"
    CUSTOMER = "customer"


def scopes_for(kind: LoginKind) -> tuple[str, ...]:
    return DEVELOPER_SCOPES if kind is LoginKind.DEVELOPER else CUSTOMER_SCOPES


def system_browser(url: str) -> bool:
    """The desktop's browser; `webbrowser` loads on a login's first use (~0.3 MiB otherwise
    resident in every window that never signs in). Runs in `LoginFlow`'s thread: it may block."""
    opener = desktop_opener()
    if opener is not None:
        return run_opener([*opener, url])
    import webbrowser

    return webbrowser.open(url)


def desktop_opener() -> list[str] | None:
    """`xdg-open` (or `gio open`) in a graphical Linux session without a $BROWSER choice."""
    if not sys.platform.startswith("linux") or os.environ.get("BROWSER"):
        return None  # elsewhere, and for a chosen browser, `webbrowser` knows best
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return None  # no desktop: `webbrowser` may find a text-mode browser for the terminal
    if found := shutil.which("xdg-open"):
        return [found]
    if found := shutil.which("gio"):
        return [found, "open"]
    return None


def run_opener(command: list[str], grace: float = OPENER_GRACE) -> bool:
    """Whether the opener handed the URL over: `webbrowser` reports success once xdg-open
    starts, though it then fails (exit 3/4) with no browser and prints the URL on stderr."""
    try:
        process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # the URL (with its PKCE challenge) never reaches a log
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in our terminal must not close the browser
        )
    except OSError:
        return False
    try:
        return process.wait(timeout=grace) == 0
    except subprocess.TimeoutExpired:
        return True  # still busy handing over (it normally returns at once): assume it will


class LoginFlow:
    def __init__(
        self,
        lwa: LwaClient,
        authorize_url: str,
        scopes: tuple[str, ...],
        *,
        port: int = 0,
        path: str = "/callback",
        open_browser: Callable[[str], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._lwa = lwa
        self._authorize_url = authorize_url
        self._scopes = scopes
        self._port = port
        self._path = path
        self._open_browser = open_browser or system_browser
        self._timeout = timeout
        self._state = new_state()
        self._verifier = new_verifier()
        self._receiver: LoopbackReceiver | None = None
        self._pasted: asyncio.Future[Callback] | None = None
        self.redirect_uri = f"http://127.0.0.1:{port}{path}"
        self.url = ""
        self.listening = False
        self.browser_opened = False

    async def start(self) -> str:
        """Listen on the loopback port (or fall back to paste) and open the browser."""
        from console.auth.loopback import LoopbackReceiver, PortInUse

        self._pasted = asyncio.get_running_loop().create_future()
        try:
            self._receiver = LoopbackReceiver(self._state, port=self._port, path=self._path)
        except PortInUse:
            self._receiver = None  # paste fallback: the redirect URI stays the registered one
        else:
            await self._receiver.start()
            self.redirect_uri = self._receiver.redirect_uri
            self.listening = True
        params = {
            "client_id": self._lwa.client_id,
            "scope": " ".join(self._scopes),
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
            "state": self._state,
            "code_challenge": challenge_for(self._verifier),
            "code_challenge_method": "S256",
        }
        self.url = f"{self._authorize_url}?{urlencode(params)}"
        opened = self._open_in_background()
        done, _ = await asyncio.wait({opened}, timeout=BROWSER_GRACE)
        # Still opening after the grace period: a terminal browser that returns when it exits.
        self.browser_opened = opened.result() if done else True
        return self.url

    def _open_in_background(self) -> asyncio.Future[bool]:
        """The browser opens in a thread: a text-mode one blocks until the user leaves it."""
        loop = asyncio.get_running_loop()
        result: asyncio.Future[bool] = loop.create_future()

        def run() -> None:
            try:
                opened = bool(self._open_browser(self.url))
            except Exception:  # no browser is a normal situation here, not a crash
                opened = False
            with contextlib.suppress(RuntimeError):  # the loop may be gone by now
                loop.call_soon_threadsafe(_settle, result, opened)

        threading.Thread(target=run, name="browser", daemon=True).start()
        return result

    def submit_redirect(self, pasted: str) -> None:
        """The paste fallback: the URL the browser was redirected to (state still checked)."""
        query = parse_qs(urlsplit(pasted.strip()).query)
        first = {k: v[0] for k, v in query.items()}
        if first.get("state") != self._state:
            raise AuthError(
                "That URL does not belong to this sign-in (state mismatch)",
                hint="Paste the full address the browser was sent to after you pressed Allow.",
            )
        if "code" not in first and "error" not in first:
            raise AuthError(
                "That URL carries no authorization code",
                hint="Paste the full address, including everything after '?'.",
            )
        if self._pasted is not None and not self._pasted.done():
            self._pasted.set_result(
                _callback(first.get("code"), first.get("error"), first.get("error_description"))
            )

    def cancel(self) -> None:
        if self._pasted is not None and not self._pasted.done():
            self._pasted.cancel()

    async def wait(self) -> TokenSet:
        """The tokens once the browser (or a paste) brings a code back."""
        try:
            callback = await self._first_callback()
        finally:
            await self.close()
        if callback.error:
            raise _denied(callback)
        assert callback.code is not None
        return await self._lwa.exchange_code(callback.code, self.redirect_uri, self._verifier)

    async def close(self) -> None:
        if self._receiver is not None:
            await self._receiver.close()
            self._receiver = None

    async def _first_callback(self) -> Callback:
        assert self._pasted is not None, "start() first"
        waiters: list[asyncio.Future[Callback]] = [self._pasted]
        if self._receiver is not None:
            waiters.append(asyncio.ensure_future(self._receiver.wait()))
        done, pending = await asyncio.wait(
            waiters, timeout=self._timeout, return_when=asyncio.FIRST_COMPLETED
        )
        receivers = [w for w in pending if w is not self._pasted]
        for waiter in receivers:
            waiter.cancel()
        await asyncio.gather(*receivers, return_exceptions=True)  # nothing left pending
        if not done:
            raise AuthError(
                f"The sign-in timed out after {self._timeout:.0f} s",
                hint="Start the login again and finish it in the browser within "
                f"{self._timeout / 60:.0f} minutes."
                if self._timeout >= 120
                else f"Start the login again and finish it in the browser within "
                f"{self._timeout:.0f} s.",
                endpoint=self._authorize_url,
            )
        finished = done.pop()
        if finished.cancelled():
            raise AuthError("The sign-in was cancelled", hint="Log in again when ready.")
        return finished.result()


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


def _callback(code: str | None, error: str | None, description: str | None) -> Callback:
    from console.auth.loopback import Callback

    return Callback(code, error, description)


def _denied(callback: Callback) -> AuthError:
    if callback.error == "access_denied":
        return AuthError(
            "The sign-in was denied in the browser",
            hint="Log in again and press Allow to let the console act for you.",
            code=callback.error,
        )
    detail = f": {callback.error_description}" if callback.error_description else ""
    return AuthError(
        f"Login with Amazon refused the sign-in ({callback.error}){detail}",
        hint="Check the client id, the allowed return URL and the scopes of the security profile.",
        code=callback.error,
    )
