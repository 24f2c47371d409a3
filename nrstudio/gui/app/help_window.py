"""The offline user guide (docs/guide, shipped with the app) in a help window, the one-line
"what this does" of each page taken from it, and the keyboard shortcuts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nrstudio.resources import guide_folder

# The guide's files in reading order: the start, one per page, then the rest.
GUIDE_ORDER = ["index", "data", "augment", "train", "predict", "design", "explain",
               "micrographs", "report", "files"]


def guide_file(section: str) -> Path:
    return guide_folder() / f"{section}.md"


def guide_title(section: str) -> str:
    """The first heading of a section's file."""
    try:
        for line in guide_file(section).read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    except OSError:
        pass
    return section.capitalize()


def page_summary(section: str) -> str:
    """The section's one-line summary: its first paragraph in *italics* ("" when none)."""
    try:
        text = guide_file(section).read_text(encoding="utf-8")
    except OSError:
        return ""
    for line in text.splitlines():
        s = line.strip()
        if len(s) > 2 and s.startswith("*") and s.endswith("*") and not s.startswith("**"):
            return s.strip("*")
    return ""


class HelpWindow(QWidget):
    """Contents on the left, the section on the right; links between sections follow, links
    to the outside go to the system browser."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("NR Studio — User guide")
        self.contents = QListWidget()
        for section in GUIDE_ORDER:
            if guide_file(section).is_file():
                item = QListWidgetItem(guide_title(section))
                item.setData(Qt.ItemDataRole.UserRole, section)
                self.contents.addItem(item)
        self.contents.setMaximumWidth(220)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._follow)
        self.browser.setSearchPaths([str(guide_folder())])
        self.contents.currentItemChanged.connect(
            lambda item, _prev: item is not None and self._show(item.data(
                Qt.ItemDataRole.UserRole)))
        split = QSplitter()
        split.addWidget(self.contents)
        split.addWidget(self.browser)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.resize(900, 640)
        self.section = ""
        if not self.contents.count():
            self.browser.setPlainText(f"The user guide was not found in {guide_folder()}.")

    def open_section(self, section: str) -> None:
        for k in range(self.contents.count()):
            if self.contents.item(k).data(Qt.ItemDataRole.UserRole) == section:
                self.contents.setCurrentRow(k)
                break
        self.show()
        self.raise_()
        self.activateWindow()

    def _show(self, section: str) -> None:
        self.section = section
        self.browser.setSource(QUrl.fromLocalFile(str(guide_file(section))))

    def _follow(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
            return
        name = Path(url.path()).stem if url.path() else ""
        if name in GUIDE_ORDER:
            self.open_section(name)


class PageIntro(QWidget):
    """A page's one-line summary from the guide, with a link to its section."""

    help_requested = Signal(str)

    def __init__(self, section: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.label = QLabel(f"{page_summary(section)} &nbsp;<a href='{section}'>Help on this "
                            "page</a>")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setStyleSheet("color: #444")
        self.label.linkActivated.connect(self.help_requested.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 2)
        layout.addWidget(self.label, 1)


def page_frame(section: str, page: QWidget, on_help) -> QWidget:  # type: ignore[no-untyped-def]
    """A workflow page under its one-line intro. A page wider or taller than a small screen
    (1366 x 768) scrolls instead of pushing the window off the screen."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    intro = PageIntro(section)
    intro.help_requested.connect(on_help)
    layout.addWidget(intro)
    scroll = QScrollArea()
    scroll.setWidget(page)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    layout.addWidget(scroll, 1)
    return box


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str]]:
    """(action, keys) for every action with a shortcut, in menu order, without duplicates."""
    rows, seen = [], set()
    for act in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts()]
        keys = [k for k in keys if k]
        name = act.text().replace("&", "").rstrip("…").strip()
        if keys and name and name not in seen:
            seen.add(name)
            rows.append((name, ", ".join(keys)))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        for r, (name, keys) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(name))
            self.table.setItem(r, 1, QTableWidgetItem(keys))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.resize(420, 460)
