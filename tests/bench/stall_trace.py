"""What ran during each long stall of a bench: Qt events and asyncio callbacks, timed.

    QT_QPA_PLATFORM=offscreen uv run python -m tests.bench.bench_ui_stall --trace 12

`TracingApplication.notify` times every Qt event delivered through Python's QApplication,
and `trace_callbacks` wraps `asyncio.events.Handle._run` to time every asyncio callback.
`report` prints, for each probe gap over the threshold, the records that overlap it (longest
first, nested ones indented by depth). The tracing itself costs time, so a traced run's
figures are larger than an untraced run's: use it to learn what a stall is, not how long.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication


class Record(NamedTuple):
    start: float
    end: float
    depth: int
    what: str


class Trace:
    """Records of work longer than `floor_ms`, and the depth of the work now running."""

    def __init__(self, floor_ms: float = 0.3) -> None:
        self.floor = floor_ms / 1000
        self.records: list[Record] = []
        self.depth = 0
        self.main = threading.get_ident()

    def timed(self, describe: Callable[[], str], run: Callable[[], Any]) -> Any:
        if threading.get_ident() != self.main:  # a worker's work does not stall the window
            return run()
        self.depth += 1
        start = time.perf_counter()
        try:
            return run()
        finally:
            end = time.perf_counter()
            self.depth -= 1
            if end - start >= self.floor:
                self.records.append(Record(start, end, self.depth, describe()))


TRACE = Trace()


def _describe_event(receiver: QObject, event: QEvent, kind: str) -> str:
    try:
        name = receiver.objectName() or type(receiver).__name__
    except RuntimeError:  # the event deleted its receiver (a finished animation)
        name = type(receiver).__name__
    return f"Qt {kind} → {name}"


class TracingApplication(QApplication):
    """A QApplication that times each event it delivers."""

    def notify(self, receiver: QObject, event: QEvent) -> bool:
        kind = event.type().name  # before delivery: the event may not outlive it
        return bool(
            TRACE.timed(
                lambda: _describe_event(receiver, event, kind),
                lambda: super(TracingApplication, self).notify(receiver, event),
            )
        )


def trace_callbacks() -> None:
    """Time every asyncio callback (qasync runs them from Qt's timer and socket events)."""
    original = asyncio.events.Handle._run

    def _run(handle: asyncio.events.Handle) -> None:
        TRACE.timed(lambda: f"asyncio {handle!r}"[:160], lambda: original(handle))

    asyncio.events.Handle._run = _run  # type: ignore[method-assign,assignment]


def report(ticks: list[float], period_ms: float, threshold_ms: float, label: str) -> None:
    """Print, to stderr, what overlapped each gap between ticks longer than the threshold."""
    records = sorted(TRACE.records)
    for before, after in itertools.pairwise(ticks):
        gap = (after - before) * 1000 - period_ms
        if gap < threshold_ms:
            continue
        print(f"\n[{label}] stall {gap:.1f} ms", file=sys.stderr)
        inside = [r for r in records if r.end > before and r.start < after]
        for record in inside:
            ms = (record.end - record.start) * 1000
            at = (record.start - before) * 1000
            indent = "  " * record.depth
            print(f"  {at:6.1f} +{ms:5.1f} ms {indent}{record.what}", file=sys.stderr)
    TRACE.records.clear()
