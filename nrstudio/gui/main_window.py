"""Main window (placeholder until the desktop-shell issue lands): opens a project or a table
and shows its data read-only; the workflow pages say what they will hold."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
)

from nrstudio import __version__
from nrstudio.core.dataset import Dataset, format_cell
from nrstudio.core.errors import NRStudioError

PAGES = {
    "Data": "",
    "Augment": "SMOTE-REG augmentation with a live preview of the rows it makes.",
    "Train": "Networks and baselines, leakage-free and paper protocols, live loss curves.",
    "Predict": "Length, width and aspect ratio for planned conditions, with uncertainty.",
    "Explain": "LIME weight heat maps per target, and bar charts per sample.",
    "Micrographs": "Attach TEM images, measure rods, image models and LIME overlays.",
}


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(f"NR Studio {__version__}")
        self.resize(1100, 700)
        self.pages = QListWidget()
        self.pages.addItems(list(PAGES))
        self.stack = QStackedWidget()
        self.table = QTableWidget()
        self.stack.addWidget(self.table)
        for name, text in list(PAGES.items())[1:]:
            label = QLabel(f"<h2>{name}</h2><p>{text}</p><p><i>Not built yet.</i></p>")
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            label.setMargin(24)
            self.stack.addWidget(label)
        self.pages.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.pages.setCurrentRow(0)
        split = QSplitter()
        split.addWidget(self.pages)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 1)
        split.setSizes([160, 940])
        self.setCentralWidget(split)
        self.statusBar().showMessage("Open a project (.nrproj) or a table (.csv, .xlsx)")

    def open_path(self, path: str) -> bool:
        """Open a project or table; on failure show the loader's one-line reason."""
        from nrstudio.core.project_file import load_project
        from nrstudio.core.table_io import import_table

        p = Path(path)
        try:
            is_project = p.suffix.lower() == ".nrproj"
            dataset = load_project(p).dataset if is_project else import_table(p)
        except NRStudioError as exc:
            QMessageBox.warning(self, "Cannot open", str(exc))
            return False
        self.show_dataset(dataset)
        self.setWindowTitle(f"{p.name} — NR Studio {__version__}")
        self.statusBar().showMessage(f"{len(dataset)} samples from {p}")
        return True

    def show_dataset(self, dataset: Dataset) -> None:
        t = self.table
        t.clear()
        t.setColumnCount(len(dataset.columns))
        t.setRowCount(len(dataset))
        t.setHorizontalHeaderLabels([f"{c.name}\n[{c.role.value}]" for c in dataset.columns])
        for j, col in enumerate(dataset.columns):
            for i, cell in enumerate(dataset.table[col.name].to_numpy()):
                item = QTableWidgetItem(format_cell(cell))
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                t.setItem(i, j, item)
        t.resizeColumnsToContents()
