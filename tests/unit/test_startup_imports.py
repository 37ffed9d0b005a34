"""The window's first frame must not pay for the service stack (see README, Benchmarks).

Deterministic stand-in for the start-up benchmark: which modules the window's module pulls
in before its first paint. A slip here cost 200 ms once (a config import in the login pane).
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "httpx",
    "asyncio",
    "keyring",
    "uvicorn",
    "starlette",
    "platformdirs",
    "dataclasses",  # ~2 ms, and the class decorator more: NamedTuple before the first paint
    "json",  # ~2 ms; read only when pins or sets were kept
    "console.config",
    "console.api.models",
    "console.ui.activity_log",
    "console.ui.backend",
)


def test_the_window_module_leaves_the_service_stack_for_later() -> None:
    probe = (
        "import sys, console.ui.main_window; "
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == []


# The start of a probe that notes the name of every enum PySide6 creates (in `created`).
RECORD_ENUMS = """
import enum, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
created = []
original = enum.EnumType._create_
def record(cls, name, *args, **kwargs):
    created.append(name)
    return original(cls, name, *args, **kwargs)
enum.EnumType._create_ = record
"""


def test_the_complete_window_creates_no_qstyle_enums() -> None:
    """QStyle's enums (~5 ms) wait for the idle turns after the complete window (see the next
    test): the activity log and the workbench model, built for it, create none of them."""
    probe = (
        RECORD_ENUMS
        + """
from PySide6.QtWidgets import QApplication, QTableView
app = QApplication([])
from console.ui.activity_log import ActivityLog
from console.ui.workbench_model import StateDelegate, WorkbenchModel
log, table = ActivityLog(), QTableView()
table.setModel(WorkbenchModel(table))
table.setItemDelegate(StateDelegate(table))
print(" ".join(n for n in ("PixelMetric", "ControlElement", "StyleHint") if n in created))
"""
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == []


def test_qstyle_enums_come_in_the_idle_turns_after_the_complete_window() -> None:
    """The complete window (as the start-up benchmark times it: shown, finish_start, drawn)
    creates none of QStyle's enums; the idle warm-up after it does, so that the first state
    cell's paint (a fault storm's first action) does not pay for them."""
    probe = (
        RECORD_ENUMS
        + """
import tempfile
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from console.ui.main_window import MainWindow
path = os.path.join(tempfile.mkdtemp(), "w.ini")
window = MainWindow(None, QSettings(path, QSettings.Format.IniFormat), sandbox=False)
window.show()
while not window.painted:
    app.processEvents()
window.finish_start()
window.repaint()
def style_enums():
    return "+".join(n for n in ("PixelMetric", "ControlElement") if n in created) or "none"
complete = style_enums()
while window.warm_up is None or not window.warm_up.done:
    app.processEvents()
print(complete, style_enums())
"""
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["none", "PixelMetric+ControlElement"]


def test_the_window_icon_needs_no_svg_module() -> None:
    """The icon comes from PNGs: Qt's SVG module (~0.8 MiB resident) stays unloaded."""
    if not sys.platform.startswith("linux"):
        return  # /proc/self/maps is how we look; the packaging is the same elsewhere
    probe = """
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
from console.ui.about import set_window_icon
app = QApplication([])
set_window_icon(app)
sizes = app.windowIcon().availableSizes()
maps = open("/proc/self/maps").read()
print(len(sizes), "Qt6Svg" in maps or "qsvgicon" in maps)
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["4", "False"]


def test_the_service_stack_leaves_the_browser_module_until_a_login() -> None:
    """`webbrowser` (~0.3 MiB) loads when a login opens the browser, not with the backend."""
    probe = "import sys, console.ui.backend; print('webbrowser' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["False"]


def test_the_service_stack_loads_httpx_transport_before_the_user_acts() -> None:
    """A worker thread importing anyio at the first service build still holds the GIL: it
    stalled the window's first action by ~30 ms. The start-up loader takes it instead."""
    import subprocess
    import sys

    code = (
        "import sys; from console.app import _load_service_modules; _load_service_modules(); "
        "print('anyio._backends._asyncio' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "True", done.stderr
