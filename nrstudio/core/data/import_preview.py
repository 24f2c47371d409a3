"""What the import dialog shows of a table before it is imported: the table as read, each
column's guessed role with the reason it would be ignored or left out of the models, the
offer to keep a many-level condition's frequent levels, and the count of validation findings.

Computed in one call so the dialog can run it off the window's thread: reading, guessing
and validating a literature-sized table (3,500 rows x 37 columns) takes most of a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nrstudio.core.data.column_guessing import category_cells, why_ignored
from nrstudio.core.data.dataset import MISSING_MARKERS, Column, Dataset, parse_numbers
from nrstudio.core.data.derived_columns import derivation
from nrstudio.core.data.frequent_levels import FrequentLevels, frequent_levels
from nrstudio.core.data.table_io import read_table
from nrstudio.core.data.table_roles import RawTable, dataset_from_raw
from nrstudio.core.data.training_rows import choose_inputs
from nrstudio.core.data.validation import validate_dataset


@dataclass(frozen=True)
class ColumnPreview:
    """One column as guessed: ``ignored`` says why it would be ignored, ``left_out`` why an
    input would be left out of the models ("" for neither); ``derived``: why a guessed
    target reads as computed from another (:mod:`~nrstudio.core.data.derived_columns`);
    ``offer``: the frequent levels to keep, for a text condition with too many levels."""

    column: Column
    ignored: str = ""
    left_out: str = ""
    offer: FrequentLevels | None = None
    derived: str = ""


@dataclass(frozen=True)
class ImportPreview:
    """A table as read (``raw``), its guessed dataset and columns, and how many validation
    errors and warnings the guessed dataset has."""

    raw: RawTable
    guessed: Dataset
    columns: tuple[ColumnPreview, ...]
    errors: int
    warnings: int


def preview_raw(raw: RawTable, missing: Sequence[str] = MISSING_MARKERS) -> ImportPreview:
    """The preview of a table already read, with ``missing`` as its no-value markers."""
    guessed = dataset_from_raw(raw, None, missing)
    left_out = choose_inputs(guessed).left_out
    conditions = category_cells(guessed)
    outcomes = {t: parse_numbers(guessed.table[t].tolist())[0] for t in guessed.targets
                if not guessed.column(t).is_category}
    columns = []
    for col in guessed.columns:
        cells = guessed.table[col.name].tolist()
        reason = why_ignored(col, cells, conditions)
        found = (derivation(col.name, outcomes[col.name], outcomes)
                 if col.name in outcomes else None)
        columns.append(ColumnPreview(col, reason.words, left_out.get(col.name, ""),
                                     frequent_levels(cells) if reason.crowded else None,
                                     found.words(col.name) if found else ""))
    report = validate_dataset(guessed)
    return ImportPreview(raw, guessed, tuple(columns), len(report.errors), len(report.warnings))


def preview_import(path: str | Path, sheet: str | None = None,
                   missing: Sequence[str] = MISSING_MARKERS) -> ImportPreview:
    """Read a table file (``sheet`` of a workbook) and preview it. Raises DataError when the
    file cannot be read as a table."""
    return preview_raw(read_table(path, sheet), missing)
