"""How an answer changes its cell: what is kept, what becomes unknown, what is stamped.

Pure rules over `Cell` (no Qt): report what happened, nothing more. A definite refusal keeps
the known state; only a change whose answer was lost makes it unknown; a cancelled read changes
nothing and is not "last checked"; a 404 of the customer's status is "no association", whatever
its error code says (Amazon is the reference, not our sandbox).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from console.ui.cells import DEFINITE, Cell, CellKey, words_for_state

if TYPE_CHECKING:
    from console.services.batch import BatchResult

READS = frozenset({"status", "customer-status"})
WANTED = {"customer-enable": ("ENABLED",), "customer-disable": ("DISABLED", "NO_ASSOCIATION")}
RUNNING_WORDS = {
    "status": "Checking…",
    "customer-status": "Checking…",
    "enable": "Enabling…",
    "disable": "Disabling…",
}
ROW_VERBS = {"customer-enable": "Link", "customer-disable": "Unlink"}


def settle(cell: Cell, result: BatchResult, named: Callable[[str], str] = str) -> bool:
    """Put `result` into `cell`; True when the service disabled the other stage (an enable).
    `named` turns raw addresses in a message into words."""
    row = result.row
    cell.running, cell.retry_at, cell.attempt = None, None, None
    cell.result = result
    source = result.result.attempts if result.result else ()
    cell.attempts = list(source or (result.error.attempts if result.error else ()))
    read = row.operation in READS
    outcome = str(result.outcome)
    cell.note = None
    if outcome in ("ok", "not_found") and result.error is None:
        cell.state, cell.lost, cell.failed = result.state, False, None
        cell.account_link = result.account_link
        cell.region, cell.endpoint = result.region, result.endpoint
        cell.checked = time.time()
        wanted = WANTED.get(row.operation)
        if wanted and result.state not in wanted:
            cell.failed = f"Alexa reports {result.state} afterwards: the change did not take"
        return row.operation == "enable" and outcome == "ok"
    if outcome == "not_found" and row.operation == "customer-status":
        # A 404 of the customer's status: not enabled for them, whatever its code says.
        cell.state, cell.lost, cell.failed = "NO_ASSOCIATION", False, None
        cell.account_link, cell.region = None, result.region
        cell.endpoint, cell.checked = result.endpoint, time.time()
    elif outcome in ("not_found", "failed"):
        cell.failed = named(result.message or "failed")
        definite = read or result.error_kind in DEFINITE or not maybe_sent(result)
        if not definite:
            cell.lost = True  # the change may have happened: the known state is not kept
    elif outcome == "unknown":
        if read:
            cell.note = "check cancelled: not checked"
        else:
            cell.lost = True
            cell.note = "cancelled after it was sent: it may have happened"
    else:  # not run
        cell.note = "not run (cancelled before it was sent)"
    return False


def other_stage_disabled(mine: Cell | None, other: Cell | None, key: CellKey) -> None:
    """Enabling one stage disables the other: both cells say so (item 5)."""
    other_stage = "live" if key.stage == "development" else "development"
    if other is not None:
        other.state = "NOT_ENABLED"
        other.failed, other.lost = None, False
        # What the contract guarantees, not a read: the stage may never have been enabled.
        other.note = f"off: enabling {key.stage} disables this stage"
    if mine is not None and not mine.failed:
        mine.note = f"the {other_stage} stage is off now (enabling one stage disables the other)"


def maybe_sent(result: BatchResult) -> bool:
    """Whether a change request went out (a refusal before sending changed nothing)."""
    error = result.error
    if error is None:
        return True
    return any(a.method in ("POST", "PUT", "DELETE") for a in error.attempts)


def row_message(result: BatchResult) -> str:
    """One line for a link or unlink: the verb, the skill, and the answer in words."""
    row = result.row
    what = f"{ROW_VERBS.get(row.operation, row.operation)} {row.skill_id}"
    if str(result.outcome) == "ok":
        return f"{what}: {words_for_state(result.state)}."
    return f"{what}: {result.message or result.outcome} — see the row's details."


class CurrentCell:
    """The cell whose operation this task runs: a ContextVar, so attempts reported from
    inside a request find their row (made on first use, after the first paint)."""

    var: object = None

    def get(self) -> CellKey | None:
        if self.var is None:
            return None
        value = self.var.get()  # type: ignore[attr-defined]
        return value if isinstance(value, CellKey) else None

    def set(self, key: CellKey) -> None:
        if self.var is None:
            import contextvars

            self.var = contextvars.ContextVar("workbench_cell", default=None)
        self.var.set(key)  # type: ignore[attr-defined]


CURRENT = CurrentCell()
