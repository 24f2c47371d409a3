"""How lab spreadsheets write what a table means, read into plain headers and numbers, each
decision noted for the import dialog (:attr:`RawTable.notes`):

- a row of units under the header (``°C``, ``min``, ``nm`` beneath *Temperature*, *Time*,
  *Peak*) is folded into the headers (*Temperature (°C)*) instead of being read as a
  sample whose every value is wrong;
- thousands separators in a table with decimal points (``1,000`` µL) are numbers;
- an approximate value (``~45``, ``≈ 45``, ``ca. 45``) is its number.

A bound (``<30``, ``> 100``) is left as written: it is no measured value, and validation says
so where it stands (:func:`bound_hint`).
"""

from __future__ import annotations

import re

from nrstudio.core.data.dataset import format_cell, is_missing, parse_number
from nrstudio.core.data.header_words import is_unit, split_unit
from nrstudio.core.data.table_roles import RawTable

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_APPROXIMATE = re.compile(r"^(~|≈|∼|ca\.?|approx\.?)\s*(?P<number>[^~≈∼\s].*)$", re.IGNORECASE)
_BOUND = re.compile(r"^(<|>|≤|≥|<=|>=)\s*(?P<number>\S+)$")
# A column holds numbers when this share of its filled cells (below a units row) reads as one.
_NUMERIC_SHARE = 0.8


def read_conventions(raw: RawTable) -> RawTable:
    """``raw`` with a units row folded into its headers, and thousands separators and
    approximate marks read as numbers; what changed is added to ``raw.notes``."""
    _fold_units_row(raw)
    for j, header in enumerate(raw.header):
        _plain_numbers(raw, j, header)
    return raw


def bound_hint(text: str) -> str:
    """Words for a cell written as a bound ('<30'), or "" for any other text."""
    m = _BOUND.match(text.strip())
    if not m or parse_number(m.group("number")) is None:
        return ""
    return (f"'{text.strip()}' is a limit, not a measured value: enter the value, or leave "
            "the cell empty to train without it")


def _number(cell: object, decimal_comma: bool) -> float | None:
    return parse_number(cell, decimal_comma)


def _numeric_column(cells: list[object], decimal_comma: bool) -> bool:
    filled = [c for c in cells if not is_missing(c)]
    return bool(filled) and (sum(_number(c, decimal_comma) is not None for c in filled)
                             >= _NUMERIC_SHARE * len(filled))


def _fold_units_row(raw: RawTable) -> None:
    """The first row below the header is a units row when no cell of it is a number, every
    filled cell is a unit, it gives a unit to at least half of the number columns, and a
    filled cell of a text column is no level of that column."""
    if len(raw.cells) < 3:
        return
    first, rest = raw.cells[0], raw.cells[1:]
    numeric = [_numeric_column([r[j] for r in rest], raw.decimal_comma)
               for j in range(len(raw.header))]
    units: dict[int, str] = {}
    for j, cell in enumerate(first):
        if is_missing(cell):
            continue
        text = format_cell(cell).strip().strip("()[]").strip()
        if not is_unit(text) or text == "-":
            return
        if not numeric[j] and any(format_cell(r[j]).strip() == format_cell(cell).strip()
                                  for r in rest):
            return
        units[j] = text
    with_unit = sum(numeric[j] for j in units)
    if not units or with_unit == 0 or with_unit < 0.5 * sum(numeric):
        return
    named = []
    for j, unit in units.items():
        header = raw.header[j]
        if not split_unit(header)[1]:
            raw.header[j] = f"{header} ({unit})"
        named.append(f"{header}: {unit}")
    raw.notes.append(f"line {raw.line_numbers[0]} read as the columns' units, not a sample "
                     f"({', '.join(named[:6])}{', …' if len(named) > 6 else ''})")
    del raw.cells[0]
    del raw.line_numbers[0]


def _plain_numbers(raw: RawTable, j: int, header: str) -> None:
    """Thousands separators (in a table with decimal points) and approximate marks in
    column ``j`` read as numbers, when the column holds numbers once they are."""
    cells = [r[j] for r in raw.cells]
    read: dict[int, str] = {}
    kinds: set[str] = set()
    for i, cell in enumerate(cells):
        if not isinstance(cell, str) or _number(cell, raw.decimal_comma) is not None:
            continue
        text = cell.strip()
        m = _APPROXIMATE.match(text)
        if m and _number(m.group("number"), raw.decimal_comma) is not None:
            text = m.group("number").strip()
            kinds.add("approximate values (~45) read as their numbers")
        if not raw.decimal_comma and _THOUSANDS.match(text.replace(" ", "")):
            text = text.replace(",", "").replace(" ", "")
            kinds.add("thousands separators (1,000) read as numbers")
        if text != cell.strip() and _number(text, raw.decimal_comma) is not None:
            read[i] = text
    if not read:
        return
    after = [read.get(i, c) for i, c in enumerate(cells)]
    if not _numeric_column(after, raw.decimal_comma):
        return
    for i, text in read.items():
        raw.cells[i][j] = text
    raw.notes.append(f"column '{header}': {' and '.join(sorted(kinds))} "
                     f"({len(read)} cell{'s' if len(read) > 1 else ''})")
