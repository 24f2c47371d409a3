"""Edits of a dataset, as the table editor makes them (Qt-free, so they are testable alone).

Cell input is parsed strictly: a number column accepts only numbers (a decimal comma is
accepted too); anything else is refused with the reason, never stored as NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import (
    Column,
    Dataset,
    Kind,
    Origin,
    Role,
    default_row_meta,
    format_cell,
    is_missing,
    is_missing_marker,
    parse_number,
    parse_typed_number,
)
from nrstudio.core.data.training_rows import choose_inputs
from nrstudio.core.errors import DataError
from nrstudio.core.numbers import decimals_of, round_to_step


class CellChange(NamedTuple):
    """One cell edit: 0-based row, column name, the value before and after."""

    row: int
    column: str
    old: object
    new: object


class FlagChange(NamedTuple):
    """One change of a row's validation-experiment flag (0-based row)."""

    row: int
    old: bool
    new: bool


def parse_cell_input(column: Column, text: str) -> object:
    """The value to store for what the user typed in ``column``; DataError if refused."""
    text = text.strip()
    if text == "" or (column.kind == Kind.NUMBER and is_missing_marker(text)):
        return math.nan
    if column.kind != Kind.NUMBER:
        return text
    value = parse_typed_number(text)
    if value is None:
        raise DataError(f"'{text}' is not a number; '{column.name}' holds numbers"
                        f"{' in ' + column.unit if column.unit and column.unit != '-' else ''}")
    return value


def set_cell(ds: Dataset, row: int, name: str, value: object) -> None:
    ds.table.iat[row, ds.table.columns.get_loc(name)] = value


def insert_rows(ds: Dataset, at: int, count: int = 1,
                cells: Sequence[Sequence[object]] | None = None) -> None:
    """Insert ``count`` empty original rows (or the given cells) before row ``at``."""
    at = max(0, min(at, len(ds)))
    data = cells if cells is not None else [[math.nan] * len(ds.columns)] * count
    new = pd.DataFrame([list(r) for r in data], columns=ds.table.columns, dtype=object)
    ds.table = pd.concat([ds.table.iloc[:at], new, ds.table.iloc[at:]], ignore_index=True)
    ds.rows = pd.concat([ds.rows.iloc[:at], default_row_meta(len(new)), ds.rows.iloc[at:]],
                        ignore_index=True)


def remove_rows(ds: Dataset, rows: Sequence[int]) -> None:
    keep = np.ones(len(ds), dtype=bool)
    keep[list(rows)] = False
    ds.table = ds.table[keep].reset_index(drop=True)
    ds.rows = ds.rows[keep].reset_index(drop=True)


def insert_column(ds: Dataset, at: int, column: Column) -> None:
    if not column.name.strip():
        raise DataError("a column needs a name")
    if column.name in ds.table.columns:
        raise DataError(f"there is already a column named '{column.name}'")
    at = max(0, min(at, len(ds.columns)))
    ds.table.insert(at, column.name, pd.Series([math.nan] * len(ds), dtype=object))
    ds.columns.insert(at, column)


def remove_column(ds: Dataset, name: str) -> None:
    ds.columns.remove(ds.column(name))
    ds.table = ds.table.drop(columns=[name])


def rename_column(ds: Dataset, old: str, new: str) -> None:
    new = new.strip()
    if not new:
        raise DataError("a column needs a name")
    if new != old and new in ds.table.columns:
        raise DataError(f"there is already a column named '{new}'")
    ds.column(old).name = new
    ds.table = ds.table.rename(columns={old: new})


def change_kind(ds: Dataset, name: str, kind: Kind) -> None:
    """Switch a column between number, text and category, converting what can be."""
    col = ds.column(name)
    if col.kind == kind:
        return
    j = ds.table.columns.get_loc(name)
    for i in range(len(ds)):
        cell = ds.table.iat[i, j]
        if kind == Kind.NUMBER and isinstance(cell, str):
            value = parse_number(cell)
            ds.table.iat[i, j] = value if value is not None else cell
        elif kind != Kind.NUMBER and isinstance(cell, float) and not math.isnan(cell):
            ds.table.iat[i, j] = repr(cell)[:-2] if repr(cell).endswith(".0") else repr(cell)
    col.kind = kind


def remove_synthetic_rows(ds: Dataset) -> int:
    """Drop every synthetic row; returns how many."""
    synthetic = np.flatnonzero(ds.rows["origin"].to_numpy() != Origin.ORIGINAL.value)
    remove_rows(ds, synthetic.tolist())
    return len(synthetic)


def find_replace(ds: Dataset, find: str, replacement: str, columns: Sequence[str] | None = None,
                 whole_cell: bool = True, case_sensitive: bool = False) -> list[CellChange]:
    """The cell changes that replace ``find`` by ``replacement`` in the original rows of
    ``columns`` (all by default): whole cells (``-`` -> empty, ``TOP`` -> ``TOPO``) or, with
    ``whole_cell`` False, every occurrence inside a cell's text. An empty ``find`` matches
    empty cells. The new text is parsed as the column's type; a replacement that a number
    column refuses raises DataError naming the cell, and nothing is changed."""
    names = list(columns) if columns is not None else [c.name for c in ds.columns]
    key = find.strip() if whole_cell else find
    fold = (lambda t: t) if case_sensitive else (lambda t: t.lower())
    changes: list[CellChange] = []
    originals = np.flatnonzero(ds.is_original)
    for name in names:
        column = ds.column(name)
        cells = ds.table[name].tolist()
        for i in originals:
            old = cells[i]
            text = "" if is_missing(old) else format_cell(old)
            if whole_cell:
                if fold(text.strip()) != fold(key):
                    continue
                new_text = replacement
            else:
                if not key or fold(key) not in fold(text):
                    continue
                new_text = _replace_all(text, key, replacement, case_sensitive)
            try:
                new = parse_cell_input(column, new_text)
            except DataError as exc:
                raise DataError(f"row {i + 1}, column '{name}': {exc}") from None
            if format_cell(new) != format_cell(old) or type(new) is not type(old):
                changes.append(CellChange(int(i), name, old, new))
    return changes


def _replace_all(text: str, find: str, replacement: str, case_sensitive: bool) -> str:
    if case_sensitive:
        return text.replace(find, replacement)
    import re

    return re.sub(re.escape(find), lambda _: replacement, text, flags=re.IGNORECASE)


PLANNED_COLUMN = "Planned"
PLANNED_MARKS = frozenset({"yes", "y", "true", "1", "x", "planned"})


def planned_rows(ds: Dataset) -> np.ndarray:
    """(n,) bool: the original rows the user planned, by the "Planned" column (*Add as
    planned* writes "yes" there; a user may mark rows by hand with yes, true, 1 or x), and,
    in tables saved before that column existed, by a sample id "planned N". A row whose
    target is missing for any other reason is not planned."""
    marked = np.zeros(len(ds), bool)
    if PLANNED_COLUMN in ds.table.columns:
        marked = np.array([not is_missing(c) and str(c).strip().lower() in PLANNED_MARKS
                           for c in ds.table[PLANNED_COLUMN]], bool)
    if ds.sample_id_column:
        marked |= np.array([s.startswith("planned ") for s in ds.sample_ids()], bool)
    return marked & ds.is_original


def add_planned_experiments(ds: Dataset, conditions: Sequence[dict[str, object]],
                            steps: dict[str, float] | None = None) -> list[str]:
    """Insert one original row per planned synthesis (column -> value) right after the
    original rows (before any synthetic ones), each with the next free sample id "planned N"
    and "yes" in the "Planned" column (added, ignored by the models, when missing); returns
    those ids. A number is rounded to its ``steps`` entry, else to the decimals its
    column's original values are written with; an input not given that has one value in
    every original row (left out of the models as constant) gets that value, and one that
    moves in step with another (:class:`Restatement`) the value that goes with it, so the
    row reads as a full recipe."""
    if PLANNED_COLUMN not in ds.table.columns:
        insert_column(ds, len(ds.columns), Column(PLANNED_COLUMN, Role.IGNORED, "-", Kind.TEXT))
    taken = {s for s in ds.sample_ids() if s.startswith("planned ")}
    names = [c.name for c in ds.columns]
    original = ds.is_original
    # The inputs left out as constant are the ones the models' input choice leaves out.
    choice = choose_inputs(ds)
    constant = set(choice.left_out) - set(choice.restated)
    constants, decimals = {}, {}
    for col in ds.columns:
        if col.role != Role.INPUT:
            continue
        cells = [c for c in ds.table[col.name][original] if not is_missing(c)]
        if col.name in constant and cells:
            constants[col.name] = cells[0]
        if not col.is_category:
            decimals[col.name] = decimals_of(cells)
    ids, rows, k = [], [], 1
    for cond in conditions:
        while f"planned {k}" in taken:
            k += 1
        label = f"planned {k}"
        taken.add(label)
        row: list[object] = [math.nan] * len(names)
        for name, value in {**constants, **cond, PLANNED_COLUMN: "yes"}.items():
            row[names.index(name)] = _rounded(value, name, steps, decimals)
        for name, same in choice.restated.items():
            source = row[names.index(same.source)]
            if name not in cond and isinstance(source, float) and math.isfinite(source):
                row[names.index(name)] = _rounded(same.value(source), name, None, decimals)
        if ds.sample_id_column:
            row[names.index(ds.sample_id_column)] = label
        ids.append(label)
        rows.append(row)
    after = int(np.flatnonzero(original)[-1]) + 1 if original.any() else 0
    insert_rows(ds, after, cells=rows)
    return ids


def _rounded(value: object, name: str, steps: dict[str, float] | None,
             decimals: dict[str, int]) -> object:
    """A planned number rounded to its column's step, else to its written decimals."""
    if isinstance(value, float) and math.isfinite(value):
        if steps and name in steps:
            return round_to_step(value, steps[name])
        if name in decimals:
            return round(value, decimals[name])
    return value
