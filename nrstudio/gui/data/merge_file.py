"""Data ▸ Merge columns from file: the second file's roles confirmed in the import dialog
(outcomes must not come in as inputs), the id column to match rows by, and the join as one
undoable step noted in the project's notes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox, QWidget

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.merge import MergeResult, merge_columns
from nrstudio.core.data.table_io import import_table
from nrstudio.core.errors import DataError
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.file_types import TABLE_FILTER
from nrstudio.gui.app.undo import SnapshotCommand
from nrstudio.gui.data.import_dialog import ImportDialog


def merge_from_file(parent: QWidget, doc: ProjectDocument) -> None:
    """Choose a file, confirm its columns' roles, then the id column; merge."""
    path, _ = QFileDialog.getOpenFileName(parent, "Merge columns from file", "",
                                          TABLE_FILTER)
    if not path:
        return
    dialog = ImportDialog(path, parent)
    dialog.setWindowTitle(f"Merge columns from {Path(path).name}: confirm their roles")
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    if dialog.failure is not None:
        QMessageBox.warning(parent, "Merge refused", dialog.failure)
    other = dialog.imported
    if not accepted or other is None:
        return
    ids = [c.name for c in doc.dataset.columns]
    current = doc.dataset.sample_id_column
    on, ok = QInputDialog.getItem(parent, "Merge columns", "Match rows by the id column:",
                                  ids, ids.index(current) if current in ids else 0, False)
    if ok:
        merge_path(parent, doc, path, on, other)


def merge_path(parent: QWidget, doc: ProjectDocument, path: str, on: str,
               other: Dataset | None = None) -> bool:
    """Merge a file's columns by ``on``; says what was added and which ids matched no row."""
    try:
        result = merge_file_into(doc, path, on, other)
    except DataError as exc:
        QMessageBox.warning(parent, "Merge refused", str(exc))
        return False
    QMessageBox.information(parent, "Columns merged", result.summary())
    return True


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

    note = (f"Columns {', '.join(result.added)} merged from {name}, matched by '{on}'.")
    doc.undo_stack.push(_MergeCommand(doc, f"Merge columns from {name}", change, note))
    return result


class _MergeCommand(SnapshotCommand):
    """The join and its line in the project's notes, done and undone together."""

    def __init__(self, doc: ProjectDocument, text: str, change: Callable[[Dataset], None],
                 note: str) -> None:
        super().__init__(doc, text, change)
        self.notes_before = doc.project.notes
        self.notes_after = f"{doc.project.notes.rstrip()}\n\n{note}".strip()

    def redo(self) -> None:
        super().redo()
        self.doc.project.notes = self.notes_after

    def undo(self) -> None:
        super().undo()
        self.doc.project.notes = self.notes_before
