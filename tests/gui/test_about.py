"""Help → About shows the one version; the application has the project's icon."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from console.ui.about import set_window_icon
from console.ui.main_window import MainWindow
from console.version import version


def test_help_about_names_the_version(window: MainWindow) -> None:
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert window.about_action in menus["&Help"].actions()  # type: ignore[union-attr]
    shown: list[str] = []

    def close_box() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        shown.append(box.text())
        box.accept()

    QTimer.singleShot(0, close_box)
    window.about_action.trigger()  # modal: returns once close_box accepted it
    assert shown and f"Skill Enablement Console {version()}" in shown[0]


def test_the_application_icon_is_set(qapp: QApplication) -> None:
    set_window_icon(qapp)
    assert not qapp.windowIcon().isNull()
