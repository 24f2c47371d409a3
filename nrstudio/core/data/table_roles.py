"""A raw table becomes a dataset: roles guessed (or given), cells typed, "no value" markers
read as empty, row metadata columns (origin, validation flag, parents) taken out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from nrstudio.core.data.column_guessing import (
    amount_column,
    guess_column,
    is_id_header,
    restates,
    why_ignored,
)
from nrstudio.core.data.dataset import (
    MISSING_MARKERS,
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
    parse_numbers,
)
from nrstudio.core.data.derived_columns import derivation
from nrstudio.core.data.header_words import names_starting_material, split_unit
from nrstudio.core.errors import DataError

MAX_COLUMNS = 1000
_TRUE = {"1", "true", "yes", "y", "x", "ja", "oui"}
_FALSE = {"", "0", "false", "no", "n"}


@dataclass
class RawTable:
    """Header and cells as read, before roles are assigned."""

    header: list[str]
    cells: list[list[object]]
    line_numbers: list[int]
    decimal_comma: bool = False
    notes: list[str] = field(default_factory=list)
    line_word: str = "line"  # what line_numbers count: a text file's lines, a sheet's rows
    # Columns the reading made of a reagent list, one amount per reagent
    # (:mod:`nrstudio.core.data.reagent_lists`): inputs whatever their header reads as (a
    # reagent called "PL" is no photoluminescence).
    amounts: set[str] = field(default_factory=set)
    sheet: str = ""  # the workbook sheet read ("" for a text file)


_META_NAMES = {
    "origin": "origin",
    "validation_experiment": "validation_experiment",
    "validation experiment": "validation_experiment",
    "validation": "validation_experiment",
    "held out": "validation_experiment",
    "parent_1": "parent_1",
    "parent_2": "parent_2",
}


def unique_headers(header: list[str], notes: list[str]) -> list[str]:
    """Each header on one line, named when blank and numbered when repeated (each rename
    noted): what every reader makes of its header row."""
    if len(header) > MAX_COLUMNS:
        raise DataError(f"{len(header):,} columns; at most {MAX_COLUMNS:,} are supported")
    out: list[str] = []
    taken: set[str] = set()  # a set: a list made this quadratic in the number of columns
    for j, h in enumerate(header):
        # On one line: a header wrapped in its cell ('Core' and 'amount (nmol)' on two
        # lines, Alt+Enter in a spreadsheet) reads 'Core amount (nmol)', its unit found.
        h = " ".join(h.split())
        name = h or ("Sample" if j == 0 else f"Column {j + 1}")
        stem, unit = split_unit(name)
        base, k = name, 2
        while name in taken:  # the number before a unit, which then stays the unit
            name = f"{stem} ({k}) ({unit})" if unit else f"{base} ({k})"
            k += 1
        if name != h:
            notes.append(f"column {j + 1} header '{h}' renamed to '{name}'")
        out.append(name)
        taken.add(name)
    return out


def dataset_from_raw(raw: RawTable, overrides: dict[str, Column] | None = None,
                     missing: Sequence[str] = MISSING_MARKERS) -> Dataset:
    """Assign roles (guessed, or from ``overrides`` by header) and typed cells; a cell that
    is one of the ``missing`` markers is empty. Only one column is guessed to be the sample
    id (an id-like header first, else the first column found by its content). Does not
    change ``raw`` (the readers already made the headers unique and noted it)."""
    if len(raw.header) > MAX_COLUMNS:
        raise DataError(f"{len(raw.header)} columns; at most {MAX_COLUMNS} are supported")
    header = unique_headers(raw.header, [])
    meta = default_row_meta(len(raw.cells))
    columns: list[Column] = []
    data: dict[str, list[object]] = {}
    for j, name in enumerate(header):
        cells = [float("nan") if is_missing_marker(row[j], missing) else row[j]
                 for row in raw.cells]
        meta_name = _META_NAMES.get(name.strip().lower())
        if meta_name == "origin" and not _marks_origin(cells):
            meta_name = None  # a precursor's supplier, an instrument's maker: a column
        if meta_name is not None:
            meta[meta_name] = _meta_values(meta_name, name, cells, raw.line_numbers)
            continue
        col = (overrides or {}).get(name) or (
            amount_column(name, cells, raw.decimal_comma) if name in raw.amounts
            else guess_column(name, cells, raw.decimal_comma))
        col.name = name
        columns.append(col)
        data[name] = [_typed(c, col.kind, raw.decimal_comma) for c in cells]
    _one_sample_id(columns, set(overrides or {}))
    _one_input_per_condition(columns, data, set(overrides or {}))
    _outcomes_after_verdict(columns, data, set(overrides or {}) | raw.amounts)
    _outcomes_computed_from_outcomes(columns, data, set(overrides or {}) | raw.amounts)
    table = pd.DataFrame(data, columns=[c.name for c in columns], dtype=object)
    if len(table) != len(raw.cells):  # a table with no columns left
        table = pd.DataFrame(index=range(len(raw.cells)), columns=[], dtype=object)
    return Dataset(table, columns, meta, frozenset(raw.amounts & set(table.columns)))


def _one_sample_id(columns: list[Column], given: set[str]) -> None:
    """Keep one guessed sample-id column: one the user chose, else an id-like header, else
    the first; the others are ignored (a second label column, such as a reference)."""
    ids = [c for c in columns if c.role == Role.SAMPLE_ID]
    if len(ids) < 2:
        return
    keep = next((c for c in ids if c.name in given), None) or next(
        (c for c in ids if is_id_header(c.name)), ids[0])
    for c in ids:
        if c is not keep and c.name not in given:
            c.role, c.kind = Role.IGNORED, Kind.TEXT


def _one_input_per_condition(columns: list[Column], data: dict[str, list[object]],
                             given: set[str]) -> None:
    """A guessed text condition that restates an earlier one level for level (a solvent's
    abbreviation beside its full name) is ignored: two inputs for one condition."""
    kept: list[Column] = []
    for col in columns:
        if col.role != Role.INPUT or not col.is_category:
            continue
        if col.name not in given and any(restates(data[col.name], data[k.name]) for k in kept):
            col.role = Role.IGNORED
            continue
        kept.append(col)


def _outcomes_after_verdict(columns: list[Column], data: dict[str, list[object]],
                            given: set[str]) -> None:
    """When no column reads as a target, the number columns right of the first outcome
    column (a verdict such as ``quality``, ignored) are guessed targets: a table lists how a
    synthesis was made, then what came of it, and headers such as ``lobe``, ``full`` and
    ``other`` beside a verdict are its outcome, not conditions. Columns the user chose,
    reagent amounts and starting materials keep their guess, and so does a table with
    no input left of the verdict."""
    if any(c.role == Role.TARGET for c in columns):
        return
    first = next((j for j, c in enumerate(columns)
                  if c.role == Role.IGNORED and c.name not in given
                  and why_ignored(c, data[c.name]).kind == "outcome"), None)
    if first is None or not any(c.role == Role.INPUT for c in columns[:first]):
        return
    for col in columns[first + 1:]:
        if (col.role == Role.INPUT and col.kind == Kind.NUMBER and col.name not in given
                and not names_starting_material(col.name)):
            col.role = Role.TARGET


def _outcomes_computed_from_outcomes(columns: list[Column], data: dict[str, list[object]],
                                     given: set[str]) -> None:
    """A number column guessed an input that is computed from a guessed target (a band gap
    from a peak: :mod:`~nrstudio.core.data.derived_columns`) is an outcome too: a target.
    Columns the user chose, reagent amounts and starting materials keep their guess."""
    targets = {c.name: parse_numbers(data[c.name])[0] for c in columns
               if c.role == Role.TARGET and c.kind == Kind.NUMBER}
    if not targets:
        return
    for col in columns:
        if (col.role == Role.INPUT and col.kind == Kind.NUMBER and col.name not in given
                and not names_starting_material(col.name)
                and derivation(col.name, parse_numbers(data[col.name])[0], targets)):
            col.role = Role.TARGET


def _typed(cell: object, kind: Kind, decimal_comma: bool) -> object:
    if type(cell) is float and kind == Kind.NUMBER and math.isfinite(cell):
        return cell  # most cells of a workbook, a million in a literature table
    if is_missing(cell):
        return float("nan")
    if kind == Kind.NUMBER:
        value = parse_number(cell, decimal_comma)
        if value is not None:
            return value
    return format_cell(cell).strip()


def _marks_origin(cells: list[object]) -> bool:
    """Whether an 'Origin' column is NR Studio's row flag: most filled cells read original
    or synthetic (one that does not is then a typo, named); otherwise it is the origin of
    something else, such as a reagent's supplier."""
    filled = [format_cell(c).strip().lower() for c in cells if not is_missing(c)]
    known = sum(t in (Origin.ORIGINAL.value, Origin.SYNTHETIC.value) for t in filled)
    return known >= 0.5 * len(filled)


def _meta_values(meta: str, header: str, cells: list[object], lines: list[int]) -> list[object]:
    out: list[object] = []
    for cell, line in zip(cells, lines, strict=True):
        text = format_cell(cell).strip().lower()
        if meta == "origin":
            if text not in ("", Origin.ORIGINAL.value, Origin.SYNTHETIC.value):
                raise DataError(f"line {line}, column '{header}': '{cell}' is not original/synthetic")
            out.append(text or Origin.ORIGINAL.value)
        elif meta == "validation_experiment":
            if text in _TRUE:
                out.append(True)
            elif text in _FALSE:
                out.append(False)
            else:
                raise DataError(f"line {line}, column '{header}': '{cell}' is not yes/no")
        else:
            out.append(format_cell(cell).strip())
    return out


