"""A turn of the mouse wheel scrolls the page, not the number box or list box under the
pointer: a user scrolling the Design page to reach its buttons changed the number of
candidates and the inputs' modes without seeing it. A box reacts to the wheel once it has
been clicked (it has the focus), as before.

The guard is installed on each box that a page can scroll past (:func:`guard_wheel`, called
where such boxes are made), not on the whole application: an application-wide filter ran
Python for every event, 40,000 of them to open the window and visit its pages."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

_NAME = "nrstudio-wheel-guard"
W = TypeVar("W", bound=QWidget)


class WheelGuard(QObject):
    """On a guarded box: a wheel event while the box has no focus goes on to its parents
    (the scroll area)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget)
                and not watched.hasFocus()):
            # Ignored and filtered: Qt then offers the event to the parent widgets.
            event.ignore()
            return True
        return False


def wheel_guard() -> WheelGuard | None:
    """The application's one guard, made on first use (None without an application)."""
    app = QApplication.instance()
    if app is None:
        return None
    guard = app.findChild(WheelGuard, _NAME)
    if guard is None:
        guard = WheelGuard(app)
        guard.setObjectName(_NAME)
    return guard


def guard_wheel(box: W) -> W:
    """``box`` (a spin box or combo box) takes the focus by click or Tab only, not by the
    wheel (Qt gives it before any filter sees the event), and passes the wheel on while it
    has no focus. Returns ``box``."""
    box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    guard = wheel_guard()
    if guard is not None:
        box.installEventFilter(guard)
    return box
