"""One exception tree for everything the console can tell a person went wrong.

Every error carries what someone needs to act on it: a message (what happened), a hint (what to
do next), the endpoint that answered (or was tried), the HTTP status and API code when there was
one, and the attempts made. No error text may ever contain a token, code or secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from console.api.models import Attempt

__all__ = [
    "AuthError",
    "ConsoleError",
    "ForbiddenError",
    "InProgressError",
    "NetworkError",
    "NotFoundError",
    "ProtocolError",
    "RefusedError",
    "ServerError",
    "ThrottledError",
    "TransitionFailedError",
    "UncertainError",
    "ValidationError",
    "Violation",
    "WrongEndpointError",
]


class Violation(NamedTuple):  # not a dataclass: the window imports this before its first paint
    """One entry of SMAPI's `violations` list: what Amazon says must be fixed."""

    message: str
    code: str | None = None  # undocumented; shown to support, never acted on

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message}


class ConsoleError(Exception):
    """Root of every error the console shows a person."""

    kind = "error"
    default_hint = "Try again; if it keeps failing, export the activity log and report it."

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        endpoint: str | None = None,
        http_status: int | None = None,
        code: str | None = None,
        attempts: Sequence[Attempt] = (),
        violations: Sequence[Violation] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint or self.default_hint
        self.endpoint = endpoint
        self.http_status = http_status
        self.code = code
        self.attempts: tuple[Attempt, ...] = tuple(attempts)
        self.violations: tuple[Violation, ...] = tuple(violations)

    def __str__(self) -> str:
        where = f" ({self.endpoint})" if self.endpoint else ""
        return f"{self.message}{where}"

    def to_dict(self) -> dict[str, object]:
        """The `error` object of `skillctl --json`."""
        return {
            "kind": self.kind,
            "message": self.message,
            "hint": self.hint,
            "http_status": self.http_status,
            "code": self.code,
            "violations": [v.to_dict() for v in self.violations],
        }


class ValidationError(ConsoleError):
    """Bad input; nothing was sent."""

    kind = "validation"
    default_hint = "Correct the value and try again; nothing was sent."


class RefusedError(ConsoleError):
    """A 400 from the service (not incorrectEndpoint): the request was sent and refused."""

    kind = "refused"
    default_hint = (
        "Correct the request (skill ID, stage, partner code or redirect URI) and try again; "
        "a partner code is spent once sent, so get a fresh one."
    )


class TransitionFailedError(ConsoleError):
    """Alexa's background work ended in ENABLING_FAILED or DISABLING_FAILED (final)."""

    kind = "transition_failed"
    default_hint = (
        "Alexa could not finish the change: check the status, then try again; if it keeps "
        "failing, check the skill's account-linking setup."
    )


class InProgressError(ConsoleError):
    """Alexa was still ENABLING/DISABLING when the time allowed ran out."""

    kind = "in_progress"
    default_hint = (
        "Alexa is still working on it: check again later with 'skillctl customer status' "
        "(or allow more time with SKILL_CONSOLE_DEADLINE)."
    )


class AuthError(ConsoleError):
    """Not logged in, token refused after a refresh, refresh revoked, or login failed."""

    kind = "auth"
    default_hint = "Log in again (skillctl login, or the Log in button)."


class ForbiddenError(ConsoleError):
    """403: the token is valid but may not do this."""

    kind = "forbidden"
    default_hint = (
        "Check that you are logged in with the right kind of account (developer for stage "
        "operations, customer for customer operations) and that it has the needed scopes."
    )


class NotFoundError(ConsoleError):
    """404 or NO_ASSOCIATION: no such skill or stage, or not enabled."""

    kind = "not_found"
    default_hint = "Check the skill ID and stage, or enable the skill first."


class WrongEndpointError(ConsoleError):
    """Every candidate regional endpoint answered incorrectEndpoint."""

    kind = "wrong_endpoint"
    default_hint = (
        "Run 'Find endpoint' again; if it persists, check SKILL_CONSOLE_ENDPOINTS or the "
        "profile's endpoint overrides."
    )


class ThrottledError(ConsoleError):
    """429 after every retry allowed by the deadline."""

    kind = "throttled"
    default_hint = "Amazon is throttling these calls; wait a minute and try again."


class ServerError(ConsoleError):
    """5xx after every retry allowed by the deadline."""

    kind = "server"
    default_hint = "The service is failing or in maintenance; try again later."


class NetworkError(ConsoleError):
    """DNS, connect, TLS, timeout or a dropped connection."""

    kind = "network"
    default_hint = "Check the network connection and the endpoint address, then try again."


class UncertainError(NetworkError):
    """A change was sent, its answer was lost, and reading the state afterwards failed too."""

    kind = "uncertain"
    default_hint = "The change may have happened: check the current state before trying again."


class ProtocolError(ConsoleError):
    """An unexpected status or a body that could not be understood."""

    kind = "protocol"
    default_hint = (
        "The service answered something this console does not understand; export the "
        "activity log and report it."
    )
