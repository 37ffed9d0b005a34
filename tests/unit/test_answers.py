"""How an answer changes its cell: definite answers keep what is known, lost ones do not."""

from __future__ import annotations

from console.api.errors import ConsoleError, ForbiddenError, NotFoundError, UncertainError
from console.api.models import Attempt, OperationResult
from console.services.batch import BatchResult, BatchRow, Outcome, _failed
from console.ui.answers import other_stage_disabled, settle
from console.ui.cells import Cell, CellKey

SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"


def known(state: str = "ENABLED") -> Cell:
    cell = Cell()
    cell.state, cell.checked = state, 1.0
    return cell


def put_attempt() -> Attempt:
    from datetime import UTC, datetime

    return Attempt("PUT", "http://x/v1", None, 1.0, 1, "give up", datetime.now(UTC))


def failure(operation: str, error: ConsoleError) -> BatchResult:
    return _failed(BatchRow(1, operation, SKILL, "live"), error, None, "t")


def test_a_definite_refusal_keeps_the_known_state() -> None:
    for error in (ForbiddenError("Not allowed"), NotFoundError("Not found")):
        cell = known()
        settle(cell, failure("enable", error))
        assert cell.state == "ENABLED" and not cell.lost and cell.checked == 1.0
        assert cell.failed and cell.semantic == "enabled"


def test_a_change_whose_answer_was_lost_is_unknown() -> None:
    cell = known()
    settle(cell, failure("enable", UncertainError("no answer", attempts=[put_attempt()])))
    assert cell.lost and cell.semantic == "unknown"


def test_a_change_that_never_went_out_changes_nothing() -> None:
    cell = known()
    settle(cell, failure("disable", UncertainError("no answer")))  # no attempt was sent
    assert not cell.lost and cell.state == "ENABLED"


def test_a_cancelled_read_is_not_stamped_and_keeps_the_state() -> None:
    cell = known("NOT_ENABLED")
    row = BatchRow(1, "status", SKILL, "live")
    settle(cell, BatchResult(row, Outcome.UNKNOWN, message="stopped"))
    assert cell.state == "NOT_ENABLED" and cell.checked == 1.0 and "cancelled" in (cell.note or "")


def test_a_404_of_the_customer_status_is_no_association_whatever_its_code() -> None:
    cell = Cell()
    error = NotFoundError("Not found", code="SOMETHING_AMAZON_SAYS", http_status=404)
    settle(cell, failure("customer-status", error))
    assert cell.state == "NO_ASSOCIATION" and cell.checked is not None and not cell.failed


def test_enabling_one_stage_says_the_other_was_disabled() -> None:
    row = BatchRow(1, "enable", SKILL, "live")
    result = OperationResult(operation="enable", skill_id=SKILL, stage="live", state="ENABLED")
    mine, other = Cell(), known("ENABLED")
    assert settle(mine, BatchResult(row, Outcome.OK, state="ENABLED", result=result))
    other_stage_disabled(mine, other, CellKey("developer", "developer", SKILL, "live"))
    assert other.state == "NOT_ENABLED" and "enabling live disables" in (other.note or "")
    assert "development stage is off now" in (mine.note or "")
