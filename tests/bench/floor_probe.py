"""The machine's own hiccups, measured beside a bench: a bare PySide6 window in a process of
its own runs the same 5 ms probe over the same seconds.

On a VM a process that does nothing can miss its timer by 10-20 ms now and then (the host
takes the CPU; the guest counts it as the thread's own run time). A bench's longest stall
is the window's own work plus such a hiccup when they coincide; the floor's longest stall in
the same phase says how large the hiccups were then.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

CHILD = r"""
import json, sys, threading, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow(); window.resize(960, 736); window.show()
gaps, last = [], [time.perf_counter()]
def tick():
    now = time.perf_counter()
    gaps.append((now, (now - last[0]) * 1000 - PERIOD_MS)); last[0] = now
probe = QTimer(); probe.setInterval(PERIOD_MS); probe.timeout.connect(tick); probe.start()
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
poll = QTimer(); poll.setInterval(50); poll.timeout.connect(lambda: stop.is_set() and app.quit())
poll.start()
print("ready", flush=True)
app.exec()
print(json.dumps([g for g in gaps if g[1] > 0.5]))
"""


class FloorProbe:
    """Start the floor process; `stop` returns its gaps as (perf_counter time, stall ms)."""

    def __init__(self, period_ms: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"PERIOD_MS = {period_ms}\n{CHILD}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            text=True,
        )
        assert self.process.stdout is not None
        self.process.stdout.readline()  # "ready": its window is shown and its probe runs

    def stop(self) -> list[tuple[float, float]]:
        out, _ = self.process.communicate("stop\n", timeout=30)
        return [(t, gap) for t, gap in json.loads(out)]


def max_in(gaps: list[tuple[float, float]], start: float, end: float) -> float:
    """The floor's longest stall between two perf_counter times (time.perf_counter is the
    system's monotonic clock on Linux, the same in both processes)."""
    return round(max((gap for t, gap in gaps if start <= t <= end), default=0.0), 1)
