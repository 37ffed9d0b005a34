"""PySide6's import hook must not leave each imported module's source in linecache."""

from __future__ import annotations

import linecache
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import PySide6.QtCore  # noqa: F401  (installs the import hook)
import pytest

from console.ui.source_cache import stop_source_caching


@pytest.fixture
def feature() -> ModuleType:
    """PySide6's import-hook module (the test is skipped where this PySide6 has none)."""
    module = sys.modules.get("shibokensupport.feature")
    if module is None or not hasattr(module, "_mod_uses_pyside"):
        pytest.skip("this PySide6 has no source-reading import hook")
    return module


def test_imported_modules_leave_no_source_behind(
    feature: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = feature._mod_uses_pyside
    asked: list[str] = []

    def spy(module: ModuleType) -> bool:
        asked.append(module.__name__)
        return bool(original(module))

    monkeypatch.setattr(feature, "_mod_uses_pyside", spy)  # undone after the test
    assert stop_source_caching()
    assert not stop_source_caching()  # wrapped once, not twice
    uses = tmp_path / "skill_console_probe_uses.py"
    uses.write_text("import PySide6\nVALUE = 1\n")
    plain = tmp_path / "skill_console_probe_plain.py"
    plain.write_text("VALUE = 2  # no Qt here\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        # the hook sits in builtins.__import__ (an import statement), not importlib's API
        probes = [__import__("skill_console_probe_uses"), __import__("skill_console_probe_plain")]
    finally:
        for name in ("skill_console_probe_uses", "skill_console_probe_plain"):
            sys.modules.pop(name, None)
    assert [p.VALUE for p in probes] == [1, 2]
    assert str(uses) not in linecache.cache and str(plain) not in linecache.cache
    # PySide6's answers, as its own check gives them: 0 uses PySide6, -1 ignore the module
    assert feature.pyside_feature_dict["skill_console_probe_uses"] == 0
    assert feature.pyside_feature_dict["skill_console_probe_plain"] == -1
    for module in probes:
        assert feature._mod_uses_pyside(module) is original(module)  # the same answer
    assert asked == []  # from the files' bytes, without reading them through inspect


def test_a_module_without_a_readable_file_goes_to_pysides_own_check(
    feature: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(
        feature, "_mod_uses_pyside", lambda module: asked.append(module.__name__) or False
    )
    assert stop_source_caching()
    bundled = ModuleType("skill_console_bundled")  # as a PyInstaller bundle has it
    bundled.__file__ = str(tmp_path / "gone" / "skill_console_bundled.py")
    assert feature._mod_uses_pyside(bundled) is False
    assert asked == ["skill_console_bundled"]
