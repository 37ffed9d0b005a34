"""skill-console as installers run it: `python -m console.app --self-test` in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

# Runs the real entry point with SandboxServer.start failing, as a machine out of file
# descriptors (or a broken install) would make it fail; a token-like string checks redaction.
BROKEN_SANDBOX = """
import sys
from console.sandbox.server import SandboxServer

def start(self):
    raise OSError(24, "Too many open files; refresh_token=Atzr|leaked-secret was in use")

SandboxServer.start = start
from console.app import main
sys.exit(main(sys.argv[1:]))
"""


def app(*args: str, code: str | None = None, home: Path) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    environ |= {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(home)}
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "console.app"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=environ, timeout=90
    )


def test_self_test_fails_in_one_line_when_the_sandbox_cannot_start(tmp_path: Path) -> None:
    result = app("--self-test", code=BROKEN_SANDBOX, home=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "self-test FAILED: Could not start the embedded sandbox: "
        "[Errno 24] Too many open files; refresh_token=[redacted] was in use"
    ]
    assert "Traceback" not in result.stderr and "leaked-secret" not in result.stderr


def test_self_test_drives_the_window_and_prints_one_line(tmp_path: Path) -> None:
    result = app("--self-test", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    # The endpoint as the status panel shows it (with its region), the count as the log does.
    assert re.fullmatch(
        r"self-test ok: (ENABLED|NOT_ENABLED) via http://127\.0\.0\.1:\d+ \(NA\) "
        r"in [1-9]\d* HTTP request\(s\); 6 answers on 3 rows, each on its own row",
        lines[0],
    ), lines[0]
    assert "Traceback" not in result.stderr
