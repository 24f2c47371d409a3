"""Drawing cut into steps, one per turn of the event loop, so the window answers between them.

A drawing is a generator: it does one step's work (make a plot item, fill a histogram) and
``yield``s, leaving the plot in a state worth painting. ``InTurns.start`` runs the first step
at once and each further step after a 1 ms timer (a zero one ran in the same pass over posted
events, before the window's own timers and input). Starting a new drawing drops what is left
of the one before: a result that lands twice in a row is drawn once, from the newest data."""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QObject, QTimer


class InTurns(QObject):
    """Runs the steps of one drawing at a time, one step per turn of the event loop."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._steps: Iterator[object] | None = None
        self._queued = False

    @property
    def running(self) -> bool:
        """Whether steps of the current drawing are still to come."""
        return self._steps is not None

    def start(self, steps: Iterator[object]) -> None:
        """Drop what is left of the drawing before, run the first step of ``steps`` now."""
        self._steps = steps
        self._step()

    def stop(self) -> None:
        """Drop what is left of the current drawing."""
        self._steps = None

    def _step(self) -> None:
        steps = self._steps
        if steps is None:
            return
        try:
            next(steps)
        except StopIteration:
            if self._steps is steps:
                self._steps = None
            return
        # A step may have started another drawing: the queued turn then serves that one.
        if self._steps is not None and not self._queued:
            self._queued = True
            QTimer.singleShot(1, self, self._next_turn)

    def _next_turn(self) -> None:
        self._queued = False
        self._step()
