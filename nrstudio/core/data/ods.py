"""OpenDocument spreadsheets (``.ods``, LibreOffice Calc's own format) read as rows of cells.

An ``.ods`` file is a zip whose ``content.xml`` holds every sheet. It is read as a stream
(``xml.etree.ElementTree.iterparse``), never built whole, and each finished row is dropped, so a
sheet of thousands of rows keeps little in memory. Cells come back as XLSX cells do from
openpyxl: numbers (floats, percentages as fractions, currencies) as ``int`` or ``float`` from
the stored value, everything else (text, dates, times, a formula's error) as the text the
spreadsheet shows, an empty or merged-over cell as ``""``. A block of repeated empty rows or
cells (a sheet's unused tail is written as one row repeated a million times) is counted, not
expanded.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree

from nrstudio.core.data.merged_cells import MergedDown
from nrstudio.core.errors import DataError

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_SHEET = f"{{{_TABLE}}}table"
_ROW = f"{{{_TABLE}}}table-row"
_CELL = f"{{{_TABLE}}}table-cell"
_COVERED = f"{{{_TABLE}}}covered-table-cell"
_NAME = f"{{{_TABLE}}}name"
_ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
_COLUMNS_REPEATED = f"{{{_TABLE}}}number-columns-repeated"
_ROWS_SPANNED = f"{{{_TABLE}}}number-rows-spanned"
_COLUMNS_SPANNED = f"{{{_TABLE}}}number-columns-spanned"
_VALUE_TYPE = f"{{{_OFFICE}}}value-type"
_VALUE = f"{{{_OFFICE}}}value"
_PARAGRAPH = f"{{{_TEXT}}}p"
_SPACES = f"{{{_TEXT}}}s"
_SPACE_COUNT = f"{{{_TEXT}}}c"
_TAB = f"{{{_TEXT}}}tab"
_LINE_BREAK = f"{{{_TEXT}}}line-break"
_NUMBER_TYPES = ("float", "percentage", "currency")


_Event = Literal["start", "end"]


def _events(path: Path, events: tuple[_Event, ...]
            ) -> Iterator[tuple[str, ElementTree.Element]]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(f"{path.name} is not a readable OpenDocument spreadsheet (not a zip)") from None
    with zf:
        try:
            fh = zf.open("content.xml")
        except KeyError:
            raise DataError(f"{path.name} has no content.xml: not an OpenDocument "
                            "spreadsheet") from None
        with fh:
            try:
                yield from ElementTree.iterparse(fh, events=events)
            except ElementTree.ParseError as exc:
                raise DataError(f"{path.name}: damaged spreadsheet content ({exc})") from None


def ods_sheet_names(path: str | Path) -> list[str]:
    """The sheets of an ``.ods`` file, in order."""
    names: list[str] = []
    for event, element in _events(Path(path), ("start", "end")):
        if event == "start" and element.tag == _SHEET:
            names.append(element.get(_NAME, f"Sheet{len(names) + 1}"))
        elif event == "end" and element.tag == _ROW:
            element.clear()  # rows are not needed: the tree stays small
    return names


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    """A paragraph's text with its marked spaces, tabs and line breaks written out."""
    parts = [paragraph.text or ""]
    for child in paragraph:
        if child.tag == _SPACES:
            parts.append(" " * int(child.get(_SPACE_COUNT, "1")))
        elif child.tag == _TAB:
            parts.append("\t")
        elif child.tag == _LINE_BREAK:
            parts.append("\n")
        else:  # a span, a link: its own text and marks
            parts.append(_paragraph_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _cell_value(cell: ElementTree.Element) -> object:
    kind = cell.get(_VALUE_TYPE)
    if kind in _NUMBER_TYPES and cell.get(_VALUE) is not None:
        stored = cell.get(_VALUE, "")
        try:
            number = float(stored)
        except ValueError:
            pass
        else:
            whole = number.is_integer() and not any(c in stored for c in ".eE")
            return int(number) if whole else number
    return "\n".join(_paragraph_text(p) for p in cell.iter(_PARAGRAPH))


def ods_rows(path: str | Path, sheet: str | None, max_rows: int, max_columns: int,
             ) -> tuple[str, list[tuple[int, list[object]]], list[MergedDown]]:
    """The named sheet (the first when ``sheet`` is None): its title, its rows that hold a
    value, each with its 1-based row number and at most ``max_columns + 1`` cells (one more
    than allowed, so a caller sees the excess), and its cells merged down a column. Raises
    DataError beyond ``max_rows`` rows."""
    p = Path(path)
    title: str | None = None
    rows: list[tuple[int, list[object]]] = []
    merges: list[MergedDown] = []
    number = 0
    for event, element in _events(p, ("start", "end")):
        if element.tag == _SHEET:
            if event == "start" and title is None:
                name = element.get(_NAME, "Sheet1")
                if sheet is None or name == sheet:
                    title = name
            elif event == "end" and title is not None:
                break
            continue
        if title is None or event != "end" or element.tag != _ROW:
            continue
        cells: list[object] = []
        for cell in element:
            if cell.tag not in (_CELL, _COVERED):
                continue
            value = _cell_value(cell) if cell.tag == _CELL else ""
            spanned = int(cell.get(_ROWS_SPANNED, "1"))
            if spanned > 1 and int(cell.get(_COLUMNS_SPANNED, "1")) == 1:
                merges.append(MergedDown(number + 1, number + spanned, len(cells)))
            repeat = int(cell.get(_COLUMNS_REPEATED, "1"))
            cells.extend([value] * min(repeat, max_columns + 1 - len(cells)))
            if len(cells) > max_columns:
                break
        repeat = int(element.get(_ROWS_REPEATED, "1"))
        element.clear()
        if not any(c != "" and not (isinstance(c, str) and not c.strip()) for c in cells):
            number += repeat
            continue
        for _ in range(repeat):
            number += 1
            if number > max_rows:
                raise DataError(f"sheet '{title}' has more than {max_rows:,} rows")
            rows.append((number, list(cells)))
    if title is None:
        if sheet is not None:
            raise DataError(f"no sheet named '{sheet}'; the file has {ods_sheet_names(p)}")
        raise DataError(f"{p.name} has no sheet")
    return title, rows, merges
