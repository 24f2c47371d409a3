"""Find and replace in the data table (one undoable step)."""

from __future__ import annotations

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
from nrstudio.core.errors import DataError
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.undo import SetCellsCommand

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
