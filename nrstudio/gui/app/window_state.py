"""What the window remembers between sessions (QSettings): size and position, toolbar and
splitter positions, and the last page; a remembered size that no longer fits the screen (a
laptop after a large monitor) is shrunk to fit."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QMainWindow, QSplitter

DEFAULT_SIZE = (1200, 740)


def fit_to_screen(window: QMainWindow) -> None:
    """Keep the whole window, frame included, on its screen's available area."""
    screen = window.screen() or (window.windowHandle() and window.windowHandle().screen())
    if screen is None:
        return
    area = screen.availableGeometry()
    frame = window.frameGeometry()
    extra_w = max(frame.width() - window.width(), 0)
    extra_h = max(frame.height() - window.height(), 0)
    w = min(window.width(), area.width() - extra_w)
    h = min(window.height(), area.height() - extra_h)
    if (w, h) != (window.width(), window.height()):
        window.resize(w, h)
    x = min(max(window.x(), area.left()), area.right() - w - extra_w + 1)
    y = min(max(window.y(), area.top()), area.bottom() - h - extra_h + 1)
    if (x, y) != (window.x(), window.y()):
        window.move(x, y)


class _FitOnceFramed(QObject):
    """Fits a window with a remembered size to the screen again once the window manager has
    framed it: before it is shown the frame's size is unknown, and the remembered size plus
    the frame ran off the screen."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            watched.removeEventFilter(self)
            QTimer.singleShot(300, watched, lambda: fit_to_screen(watched))  # type: ignore[arg-type]
        return False


def restore_window(window: QMainWindow, settings: QSettings, splitter: QSplitter) -> str | None:
    """Restore what :func:`save_window` kept; returns the last page's name (None if none)."""
    geometry = settings.value("window/geometry", settings.value("geometry"))
    if not (isinstance(geometry, QByteArray | bytes) and window.restoreGeometry(geometry)):
        window.resize(*DEFAULT_SIZE)
    state = settings.value("window/state")
    if isinstance(state, QByteArray | bytes):
        window.restoreState(state)
    sizes = settings.value("window/splitter")
    if isinstance(sizes, QByteArray | bytes):
        splitter.restoreState(sizes)
    fit_to_screen(window)
    if geometry is not None:
        window.installEventFilter(_FitOnceFramed(window))
    page = settings.value("window/page")
    return str(page) if page else None


def save_window(window: QMainWindow, settings: QSettings, splitter: QSplitter, page: str) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    settings.setValue("window/splitter", splitter.saveState())
    settings.setValue("window/page", page)
