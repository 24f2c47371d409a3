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
