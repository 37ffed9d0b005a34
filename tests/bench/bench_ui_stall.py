"""Benchmark: longest event-loop stall while the window rides out a fault storm.

    QT_QPA_PLATFORM=offscreen uv run python -m tests.bench.bench_ui_stall

A 5 ms QTimer probe records every gap between ticks while the real main window, on qasync,
runs operations against the embedded sandbox with 429 + Retry-After, 500s, 503s, 2 s latency,
a dropped connection and a customer whose region needs a fallback; then a 500-row batch (250
skills × both stages) with 429s and 503s injected into a share of the requests. Prints one JSON
line with the max and p99 stall (gap beyond the 5 ms period) of each phase; target max ≤ 16 ms
(one frame at 60 Hz). Three figures help read a max: of the longest gap (with its 5 ms period),
`max_gap_ran_ms` is how long the window's thread ran and `max_gap_waited_for_cpu_ms` how long it
was ready but had no CPU (Linux's schedstat); the `idle_` phase is the same probe for 3 s with
nothing to do; and `floor_<phase>_max_stall_ms` is the longest stall of a bare PySide6 window's
probe, in a process of its own, over the same seconds (tests/bench/floor_probe.py): on a VM a
process doing nothing misses its timer by 10-20 ms now and then, and that comes on top of
whatever the window does when the two coincide.

The sandbox runs in its own process by default, as Amazon would: the figure is the window's own
work. `--in-process` runs it in a thread of this process, as `skill-console --sandbox` does; then
the server's request handling shares the GIL with the window, and a stall may be the window
waiting for the server to let go of it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from console.app import (
    _load_service_modules,
    add_views,
    sandbox_backend,
    settle_heap,
    start_sandbox,
    worker_threads,
)
from console.ui.main_window import MainWindow
from tests.bench.floor_probe import FloorProbe, max_in
from tests.bench.sandbox_process import SandboxProcess

SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"
PERIOD_MS = 5
IDLE_S = 3.0


class SandboxThread:
    """The sandbox in a thread of this process, as `skill-console --sandbox` runs it."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.urls = server.urls
        self.info, self.env, self.add_fault = server.info, server.env, server.add_fault

    def clear_faults(self) -> None:
        self.server.faults.clear()

    def stop(self) -> None:
        self.server.stop()


Sandbox = SandboxProcess | SandboxThread


def storm_faults(sandbox: Sandbox) -> None:
    """Set before the probe starts (through the admin routes this takes a few ms per rule)."""
    add = sandbox.add_fault
    add(route="get-enablement", status=429, retry_after="1", count=2)
    add(route="enable", status=500, count=3)
    add(route="get-enablement", latency=2.0, count=1)
    add(route="disable", drop=True, count=1)
    add(route="endpoint", status=503, count=4)
    add(route="customer-status", status=503, count=2)


async def storm(window: MainWindow) -> int:
    # each user action its own turn of the loop, as input events arrive (and as big_batch)
    window.model.add_skills([SKILL])
    await asyncio.sleep(0)
    window.select_skills([SKILL])
    await asyncio.sleep(0)
    operations = 0
    for trigger in (window.check, window.enable, window.check, window.disable, window.check):
        trigger()
        await window.wait_batch()
        operations += 1
    window._choose_account("customer-ambiguous")
    await asyncio.sleep(0)
    window.select_skills([SKILL])
    await asyncio.sleep(0)
    for trigger in (window.find_endpoint, window.check):
        trigger()
        await window.wait_batch()
        operations += 1
    return operations


def batch_faults(sandbox: Sandbox) -> None:
    sandbox.clear_faults()
    sandbox.add_fault(route="get-enablement", status=429, retry_after="0", share=0.1)
    sandbox.add_fault(route="get-enablement", status=503, share=0.1)


async def big_batch(window: MainWindow) -> int:
    """500 rows (250 skills × both stages) with 429s and 503s in a share of the answers."""
    skills = [f"amzn1.ask.skill.{n:08d}-0000-4000-8000-000000000000" for n in range(250)]
    # four user actions (switch account, paste the list, select all, Check): four turns
    window._choose_account("developer")
    await asyncio.sleep(0)
    window.model.add_skills(skills)
    await asyncio.sleep(0)
    window.select_skills(skills)
    await asyncio.sleep(0)
    window.check()
    await window.wait_batch()
    return 2 * len(skills)


def full_collection_ms() -> float:
    """What a full garbage collection costs now, after the batch: the stall the collector
    makes whenever its own thresholds call one (console.app.settle_heap keeps it small)."""
    import gc

    started = time.perf_counter()
    gc.collect()
    return round((time.perf_counter() - started) * 1000, 1)


async def settled(window: MainWindow) -> None:
    """Until the window's idle warm-up (console/ui/warm_up.py) has run, or 10 s."""
    for _ in range(200):
        if window.warm_up is not None and window.warm_up.done:
            return
        await asyncio.sleep(0.05)


class CpuClock:
    """(ms this thread has run, ms it has waited, runnable, for a CPU), read from Linux's
    schedstat of the thread that made it (kept open: a read costs a few µs per tick); where
    the kernel does not say, its CPU time and no wait figure."""

    def __init__(self) -> None:
        try:
            self.fd: int | None = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:
            self.fd = None

    def __call__(self) -> tuple[float, float]:
        if self.fd is not None:
            ran, waited, _ = os.pread(self.fd, 100, 0).split()
            return int(ran) / 1e6, int(waited) / 1e6
        return time.thread_time() * 1000, 0.0


class Probe:
    """Gaps between 5 ms timer ticks, beyond the period; and, per gap, how long the window's
    thread ran and how long it waited for a CPU (the rest of a gap it waited for the GIL,
    or for a CPU the hypervisor gave to another machine)."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.cpu: list[tuple[float, float]] = []  # (ran, waited) in each gap
        self.ticks: list[float] = []  # kept for --trace
        self.cpu_clock = CpuClock()
        self.phases: dict[str, tuple[float, float]] = {}  # name → (start, end) perf_counter
        self.last = time.perf_counter()
        self.last_cpu = self.cpu_clock()
        self.timer = QTimer()
        self.timer.setInterval(PERIOD_MS)
        self.timer.timeout.connect(self.tick)

    def tick(self) -> None:
        now, cpu = time.perf_counter(), self.cpu_clock()
        self.gaps.append((now - self.last) * 1000 - PERIOD_MS)
        self.cpu.append((cpu[0] - self.last_cpu[0], cpu[1] - self.last_cpu[1]))
        self.ticks.append(now)
        self.last, self.last_cpu = now, cpu

    def start(self) -> None:
        self.gaps, self.cpu = [], []
        self.last, self.last_cpu = time.perf_counter(), self.cpu_clock()
        self.ticks = [self.last]
        self.timer.start()

    def figures(self, prefix: str, trace_ms: float | None = None) -> dict[str, object]:
        self.timer.stop()
        self.phases[prefix.rstrip("_") or "storm"] = (self.ticks[0], time.perf_counter())
        if trace_ms is not None:
            from tests.bench.stall_trace import report

            report(self.ticks, PERIOD_MS, trace_ms, prefix.rstrip("_") or "storm")
        stalls = sorted(max(0.0, g) for g in self.gaps)
        longest = max(range(len(self.gaps)), key=self.gaps.__getitem__)
        ran, waited = self.cpu[longest]
        return {
            f"{prefix}probe_ticks": len(stalls),
            f"{prefix}max_stall_ms": round(stalls[-1], 1),
            # the longest gap (and its 5 ms period): how long the window's thread ran in it,
            # and how long it was ready to run but waited for a CPU
            f"{prefix}max_gap_ran_ms": round(ran, 1),
            f"{prefix}max_gap_waited_for_cpu_ms": round(waited, 1),
            f"{prefix}p99_stall_ms": round(stalls[int(len(stalls) * 0.99) - 1], 1),
            f"{prefix}median_stall_ms": round(statistics.median(stalls), 2),
        }


async def main_async(in_process: bool, trace_ms: float | None) -> dict[str, object]:
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "w.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, settings, sandbox=True)
    window.show()
    await asyncio.to_thread(_load_service_modules)  # as the app does after first paint
    sandbox: Sandbox
    if in_process:
        sandbox = SandboxThread(await start_sandbox())
    else:
        sandbox = await asyncio.to_thread(SandboxProcess)
    backend = sandbox_backend(sandbox)
    window.set_backend(backend)
    add_views(window, None)  # the History tab as the app has it (it reads after each batch)
    settle_heap()  # as the app does then
    probe = Probe()
    floor = await asyncio.to_thread(FloorProbe, PERIOD_MS)
    try:
        await settled(window)
        probe.start()  # the machine's own hiccups: the same probe with nothing to do
        await asyncio.sleep(IDLE_S)
        idle_figures = probe.figures("idle_", trace_ms)
        started = time.perf_counter()
        storm_faults(sandbox)
        probe.start()
        operations = await storm(window)
        storm_figures = probe.figures("", trace_ms)
        duration = time.perf_counter() - started
        attempts = window.activity.model.rowCount()
        batch_faults(sandbox)
        batch_started = time.perf_counter()
        probe.start()
        rows = await big_batch(window)
        batch_figures = probe.figures("batch_", trace_ms)
        batch_duration = time.perf_counter() - batch_started
        collection = full_collection_ms()
        hiccups = floor.stop()
    finally:
        if floor.process.poll() is None:
            floor.process.kill()
        await window.wait_idle()
        await backend.aclose()
        await asyncio.to_thread(sandbox.stop)
    return {
        "bench": "ui_stall",
        "sandbox": "in-process" if in_process else "own process",
        "operations": operations,
        "http_attempts": attempts,
        **idle_figures,
        "duration_s": round(duration, 1),
        **storm_figures,
        "batch_rows": rows,
        "batch_http_attempts": window.activity.model.rowCount() - attempts,
        "batch_duration_s": round(batch_duration, 1),
        **batch_figures,
        "target_max_ms": 16,
        # a bare window's probe in its own process over the same seconds (floor_probe.py)
        **{
            f"floor_{phase}_max_stall_ms": max_in(hiccups, *probe.phases[phase])
            for phase in ("idle", "storm", "batch")
        },
        "full_collection_ms": collection,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-process", action="store_true", help="the sandbox in a thread here")
    parser.add_argument(
        "--trace",
        type=float,
        metavar="MS",
        help="print, to stderr, the Qt events and asyncio callbacks of each stall over MS "
        "(tracing slows the window: its figures are not comparable)",
    )
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("SKILL_CONSOLE_RETRY_BASE", "0.2")
    app_class = QApplication
    if args.trace is not None:
        from tests.bench.stall_trace import TracingApplication, trace_callbacks

        app_class = TracingApplication
        trace_callbacks()
    app = app_class(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    loop.set_default_executor(worker_threads())  # the app's (console/app.py), not qasync's
    asyncio.set_event_loop(loop)
    # The history (and any other data) in a directory of its own: not the user's, which
    # grows with every run and would make one run differ from the next.
    with tempfile.TemporaryDirectory(prefix="bench-ui-stall-") as data, loop:
        os.environ["XDG_DATA_HOME"] = data
        print(json.dumps(loop.run_until_complete(main_async(args.in_process, args.trace))))


if __name__ == "__main__":
    main()
