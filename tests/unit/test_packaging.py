"""Packaging files that nothing else exercises here: the desktop entry and the CI workflow."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_desktop_entry_passes_no_arguments_the_app_rejects() -> None:
    entry = (ROOT / "resources" / "skill-console.desktop").read_text(encoding="utf-8")
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    assert exec_line == "Exec=skill-console"  # no %U/%F: the app takes no files or URLs


def test_every_script_the_workflow_runs_is_there_and_executable() -> None:
    workflow = (ROOT / ".github" / "workflows" / "installers.yml").read_text(encoding="utf-8")
    scripts = set(re.findall(r"packaging[/\\][\w/\\.-]+\.(?:sh|ps1)", workflow))
    assert scripts
    for script in scripts:
        path = ROOT / script.replace("\\", "/")
        assert path.is_file(), script
        if path.suffix == ".sh":
            assert os.access(path, os.X_OK), f"{script} is not executable"


def test_the_version_script_prints_pyprojects_version() -> None:
    from console.version import version

    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "version.py")],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert result.stdout == version() + "\n"
