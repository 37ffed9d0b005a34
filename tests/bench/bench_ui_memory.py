"""Benchmark: idle memory (RSS) of the workbench vs a floor process.

    QT_QPA_PLATFORM=offscreen uv run python -m tests.bench.bench_ui_memory [--runs 3]

The floor shows a bare QMainWindow with the declared libraries loaded (PySide6, httpx, qasync,
keyring, a TLS context) and idles on a qasync loop. The app is `skill-console` without the
sandbox (a fresh HOME: no logins, no sandbox server in the process), left idle once its window
is complete. Both are sampled from /proc after SETTLE seconds; one JSON line, ratio target ≤ 1.2.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SETTLE = 4.0
FLOOR = """
import asyncio, sys
import httpx, keyring, qasync, ssl
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
context = ssl.create_default_context()
client = httpx.AsyncClient(verify=context)
w = QMainWindow(); w.resize(1280, 760); w.show()
loop = qasync.QEventLoop(app); asyncio.set_event_loop(loop)
with loop:
    loop.run_until_complete(asyncio.sleep(3600))
"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def idle_rss(cmd: list[str], env: dict[str, str]) -> int:
    """Start `cmd`, let it settle, sample its RSS, then stop it."""
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(SETTLE)  # a benchmark, not a test: the process idles, nothing to wait on
        return rss_kib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    home = tempfile.mkdtemp()
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        HOME=home,
        XDG_CONFIG_HOME=str(Path(home) / ".config"),
        XDG_DATA_HOME=str(Path(home) / ".local/share"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    floor, app = [], []
    for _ in range(args.runs):
        floor.append(idle_rss([sys.executable, "-c", FLOOR], env))
        app.append(idle_rss([sys.executable, "-m", "console.app"], env))
    floor_mib, app_mib = statistics.median(floor) / 1024, statistics.median(app) / 1024
    print(
        json.dumps(
            {
                "bench": "ui_memory",
                "runs": args.runs,
                "floor_rss_mib": round(floor_mib, 1),
                "skill_console_rss_mib": round(app_mib, 1),
                "ratio": round(app_mib / floor_mib, 3),
                "target_ratio": 1.2,
            }
        )
    )


if __name__ == "__main__":
    main()
