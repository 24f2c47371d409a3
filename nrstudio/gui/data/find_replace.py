"""Find and replace in the data table (one undoable step), and merging the columns of a
second file by sample id."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.data import editing
from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.merge import MergeResult, merge_columns
from nrstudio.core.data.table_io import import_table
from nrstudio.core.errors import DataError
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.undo import SetCellsCommand, SnapshotCommand

ALL_COLUMNS = "(every column)"


class FindReplaceDialog(QDialog):
    """Find a cell text (or a part of it) and replace it, in one column or all; the
    replacement is one step of Edit > Undo."""

    def __init__(self, doc: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setWindowTitle("Find and replace")
        self.find = QLineEdit()
        self.find.setPlaceholderText("e.g. -  (empty: find empty cells)")
        self.replacement = QLineEdit()
        self.replacement.setPlaceholderText("e.g. 0  (empty: make the cells empty)")
        self.column = QComboBox()
        self.column.addItem(ALL_COLUMNS)
        self.column.addItems([c.name for c in doc.dataset.columns])
        self.whole = QCheckBox("Whole cell only")
        self.whole.setChecked(True)
        self.case = QCheckBox("Match case")
        self.result = QLabel()
        self.result.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Find:", self.find)
        form.addRow("Replace with:", self.replacement)
        form.addRow("In:", self.column)
        form.addRow("", self.whole)
        form.addRow("", self.case)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.replace_button = buttons.addButton("Replace all",
                                                QDialogButtonBox.ButtonRole.ApplyRole)
        self.replace_button.clicked.connect(self.replace_all)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.result)
        layout.addWidget(buttons)

    def replace_all(self) -> int:
        """Replace every match; returns how many cells changed (the count is shown)."""
        column = self.column.currentText()
        try:
            changes = editing.find_replace(
                self.doc.dataset, self.find.text(), self.replacement.text(),
                None if column == ALL_COLUMNS else [column], self.whole.isChecked(),
                self.case.isChecked())
        except DataError as exc:
            self.result.setText(f"<span style='color:#b00020'>Nothing replaced: {exc}</span>")
            return 0
        if changes:
            self.doc.undo_stack.push(SetCellsCommand(
                self.doc, f"Replace '{self.find.text()}' in {len(changes)} cell(s)", changes))
        self.result.setText(f"{len(changes)} cell(s) replaced" + (" (Edit ▸ Undo takes it "
                                                                  "back)" if changes else ""))
        return len(changes)


def merge_file_into(doc: ProjectDocument, path: str | Path, on: str,
                    other: Dataset | None = None) -> MergeResult:
    """Join the columns of the table at ``path`` to the project's table by the id column
    ``on`` (one undoable step); ``other``: that table with the roles the user confirmed
    (guessed from the file when None). The project's notes name the merged file, so the
    report's provenance names every file the data came from. DataError when the file or
    the join is refused."""
    other = other if other is not None else import_table(path)
    on_second = other.sample_id_column if on not in {c.name for c in other.columns} else None
    result = merge_columns(doc.dataset, other, on, on_second)
    name = Path(path).name

    def change(ds: Dataset) -> None:
        ds.table, ds.columns = result.dataset.table.copy(), list(result.dataset.columns)

    doc.undo_stack.push(SnapshotCommand(doc, f"Merge columns from {name}", change))
    note = (f"Columns {', '.join(result.added)} merged from {name}, matched by '{on}'.")
    doc.project.notes = f"{doc.project.notes.rstrip()}\n\n{note}".strip()
    return result
