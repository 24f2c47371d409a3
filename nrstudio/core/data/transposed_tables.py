"""A table written the other way round: one column per sample and one row per quantity
(``Parameter, S1, S2, …`` over ``Temperature (°C)``, ``Time (min)``, ``Ligand``,
``Length (nm)``), as a lab notebook or a paper's table often lays out a handful of
syntheses. Read as it stands, its quantities were four "samples" and each synthesis an
input holding a temperature, a time, a ligand and a length (the ligand then 'not a number').

Such a table is read transposed, with a note, when its first column names quantities (at
least two, half of them with a unit or an outcome's or a condition's word, all different) and
its other headers name none (sample labels: ``S1``, ``Run 2``, ``1``); a column of units
beside the names (``Parameter, Unit, S1, …``) goes into the headers. A table whose headers
carry units or quantity words is never turned.
"""

from __future__ import annotations

from nrstudio.core.data.dataset import format_cell, is_missing, parse_number
from nrstudio.core.data.header_words import (
    is_unit,
    names_given_quantity,
    names_quantity,
    split_unit,
)
from nrstudio.core.data.table_roles import RawTable

_UNIT_HEADERS = {"unit", "units", "einheit", "unité", "unidade", "unidad", "unità"}


def _names_quantity(text: str, unit: str) -> bool:
    name, own = split_unit(text)
    return bool(own or unit) or names_quantity(name) or names_given_quantity(name, own)


def _units_column(raw: RawTable) -> bool:
    """Whether the second column holds the first column's units."""
    if len(raw.header) < 4 or raw.header[1].strip().lower() not in _UNIT_HEADERS:
        return False
    cells = [format_cell(r[1]).strip() for r in raw.cells]
    return all(not c or is_unit(c) for c in cells)


def samples_as_rows(raw: RawTable) -> RawTable:
    """``raw`` transposed when it lists samples as columns (see the module docstring), else
    ``raw`` itself."""
    if len(raw.cells) < 2 or len(raw.header) < 3:
        return raw
    units = _units_column(raw)
    first = 2 if units else 1
    labels = [h.strip() for h in raw.header[first:]]
    if (not all(labels) or len(set(labels)) < len(labels)
            or any(split_unit(h)[1] or names_quantity(h) for h in labels)):
        return raw
    names = [format_cell(r[0]).strip() for r in raw.cells]
    unit_of = [format_cell(r[1]).strip() if units else "" for r in raw.cells]
    if (not all(names) or len(set(names)) < len(names)
            or any(parse_number(n, raw.decimal_comma) is not None for n in names)):
        return raw
    told = sum(_names_quantity(n, u) for n, u in zip(names, unit_of, strict=True))
    if told < max(2, len(names) / 2) or not any(split_unit(n)[1] or u
                                                for n, u in zip(names, unit_of, strict=True)):
        return raw
    header = ["Sample"] + [f"{n} ({u})" if u and not split_unit(n)[1] else n
                           for n, u in zip(names, unit_of, strict=True)]
    cells: list[list[object]] = []
    columns: list[int] = []  # each sample's column in the file, 1-based
    for j, label in enumerate(labels, start=first):
        column = [r[j] if j < len(r) else "" for r in raw.cells]
        if all(is_missing(c) for c in column):
            continue  # an empty column of the sheet, no sample
        cells.append([label, *column])
        columns.append(j + 1)
    notes = [*raw.notes, f"the table lists its samples as columns ({labels[0]} … "
             f"{labels[-1]}) and its quantities as rows ({names[0]} … {names[-1]}): read "
             "turned, one row per sample"]
    return RawTable(header, cells, columns, raw.decimal_comma, notes, "column",
                    set(raw.amounts), raw.sheet)
