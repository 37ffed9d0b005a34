"""One version everywhere: pyproject.toml's, shown by both commands and the About box."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from console import version as version_module
from console.ui.about import about_text, icon_path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_version_is_pyprojects() -> None:
    assert version_module.version() == PYPROJECT["version"]


def test_a_bundles_stamp_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stamp = tmp_path / "VERSION"
    stamp.write_text("9.8.7\n", encoding="utf-8")
    monkeypatch.setattr(version_module, "STAMP", stamp)
    assert version_module.version() == "9.8.7"


def test_both_commands_print_it() -> None:
    for module, name in (("console", "skillctl"), ("console.app", "skill-console")):
        result = subprocess.run(
            [sys.executable, "-m", module, "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert result.stdout == f"{name} {PYPROJECT['version']}\n"


def test_the_about_box_shows_it_and_the_icon_is_found() -> None:
    assert f"Skill Enablement Console {PYPROJECT['version']}" in about_text()
    assert icon_path() is not None
