"""Typed values the API layer returns: stages, regions, statuses, attempts and results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = [
    "FAILED_STATES",
    "KNOWN_CUSTOMER_STATUSES",
    "TRANSITIONAL_STATES",
    "Attempt",
    "AttemptListener",
    "CustomerStatus",
    "OperationResult",
    "Region",
    "Stage",
]


class Stage(StrEnum):
    DEVELOPMENT = "development"
    LIVE = "live"


class Region(StrEnum):
    NA = "na"
    EU = "eu"
    FE = "fe"


KNOWN_CUSTOMER_STATUSES = frozenset(
    {
        "ENABLED",
        "ENABLING",
        "ENABLING_FAILED",
        "DISABLED",
        "DISABLING",
        "DISABLING_FAILED",
        "NO_ASSOCIATION",
    }
)
# Customer states where Alexa's background work ended without doing what was asked (final).
FAILED_STATES = frozenset({"ENABLING_FAILED", "DISABLING_FAILED"})
TRANSITIONAL_STATES = frozenset({"ENABLING", "DISABLING"})

# Owner state values (operation 3): the skill stage is enabled for the owner account or not.
ENABLED = "ENABLED"
NOT_ENABLED = "NOT_ENABLED"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One HTTP attempt, as the activity log shows it. Never holds a token or code."""

    method: str
    url: str  # scheme://host/path, no query string
    status: int | None  # None when no response arrived
    elapsed_ms: float
    attempt: int  # 1-based, per operation
    decision: str  # "done", "retry in 1.2 s", "next endpoint", "refresh token", "give up", ...
    started_at: datetime
    error: str | None = None  # short transport error description, redacted
    request_id: str | None = None  # x-amzn-RequestId of the answer: what Amazon support asks for

    @property
    def host(self) -> str:
        return self.url.split("://", 1)[-1].split("/", 1)[0]

    @property
    def path(self) -> str:
        rest = self.url.split("://", 1)[-1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else "/"

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "attempt": self.attempt,
            "decision": self.decision,
            "started_at": self.started_at.isoformat(),
            "error": self.error,
            "request_id": self.request_id,
        }


@dataclass(frozen=True, slots=True)
class CustomerStatus:
    """Status body of operations 5 and 6; unknown strings are kept raw."""

    skill_id: str | None
    stage: str | None
    user_id: str | None
    account_link: str | None  # LINKED, NOT_LINKED, or raw
    status: str  # one of KNOWN_CUSTOMER_STATUSES, or raw

    @property
    def known(self) -> bool:
        return self.status in KNOWN_CUSTOMER_STATUSES


@dataclass(frozen=True, slots=True)
class OperationResult:
    """What a use case returns to either face."""

    operation: str  # status, enable, disable, customer-endpoint, customer-status, ...
    skill_id: str | None = None
    stage: str | None = None
    state: str | None = None  # ENABLED, NOT_ENABLED, or the API's status string
    account_link: str | None = None
    endpoint: str | None = None  # base URL that answered
    endpoints: tuple[str, ...] = ()  # for customer-endpoint
    attempts: tuple[Attempt, ...] = field(default=())
    detail: str | None = None  # what the service said with the answer (op 3's 404 message)
    # What a person should also know: a lost answer and how it was verified, a follow-up
    # status read that failed, a partner code that may not have been redeemed.
    notes: tuple[str, ...] = ()
    # False: `state` is the change's own answer, and the status read that was to confirm how
    # it settled failed (see notes). The change succeeded; how it ended was not seen.
    verified: bool = True


AttemptListener = Callable[[Attempt], None]
