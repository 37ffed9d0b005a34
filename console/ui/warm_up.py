"""First-use costs of the workbench, paid in idle turns once the complete window is drawn.

Start-up leaves these for later (see MainWindow.finish_start); left to the first action, they
all landed in one turn of the loop and cost the fault storm's first repaint ~10 ms on top of its
own work (a >16 ms stall: tests/bench/bench_ui_stall.py). Each step here is one turn of the loop
(a zero timer: input and paints go between them), the longest ~5 ms (~10 ms while the service
modules load in a worker thread at start). Nothing here loads a module or builds a widget; the
types and enums made take ~0.5 MiB of idle RSS (README, Benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


def _style_enums() -> None:
    """QStyle's enums (~5.5 ms): the state delegate's first paint asks for them."""
    from PySide6.QtWidgets import QStyle

    del QStyle


def _style_options() -> None:
    """The option types Qt hands the delegate (~1 ms with their enums)."""
    from PySide6.QtWidgets import QStyleOptionProgressBar, QStyleOptionViewItem

    del QStyleOptionProgressBar, QStyleOptionViewItem


def _painting() -> None:
    """QPainter's types for the delegate's painter; QGradient is what `fillRect`'s overloads
    try first (~2 ms)."""
    from PySide6.QtGui import QGradient, QPainter

    del QGradient, QPainter


def _scroll_bars() -> None:
    """QAbstractSlider's enums: the activity log's first rows move its scroll bar (~0.7 ms)."""
    from PySide6.QtWidgets import QAbstractSlider

    del QAbstractSlider


STEPS: tuple[Callable[[], None], ...] = (_style_enums, _style_options, _painting, _scroll_bars)


class WarmUp(QObject):
    """Runs `steps` one per turn of the loop once `start` is called; `stop` (the window
    closing) drops the rest. Starting again, or after the end, does nothing."""

    def __init__(
        self, parent: QObject | None = None, steps: tuple[Callable[[], None], ...] | None = None
    ) -> None:
        super().__init__(parent)
        self.pending = list(STEPS if steps is None else steps)
        self.started = False
        self._timer = QTimer(self)  # a child: it goes when the window goes
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)

    @property
    def done(self) -> bool:
        return not self.pending

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        if self.pending:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.pending.clear()

    def _step(self) -> None:
        if not self.pending:
            return
        self.pending.pop(0)()
        if self.pending:
            self._timer.start()
