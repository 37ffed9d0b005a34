"""PySide6's import hook must not leave each imported module's source in linecache."""

from __future__ import annotations

import linecache
import sys
from pathlib import Path
from types import ModuleType

import PySide6.QtCore  # noqa: F401  (installs the import hook)
import pytest

from console.ui.source_cache import stop_source_caching


def test_imported_modules_leave_no_source_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not hasattr(feature, "_mod_uses_pyside"):
        pytest.skip("this PySide6 has no source-reading import hook")
    original = feature._mod_uses_pyside
    answers: dict[str, bool] = {}

    def spy(module: ModuleType) -> bool:
        answers[module.__name__] = answer = original(module)
        return answer

    monkeypatch.setattr(feature, "_mod_uses_pyside", spy)  # undone after the test
    assert stop_source_caching()
    assert not stop_source_caching()  # wrapped once, not twice
    module = tmp_path / "skill_console_probe_module.py"
    module.write_text("import PySide6\nVALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    linecache.cache.pop(str(module), None)
    try:
        # the hook sits in builtins.__import__ (an import statement), not importlib's API
        probe = __import__("skill_console_probe_module")
    finally:
        sys.modules.pop("skill_console_probe_module", None)
    assert probe.VALUE == 1
    assert str(module) not in linecache.cache
    assert answers["skill_console_probe_module"] is True  # checked, with the same answer
