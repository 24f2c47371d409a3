"""Work a page does only when it can be seen (drawing a plot, building a form, decoding an
image): done at once while the page is visible, otherwise once, the next time it is shown.
Drawing pages that nobody is looking at, the moment a job ends, kept the window waiting."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class WhenShown(QObject):
    """``request()`` runs ``work`` now when ``widget`` is visible; otherwise it is pending and
    runs when the widget is next shown (several requests meanwhile run it once)."""

    def __init__(self, widget: QWidget, work: Callable[[], object]) -> None:
        super().__init__(widget)
        self._widget, self._work = widget, work
        self.pending = False
        widget.installEventFilter(self)

    def request(self) -> None:
        if self._widget.isVisible():
            self.pending = False
            self._work()
        else:
            self.pending = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Show and self.pending:
            self.pending = False
            self._work()
        return False
