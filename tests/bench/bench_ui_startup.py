"""Benchmark: cold start to first paint of skill-console vs a bare PySide6 window.

    uv run python -m tests.bench.bench_ui_startup [--runs 7] [--no-bytecode]

Both are fresh processes, timed from spawn until they exit right after their first paint, with
their bytecode cached as an installed app has it (see tests/bench/bytecode.py; each command runs
once untimed first). Prints one JSON line with medians and the ratios (targets: first paint
≤ 1.3, the complete window ≤ 1.5). The app's first frame leaves
the activity log's room empty (it comes in the next turn of the loop); `complete` times the
app until the log, shortcuts and everything else are there and drawn too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from tests.bench.bytecode import bench_env, mode

BARE = """
import sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            app.quit()
        return False
w = QMainWindow(); w.resize(980, 720)
f = Painted(); w.installEventFilter(f)
w.show()
app.exec()
"""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=60)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-bytecode", action="store_true", help="compile at every start")
    args = parser.parse_args()
    bytecode = not args.no_bytecode
    env = bench_env(
        dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen")),
        bytecode=bytecode,
    )
    app_env = env | {"SKILL_CONSOLE_EXIT_AFTER_FIRST_PAINT": "1"}
    complete_env = env | {"SKILL_CONSOLE_EXIT_AFTER_FIRST_PAINT": "complete"}
    app_cmd = [sys.executable, "-m", "console.app"]
    for warm_cmd, warm_env in (([sys.executable, "-c", BARE], env), (app_cmd, complete_env)):
        timed(warm_cmd, warm_env)  # untimed: writes the bytecode (or warms the page cache)
    bare, app, complete = [], [], []
    for _ in range(args.runs):  # interleaved, so noise hits all alike
        bare.append(timed([sys.executable, "-c", BARE], env))
        app.append(timed(app_cmd, app_env))
        complete.append(timed(app_cmd, complete_env))
    print(
        json.dumps(
            {
                "bench": "ui_startup",
                "runs": args.runs,
                "bytecode": mode(bytecode),
                "bare_pyside6_ms_median": round(statistics.median(bare), 1),
                "skill_console_ms_median": round(statistics.median(app), 1),
                "ratio": round(statistics.median(app) / statistics.median(bare), 3),
                "complete_window_ms_median": round(statistics.median(complete), 1),
                "complete_ratio": round(statistics.median(complete) / statistics.median(bare), 3),
                "target_ratio": 1.3,
                "target_complete_ratio": 1.5,
            }
        )
    )


if __name__ == "__main__":
    main()
