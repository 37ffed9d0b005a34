"""Logins both faces use: which tokens to send, browser login, logout and whoami.

Tokens come from the environment first (scripts, CI), then from the keychain login of the
profile and kind (`skillctl login`, or the app's Log in button).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from urllib.parse import urlsplit

from console.api.errors import AuthError, ConsoleError, ValidationError
from console.api.models import AttemptListener
from console.api.tokens import TokenProvider
from console.auth.lwa import LoginFlow, LoginKind, scopes_for
from console.auth.profile import Customer, fetch_customer
from console.auth.provider import RefreshingTokenProvider, StaticTokenProvider
from console.auth.refresh_lock import lock_path, refresh_lock
from console.auth.token_endpoint import LwaClient, TokenSet
from console.auth.tokens import TokenStore
from console.config import LwaSettings, lwa_settings, profile_env

DEFAULT_REDIRECT_PORT = 53682  # the README's example return URL: http://127.0.0.1:53682/callback

__all__ = [
    "LoginInfo",
    "LogoutReport",
    "StoreKeeper",
    "effective_env",
    "forget_if_current",
    "login",
    "logout",
    "move_logins",
    "save_if_current",
    "signed_in_customer",
    "token_provider",
    "whoami",
]


def effective_env(
    profile: str = "default", environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The profile's settings as SKILL_CONSOLE_* values, overridden by the environment."""
    return profile_env(profile) | dict(os.environ if environ is None else environ)


def _lwa_client(
    settings: LwaSettings, store: TokenStore, stored_client_id: str | None = None
) -> LwaClient:
    client_id = settings.client_id or stored_client_id
    if not client_id:
        raise AuthError(
            "No LWA client id is configured",
            hint="Set SKILL_CONSOLE_CLIENT_ID (and SKILL_CONSOLE_CLIENT_SECRET), or add "
            "client_id to the profile in settings.toml.",
        )
    secret = settings.client_secret or store.client_secret()
    return LwaClient(
        settings.token_url,
        client_id,
        secret,
        timeout=settings.timeout,
        policy=settings.policy,
    )


def _token_setting(env: Mapping[str, str], name: str) -> str | None:
    """A token from the environment, without the line break `cat` or Windows left on it."""
    value = (env.get(name) or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isprintable() or " " in value:
        raise ValidationError(
            f"{name} holds spaces, control or non-ASCII characters, so it cannot be a token",
            hint=f"Set {name} to the token alone (no quotes, spaces or line breaks).",
        )
    return value


def token_provider(
    env: Mapping[str, str],
    *,
    profile: str = "default",
    kind: str = LoginKind.DEVELOPER,
    store: TokenStore | None = None,
    on_revoked: Callable[[str], None] | None = None,
    on_store_error: Callable[[ConsoleError], None] | None = None,
) -> TokenProvider:
    """Environment tokens if set, else the stored login of this profile and kind.

    A stored login is refreshed under a lock shared with every process of this profile and
    kind, and its new tokens are stored before the lock is let go (see StoreKeeper).
    `on_revoked(kind)` is told (on the loop) when LWA refused the login for good;
    `on_store_error(error)` (in a worker thread) when the keychain could not be written — without
    it, that error fails the operation."""
    lwa = lwa_settings(env)
    refresh = _token_setting(env, "SKILL_CONSOLE_REFRESH_TOKEN")
    access = _token_setting(env, "SKILL_CONSOLE_ACCESS_TOKEN")
    if refresh:
        if not lwa.client_id:
            raise AuthError(
                "A refresh token is set but no LWA client id",
                hint="Set SKILL_CONSOLE_CLIENT_ID and SKILL_CONSOLE_CLIENT_SECRET.",
            )
        client = LwaClient(
            lwa.token_url,
            lwa.client_id,
            lwa.client_secret,
            timeout=lwa.timeout,
            policy=lwa.policy,
        )
        # An access token given beside the refresh token is used until the API refuses it.
        current = TokenSet(access, refresh, float("inf")) if access else None
        return RefreshingTokenProvider(client, refresh, current=current)
    if access:
        return StaticTokenProvider(access)
    store = store or TokenStore(profile)
    stored = store.load(kind)
    if stored is None or not stored.tokens.refresh_token:
        flag = " --customer" if kind == LoginKind.CUSTOMER else ""
        why = f" {store.warning}" if store.warning else ""
        raise AuthError(
            f"Not logged in as a {kind} for profile '{profile}'",
            hint=f"Run 'skillctl login{flag}' (or use the Log in button), or set "
            f"SKILL_CONSOLE_REFRESH_TOKEN; or try it out with --sandbox.{why}",
        )
    keeper = StoreKeeper(store, kind, lock_timeout=lwa.policy.deadline, on_error=on_store_error)
    return RefreshingTokenProvider(
        _lwa_client(lwa, store, stored.client_id),
        stored.tokens.refresh_token,
        current=stored.tokens,
        keeper=keeper,
        on_revoked=(lambda: on_revoked(kind)) if on_revoked else None,
    )


class StoreKeeper:
    """A stored login as the refreshing provider sees it: the keychain entry of one profile and
    kind, plus the lock file that makes processes refresh it one at a time."""

    def __init__(
        self,
        store: TokenStore,
        kind: str,
        *,
        lock_timeout: float = 60.0,
        on_error: Callable[[ConsoleError], None] | None = None,
    ) -> None:
        self.store = store
        self.kind = kind
        self.lock_timeout = lock_timeout
        self._on_error = on_error

    def hold(self) -> AbstractAsyncContextManager[bool]:
        return refresh_lock(lock_path(self.store.profile, self.kind), self.lock_timeout)

    def load(self) -> TokenSet | None:
        stored = self.store.load(self.kind)
        return stored.tokens if stored is not None else None

    def save(self, fresh: TokenSet, used: str) -> None:
        try:
            save_if_current(self.store, self.kind, fresh, used)
        except ConsoleError as error:
            if self._on_error is None:
                raise
            self._on_error(error)

    def forget(self, dead: str) -> None:
        try:
            forget_if_current(self.store, self.kind, dead)
        except ConsoleError as error:
            if self._on_error is None:
                raise
            self._on_error(error)


def save_if_current(store: TokenStore, kind: str, fresh: TokenSet, held: str) -> None:
    """Store refreshed tokens, unless a newer login took the place of the one refreshed."""
    stored = store.load(kind)
    if stored is not None and stored.tokens.refresh_token == held:
        # (the client id and customer spare save a second read)
        store.save(kind, fresh, stored.client_id, stored.customer)


def forget_if_current(store: TokenStore, kind: str, held: str) -> None:
    """Forget a revoked login, unless a newer login took its place meanwhile."""
    stored = store.load(kind)
    if stored is not None and stored.tokens.refresh_token == held:
        store.delete(kind)


async def login(
    env: Mapping[str, str],
    *,
    profile: str = "default",
    kind: LoginKind = LoginKind.DEVELOPER,
    port: int | None = None,
    open_browser: Callable[[str], bool] | None = None,
    on_started: Callable[[LoginFlow], None] | None = None,
    wait_seconds: float = 300.0,
    store: TokenStore | None = None,
    on_attempt: AttemptListener | None = None,
) -> TokenSet:
    """Browser login (PKCE, loopback redirect); the tokens end up in the keychain, with who
    signed in for a customer login (see `login_customer`).
    `on_attempt` sees each call to the login service (the window's activity log)."""
    store = store or TokenStore(profile)
    settings = lwa_settings(env)
    client = await asyncio.to_thread(_lwa_client, settings, store)  # may read the keychain
    if on_attempt is not None:
        client.listeners.append(on_attempt)
    chosen = redirect_port(env, settings.authorize_url, port)
    flow = LoginFlow(
        client,
        settings.authorize_url,
        scopes_for(kind),
        port=chosen,
        timeout=wait_seconds,
        open_browser=open_browser,  # None: the system browser
    )
    await flow.start()
    try:
        if on_started:
            on_started(flow)
        tokens = await flow.wait()
    finally:
        await flow.close()
    customer = None
    if kind is LoginKind.CUSTOMER:  # once, now: later the bar reads it from the keychain
        try:
            customer = await fetch_customer(
                client.token_url,
                tokens.access_token,
                request_timeout=client.timeout,
                listeners=client.listeners,
            )
        except asyncio.CancelledError:  # cancelled before anything holds the new login
            await _revoke_quietly(client, tokens.refresh_token)
            raise
    # Keychain calls may block (a locked keychain asks the user): keep them off the loop.
    # The refresh lock: a process refreshing the old login meanwhile stores nothing over it.
    async with refresh_lock(lock_path(store.profile, kind), settings.policy.deadline):
        previous = await asyncio.to_thread(store.load, kind)
        try:
            await asyncio.to_thread(store.save, kind, tokens, client.client_id, customer)
        except ConsoleError as exc:  # nothing holds the new login: it must not stay live
            await _revoke_quietly(client, tokens.refresh_token)
            exc.hint = f"{exc.hint} The new login could not be kept, so it was revoked again."
            raise
    if settings.client_secret and store.persistent:
        await asyncio.to_thread(store.save_client_secret, settings.client_secret)
    replaced = previous.tokens.refresh_token if previous else None
    if replaced and replaced != tokens.refresh_token:
        await _revoke_quietly(client, replaced)  # the login this one replaces: nobody holds it
    return tokens


async def _revoke_quietly(client: LwaClient, token: str | None) -> None:
    """Best effort: a revocation that fails leaves nothing worse than before."""
    if token:
        await client.revoke(token)


@dataclass(frozen=True)
class LogoutReport:
    removed: tuple[str, ...]  # login kinds forgotten on this machine
    not_revoked: tuple[str, ...]  # per kind, why Amazon could not be told to revoke it

    def __bool__(self) -> bool:
        return bool(self.removed)


def redirect_port(env: Mapping[str, str], authorize_url: str, explicit: int | None) -> int:
    """The loopback port: as configured; else fixed for real LWA (it matches the registered
    return URL exactly), ephemeral for an authorize page on this machine (the sandbox)."""
    raw = str(explicit) if explicit is not None else env.get("SKILL_CONSOLE_REDIRECT_PORT", "")
    if not raw.strip():
        local = urlsplit(authorize_url).hostname in ("127.0.0.1", "localhost", "::1")
        return 0 if local else DEFAULT_REDIRECT_PORT
    if not raw.strip().isdigit() or not 0 <= int(raw) <= 65535:
        source = "--port" if explicit is not None else "SKILL_CONSOLE_REDIRECT_PORT"
        raise ValidationError(
            f"{source}={raw!r} is not a port number (0-65535)",
            hint="Use 1024-65535, the port of the return URL registered with the LWA "
            "security profile (--port, SKILL_CONSOLE_REDIRECT_PORT or redirect_port).",
        )
    return int(raw)


async def logout(
    env: Mapping[str, str],
    *,
    profile: str = "default",
    store: TokenStore | None = None,
    on_attempt: AttemptListener | None = None,
) -> LogoutReport:
    """Revoke and forget both logins of the profile, and its stored client secret."""
    store = store or TokenStore(profile)
    settings = lwa_settings(env)
    removed, not_revoked = [], []
    for kind in LoginKind:
        # Under the refresh lock: a refresh running now cannot store a successor after this.
        async with refresh_lock(lock_path(store.profile, kind), settings.policy.deadline):
            stored = await asyncio.to_thread(store.load, kind)
            if stored is None:
                continue
            problem = await _revoke(settings, store, stored.tokens.refresh_token, on_attempt)
            if problem:
                not_revoked.append(f"{kind}: {problem}")
            await asyncio.to_thread(store.delete, kind)
            removed.append(str(kind))
    await asyncio.to_thread(store.delete_client_secret)  # the revocations needed it, not later
    return LogoutReport(tuple(removed), tuple(not_revoked))


async def _revoke(
    settings: LwaSettings,
    store: TokenStore,
    token: str | None,
    on_attempt: AttemptListener | None = None,
) -> str | None:
    """Why `token` could not be revoked (None when it was, or there was nothing to revoke)."""
    if not token:
        return None
    if not settings.client_id:
        return "no LWA client id is configured to revoke it with"
    client = await asyncio.to_thread(_lwa_client, settings, store)
    if on_attempt is not None:
        client.listeners.append(on_attempt)
    return await client.revoke(token)


@dataclass(frozen=True)
class LoginInfo:
    profile: str
    kind: str
    expires_at: float  # time.time() when the access token expires
    scope: str | None
    persistent: bool
    customer: Customer | None = None  # customer logins: who (None: stored before it was asked)

    @property
    def expires_in(self) -> float:
        """Seconds until the access token expires (negative: expired)."""
        return self.expires_at - time.time()


def whoami(profile: str = "default", store: TokenStore | None = None) -> list[LoginInfo]:
    store = store or TokenStore(profile)
    found = []
    for kind in LoginKind:
        stored = store.load(kind)
        if stored is not None:
            found.append(
                LoginInfo(
                    profile,
                    str(kind),
                    stored.tokens.expires_at,
                    stored.tokens.scope,
                    store.persistent,
                    stored.customer,
                )
            )
    return found


def signed_in_customer(
    env: Mapping[str, str], profile: str = "default", store: TokenStore | None = None
) -> Customer | None:
    """Who the stored customer login is (None: tokens from the environment, which name nobody,
    no stored login, or one stored before the console asked)."""
    if env.get("SKILL_CONSOLE_REFRESH_TOKEN") or env.get("SKILL_CONSOLE_ACCESS_TOKEN"):
        return None
    try:
        stored = (store or TokenStore(profile)).load(LoginKind.CUSTOMER)
    except ConsoleError:  # a locked keychain: the case goes on without the name
        return None
    return stored.customer if stored is not None else None


def move_logins(old: str, new: str) -> None:
    """Carry a profile's stored logins (and client secret) over to its new name."""
    source, target = TokenStore(old), TokenStore(new)
    for kind in LoginKind:
        stored = source.load(kind)
        if stored is not None:
            target.save(kind, stored.tokens, stored.client_id, stored.customer)
            source.delete(kind)
    secret = source.client_secret()
    if secret:
        target.save_client_secret(secret)
        source.delete_client_secret()
