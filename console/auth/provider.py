"""Token providers for the API client: static (env) and refreshing (LWA, single-flight)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable

from console.api.errors import AuthError
from console.api.models import AttemptListener
from console.auth.token_endpoint import LwaClient, TokenSet

__all__ = ["RefreshingTokenProvider", "StaticTokenProvider", "identity_of"]


def identity_of(secret: str) -> str:
    """A stable, non-secret key for a login: a truncated SHA-256 of its refresh token."""
    return "id-" + hashlib.sha256(secret.encode()).hexdigest()[:16]


class StaticTokenProvider:
    """A fixed access token (SKILL_CONSOLE_ACCESS_TOKEN); it cannot be refreshed."""

    def __init__(self, access_token: str) -> None:
        self._token = access_token

    async def access_token(self) -> str:
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


class RefreshingTokenProvider:
    """Access tokens from an LWA refresh token; concurrent 401s cause exactly one refresh."""

    def __init__(
        self,
        lwa: LwaClient,
        refresh_token: str,
        *,
        current: TokenSet | None = None,
        on_refreshed: Callable[[TokenSet], None] | None = None,
        on_revoked: Callable[[], None] | None = None,
        reload: Callable[[], TokenSet | None] | None = None,
    ) -> None:
        """`reload` reads the stored login again (off the loop): after invalid_grant, a newer
        login stored by another process (which revoked ours) is taken over, not reported."""
        self._lwa = lwa
        self._refresh_token = refresh_token
        self._current = current
        self._on_refreshed = on_refreshed
        self._on_revoked = on_revoked
        self._reload = reload
        self._lock = asyncio.Lock()
        self._identity = identity_of(refresh_token)
        self._ended = False
        self.refresh_count = 0

    @property
    def tokens(self) -> TokenSet | None:
        return self._current

    async def access_token(self) -> str:
        current = self._current
        if current is not None and not current.expired():
            return current.access_token
        return await self.refresh(current.access_token if current else "")

    async def refresh(self, rejected: str) -> str:
        async with self._lock:
            if self._ended:
                raise AuthError("The login has ended (the refresh token was revoked)")
            current = self._current
            if current is not None and current.access_token != rejected and not current.expired():
                return current.access_token  # someone else refreshed while we waited
            try:
                fresh = await self._lwa.refresh(self._refresh_token)
            except AuthError as exc:
                if exc.code == "invalid_grant" and await self._take_over_newer_login():
                    return await self._refresh_locked()
                if exc.code == "invalid_grant":  # revoked or expired: the login is over
                    self._end()
                # invalid_client and friends are this profile's settings, not the login's
                # fault: keep the stored login so that fixing the client id/secret is enough.
                raise
            self._adopt(fresh)
            return fresh.access_token

    def _adopt(self, fresh: TokenSet) -> None:
        """Tokens from a refresh become the current ones, and are passed on to be stored."""
        self.refresh_count += 1
        self._current = fresh
        if fresh.refresh_token and fresh.refresh_token != self._refresh_token:
            self._refresh_token = fresh.refresh_token
        if self._on_refreshed:
            self._on_refreshed(fresh)

    async def _take_over_newer_login(self) -> bool:
        """Whether the store now holds another login than ours (we then use that one)."""
        if self._reload is None:
            return False
        latest = await asyncio.to_thread(self._reload)
        if (
            latest is None
            or not latest.refresh_token
            or latest.refresh_token == self._refresh_token
        ):
            return False
        self._refresh_token = latest.refresh_token
        self._current = None if latest.expired() else latest
        return True

    async def _refresh_locked(self) -> str:
        """The newer login's access token (refreshed if need be); the lock is held."""
        if self._current is not None:
            return self._current.access_token
        try:
            fresh = await self._lwa.refresh(self._refresh_token)
        except AuthError as exc:
            if exc.code == "invalid_grant":
                self._end()
            raise
        self._adopt(fresh)
        return fresh.access_token

    def identity(self) -> str:
        return self._identity

    def add_listener(self, listener: AttemptListener) -> None:
        self._lwa.listeners.append(listener)

    def _end(self) -> None:
        self._ended = True
        self._current = None
        if self._on_revoked:
            self._on_revoked()
