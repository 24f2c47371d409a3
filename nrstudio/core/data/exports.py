"""Every table NR Studio writes for a spreadsheet, written one way.

The format follows the file's extension (``.csv``, ``.tsv``, ``.txt`` or ``.xlsx``; any other
is refused rather than written as CSV under a misleading name). Text that a spreadsheet would
run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a
leading apostrophe in CSV and is stored as a text cell in XLSX, so a sample id or a level such
as ``=HYPERLINK(...)`` stays text. XLSX cannot hold control characters: a cell with one is
refused with its row and column named.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from nrstudio.core.atomic import atomic_write
from nrstudio.core.errors import DataError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".txt": "\t", ".xlsx": ""}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# A signed number written as text (a table of predictions formatted to its digits): a
# spreadsheet reads it as that number and runs nothing.
_SIGNED_NUMBER = re.compile(r"[-+](\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]inf")


def neutralise_formula(text: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (the usual
    CSV-injection rule); a number, as a number or as text such as ``-0.75``, is untouched:
    an apostrophe made it text that no spreadsheet sums."""
    if text[:1] in FORMULA_STARTS and not _SIGNED_NUMBER.fullmatch(text):
        return f"'{text}"
    return text


def table_format(path: str | Path) -> str:
    """The suffix that decides the format; DataError for one NR Studio cannot write."""
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise DataError(f"cannot write a table as '{suffix or 'no extension'}' "
                        f"({Path(path).name}): use {', '.join(TABLE_SUFFIXES)}")
    return suffix


def _cell(value: Any, float_format: str | None) -> Any:
    if isinstance(value, str):
        return neutralise_formula(value)
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return "" if np.isnan(value) else str(float(value))
        return float_format % value if float_format else repr(float(value))
    if value is None or value is pd.NA:
        return ""
    return value


def write_csv_rows(fh: IO[str], header: Sequence[Any], rows: Sequence[Sequence[Any]],
                   delimiter: str = ",", float_format: str | None = None) -> None:
    """Header and rows as delimited text on ``fh``, every text cell neutralised."""
    writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
    writer.writerow([_cell(str(h), None) for h in header])
    for row in rows:
        writer.writerow([_cell(v, float_format) for v in row])


def write_frame_csv(frame: pd.DataFrame, fh: IO[str], delimiter: str = ",",
                    float_format: str | None = None) -> None:
    """A pandas table as delimited text on ``fh`` (standard output, a file)."""
    write_csv_rows(fh, list(frame.columns), list(frame.itertuples(index=False)), delimiter,
                   float_format)


def write_xlsx_rows(fh: IO[bytes], header: Sequence[Any], rows: Sequence[Sequence[Any]],
                    sheet: str = "data") -> None:
    """Header and rows as an XLSX workbook; text cells stay text, control characters are
    refused with the cell named."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    # Checked before the workbook exists: a write-only workbook left half-written keeps an
    # open stream that complains when it is collected.
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            if isinstance(value, str) and _CONTROL.search(value):
                raise DataError(f"cell {get_column_letter(c + 1)}{r + 1} holds a control "
                                f"character ({value[:30]!r}), which XLSX cannot store; remove "
                                "it or export as CSV")
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(sheet)

    def cell(value: Any) -> Any:
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (np.integer, np.floating)):
            value = value.item()
        if isinstance(value, float) and not np.isfinite(value):
            value = str(value)
        if isinstance(value, str):
            # A string cell: openpyxl would store "=..." as a live formula.
            out = WriteOnlyCell(ws, value=value)
            out.data_type = "s"
            return out
        return value

    ws.append([cell(str(h)) for h in header])
    for row in rows:
        ws.append([cell(v) for v in row])
    wb.save(fh)


def write_table(frame: pd.DataFrame, path: str | Path, float_format: str | None = None
                ) -> Path:
    """Write a pandas table to ``path`` atomically, in the format its extension names."""
    p = Path(path)
    suffix = table_format(p)
    header = list(frame.columns)
    rows = list(frame.itertuples(index=False))

    def write(fh: IO[bytes]) -> None:
        if suffix == ".xlsx":
            write_xlsx_rows(fh, header, rows)
            return
        text = io.StringIO(newline="")
        write_csv_rows(text, header, rows, TABLE_SUFFIXES[suffix], float_format)
        fh.write(text.getvalue().encode("utf-8"))

    try:
        atomic_write(p, write)
    except OSError as exc:
        raise DataError(f"cannot write {p}: {exc.strerror or exc}") from None
    return p
