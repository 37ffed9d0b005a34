"""Pure retry policy: back-off bounds, Retry-After parsing, and the next-step decision."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from console.api.retry import (
    Action,
    Decision,
    Outcome,
    RetryPolicy,
    backoff,
    decide,
    parse_retry_after,
)

POLICY = RetryPolicy(base=0.5, cap=20.0, max_attempts=5, deadline=60.0)
OK = frozenset({204})


def decision(outcome: Outcome, **over: object) -> Decision:
    """decide() with this module's defaults (attempt 1, 60 s left, idempotent...)."""
    args: dict[str, object] = {
        "success": OK,
        "attempt": 1,
        "policy": POLICY,
        "remaining": 60.0,
        "refreshed": False,
        "idempotent": True,
        "more_candidates": False,
        "rng": random.Random(1),
    } | over
    return decide(outcome, **args)  # type: ignore[arg-type]


def step(outcome: Outcome, **over: object) -> Action:
    return decision(outcome, **over).action


@given(st.integers(min_value=0, max_value=40), st.integers())
def test_backoff_is_full_jitter_within_cap(retry: int, seed: int) -> None:
    delay = backoff(POLICY, retry, random.Random(seed))
    assert 0.0 <= delay <= min(POLICY.cap, POLICY.base * 2**retry)


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_success_401_and_final_statuses() -> None:
    assert step(Outcome(204)) is Action.DONE
    assert step(Outcome(401)) is Action.REFRESH
    assert step(Outcome(401), refreshed=True) is Action.FAIL
    for status in (400, 403, 404, 409):
        assert step(Outcome(status)) is Action.FAIL


def test_retryable_statuses_until_the_attempt_limit() -> None:
    for status in (429, 500, 502, 503, 504):
        assert step(Outcome(status), attempt=1) is Action.RETRY
        assert step(Outcome(status), attempt=5) is Action.FAIL


def test_retry_after_wins_when_longer_but_never_past_the_deadline() -> None:
    wins = decision(Outcome(429, retry_after=3.0))
    assert wins.action is Action.RETRY and wins.delay == 3.0
    assert wins.describe() == "retry in 3.0 s"
    # Longer than the time left: retrying sooner would be refused again, so give up now
    # (the error then says when to try again), and the log says why.
    past = decision(Outcome(503, retry_after=30.0), remaining=10.0)
    assert past.action is Action.FAIL
    assert past.describe() == "give up (Retry-After 30 s is longer than the time left)"
    assert step(Outcome(503, retry_after=30.0), remaining=0.0) is Action.FAIL


def test_non_idempotent_requests_are_not_retried_after_ambiguous_failures() -> None:
    assert step(Outcome(500), idempotent=False) is Action.FAIL
    assert step(Outcome(None, sent=True), idempotent=False) is Action.FAIL
    assert step(Outcome(None, sent=False), idempotent=False) is Action.RETRY
    assert step(Outcome(429), idempotent=False) is Action.RETRY


def test_wrong_region_moves_to_the_next_candidate_only_when_there_is_one() -> None:
    wrong = Outcome(400, code="incorrectEndpoint")
    assert step(wrong, more_candidates=True) is Action.NEXT_ENDPOINT
    assert step(Outcome(404), more_candidates=True) is Action.NEXT_ENDPOINT
    assert step(wrong, more_candidates=False) is Action.FAIL
