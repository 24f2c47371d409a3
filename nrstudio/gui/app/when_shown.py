"""Work a page does only when it can be seen (drawing a plot, building a form, decoding an
image): done at once while the page is visible, otherwise once, the next time it is shown.
Drawing pages that nobody is looking at, the moment a job ends, kept the window waiting."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class WhenShown(QObject):
    """``request()`` runs ``work`` now when ``widget`` is visible; otherwise it is pending and
    runs when the widget is next shown (several requests meanwhile run it once).

    ``later``: a request while the widget is visible runs ``work`` in a later turn of the
    event loop instead, once for several requests. For work that follows a change another
    page also reacts to (a SMOTE-REG result landing): each gets its own turn. A 1 ms timer,
    not 0: a zero one ran in the same pass over posted events, before the window's own
    timers and input."""

    def __init__(self, widget: QWidget, work: Callable[[], object], *,
                 later: bool = False) -> None:
        super().__init__(widget)
        self._widget, self._work, self._later = widget, work, later
        self.pending = False
        self._queued = False
        widget.installEventFilter(self)

    def request(self) -> None:
        if not self._widget.isVisible():
            self.pending = True
            return
        self.pending = False
        if not self._later:
            self._work()
        elif not self._queued:
            self._queued = True
            QTimer.singleShot(1, self, self._run_queued)

    def _run_queued(self) -> None:
        self._queued = False
        if self._widget.isVisible():
            self._work()
        else:  # hidden meanwhile: drawn when shown again
            self.pending = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Show and self.pending:
            self.pending = False
            self._work()
        return False
