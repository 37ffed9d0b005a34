"""Runs one operation at a time for the window: busy state, cancel, errors as values."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from console.api.errors import ConsoleError

if TYPE_CHECKING:  # imported lazily below: the window paints before asyncio loads
    import asyncio

    from console.api.models import OperationResult


class OperationRunner(QObject):
    """A second request never starts while one runs; Cancel cancels the running task."""

    started = Signal(str)
    finished = Signal(str, object)  # name, OperationResult
    failed = Signal(str, object)  # name, ConsoleError
    cancelled = Signal(str)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.task: asyncio.Task[None] | None = None
        self._active = False  # cleared before `idle` fires, while the task is still finishing

    @property
    def busy(self) -> bool:
        return self._active

    def start(self, name: str, work: Callable[[], Awaitable[OperationResult]]) -> bool:
        if self.busy:
            return False
        import asyncio

        self._active = True
        self.task = asyncio.ensure_future(self._run(name, work))
        return True

    def cancel(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()

    async def wait(self) -> None:
        """Until the current operation (if any) has finished; never raises."""
        import asyncio

        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)

    async def _run(self, name: str, work: Callable[[], Awaitable[OperationResult]]) -> None:
        import asyncio

        self.started.emit(name)
        try:
            result = await work()
        except asyncio.CancelledError:
            self.cancelled.emit(name)
        except ConsoleError as error:
            self.failed.emit(name, error)
        except Exception as error:  # a bug must still not leave the window stuck busy
            self.failed.emit(name, ConsoleError(f"Unexpected problem: {type(error).__name__}"))
        else:
            self.finished.emit(name, result)
        finally:
            self._active = False
            self.idle.emit()
