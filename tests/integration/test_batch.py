"""The batch engine against the sandbox: answers bound to rows, the shared throttle, cancel,
and a history row for every action (with no secret in the database file)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest

from console.services import ConsoleService
from console.services.batch import BatchRow, BatchRun, Outcome
from console.services.history import History
from console.services.throttle import Limiter
from tests.integration.conftest import ServiceFactory
from tests.sandbox_client import SKILL_OTHER, SKILL_TRIVIA, SKILL_WEATHER

pytestmark = pytest.mark.asyncio


def rows(*specs: tuple[str, str | None, str | None]) -> list[BatchRow]:
    return [BatchRow(n, op, skill, stage) for n, (op, skill, stage) in enumerate(specs, start=2)]


def one_service(service: ConsoleService) -> Any:
    async def service_for(row: BatchRow) -> ConsoleService:
        return service

    return service_for


async def until(condition: Any) -> None:
    """Wait for a condition (no blind sleep: poll briefly until it holds); fail after 10 s."""
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 (counters in another thread have no event)
            await asyncio.sleep(0.01)


async def test_each_answer_is_bound_to_its_row(make_service: ServiceFactory) -> None:
    service = make_service()
    batch = rows(
        ("enable", SKILL_TRIVIA, "live"),
        ("status", SKILL_TRIVIA, "development"),
        ("status", SKILL_TRIVIA, "live"),
        ("status", SKILL_WEATHER, "development"),
        ("status", SKILL_OTHER, "live"),
        ("enable", SKILL_TRIVIA, "development"),
        ("status", SKILL_TRIVIA, "live"),
    )
    results = await BatchRun(batch, one_service(service), concurrency=8).run()
    by_line = {r.row.line: r for r in results}
    assert sorted(by_line) == [r.line for r in batch]
    for result in results:
        if result.result is not None:
            assert result.result.skill_id == result.row.skill_id
            assert result.result.stage == result.row.stage
    # Rows about the same skill run in file order when one of them changes something.
    assert [by_line[n].state for n in (2, 3, 4, 7, 8)] == [
        "ENABLED",
        "NOT_ENABLED",
        "ENABLED",
        "ENABLED",
        "NOT_ENABLED",
    ]
    assert by_line[3].outcome is Outcome.NOT_FOUND  # a check's "no" is a definite answer
    assert "development stage of this skill is now disabled" in (by_line[2].message or "")
    assert "live stage" in (by_line[7].message or "")
    assert by_line[6].outcome is Outcome.FAILED and by_line[6].error_kind == "forbidden"
    assert by_line[2].region == "na"


async def test_customer_rows_report_region_and_account_link(
    make_service: ServiceFactory,
) -> None:
    service = make_service("customer-eu")
    batch = rows(("customer-endpoint", None, None), ("customer-status", SKILL_TRIVIA, None))
    results = {r.row.line: r for r in await BatchRun(batch, one_service(service)).run()}
    assert results[2].region == "eu"
    assert results[3].region == "eu"
    assert results[3].state is not None


async def test_a_429_slows_every_task_and_requests_per_row_stay_bounded(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    limiter = Limiter(8)
    service = make_service(deadline=30.0, max_attempts=8)
    service.client.limiter = limiter
    base = sandbox.urls.na
    sandbox.add_fault(route="get-enablement", status=429, retry_after="1", share=1.0)
    batch = rows(*[("status", SKILL_TRIVIA, "development")] * 16)
    run = asyncio.create_task(BatchRun(batch, one_service(service), concurrency=8).run())
    stats = limiter.stats(base)
    await until(lambda: stats.throttled >= 10)  # the first wave, then probes one at a time
    sandbox.faults.clear()
    results = await run
    assert all(r.outcome is Outcome.NOT_FOUND for r in results), results
    # After the first wave (at most 8 in flight), each pause lets one probe through: the
    # throttled API does not see every task retry on its own.
    assert stats.throttled - 8 <= stats.pauses
    assert stats.sent == len(batch) + stats.throttled
    assert stats.sent / len(batch) < 2


async def test_cancel_reports_rows_in_flight_unknown_and_the_rest_not_run(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    service = make_service(timeout=30.0, deadline=60.0)
    sandbox.add_fault(route="get-enablement", latency=30.0, share=1.0)
    batch = rows(*[("status", SKILL_WEATHER, "development")] * 12)
    landed: list[Any] = []
    started: list[BatchRow] = []
    run = BatchRun(batch, one_service(service), concurrency=3, on_start=started.append)
    task = asyncio.create_task(run.run(landed.append))
    await until(lambda: sandbox.in_flight() == 3)
    run.cancel()
    results = await asyncio.wait_for(task, 10)
    assert sorted(r.row.line for r in results) == [r.line for r in batch]
    outcomes = [r.outcome for r in results]
    assert outcomes.count(Outcome.UNKNOWN) == 3
    unknown = {r.row.line for r in results if r.outcome is Outcome.UNKNOWN}
    assert {r.line for r in started} == unknown
    assert outcomes.count(Outcome.NOT_RUN) == 9
    assert all(r.state is None for r in results)  # nothing reported that did not come back
    assert all("check again" in (r.message or "") for r in results if r.outcome is Outcome.UNKNOWN)


async def test_every_action_is_in_the_history_without_a_secret(
    sandbox: Any, make_service: ServiceFactory, tmp_path: Path
) -> None:
    history = History(tmp_path / "history.sqlite3")
    service = make_service()
    service.history, service.profile, service.kind = history, "qa", "developer"
    batch = rows(
        ("enable", SKILL_TRIVIA, "live"),
        ("status", SKILL_WEATHER, "development"),
        ("disable", SKILL_OTHER, "live"),
    )
    run = BatchRun(batch, one_service(service))
    await run.run()
    await service.check(SKILL_TRIVIA, "live")  # a single action outside the batch
    entries = history.query()
    assert len(entries) == 4
    assert entries[0].batch_id is None and entries[0].operation == "status"
    assert {e.batch_id for e in entries[1:]} == {run.batch_id}
    assert {(e.operation, e.outcome) for e in entries[1:]} == {
        ("enable", "ok"),
        ("status", "ok"),
        ("disable", "failed"),
    }
    failed = next(e for e in entries if e.outcome == "failed")
    assert failed.error_kind == "forbidden" and failed.region == "na"
    assert all(e.profile == "qa" and e.kind == "developer" for e in entries)
    history.close()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # noqa: ASYNC240
    for secret in (b"Atza|", b"Atzr|", b"sandbox-client-secret", b"Bearer"):  # LWA token shapes
        assert secret not in data


async def test_a_pause_longer_than_the_deadline_fails_rows_as_throttled_not_hung(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    service = make_service(deadline=0.5)
    service.client.limiter = Limiter(4)
    await service.client.tokens.access_token()  # the short deadline is for the rows only
    sandbox.add_fault(route="get-enablement", status=429, retry_after="3600", count=1)
    batch = rows(*[("status", SKILL_WEATHER, "development")] * 3)
    run = BatchRun(batch, one_service(service), concurrency=1)
    results = await asyncio.wait_for(run.run(), 20)
    assert {r.error_kind for r in results} == {"throttled"}
    assert [r.attempts for r in results] == [1, 0, 0]  # the others were never sent
    assert "Not sent" in (results[1].message or "")


async def test_results_can_be_iterated_and_leaving_early_stops_the_run(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    service = make_service()
    limiter = Limiter(2)
    service.client.limiter = limiter
    batch = rows(*[("status", SKILL_WEATHER, "development")] * 20)
    run = BatchRun(batch, one_service(service), concurrency=2)
    seen = []
    async with contextlib.aclosing(run.results()) as results:
        async for result in results:
            seen.append(result)
            if len(seen) == 3:
                sent_when_leaving = limiter.stats(sandbox.urls.na).sent
                break
    await until(lambda: sandbox.in_flight() == 0)
    assert run.cancelled
    # Nothing more was sent after leaving (how far the workers got before is scheduling).
    assert limiter.stats(sandbox.urls.na).sent == sent_when_leaving < len(batch)
    everything = [r async for r in BatchRun(batch, one_service(service)).results()]
    assert sorted(r.row.line for r in everything) == [r.line for r in batch]
