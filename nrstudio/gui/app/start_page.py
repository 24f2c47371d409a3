"""The start page, shown when no project is open: recent projects with their dates, the
example, a new project from the template, importing a table, and a place to drop a file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def recent_entry(path: str) -> tuple[str, bool]:
    """The line shown for a recent file, and whether it still exists."""
    p = Path(path)
    try:
        stamp = dt.datetime.fromtimestamp(p.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    except OSError:
        return f"{p.name}    (not found)    {p.parent}", False
    return f"{p.name}    {stamp}    {p.parent}", True


class StartPage(QWidget):
    """Signals: ``open_requested(path)`` (a recent file), ``example_requested``,
    ``new_requested``, ``import_requested``, ``open_dialog_requested``."""

    open_requested = Signal(str)
    example_requested = Signal()
    new_requested = Signal()
    import_requested = Signal()
    open_dialog_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<h1>NR Studio</h1><p>Predict, explain and measure nanorod sizes from "
                       "your syntheses. Everything stays on this computer.</p>")
        title.setWordWrap(True)
        actions = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for k, (key, text, tip, signal) in enumerate((
                ("example", "Open the example",
                 "28 CdSe/CdS nanorod syntheses from the SMOTE-REG paper", self.example_requested),
                ("new", "New from the template",
                 "An empty table with the paper's columns, ready to fill in", self.new_requested),
                ("import", "Import a table…", "A CSV, TSV or Excel table of your syntheses",
                 self.import_requested),
                ("open", "Open a project…", "An .nrproj file", self.open_dialog_requested))):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.setMinimumHeight(34)
            button.clicked.connect(signal.emit)
            actions.addWidget(button, k // 2, k % 2)
            self.buttons[key] = button
        self.recent = QListWidget()
        self.recent.itemActivated.connect(self._activated)
        self.recent_note = QLabel()
        drop = QLabel("Drop a project, a table or micrographs here")
        drop.setAlignment(Qt.AlignmentFlag.AlignCenter)
        drop.setMinimumHeight(70)
        drop.setFrameShape(QFrame.Shape.StyledPanel)
        drop.setStyleSheet("QLabel { border: 2px dashed #8aa4c2; border-radius: 8px; "
                           "color: #4a6484; }")
        column = QVBoxLayout()
        column.addWidget(title)
        column.addLayout(actions)
        column.addSpacing(12)
        column.addWidget(QLabel("<b>Recent projects</b> (double-click to open)"))
        column.addWidget(self.recent, 1)
        column.addWidget(self.recent_note)
        column.addSpacing(8)
        column.addWidget(drop)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 3)
        outer.addStretch(1)

    def show_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for path in paths:
            text, exists = recent_entry(path)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(path)
            if not exists:
                item.setForeground(Qt.GlobalColor.gray)
            self.recent.addItem(item)
        self.recent_note.setText("" if paths else "No recent projects yet.")

    def _activated(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)))
