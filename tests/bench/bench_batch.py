"""Benchmark: the batch engine vs a bare httpx loop, without faults and with injected 429s.

    uv run python -m tests.bench.bench_batch [--rows 1000] [--concurrency 8] [--share 0.05]

1,000 owner status rows against the sandbox on loopback, through the batch engine (shared
limiter, history recorded to a temporary file, the client's own retry policy), and the same
rows through a bare `httpx.AsyncClient` loop at the same concurrency with no throttling logic
(a 429 is simply sent again at once) as the floor. Prints one JSON line. Not a test.

The sandbox runs in its own process by default, as Amazon would: in-process it shares the GIL
with the client, and every time the client lets go of it (a socket or disk call) the server may
hold it for a while, which measures the two interleaving rather than the client
(`--in-process` shows that).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from console.api import pool
from console.api.client import ApiSettings
from console.api.models import Region
from console.auth.provider import RefreshingTokenProvider
from console.auth.token_endpoint import LwaClient
from console.sandbox.server import SandboxServer
from console.services import ConsoleService
from console.services.batch import BatchRow, BatchRun, Outcome
from console.services.history import History
from console.services.throttle import Limiter
from tests.bench.sandbox_process import SandboxProcess

SKILLS = (
    ("amzn1.ask.skill.00000000-0000-4000-8000-000000000001", "development"),
    ("amzn1.ask.skill.00000000-0000-4000-8000-000000000001", "live"),
    ("amzn1.ask.skill.00000000-0000-4000-8000-000000000002", "development"),
    ("amzn1.ask.skill.00000000-0000-4000-8000-000000000003", "live"),
)


class SandboxThread:
    """The sandbox in this process (the test suite's way)."""

    def __init__(self) -> None:
        self.server = SandboxServer(port_base=0)
        self.server.start()
        self.urls = self.server.urls

    def issue_tokens(self, account: str) -> dict[str, Any]:
        return self.server.issue_tokens(account)

    def add_fault(self, **fields: Any) -> None:
        self.server.add_fault(**fields)

    def clear_faults(self) -> None:
        self.server.faults.clear()

    def stop(self) -> None:
        self.server.stop()


Sandbox = SandboxProcess | SandboxThread


@contextlib.contextmanager
def sandbox(in_process: bool) -> Iterator[Sandbox]:
    running: Sandbox = SandboxThread() if in_process else SandboxProcess()
    try:
        yield running
    finally:
        running.stop()


def rows(count: int) -> list[BatchRow]:
    return [BatchRow(n + 2, "status", *SKILLS[n % len(SKILLS)]) for n in range(count)]


async def through_engine(
    server: Sandbox, count: int, concurrency: int, history_dir: Path | None
) -> dict[str, Any]:
    """The batch engine; `history_dir` None: without recording history."""
    urls = server.urls
    lwa = LwaClient(urls.token_url, "amzn1.application-oa2-client.sandbox", "sandbox-client-secret")
    settings = ApiSettings(endpoints={Region.NA: urls.na, Region.EU: urls.eu, Region.FE: urls.fe})
    limiter = Limiter(concurrency)
    history = History(history_dir / "history.sqlite3") if history_dir else None
    attempts = 0

    def counted(_: object) -> None:
        nonlocal attempts
        attempts += 1

    async with ConsoleService(
        settings,
        RefreshingTokenProvider(lwa, "Atzr|sandbox-developer"),
        on_attempt=counted,
        limiter=limiter,
        history=history,
        kind="developer",
    ) as svc:
        await svc.client.tokens.access_token()  # warm: the token, as a real run has it

        async def service_for(row: BatchRow) -> ConsoleService:
            return svc

        start, cpu = time.perf_counter(), time.process_time()
        results = await BatchRun(rows(count), service_for, concurrency=concurrency).run()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    if history is not None:
        history.close()
    answered = sum(r.outcome in (Outcome.OK, Outcome.NOT_FOUND) for r in results)
    stats = limiter.stats(urls.na)
    return {
        "wall_s": round(wall, 3),
        "rows_per_s": round(count / wall, 1),
        "cpu_ms_per_row": round(cpu * 1000 / count, 3),  # client + in-process sandbox
        "requests_per_row": round(stats.sent / count, 4),  # API requests, as the limiter saw
        "attempts_logged": attempts,
        "answered": answered,
        "throttled": stats.throttled,
        "pauses": stats.pauses,
        "paused_s": round(stats.paused_s, 2),
    }


async def through_service(server: Sandbox, count: int, concurrency: int) -> dict[str, Any]:
    """The same rows through ConsoleService alone (no engine, limiter or history): where the
    gap to the floor is the client's, not the batch engine's."""
    urls = server.urls
    lwa = LwaClient(urls.token_url, "amzn1.application-oa2-client.sandbox", "sandbox-client-secret")
    settings = ApiSettings(endpoints={Region.NA: urls.na, Region.EU: urls.eu, Region.FE: urls.fe})
    tokens = RefreshingTokenProvider(lwa, "Atzr|sandbox-developer")
    async with ConsoleService(settings, tokens) as svc:
        await svc.client.tokens.access_token()
        queue = list(reversed(rows(count)))

        async def worker() -> None:
            while queue:
                row = queue.pop()
                await svc.check(row.skill_id or "", row.stage or "development")

        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "wall_s": round(wall, 3),
        "rows_per_s": round(count / wall, 1),
        "cpu_ms_per_row": round(cpu * 1000 / count, 3),
    }


async def through_httpx(
    server: Sandbox, count: int, concurrency: int, reserving: bool = False
) -> dict[str, Any]:
    """The floor: a bare httpx loop. `reserving`: with the client's connection pool swapped in
    (console.api.pool), to tell the pool's gain from the rest of the client's cost."""
    token = server.issue_tokens("developer")["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    urls = [
        f"{server.urls.na}/v1/skills/{skill}/stages/{stage}/enablement"
        for skill, stage in (SKILLS[n % len(SKILLS)] for n in range(count))
    ]
    sent = 0
    async with httpx.AsyncClient(headers=headers) as http:
        if reserving:
            pool.install(http)
        queue = list(reversed(urls))

        async def worker() -> None:
            nonlocal sent
            while queue:
                url = queue.pop()
                while True:  # no throttling logic: a 429 is sent again at once
                    sent += 1
                    if (await http.get(url)).status_code != 429:
                        break

        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "wall_s": round(wall, 3),
        "rows_per_s": round(count / wall, 1),
        "cpu_ms_per_row": round(cpu * 1000 / count, 3),
        "requests_per_row": round(sent / count, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--share", type=float, default=0.05, help="share of 429s injected")
    parser.add_argument("--retry-after", default="1")
    parser.add_argument("--rounds", type=int, default=7, help="rounds without faults")
    parser.add_argument("--in-process", action="store_true", help="the sandbox in this process")
    args = parser.parse_args()
    with sandbox(args.in_process) as server, tempfile.TemporaryDirectory() as tmp:
        clean_engine: list[dict[str, Any]] = []
        clean_floor: list[dict[str, Any]] = []
        clean_service: list[dict[str, Any]] = []
        clean_bare_engine: list[dict[str, Any]] = []
        clean_pooled_floor: list[dict[str, Any]] = []
        for _ in range(args.rounds):  # interleaved so machine noise hits all alike
            clean_engine.append(
                asyncio.run(through_engine(server, args.rows, args.concurrency, Path(tmp)))
            )
            clean_floor.append(asyncio.run(through_httpx(server, args.rows, args.concurrency)))
            clean_service.append(asyncio.run(through_service(server, args.rows, args.concurrency)))
            clean_bare_engine.append(
                asyncio.run(through_engine(server, args.rows, args.concurrency, None))
            )
            clean_pooled_floor.append(
                asyncio.run(through_httpx(server, args.rows, args.concurrency, reserving=True))
            )
        fault = {
            "route": "get-enablement",
            "status": 429,
            "retry_after": args.retry_after,
            "share": args.share,
        }
        server.add_fault(**fault)
        faulty_engine = asyncio.run(through_engine(server, args.rows, args.concurrency, Path(tmp)))
        server.clear_faults()
        server.add_fault(**fault)
        faulty_floor = asyncio.run(through_httpx(server, args.rows, args.concurrency))
        server.clear_faults()
    engine = max(clean_engine, key=lambda r: r["rows_per_s"])
    floor = max(clean_floor, key=lambda r: r["rows_per_s"])
    paired = [
        e["rows_per_s"] / f["rows_per_s"] for e, f in zip(clean_engine, clean_floor, strict=True)
    ]
    no_history_paired = [
        e["rows_per_s"] / f["rows_per_s"]
        for e, f in zip(clean_bare_engine, clean_floor, strict=True)
    ]
    pooled_paired = [
        e["rows_per_s"] / f["rows_per_s"]
        for e, f in zip(clean_engine, clean_pooled_floor, strict=True)
    ]
    service_paired = [
        s["rows_per_s"] / f["rows_per_s"] for s, f in zip(clean_service, clean_floor, strict=True)
    ]
    print(
        json.dumps(
            {
                "bench": "batch",
                "rows": args.rows,
                "concurrency": args.concurrency,
                "sandbox": "in-process" if args.in_process else "own process",
                "no_faults": {
                    "engine_best": engine,
                    "bare_httpx_best": floor,
                    "throughput_ratio_best": round(engine["rows_per_s"] / floor["rows_per_s"], 3),
                    "throughput_ratio_median_paired": round(statistics.median(paired), 3),
                    "engine_without_history_ratio_median_paired": round(
                        statistics.median(no_history_paired), 3
                    ),
                    "service_layer_alone_ratio_median_paired": round(
                        statistics.median(service_paired), 3
                    ),
                    # Against httpx with the client's own pool: what the rest of the client,
                    # the engine and history cost, without the pool's gain.
                    "ratio_to_httpx_with_our_pool_median_paired": round(
                        statistics.median(pooled_paired), 3
                    ),
                    # CPU time is less at the mercy of other processes on a shared machine.
                    "cpu_ratio_median": round(
                        statistics.median(f["cpu_ms_per_row"] for f in clean_floor)
                        / statistics.median(e["cpu_ms_per_row"] for e in clean_engine),
                        3,
                    ),
                    "rounds": args.rounds,
                    "target_ratio": 0.9,
                },
                "with_429s": {
                    "share": args.share,
                    "retry_after": args.retry_after,
                    "engine": faulty_engine,
                    "bare_httpx": faulty_floor,
                    "target_requests_per_row": 1.1,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
