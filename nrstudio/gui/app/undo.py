"""Undoable edits of the dataset (QUndoStack commands)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from nrstudio.core.data.dataset import Dataset

if TYPE_CHECKING:
    from nrstudio.gui.app.document import ProjectDocument

CellChange = tuple[int, str, object, object]  # row, column name, old value, new value
FlagChange = tuple[int, bool, bool]  # row, old, new validation flag


class SetCellsCommand(QUndoCommand):
    """Changes of cell values and validation flags in existing rows (typing, paste, toggles).

    Stores only the changed cells, so undo history stays small on a 10,000-row table."""

    def __init__(self, doc: ProjectDocument, text: str, cells: Sequence[CellChange] = (),
                 flags: Sequence[FlagChange] = ()) -> None:
        super().__init__(text)
        self.doc, self.cells, self.flags = doc, list(cells), list(flags)

    def _apply(self, new: bool) -> None:
        ds = self.doc.dataset
        for row, name, old, value in self.cells:
            ds.table.iat[row, ds.table.columns.get_loc(name)] = value if new else old
        for row, old, value in self.flags:
            ds.rows.at[row, "validation_experiment"] = value if new else old
        rows = [c[0] for c in self.cells] + [f[0] for f in self.flags]
        self.doc.cells_changed(min(rows, default=0), max(rows, default=-1))

    def redo(self) -> None:
        self._apply(True)

    def undo(self) -> None:
        self._apply(False)


class SnapshotCommand(QUndoCommand):
    """A structural change (rows or columns added or removed, roles, units, augmentation):
    keeps the dataset before and after."""

    def __init__(self, doc: ProjectDocument, text: str, change: Callable[[Dataset], None]) -> None:
        super().__init__(text)
        self.doc = doc
        self.before = doc.dataset.copy()
        after = doc.dataset.copy()
        change(after)  # may raise DataError: then nothing was pushed or changed
        self.after = after

    def redo(self) -> None:
        self.doc.replace_dataset(self.after.copy())

    def undo(self) -> None:
        self.doc.replace_dataset(self.before.copy())
