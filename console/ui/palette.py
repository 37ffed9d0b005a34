"""Colours for labels, set through palettes: a first style sheet costs start-up time and
slows every later paint, and these few colours need none.

Each palette sets only the roles it names; every other role (and, for `tint(w, None)`, all
of them) stays inherited, so a light/dark switch of the desktop still reaches these widgets.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

ERROR = "#cf222e"


def tint(widget: QWidget, colour: str | None) -> None:
    """Text in `colour`; None: the inherited text colour again."""
    palette = QPalette()  # resolves nothing: what is not set here is inherited
    if colour is not None:
        palette.setColor(QPalette.ColorRole.WindowText, QColor(colour))
    widget.setPalette(palette)


def fill(widget: QWidget, background: str, text: str = "white") -> None:
    """A solid background with contrasting text (the status badge)."""
    widget.setAutoFillBackground(True)
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(background))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
    widget.setPalette(palette)
