"""Each operation × each injectable fault, once and persistent: the client tells the truth.

A cell passes when what skillctl would report (exit code, ok, state) agrees with the sandbox's
state afterwards, the action ended within its deadline (+5 %), operation 5 was never sent again
after the service had processed it (or had answered in a way that leaves it open: a 5xx, a lost
answer), and nothing crashed. See matrix.py; the table is printed at
the end of the session and kept in the README under "Reliability".
"""

from __future__ import annotations

import pytest

from tests.reliability.matrix import (
    DEADLINE,
    SLACK,
    Cell,
    Outcome,
    agrees,
    all_cells,
    repeated_after_processing,
)


@pytest.mark.parametrize("cell", all_cells(), ids=lambda cell: cell.id)
def test_cell(cell: Cell, fault_matrix: dict[Cell, Outcome]) -> None:
    outcome = fault_matrix[cell]
    assert outcome.crash is None, outcome.crash
    assert outcome.ok == (outcome.exit_code == 0), outcome.summary()  # --json agrees with $?
    fine, why = agrees(outcome)
    assert fine, f"{outcome.summary()}: {why}; notes {outcome.notes}"
    assert outcome.elapsed <= DEADLINE * SLACK, outcome.summary()
    assert not repeated_after_processing(outcome), outcome.journal
    assert any(call["fault"] for call in outcome.journal), "the fault was never reached"
