"""Retry policy as pure functions: back-off schedule, Retry-After, and what to do next.

No I/O here: the client feeds in what happened and gets back a decision (h11-style).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

__all__ = ["Action", "Decision", "Outcome", "RetryPolicy", "backoff", "decide", "parse_retry_after"]

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base: float = 0.5
    cap: float = 20.0
    max_attempts: int = 5
    deadline: float = 60.0  # seconds per user action


class Action(StrEnum):
    DONE = "done"
    RETRY = "retry"
    REFRESH = "refresh token"
    NEXT_ENDPOINT = "next endpoint"
    FAIL = "give up"


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    delay: float = 0.0
    note: str = ""  # why the delay is not what the server asked for, if it is not

    def describe(self) -> str:
        if self.action is Action.RETRY:
            return f"retry in {self.delay:.1f} s" + (f" ({self.note})" if self.note else "")
        return str(self.action) + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt produced, as far as policy cares."""

    status: int | None  # None: no response (transport error)
    sent: bool = True  # False only when the request provably never left (connect failed)
    code: str | None = None  # API error code from the body
    retry_after: float | None = None


def backoff(policy: RetryPolicy, retry_number: int, rng: random.Random) -> float:
    """Full jitter: uniform(0, min(cap, base · 2^n)) for the n-th retry (n from 0)."""
    return rng.uniform(0.0, min(policy.cap, policy.base * (2**retry_number)))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent/invalid."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def decide(
    outcome: Outcome,
    *,
    success: frozenset[int],
    attempt: int,
    policy: RetryPolicy,
    remaining: float,
    refreshed: bool,
    idempotent: bool,
    more_candidates: bool,
    rng: random.Random,
) -> Decision:
    """The next step after attempt number `attempt` (1-based) of one request."""
    status = outcome.status
    if status is not None and status in success:
        return Decision(Action.DONE)
    if status == 401:
        return Decision(Action.FAIL if refreshed else Action.REFRESH)
    if more_candidates and (
        (status == 400 and outcome.code == "incorrectEndpoint") or status == 404
    ):
        return Decision(Action.NEXT_ENDPOINT)
    if not _may_retry(outcome, idempotent) or attempt >= policy.max_attempts:
        return Decision(Action.FAIL)
    delay = backoff(policy, attempt - 1, rng)
    if outcome.retry_after is not None and outcome.retry_after > delay:
        if outcome.retry_after > remaining:
            # The server asked for more time than is left: retrying sooner would only be
            # refused again, so give up now and say when to come back.
            note = f"Retry-After {outcome.retry_after:.0f} s is longer than the time left"
            return Decision(Action.FAIL, note=note)
        delay = outcome.retry_after  # the contract: it wins when longer and it fits
    if delay > remaining:
        return Decision(Action.FAIL)
    return Decision(Action.RETRY, delay)


def _may_retry(outcome: Outcome, idempotent: bool) -> bool:
    if outcome.status is None:
        return idempotent or not outcome.sent
    if outcome.status == 429:
        return True  # throttled requests were not processed, even non-idempotent ones
    return outcome.status in RETRYABLE_STATUS and idempotent
