"""skill-console as installers run it: `python -m console.app --self-test` in a subprocess."""

from __future__ import annotations

import os
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
