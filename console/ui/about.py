"""The application icon and the About box."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # QMessageBox's enums take ~1.5 ms: the icon is set right after first paint
    from PySide6.QtWidgets import QApplication, QWidget

ICON_NAME = "skill-console.svg"
PNG_SIZES = (16, 32, 48, 256)  # rendered from the SVG by packaging/make_icons.py --png


def icon_path(name: str = ICON_NAME) -> Path | None:
    """An icon file in a wheel or bundle (console/resources/), else in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (
        package / "resources" / name,
        package.parent / "resources" / "icons" / name,
    ):
        if candidate.is_file():
            return candidate
    return None


def set_window_icon(app: QApplication) -> None:
    """Every window's icon (title bar, task bar, About box); none if it is missing.

    From PNGs where they are: an SVG icon loads Qt's SVG module and icon engine plugin (about
    0.8 MiB of memory for as long as the app runs, and a millisecond of start-up)."""
    from PySide6.QtGui import QIcon

    pngs = [p for p in (icon_path(f"skill-console-{s}.png") for s in PNG_SIZES) if p]
    if pngs:
        icon = QIcon()
        for png in pngs:
            icon.addFile(str(png))
        app.setWindowIcon(icon)
        return
    path = icon_path()
    if path is not None:
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
