"""Pasting a block of copied cells into the table: what it would change, planned and checked
before anything changes, so that a paste is applied whole or not at all.

Columns are counted as the Data page shows them: column 0 is the validation-experiment flag,
column j ≥ 1 the dataset's column j - 1."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.editing import CellChange, FlagChange, parse_cell_input
from nrstudio.core.errors import DataError

FLAG_COLUMN = 0
# What a pasted flag cell may say for "this row is a validation experiment".
YES_WORDS = frozenset({"1", "yes", "true", "y", "x"})


@dataclass(frozen=True)
class NewRow:
    """A row the paste adds after the last one: its cells (one per dataset column, NaN where
    nothing was pasted) and its validation flag."""

    cells: list[object]
    validation: bool = False


@dataclass(frozen=True)
class PastePlan:
    """Every change of one paste: cells and flags of existing rows, and rows to add."""

    cells: list[CellChange] = field(default_factory=list)
    flags: list[FlagChange] = field(default_factory=list)
    new_rows: list[NewRow] = field(default_factory=list)
    size: str = ""  # "lines×columns", for the undo entry


def pasted_block(text: str) -> list[list[str]]:
    """Tab-separated lines (any line ending) as rows of cell texts; [] for nothing."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    block = [line.split("\t") for line in lines]
    return [] if block == [[""]] else block


def plan_paste(dataset: Dataset, block: list[list[str]], rows: list[int | None],
               first_column: int) -> PastePlan:
    """Plan pasting ``block`` with its first line on ``rows[0]`` and its first cell in
    ``first_column``. ``rows``: the dataset row each line lands on (0-based; None for a row
    to add), one per line. DataError, naming the row and column, when the block is wider
    than the table from there, a line lands on a synthetic row, or a cell does not fit its
    column; nothing is then changed."""
    if len(rows) != len(block):
        raise ValueError("one target row per pasted line")
    width = max(len(r) for r in block)
    if first_column + width - 1 > len(dataset.columns):
        raise DataError(f"The copied block has {width} columns; from this column on the table "
                        "has fewer. Add columns first.")
    synthetic = ~dataset.is_original
    plan = PastePlan(size=f"{len(block)}×{width}")
    for k, (values, row) in enumerate(zip(block, rows, strict=True)):
        if row is not None and synthetic[row]:
            raise DataError(f"Row {row + 1} is synthetic (read-only).")
        new_cells: list[object] = [math.nan] * len(dataset.columns)
        new_flag = False
        for c, text in enumerate(values):
            col = first_column + c
            if col == FLAG_COLUMN:
                flag = text.strip().lower() in YES_WORDS
                if row is None:
                    new_flag = flag
                else:
                    was = bool(dataset.rows.at[row, "validation_experiment"])
                    plan.flags.append(FlagChange(row, was, flag))
                continue
            column = dataset.columns[col - 1]
            try:
                value = parse_cell_input(column, text)
            except DataError as exc:
                where = f"row {row + 1}" if row is not None else f"new row {k + 1}"
                raise DataError(f"Nothing was pasted. {where}, {column.name}: {exc}") from None
            if row is None:
                new_cells[col - 1] = value
            else:
                plan.cells.append(CellChange(row, column.name, dataset.table.iat[row, col - 1],
                                             value))
        if row is None:
            plan.new_rows.append(NewRow(new_cells, new_flag))
    return plan
