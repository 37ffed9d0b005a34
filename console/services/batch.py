"""Many operations at once: bounded concurrency, a shared throttle, results as they land, cancel.

Each `BatchRow` is a whole question (profile, login kind, operation, skill, stage, input line),
and each `BatchResult` carries its row, so an answer can never land on the wrong question.
Rows about the same skill of the same login run one after another in input order when any of
them changes something (enable after disable, then a status read, means what it says); reads
of unrelated rows run in parallel. A cancelled run reports rows not yet sent as `not_run` and
rows in flight as `unknown` (check again); nothing is reported that did not come back.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from console.api.errors import ConsoleError, NotFoundError
from console.api.models import NOT_ENABLED, OperationResult, Stage
from console.api.redact import redact
from console.services import ConsoleService
from console.services.history import in_batch, now_iso

__all__ = [
    "CUSTOMER_OPERATIONS",
    "DEFAULT_CONCURRENCY",
    "OPERATIONS",
    "OWNER_OPERATIONS",
    "BatchResult",
    "BatchRow",
    "BatchRun",
    "Outcome",
    "login_kind",
]

DEFAULT_CONCURRENCY = 8
OWNER_OPERATIONS = ("status", "enable", "disable")
CUSTOMER_OPERATIONS = ("customer-status", "customer-endpoint")
OPERATIONS = OWNER_OPERATIONS + CUSTOMER_OPERATIONS
CHANGES = frozenset({"enable", "disable"})
ABSENT_STATES = frozenset({NOT_ENABLED, "NO_ASSOCIATION", "DISABLED"})  # a check's "no"

NOT_RUN_TEXT = "not run: the batch was stopped before this row was sent"
UNKNOWN_TEXT = "unknown — check again: the batch was stopped before an answer came back"


def login_kind(operation: str) -> str:
    """Which login a row needs: customer rows the customer's, owner rows the developer's."""
    return "customer" if operation.startswith("customer") else "developer"


class Outcome(StrEnum):
    OK = "ok"  # the service answered as asked
    NOT_FOUND = "not_found"  # a definite "not enabled", "not found" or NO_ASSOCIATION
    FAILED = "failed"  # an error: see error_kind and message
    NOT_RUN = "not_run"  # never sent (stopped, or skipped as invalid)
    UNKNOWN = "unknown"  # sent, and no answer came back before the stop
    SKIPPED = "skipped"  # an invalid input row, with --skip-invalid


DONE = frozenset({Outcome.OK, Outcome.NOT_FOUND})  # answered: a resumed run skips these


@dataclass(frozen=True)
class BatchRow:
    """One question: which login asks what about which skill and stage (line: its input line)."""

    line: int
    operation: str
    skill_id: str | None = None
    stage: str | None = None
    profile: str = "default"
    kind: str = ""  # login kind; "" means the one the operation needs

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", login_kind(self.operation))

    @property
    def key(self) -> tuple[str, str, str | None]:
        """Rows with the same key touch the same thing (one skill for one login)."""
        return (self.profile, self.kind, self.skill_id)


@dataclass(frozen=True)
class BatchResult:
    """The answer to one row, bound to it; `outcome` says how far it got."""

    row: BatchRow
    outcome: Outcome
    state: str | None = None
    account_link: str | None = None
    endpoint: str | None = None
    region: str | None = None
    attempts: int = 0
    request_id: str | None = None
    error_kind: str | None = None
    message: str | None = None
    hint: str | None = None
    started: str | None = None
    finished: str | None = None
    result: OperationResult | None = field(default=None, compare=False, repr=False)
    error: ConsoleError | None = field(default=None, compare=False, repr=False)

    @property
    def done(self) -> bool:
        return self.outcome in DONE

    def to_dict(self) -> dict[str, object]:
        """The row and its answer as plain values (JSON lines, results CSV)."""
        return {
            "line": self.row.line,
            "operation": self.row.operation,
            "skill_id": self.row.skill_id,
            "stage": self.row.stage,
            "outcome": str(self.outcome),
            "state": self.state,
            "account_link": self.account_link,
            "endpoint": self.endpoint,
            "region": self.region,
            "attempts": self.attempts,
            "request_id": self.request_id,
            "error_kind": self.error_kind,
            "message": redact(self.message) if self.message else None,
            "hint": self.hint,
            "started": self.started,
            "finished": self.finished,
        }


ServiceFor = Callable[[BatchRow], Awaitable[ConsoleService]]


def not_run(row: BatchRow, message: str = NOT_RUN_TEXT, *, skipped: bool = False) -> BatchResult:
    return BatchResult(row, Outcome.SKIPPED if skipped else Outcome.NOT_RUN, message=message)


class BatchRun:
    """Run rows with at most `concurrency` in flight; iterate `results()` as they land."""

    def __init__(
        self,
        rows: Iterable[BatchRow],
        service_for: ServiceFor,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        batch_id: str | None = None,
        on_start: Callable[[BatchRow], None] | None = None,
    ) -> None:
        self.rows = list(rows)
        self.on_start = on_start  # a row leaves the queue (the window marks it "running")
        self.service_for = service_for
        self.concurrency = max(1, concurrency)
        self.batch_id = batch_id or uuid.uuid4().hex[:12]
        self._stopping = False
        self._workers: list[asyncio.Task[None]] = []
        changing = {row.key for row in self.rows if row.operation in CHANGES}
        self._locks = {key: asyncio.Lock() for key in changing}

    @property
    def cancelled(self) -> bool:
        return self._stopping

    def cancel(self) -> None:
        """Stop: send nothing more; rows in flight are reported unknown, the rest not run."""
        self._stopping = True
        try:
            current = asyncio.current_task()
        except RuntimeError:  # no loop running in this thread
            current = None
        for worker in self._workers:
            # Called from on_result, the worker landing that row is this task: it stops at
            # its loop's check; cancelling it would end the run with CancelledError instead.
            if worker is not current:
                worker.cancel()

    async def run(
        self, on_result: Callable[[BatchResult], None] | None = None
    ) -> list[BatchResult]:
        """Every row's result, in landing order; `on_result` sees each as it lands (called
        from the row's own task, so nothing waits for a consumer to wake up)."""
        landed: list[BatchResult] = []

        def land(result: BatchResult) -> None:
            landed.append(result)
            if on_result is not None:
                on_result(result)

        await self._drive(land)
        return landed

    async def results(self) -> AsyncIterator[BatchResult]:
        """One result per row, as each lands; after a cancel, the unsent rows as not run.

        Leaving early stops the run once the iterator is closed: iterate inside
        `contextlib.aclosing(run.results())` (or call `cancel()`)."""
        out: asyncio.Queue[BatchResult | None] = asyncio.Queue()

        async def drive() -> None:
            try:
                await self._drive(out.put_nowait)
            finally:
                out.put_nowait(None)

        driver = asyncio.create_task(drive())
        try:
            while (item := await out.get()) is not None:
                yield item
            await driver  # a failure inside is raised here
        finally:
            if not driver.done():
                self.cancel()
                driver.cancel()

    async def _drive(self, land: Callable[[BatchResult], None]) -> None:
        pending: deque[BatchRow] = deque(self.rows)

        async def worker() -> None:
            while pending and not self._stopping:
                row = pending.popleft()
                land(await self._guarded(row))

        self._workers = [
            asyncio.create_task(worker(), name=f"batch-{self.batch_id}-{n}")
            for n in range(min(self.concurrency, len(self.rows)))
        ]
        try:
            await asyncio.gather(*self._workers)
        finally:
            self._stopping = self._stopping or bool(pending)
            for task in self._workers:
                task.cancel()
        for row in pending:
            land(not_run(row))

    async def _guarded(self, row: BatchRow) -> BatchResult:
        """`_one`, turning a cancel into `not_run` (not yet started) or `unknown` (in flight)."""
        started: str | None = None
        lock = self._locks.get(row.key)
        try:
            if lock is not None:
                await lock.acquire()
            try:
                if self._stopping:
                    return not_run(row)
                started = now_iso()
                if self.on_start is not None:
                    self.on_start(row)
                return await self._one(row, started)
            finally:
                if lock is not None and lock.locked():
                    lock.release()
        except asyncio.CancelledError:
            self._stopping = True  # a cancelled row means the run is being stopped
            if started is None:
                return not_run(row)
            return BatchResult(
                row, Outcome.UNKNOWN, message=UNKNOWN_TEXT, started=started, finished=now_iso()
            )

    async def _one(self, row: BatchRow, started: str) -> BatchResult:
        service: ConsoleService | None = None
        try:
            service = await self.service_for(row)
            with in_batch(self.batch_id):
                result = await _call(service, row)
        except ConsoleError as exc:
            return _failed(row, exc, service, started)
        except Exception as exc:  # a bug must cost one row, not the batch
            text = redact(f"{type(exc).__name__}: {exc}")
            error = ConsoleError(f"Unexpected failure ({text})")
            return _failed(row, error, service, started)
        return _answered(row, result, service, started)


async def _call(service: ConsoleService, row: BatchRow) -> OperationResult:
    if row.operation == "status":
        return await service.check(row.skill_id or "", row.stage or Stage.DEVELOPMENT)
    if row.operation == "enable":
        return await service.enable(row.skill_id or "", row.stage or Stage.DEVELOPMENT)
    if row.operation == "disable":
        return await service.disable(row.skill_id or "", row.stage or Stage.DEVELOPMENT)
    if row.operation == "customer-status":
        return await service.customer_status(row.skill_id or "")
    if row.operation == "customer-endpoint":
        return await service.find_endpoint()
    raise ConsoleError(
        f"Unknown operation {row.operation!r}", hint="Use one of: " + ", ".join(OPERATIONS)
    )


def _request_id(result: OperationResult | None, error: ConsoleError | None) -> str | None:
    attempts = result.attempts if result else (error.attempts if error else ())
    return next((rid for a in reversed(attempts) if (rid := getattr(a, "request_id", None))), None)


def _answered(
    row: BatchRow, result: OperationResult, service: ConsoleService, started: str
) -> BatchResult:
    endpoint = result.endpoint
    region = service.region_of(endpoint)
    message: str | None = None
    if row.operation == "customer-endpoint" and result.endpoints:
        endpoint = " ".join(result.endpoints)
        regions = [service.region_of(url) or "?" for url in result.endpoints]
        region = " ".join(regions)
        if len(result.endpoints) > 1:
            message = (
                "Alexa could not decide the customer's region; the endpoints are tried in order"
            )
    if result.detail:  # e.g. a status check's 404 message, which may say there is no such skill
        message = f"the service says: {result.detail}"
    absent = row.operation in ("status", "customer-status") and result.state in ABSENT_STATES
    if row.operation == "enable":
        other = "live" if (result.stage or row.stage) == Stage.DEVELOPMENT else "development"
        message = (
            f"enabled; the {other} stage of this skill is now disabled "
            "(enabling one stage disables the other)"
        )
    return BatchResult(
        row,
        Outcome.NOT_FOUND if absent else Outcome.OK,
        state=result.state,
        account_link=result.account_link,
        endpoint=endpoint,
        region=region,
        attempts=len(result.attempts),
        request_id=_request_id(result, None),
        message=message,
        started=started,
        finished=now_iso(),
        result=result,
    )


def _failed(
    row: BatchRow, error: ConsoleError, service: ConsoleService | None, started: str
) -> BatchResult:
    return BatchResult(
        row,
        Outcome.NOT_FOUND if isinstance(error, NotFoundError) else Outcome.FAILED,
        endpoint=error.endpoint,
        region=service.region_of(error.endpoint) if service else None,
        attempts=len(error.attempts),
        request_id=_request_id(None, error),
        error_kind=error.kind,
        message=error.message,
        hint=error.hint,
        started=started,
        finished=now_iso(),
        error=error,
    )


def with_row(result: BatchResult, row: BatchRow) -> BatchResult:
    """The same answer under another row (a resumed run's carried-over rows)."""
    return replace(result, row=row)
