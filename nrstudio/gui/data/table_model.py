"""Qt item model over a dataset: column 0 is the "validation experiment" checkbox, then one
column per dataset column. Reads cells lazily, so a 10,000-row table scrolls smoothly."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from nrstudio.core.data.dataset import Kind, format_cell, is_missing, parse_number
from nrstudio.core.data.editing import CellChange, FlagChange, parse_cell_input
from nrstudio.core.data.findings import Finding, Severity
from nrstudio.core.data.paste import FLAG_COLUMN
from nrstudio.core.data.training_rows import choose_inputs
from nrstudio.core.errors import DataError
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.undo import SetCellsCommand

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROLE_TAGS = {"sample_id": "id", "input": "input", "target": "target", "ignored": "ignored"}
_ERROR_BG = QBrush(QColor("#f8c9c4"))
_WARN_BG = QBrush(QColor("#fbe7b5"))
_SYNTH_BG = QBrush(QColor("#e4eef9"))
_SYNTH_FG = QBrush(QColor("#3b5a80"))
Index = QModelIndex | QPersistentModelIndex


class DatasetTableModel(QAbstractTableModel):
    """Editing goes through the document's undo stack. ``edit_refused(message)`` tells the
    view why a typed value was not accepted."""

    edit_refused = Signal(str)

    def __init__(self, doc: ProjectDocument) -> None:
        super().__init__()
        self.doc = doc
        self._findings: dict[tuple[int, str], list[Finding]] | None = None
        # Per-row flags read once per change: a pandas lookup per painted cell costs
        # seconds of GUI time on a 10,000-row augmented table.
        self._synthetic: np.ndarray | None = None
        self._flags: np.ndarray | None = None
        self._left_out_reasons: dict[str, str] | None = None
        # Each column's cells as Python objects and the table's shape, read once per change:
        # a pandas cell lookup, len() and column count per call made sizing the columns of an
        # augmented table take 90 ms of the window's time after SMOTE-REG.
        self._cells: list[np.ndarray | None] | None = None
        self._shape: tuple[int, int] | None = None
        doc.dataset_reset.connect(self._reset)
        doc.cells_updated.connect(self._cells_updated)

    # ---- structure -------------------------------------------------------------------------
    def _reset(self) -> None:
        self.beginResetModel()
        self._findings = self._synthetic = self._flags = self._left_out_reasons = None
        self._cells = None
        self._shape = None
        self.endResetModel()

    def _cells_updated(self, first: int, last: int) -> None:
        self._findings = self._flags = self._left_out_reasons = None
        self._cells = None
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))
        # validation of other rows can change too (duplicates): refresh decorations
        self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1,
                                                           self.columnCount() - 1),
                              [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole])

    def _table_shape(self) -> tuple[int, int]:
        """(rows, columns of the view: the flag column and the dataset's columns)."""
        if self._shape is None:
            ds = self.doc.dataset
            self._shape = (len(ds), len(ds.columns) + 1)
        return self._shape

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._table_shape()[0]

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._table_shape()[1]

    def _cell(self, row: int, col: int) -> object:
        """The dataset's cell at ``row`` and dataset column ``col``."""
        if self._cells is None:
            self._cells = [None] * len(self.doc.dataset.columns)
        values = self._cells[col]
        if values is None:
            values = self._cells[col] = self.doc.dataset.table.iloc[:, col].to_numpy(object)
        return values[row]

    def column_name(self, col: int) -> str | None:
        return None if col == FLAG_COLUMN else self.doc.dataset.columns[col - 1].name

    def is_synthetic(self, row: int) -> bool:
        if self._synthetic is None:
            self._synthetic = ~self.doc.dataset.is_original
        return bool(self._synthetic[row])

    def is_flagged(self, row: int) -> bool:
        if self._flags is None:
            self._flags = self.doc.dataset.is_validation
        return bool(self._flags[row])

    def findings(self) -> dict[tuple[int, str], list[Finding]]:
        if self._findings is None:
            found: dict[tuple[int, str], list[Finding]] = {}
            for f in self.doc.validation().findings:
                if f.column is not None:
                    for row in f.rows:
                        found.setdefault((row - 1, f.column), []).append(f)
            self._findings = found
        return self._findings

    # ---- reading -----------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        ds = self.doc.dataset
        rows, cols = self._table_shape()
        if row >= rows or col >= cols:
            return None
        synthetic = self.is_synthetic(row)
        if col == FLAG_COLUMN:
            flag = self.is_flagged(row)
            if role == Qt.ItemDataRole.CheckStateRole and not synthetic:
                return Qt.CheckState.Checked if flag else Qt.CheckState.Unchecked
            if role == SORT_ROLE:
                return int(flag)
            if role == Qt.ItemDataRole.ToolTipRole:
                return ("Validation experiment: kept out of all training, used only to check "
                        "predictions")
            if role == Qt.ItemDataRole.BackgroundRole and synthetic:
                return _SYNTH_BG
            return None
        column = ds.columns[col - 1]
        cell = self._cell(row, col - 1)
        if role == Qt.ItemDataRole.DisplayRole:
            if synthetic and isinstance(cell, float) and not math.isnan(cell):
                return f"{cell:.5g}"
            return format_cell(cell)
        if role == Qt.ItemDataRole.EditRole:
            return format_cell(cell)
        if role == SORT_ROLE:
            if column.kind == Kind.NUMBER:
                value = None if is_missing(cell) else parse_number(cell)
                return value if value is not None else math.inf
            return format_cell(cell).lower()
        if role == Qt.ItemDataRole.TextAlignmentRole and column.kind == Kind.NUMBER:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole):
            found = self.findings().get((row, column.name), [])
            if role == Qt.ItemDataRole.BackgroundRole:
                if any(f.severity == Severity.ERROR for f in found):
                    return _ERROR_BG
                if found:
                    return _WARN_BG
                return _SYNTH_BG if synthetic else None
            tips = [f"{f.severity.value}: {f.message}" for f in found]
            if synthetic:
                meta = ds.rows.iloc[row]
                tips.append(f"synthetic row (SMOTE-REG) between samples {meta['parent_1']} and "
                            f"{meta['parent_2']}; read-only")
            return "\n".join(tips) or None
        if role == Qt.ItemDataRole.ForegroundRole and synthetic:
            return _SYNTH_FG
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(section + 1)
            return None
        if section == FLAG_COLUMN:
            if role == Qt.ItemDataRole.DisplayRole:
                return "Val."
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Validation experiment (held out from training)"
            return None
        if section - 1 >= len(self.doc.dataset.columns):
            return None
        column = self.doc.dataset.columns[section - 1]
        left_out = self._left_out(column.name)
        if role == Qt.ItemDataRole.DisplayRole:
            tag = ROLE_TAGS[column.role.value] + (" · left out" if left_out else "")
            return f"{column.name}\n[{tag}]"
        if role == Qt.ItemDataRole.ToolTipRole:
            why = f"\nleft out of the models: {left_out}" if left_out else ""
            return (f"{column.name}\nrole: {column.role.value}\nunit: {column.unit or '(none)'}\n"
                    f"type: {column.kind.value}{why}\nRight-click to change.")
        return None

    def _left_out(self, name: str) -> str:
        """Why an input is left out of the models (the same value in every training row),
        from the models' own input choice, read once per change; "" when it is used."""
        if self._left_out_reasons is None:
            self._left_out_reasons = choose_inputs(self.doc.dataset).left_out
        return self._left_out_reasons.get(name, "")

    # ---- editing -----------------------------------------------------------------------------
    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.is_synthetic(index.row()):
            return base
        if index.column() == FLAG_COLUMN:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: Index, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or self.is_synthetic(index.row()):
            return False
        row, col = index.row(), index.column()
        ds = self.doc.dataset
        if col == FLAG_COLUMN:
            if role != Qt.ItemDataRole.CheckStateRole:
                return False
            new = Qt.CheckState(value) == Qt.CheckState.Checked
            old = bool(ds.rows.at[row, "validation_experiment"])
            if new != old:
                what = "Mark" if new else "Unmark"
                self.doc.undo_stack.push(SetCellsCommand(
                    self.doc, f"{what} row {row + 1} as validation experiment",
                    flags=[FlagChange(row, old, new)]))
            return True
        if role != Qt.ItemDataRole.EditRole:
            return False
        column = ds.columns[col - 1]
        try:
            new_value = parse_cell_input(column, str(value))
        except DataError as exc:
            self.edit_refused.emit(f"Row {row + 1}, {column.name}: {exc}")
            return False
        old = ds.table.iat[row, col - 1]
        if format_cell(old) == format_cell(new_value) and type(old) is type(new_value):
            return True
        self.doc.undo_stack.push(SetCellsCommand(
            self.doc, f"Edit row {row + 1}, {column.name}", [CellChange(row, column.name, old, new_value)]))
        return True
