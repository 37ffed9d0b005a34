"""Colours for labels, set through palettes: a first style sheet costs start-up time and
slows every later paint, and these few colours need none."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

ERROR = "#cf222e"


def tint(widget: QWidget, colour: str | None) -> None:
    """Text in `colour` (None: the system's text colour again)."""
    palette = widget.palette()
    role = QPalette.ColorRole.WindowText
    if colour is None:
        parent = widget.parentWidget()
        base = parent.palette() if parent is not None else QPalette()
        palette.setColor(role, base.color(role))
    else:
        palette.setColor(role, QColor(colour))
    widget.setPalette(palette)


def fill(widget: QWidget, background: str, text: str = "white") -> None:
    """A solid background with contrasting text (the status badge)."""
    widget.setAutoFillBackground(True)
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(background))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
    widget.setPalette(palette)
