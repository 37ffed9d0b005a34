"""Token providers for the API client: static (env) and refreshing (LWA, single-flight)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from console.api.errors import AuthError
from console.api.models import AttemptListener
from console.auth.token_endpoint import LwaClient, TokenSet

__all__ = ["LoginKeeper", "RefreshingTokenProvider", "StaticTokenProvider", "identity_of"]


def identity_of(secret: str) -> str:
    """A stable, non-secret key for a login: a truncated SHA-256 of its refresh token."""
    return "id-" + hashlib.sha256(secret.encode()).hexdigest()[:16]


class StaticTokenProvider:
    """A fixed access token (SKILL_CONSOLE_ACCESS_TOKEN); it cannot be refreshed."""

    def __init__(self, access_token: str) -> None:
        self._token = access_token

    async def access_token(self) -> str:
        return self._token

    def fresh_token(self) -> str | None:
        return self._token

    async def refresh(self, rejected: str) -> str:
        raise AuthError(
            "The access token was refused and there is no refresh token to renew it",
            hint="Set SKILL_CONSOLE_REFRESH_TOKEN (with client id and secret) or log in again.",
        )

    def identity(self) -> str:
        return identity_of(self._token)

    def add_listener(self, listener: AttemptListener) -> None:
        """Nothing to report: a static token makes no requests."""


class LoginKeeper(Protocol):
    """Where a stored login lives, shared with other processes that refresh it too.

    `load`, `save` and `forget` may block (a keychain): they run in a worker thread, and only
    while `hold()` is entered, so one process at a time reads, refreshes and writes."""

    def hold(self) -> AbstractAsyncContextManager[bool]:
        """The cross-process lock; yields whether it is held (False: timed out)."""
        ...

    def load(self) -> TokenSet | None:
        """The login stored now (another process may have refreshed or replaced ours)."""
        ...

    def save(self, fresh: TokenSet, used: str) -> None:
        """Store `fresh`, got with the refresh token `used`, unless another login took its place."""
        ...

    def forget(self, dead: str) -> None:
        """Delete the stored login if it still holds `dead`, a refresh token LWA refused."""
        ...


# After invalid_grant, the stored login is read again; a newer one is tried, a few times at most.
MAX_TAKEOVERS = 3


class RefreshingTokenProvider:
    """Access tokens from an LWA refresh token; concurrent 401s cause exactly one refresh.

    With a `keeper` (a login in the keychain), processes take turns through its lock: each one
    first reads what the others stored, so a rotated refresh token is adopted, not reported."""

    def __init__(
        self,
        lwa: LwaClient,
        refresh_token: str,
        *,
        current: TokenSet | None = None,
        keeper: LoginKeeper | None = None,
        on_revoked: Callable[[], None] | None = None,
    ) -> None:
        self._lwa = lwa
        self._refresh_token = refresh_token
        self._current = current
        self._keeper = keeper
        self._on_revoked = on_revoked
        self._lock = asyncio.Lock()
        self._identity = identity_of(refresh_token)
        self._ended = False
        self.refresh_count = 0

    @property
    def tokens(self) -> TokenSet | None:
        return self._current

    async def access_token(self) -> str:
        return self.fresh_token() or await self.refresh(
            self._current.access_token if self._current else ""
        )

    def fresh_token(self) -> str | None:
        current = self._current
        if current is not None and not current.expired():
            return current.access_token
        return None

    async def refresh(self, rejected: str) -> str:
        async with self._lock:
            if self._ended:
                raise AuthError(
                    "The login has ended (the refresh token was revoked)",
                    hint="Log in again.",
                )
            current = self._current
            if current is not None and current.access_token != rejected and not current.expired():
                return current.access_token  # someone else refreshed while we waited
            if self._keeper is None:
                return await self._refresh_with(self._refresh_token, None, held=False)
            async with self._keeper.hold() as held:
                stored = await asyncio.to_thread(self._keeper.load)
                if stored is not None and stored.refresh_token:
                    self._refresh_token = stored.refresh_token  # perhaps rotated by another
                    if stored.access_token != rejected and not stored.expired():
                        self._current = stored  # another process refreshed: nothing to send
                        return stored.access_token
                return await self._refresh_with(self._refresh_token, self._keeper, held=held)

    async def _refresh_with(self, token: str, keeper: LoginKeeper | None, *, held: bool) -> str:
        """Refresh (the locks are held); after invalid_grant, adopt a newer stored login."""
        for _ in range(MAX_TAKEOVERS):
            try:
                fresh = await self._lwa.refresh(token)
            except AuthError as exc:
                # invalid_client and friends are this profile's settings, not the login's
                # fault: keep the stored login so that fixing the client id/secret is enough.
                if exc.code != "invalid_grant":
                    raise
                newer = await self._newer_login(keeper, token)
                if newer is None:
                    await self._end(keeper, token, held=held)
                    raise
                if newer.access_token and not newer.expired():
                    self._current = newer
                    return newer.access_token
                token = self._refresh_token
                continue
            self._refresh_token = fresh.refresh_token or token
            self._current = fresh
            self.refresh_count += 1
            if keeper is not None:
                await asyncio.to_thread(keeper.save, fresh, token)
            return fresh.access_token
        await self._end(keeper, token, held=False)  # refused again and again: leave the store
        raise AuthError(
            "The login service refused every stored refresh token (invalid_grant)",
            hint="Log in again.",
            code="invalid_grant",
        )

    async def _newer_login(self, keeper: LoginKeeper | None, dead: str) -> TokenSet | None:
        """The stored login, if it holds another refresh token than `dead` (now ours)."""
        if keeper is None:
            return None
        latest = await asyncio.to_thread(keeper.load)
        if latest is None or not latest.refresh_token or latest.refresh_token == dead:
            return None
        self._refresh_token = latest.refresh_token
        return latest

    async def _end(self, keeper: LoginKeeper | None, dead: str, *, held: bool) -> None:
        """LWA refused `dead`: this provider is done. The stored login is deleted only under
        the lock (so no other process is about to store its successor) and only if it still
        holds `dead`; without the lock it is left for a later run to prove dead."""
        self._ended = True
        self._current = None
        if keeper is not None and held:
            await asyncio.to_thread(keeper.forget, dead)
        if self._on_revoked:
            self._on_revoked()

    def identity(self) -> str:
        return self._identity

    def add_listener(self, listener: AttemptListener) -> None:
        self._lwa.listeners.append(listener)
