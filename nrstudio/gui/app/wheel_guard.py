"""A turn of the mouse wheel scrolls the page, not the number box or list box under the
pointer: a user scrolling the Design page to reach its buttons changed the number of
candidates and the inputs' modes without seeing it. A box reacts to the wheel once it has
been clicked (it has the focus), as before."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget

_GUARDED = (QAbstractSpinBox, QComboBox)
_NAME = "nrstudio-wheel-guard"


class WheelGuard(QObject):
    """Installed on the application: a wheel event over an unfocused spin box or combo box
    goes on to its parents (the scroll area), and such boxes take the focus by click or
    Tab only, not by the wheel (Qt gives the focus before any filter sees the event)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, _GUARDED):
            watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        elif (kind == QEvent.Type.Wheel and isinstance(watched, _GUARDED)
              and isinstance(watched, QWidget) and not watched.hasFocus()):
            # Ignored and filtered: Qt then offers the event to the parent widgets.
            event.ignore()
            return True
        return False


def install_wheel_guard() -> WheelGuard | None:
    """The application's one guard, installed on first use (every window shares it: a guard
    per window made each event pass through as many filters as windows were ever opened)."""
    app = QApplication.instance()
    if app is None:
        return None
    guard = app.findChild(WheelGuard, _NAME)
    if guard is None:
        guard = WheelGuard(app)
        guard.setObjectName(_NAME)
        app.installEventFilter(guard)
    return guard
