"""Cells merged down a column of a workbook: a condition written once for a group of
syntheses (the precursor *CdO* merged over the three rows made with it). A spreadsheet
stores the value in the group's first cell only, and read as it is stored the rows below
had no precursor: the column, three texts among empty cells, was ignored as labels, and the
rows it told apart were taken for replicates. Each row a vertical merge spans gets the
merged value, with a note. Merges across columns (a group name over the header, a title)
are left to the header's reading (:mod:`~nrstudio.core.data.table_conventions`).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nrstudio.core.data.dataset import is_missing

_XLSX_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


@dataclass(frozen=True)
class MergedDown:
    """A merge of rows ``first`` to ``last`` (1-based sheet rows) in column ``column``
    (0-based), its value in row ``first``."""

    first: int
    last: int
    column: int

    @property
    def label(self) -> str:
        return f"{_column_letters(self.column)}{self.first}:{_column_letters(self.column)}{self.last}"


def _column_index(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + (c - ord("A") + 1)
    return n - 1


def _column_letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def xlsx_merges_down(path: str | Path, sheet_xml: str) -> list[MergedDown]:
    """The vertical merges of one sheet of an XLSX file (``sheet_xml``: its part in the zip,
    such as ``xl/worksheets/sheet1.xml``); [] when the part cannot be read."""
    try:
        with zipfile.ZipFile(path) as zf:
            data = zf.read(sheet_xml)
    except (KeyError, OSError, zipfile.BadZipFile):
        return []
    out = []
    for a, r1, b, r2 in _XLSX_MERGE.findall(data):
        if a == b and int(r2) > int(r1):
            out.append(MergedDown(int(r1), int(r2), _column_index(a)))
    return out


def fill_merged_down(rows: list[tuple[int, list[object]]], merges: list[MergedDown],
                     notes: list[str]) -> list[tuple[int, list[object]]]:
    """``rows`` (sheet row number, cells) with each vertical merge's value in every row it
    spans; a merge whose rows below already hold values is left alone."""
    if not merges:
        return rows
    by_number = {n: cells for n, cells in rows}
    filled = []
    for merge in merges:
        top = by_number.get(merge.first)
        if top is None or merge.column >= len(top) or is_missing(top[merge.column]):
            continue
        below = [by_number.get(n) for n in range(merge.first + 1, merge.last + 1)]
        if any(cells is not None and merge.column < len(cells)
               and not is_missing(cells[merge.column]) for cells in below):
            continue
        for n in range(merge.first + 1, merge.last + 1):
            cells = by_number.get(n)
            if cells is None:  # a row empty but for the merge: spacing, not a synthesis
                continue
            if merge.column >= len(cells):
                cells.extend([""] * (merge.column + 1 - len(cells)))
            cells[merge.column] = top[merge.column]
        filled.append(merge)
    if filled:
        filled.sort(key=lambda m: (m.column, m.first))
        shown = ", ".join(m.label for m in filled[:4]) + (", …" if len(filled) > 4 else "")
        notes.append(f"{len(filled)} cell{'s' if len(filled) > 1 else ''} merged down a column "
                     f"({shown}) read as "
                     + ("their values in every row they span" if len(filled) > 1
                        else "its value in every row it spans"))
    return sorted(by_number.items())
