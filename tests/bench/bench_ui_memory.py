"""Benchmark: idle memory (RSS) of the workbench vs a floor process.

    QT_QPA_PLATFORM=offscreen uv run python -m tests.bench.bench_ui_memory [--runs 3]
        [--no-bytecode] [--sandbox]

The floor shows a bare QMainWindow with the declared libraries loaded (PySide6, httpx, qasync,
keyring, a TLS context) and idles on a qasync loop. The app is `skill-console` without the
sandbox (a fresh HOME: no logins, no sandbox server in the process), left idle once its window
is complete. Both are sampled from /proc after SETTLE seconds; one JSON line, ratio target ≤ 1.2.
Bytecode is cached as an installed app has it (tests/bench/bytecode.py): a first, untimed round
writes it. `--sandbox` also samples `skill-console --sandbox` (the in-process Starlette/uvicorn
sandbox is weight the floor does not carry, so it is reported beside the target, not in it).
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

from tests.bench.bytecode import bench_env, mode

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
    parser.add_argument("--no-bytecode", action="store_true", help="compile at every start")
    parser.add_argument("--sandbox", action="store_true", help="also sample --sandbox")
    args = parser.parse_args()
    bytecode = not args.no_bytecode
    home = tempfile.mkdtemp()
    base = dict(
        os.environ,
        QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        HOME=home,
        XDG_CONFIG_HOME=str(Path(home) / ".config"),
        XDG_DATA_HOME=str(Path(home) / ".local/share"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    env = bench_env(base, bytecode=bytecode)
    commands = {
        "floor": [sys.executable, "-c", FLOOR],
        "app": [sys.executable, "-m", "console.app"],
    }
    if args.sandbox:
        commands["sandbox"] = [*commands["app"], "--sandbox"]
    samples: dict[str, list[int]] = {name: [] for name in commands}
    for round_ in range(args.runs + bytecode):  # with bytecode: round 0 writes it, unsampled
        for name, cmd in commands.items():
            rss = idle_rss(cmd, env)
            if round_ or not bytecode:
                samples[name].append(rss)
    mib = {name: statistics.median(values) / 1024 for name, values in samples.items()}
    figures = {
        "bench": "ui_memory",
        "runs": args.runs,
        "bytecode": mode(bytecode),
        "floor_rss_mib": round(mib["floor"], 1),
        "skill_console_rss_mib": round(mib["app"], 1),
        "ratio": round(mib["app"] / mib["floor"], 3),
        "target_ratio": 1.2,
    }
    if args.sandbox:
        figures["sandbox_mode_rss_mib"] = round(mib["sandbox"], 1)
        figures["sandbox_mode_ratio"] = round(mib["sandbox"] / mib["floor"], 3)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
