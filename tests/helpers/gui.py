"""Helpers for GUI tests: dialogs recorded instead of shown, windows on temporary settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox


class Dialogs:
    """Records message boxes instead of showing them; answers questions with ``answer``."""

    def __init__(self, monkeypatch, answer=QMessageBox.StandardButton.Cancel):
        self.shown: list[tuple[str, str]] = []
        self.answer = answer
        for kind in ("warning", "critical", "information"):
            monkeypatch.setattr(QMessageBox, kind, self._record(kind))
        monkeypatch.setattr(QMessageBox, "question", self._ask)

    def _record(self, kind):
        def show(parent, title, text, *args, **kwargs):
            self.shown.append((kind, text))
            return QMessageBox.StandardButton.Ok
        return show

    def _ask(self, parent, title, text, *args, **kwargs):
        self.shown.append(("question", text))
        return self.answer


def make_window(qtbot, folder: Path, project: Path | None = None):
    from nrstudio.gui.app.main_window import MainWindow

    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings, recovery_folder=folder / "recovery")
    qtbot.addWidget(w)
    if project is not None:
        assert w.open_path(project)
    return w


def wheel(widget, steps: int = -3) -> None:
    """A turn of the mouse wheel over ``widget``'s centre (negative: towards the user), sent
    to it as Qt delivers one; a sent event is not passed on to the parents as a real one is."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(QPoint(0, 0))) + centre,
                        QPoint(0, 0), QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
