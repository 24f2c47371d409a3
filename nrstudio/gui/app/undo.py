"""Undoable edits of the dataset (QUndoStack commands)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.editing import CellChange, FlagChange

if TYPE_CHECKING:
    from nrstudio.gui.app.document import ProjectDocument



class SetCellsCommand(QUndoCommand):
    """Changes of cell values and validation flags in existing rows (typing, paste, toggles).

    Stores only the changed cells, so undo history stays small on a 10,000-row table."""

    def __init__(self, doc: ProjectDocument, text: str, cells: Sequence[CellChange] = (),
                 flags: Sequence[FlagChange] = ()) -> None:
        super().__init__(text)
        self.doc, self.cells, self.flags = doc, list(cells), list(flags)

    def _apply(self, new: bool) -> None:
        ds = self.doc.dataset
        for c in self.cells:
            ds.table.iat[c.row, ds.table.columns.get_loc(c.column)] = c.new if new else c.old
        for f in self.flags:
            ds.rows.at[f.row, "validation_experiment"] = f.new if new else f.old
        rows = [c.row for c in self.cells] + [f.row for f in self.flags]
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
