"""The seam between the API client and whoever supplies access tokens (console.auth, or env)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from console.api.models import AttemptListener

__all__ = ["TokenProvider"]


@runtime_checkable
class TokenProvider(Protocol):
    """Supplies bearer tokens and refreshes them when the API refuses one.

    Implementations must make `refresh` single-flight: many concurrent 401s for the same stale
    token cause one refresh, and every caller gets the new token. `refresh` raises
    `console.api.errors.AuthError` when no refresh is possible (no refresh token, revoked).
    """

    async def access_token(self) -> str:
        """A token to send now (may refresh first if it is known to be expired)."""
        ...

    def fresh_token(self) -> str | None:
        """A token known to be good now, without waiting; None: ask `access_token`."""
        ...

    async def refresh(self, rejected: str) -> str:
        """A new token after the API refused `rejected` with 401."""
        ...

    def identity(self) -> str:
        """A stable, non-secret key for this login (e.g. a hash), to remember endpoints by."""
        ...

    def add_listener(self, listener: AttemptListener) -> None:
        """Report each HTTP attempt the provider makes (to the login service), redacted."""
        ...
