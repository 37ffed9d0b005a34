"""The application icon and the About box."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # QMessageBox's enums take ~1.5 ms: the icon is set right after first paint
    from PySide6.QtWidgets import QApplication, QWidget

ICON_NAME = "skill-console.svg"


def icon_path() -> Path | None:
    """The icon in a wheel or bundle (console/resources/), else in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (
        package / "resources" / ICON_NAME,
        package.parent / "resources" / "icons" / ICON_NAME,
    ):
        if candidate.is_file():
            return candidate
    return None


def set_window_icon(app: QApplication) -> None:
    """Every window's icon (title bar, task bar, About box); none if it is missing."""
    path = icon_path()
    if path is not None:
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(path)))


def about_text() -> str:
    import platform

    from PySide6 import __version__ as pyside_version

    from console.version import version

    return (
        f"<b>Skill Enablement Console {version()}</b>"
        "<p>Enable, disable and check Alexa skills by stage; look up a customer's skill and "
        "account-linking status. Includes an embedded sandbox.</p>"
        f"<p>PySide6 {pyside_version}, Python {platform.python_version()}. MIT licence.</p>"
    )


def show_about(parent: QWidget) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.about(parent, "About Skill Console", about_text())
