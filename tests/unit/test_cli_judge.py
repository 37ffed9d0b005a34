"""skillctl's verdict on a result: a follow-up read that failed never turns success into failure."""

from __future__ import annotations

from console.api.errors import ServerError
from console.api.models import OperationResult
from console.cli import ACCEPTED, SETTLED, judge


def _result(operation: str, state: str, *, verified: bool = True) -> OperationResult:
    return OperationResult(operation=operation, skill_id="amzn1.x", state=state, verified=verified)


def test_an_accepted_change_whose_follow_up_failed_is_success() -> None:
    for operation, state in (("customer-enable", "ENABLING"), ("customer-disable", "DISABLED")):
        code, error = judge(_result(operation, state, verified=False), None, SETTLED[operation])
        assert (code, error) == (0, None)


def test_a_change_alexa_says_is_still_running_after_the_wait_is_in_progress() -> None:
    code, error = judge(_result("customer-enable", "ENABLING"), None, SETTLED["customer-enable"])
    assert code == 1 and error is not None and error.kind == "in_progress"


def test_answered_failures_stay_failures_even_unverified() -> None:
    for state in ("ENABLING_FAILED", "NOT_LINKED_AT_ALL"):
        result = _result("customer-enable", state, verified=False)
        code, error = judge(result, None, ACCEPTED["customer-enable"])
        assert code == 1 and error is not None


def test_errors_and_checks() -> None:
    assert judge(None, ServerError("down"))[0] == 5
    assert judge(_result("customer-status", "NO_ASSOCIATION"), None)[0] == 4
