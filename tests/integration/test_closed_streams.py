"""Every entry point runs without a console: closed descriptors (`0<&- 1>&- 2>&-`, as a
launcher or scheduler may start it) and `sys.stdout`/`sys.stderr` = None (a windowed exe)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sandbox_client import SKILL_TRIVIA

# Runs `command` with stdin, stdout and stderr closed, not redirected.
CLOSED = 'exec "$@" 0<&- 1>&- 2>&-'
# What a windowed PyInstaller exe does before our code runs.
WINDOWED = (
    "import sys; sys.stdout = sys.stderr = None; import {module} as m; sys.exit(m.main({args!r}))"
)


def environment(home: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        environ[name] = str(home / name.lower())
    return environ | {"QT_QPA_PLATFORM": "offscreen"}


def closed(home: Path, *command: str) -> int:
    """The exit code of `command` run with descriptors 0-2 closed."""
    return subprocess.run(
        ["/bin/sh", "-c", CLOSED, "sh", *command], env=environment(home), timeout=90
    ).returncode


def windowed(home: Path, module: str, *args: str) -> int:
    code = WINDOWED.format(module=module, args=list(args))
    return subprocess.run(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment(home),
        timeout=90,
    ).returncode


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell redirections")


def test_the_self_test_passes_with_closed_streams(tmp_path: Path) -> None:
    assert closed(tmp_path, sys.executable, "-m", "console.app", "--self-test") == 0


def test_the_self_test_passes_in_a_windowed_process(tmp_path: Path) -> None:
    assert windowed(tmp_path, "console.app", "--self-test") == 0


def test_skillctl_answers_with_closed_streams(tmp_path: Path) -> None:
    # 4 is the answer "not enabled" (the demo skill starts so), not a crash (1).
    status = ("-m", "console", "--sandbox", "status", SKILL_TRIVIA)
    assert closed(tmp_path, sys.executable, *status) == 4
    assert closed(tmp_path, sys.executable, "-m", "console", "--version") == 0


def test_skillctl_answers_in_a_windowed_process(tmp_path: Path) -> None:
    assert windowed(tmp_path, "console.cli", "--sandbox", "status", SKILL_TRIVIA) == 4
