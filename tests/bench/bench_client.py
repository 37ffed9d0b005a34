"""Benchmark: skillctl wall time per call, and service layer vs plain httpx throughput.

    uv run python -m tests.bench.bench_client [--calls 500] [--concurrency 16] [--no-bytecode]

Prints one JSON line. Everything runs against an in-process sandbox on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx

from console.api.client import ApiSettings
from console.api.models import Region
from console.auth.provider import RefreshingTokenProvider
from console.auth.token_endpoint import LwaClient
from console.sandbox.server import SandboxServer
from console.services import ConsoleService
from tests.bench.bytecode import bench_env, mode

SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"


def skillctl_wall_ms(server: SandboxServer, runs: int, bytecode: bool) -> list[float]:
    """`skillctl status` from process start to exit; the first (untimed) run caches bytecode."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    env = bench_env(env | server.env("developer"), bytecode=bytecode)
    times = []
    for n in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "console", "status", SKILL],
            env=env,
            capture_output=True,
            check=False,
        )
        if n:
            times.append((time.perf_counter() - start) * 1000)
    return times


async def through_service(server: SandboxServer, calls: int, concurrency: int) -> float:
    urls = server.urls
    lwa = LwaClient(urls.token_url, "amzn1.application-oa2-client.sandbox", "sandbox-client-secret")
    settings = ApiSettings(endpoints={Region.NA: urls.na, Region.EU: urls.eu, Region.FE: urls.fe})
    async with ConsoleService(
        settings, RefreshingTokenProvider(lwa, "Atzr|sandbox-developer")
    ) as svc:
        await svc.check(SKILL, "development")  # warm: token and connection
        return await _timed(calls, concurrency, lambda: svc.check(SKILL, "development"))


async def through_httpx(server: SandboxServer, calls: int, concurrency: int) -> float:
    token = server.issue_tokens("developer")["access_token"]
    url = f"{server.urls.na}/v1/skills/{SKILL}/stages/development/enablement"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    async with httpx.AsyncClient(headers=headers) as http:
        await http.get(url)
        return await _timed(calls, concurrency, lambda: http.get(url))


async def _timed(calls: int, concurrency: int, make: Any) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await make()

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(calls)))
    return calls / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--skillctl-runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-bytecode", action="store_true", help="skillctl compiles every module at each start"
    )
    args = parser.parse_args()
    with SandboxServer(port_base=0) as server:
        wall = skillctl_wall_ms(server, args.skillctl_runs, not args.no_bytecode)
        service, plain = [], []
        for _ in range(args.rounds):  # interleaved so machine noise hits both alike
            service.append(asyncio.run(through_service(server, args.calls, args.concurrency)))
            plain.append(asyncio.run(through_httpx(server, args.calls, args.concurrency)))
    best_service, best_plain = max(service), max(plain)
    print(
        json.dumps(
            {
                "bench": "client",
                "skillctl_status_ms_median": round(statistics.median(wall), 1),
                "skillctl_status_ms_min": round(min(wall), 1),
                "bytecode": mode(not args.no_bytecode),
                "calls": args.calls,
                "concurrency": args.concurrency,
                "service_calls_per_s": round(best_service, 1),
                "plain_httpx_calls_per_s": round(best_plain, 1),
                "ratio_service_to_plain": round(best_service / best_plain, 3),
                "target_ratio": 0.8,
            }
        )
    )


if __name__ == "__main__":
    main()
