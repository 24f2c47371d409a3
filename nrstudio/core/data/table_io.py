"""Import and export of tables: CSV (any common dialect) and XLSX.

Reading never guesses silently: what it decided (delimiter, decimal comma, encoding, renamed
headers) is returned in ``ImportedTable.notes`` for the import dialog to show.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from nrstudio.core.atomic import atomic_write
from nrstudio.core.data.dataset import (
    MISSING_MARKERS,
    Column,
    Dataset,
    format_cell,
    is_missing,
    parse_number,
)
from nrstudio.core.data.exports import (
    TABLE_SUFFIXES,
    neutralise_formula,
    table_format,
    write_xlsx_rows,
)
from nrstudio.core.data.merged_cells import MergedDown, fill_merged_down, xlsx_merges_down
from nrstudio.core.data.ods import ods_rows, ods_sheet_names
from nrstudio.core.data.spectra_tables import spectra_layout, spectrum_export
from nrstudio.core.data.table_conventions import read_conventions, skip_titles_and_notes
from nrstudio.core.data.table_roles import RawTable, dataset_from_raw, unique_headers
from nrstudio.core.errors import DataError

MAX_TABLE_BYTES = 200 * 1024 * 1024
MAX_COLUMNS = 1000
# The largest table the app holds, imported or in a project: far above a lab's syntheses or
# an augmented table (about 10,000 rows by default), small enough to open within a gigabyte.
MAX_TABLE_ROWS = 200_000
MAX_TABLE_CELLS = 2_000_000
MAX_XLSX_ROWS = MAX_TABLE_ROWS
MAX_XLSX_XML_BYTES = 512 * 1024 * 1024  # what a workbook's sheets may inflate to
_DELIMITERS = (",", ";", "\t")
_SEPARATOR_LINE = re.compile(r"^sep=([,;\t|])[ \t]*\r?\n", re.IGNORECASE)
# What import reads: delimited text, Excel's workbooks, LibreOffice Calc's spreadsheets.
READABLE_TABLES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".ods")  # text, then workbooks
_DECIMAL_COMMA_CELL = re.compile(r"^\s*[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$")
_DECIMAL_DOT_CELL = re.compile(r"^\s*[+-]?\d*\.\d+([eE][+-]?\d+)?\s*$")


# ---- CSV -------------------------------------------------------------------------------
def _decode(data: bytes, notes: list[str]) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DataError(f"not valid UTF-16 text (byte {exc.start})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        notes.append("the file is not UTF-8; it was read as Windows-1252 (Western European)")
        return data.decode("cp1252", errors="replace")


def _split(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    out: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            out.append((reader.line_num, row))
    except csv.Error as exc:
        raise DataError(f"line {reader.line_num + 1}: {exc}") from None
    return out


def _choose_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into rows of one width most consistently
    (the width most rows share: a title above the header or a note below the table has
    another), then the one that splits them into more columns."""
    sample = "\n".join(text.splitlines()[:50])
    best, best_score = ",", (-1.0, 0)
    for d in _DELIMITERS:
        try:
            rows = [r for _, r in _split(sample, d) if any(c.strip() for c in r)]
        except DataError:
            continue
        widths = Counter(len(r) for r in rows)
        width = max(widths, key=lambda w: (widths[w], w), default=0)
        if width < 2:
            continue
        score = (widths[width] / len(rows), width)
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv_bytes(data: bytes) -> RawTable:
    """Read a delimited text table: comma, semicolon or tab; decimal point or comma.

    Raises DataError with the line number for anything that is not a table.
    """
    if len(data) > MAX_TABLE_BYTES:
        raise DataError(f"the file is {len(data) / 2**20:.0f} MB; tables over 200 MB are refused")
    notes: list[str] = []
    text = _decode(data, notes)
    if "\x00" in text:
        if data.startswith(b"PK\x03\x04"):
            raise DataError("the file is a zip (a workbook?), not a text table: a workbook "
                            "must keep its .xlsx or .ods ending")
        raise DataError("the file contains NUL bytes: it is not a text table (an .xlsx renamed?)")
    if not text.strip():
        raise DataError("the file is empty")
    spectrum = spectrum_export(text)
    if spectrum:
        raise DataError(f"this is a spectrum as an instrument exports it ({spectrum}), not a "
                        "table of syntheses. NR Studio reads one row per synthesis: write each "
                        "spectrum's peak position, width or absorbance into a column of your "
                        "synthesis table")
    line_count = text.count("\n")
    if line_count > MAX_TABLE_ROWS + 1:  # refused before any row is parsed
        raise DataError(f"the file has {line_count:,} lines; tables of more than "
                        f"{MAX_TABLE_ROWS:,} rows are refused")
    declared = _SEPARATOR_LINE.match(text)
    if declared:  # Excel's first line naming the separator: used, and not a row
        delimiter = declared.group(1)
        notes.append(f"line 1 names the separator ({declared.group(0).strip()}), as Excel "
                     "writes it")
        text = "\n" + text[declared.end():]  # the rows below keep their line numbers
    else:
        delimiter = _choose_delimiter(text)
    rows = [(n, r) for n, r in _split(text, delimiter) if any(c.strip() for c in r)]
    if delimiter != ",":
        notes.append(f"columns separated by {'tab' if delimiter == chr(9) else repr(delimiter)}")
    rows = skip_titles_and_notes(rows, notes)
    if not rows:
        raise DataError("the file has no header row")
    header = rows[0][1]
    if len(header) > MAX_COLUMNS:
        raise DataError(f"the header has {len(header):,} columns; at most {MAX_COLUMNS:,} are "
                        "supported")
    header = [h.strip() for h in header]
    while header and not header[-1] and all(
        len(r) < len(header) or not r[len(header) - 1].strip() for _, r in rows[1:]
    ):
        header.pop()  # trailing empty header cells written by spreadsheet programs
    width = len(header)
    cells: list[list[object]] = []
    lines: list[int] = []
    for line, row in rows[1:]:
        extra = [c for c in row[width:] if c.strip()]
        if extra:
            raise DataError(
                f"line {line} has {len(row)} fields but the header has {width}"
                f" (a delimiter inside a value? quote such values)"
            )
        row = row[:width] + [""] * (width - len(row))
        cells.append(list(row))
        lines.append(line)
    raw = RawTable(unique_headers(header, notes), cells, lines, notes=notes)
    raw.decimal_comma = _uses_decimal_comma(cells)
    if raw.decimal_comma:
        notes.append("numbers use a decimal comma")
    return raw


def _uses_decimal_comma(cells: Sequence[Sequence[object]]) -> bool:
    comma = dot = 0
    for row in cells:
        for c in row:
            if isinstance(c, str):
                if _DECIMAL_COMMA_CELL.match(c):
                    comma += 1
                elif _DECIMAL_DOT_CELL.match(c):
                    dot += 1
    return comma > 0 and dot == 0


# ---- XLSX ------------------------------------------------------------------------------
_ODS = ".ods"
_WORKBOOKS = (".xlsx", ".xlsm", _ODS)


def has_sheets(path: str | Path) -> bool:
    """Whether the file is a workbook of named sheets (XLSX or ODS), not a text table."""
    return Path(path).suffix.lower() in _WORKBOOKS


def list_sheets(path: str | Path) -> list[str]:
    """Names of the worksheets of an XLSX or ODS file."""
    if Path(path).suffix.lower() == _ODS:
        _check_zip_size(Path(path), "OpenDocument spreadsheet")
        return ods_sheet_names(path)
    wb = _open_workbook(path)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _check_zip_size(path: Path, kind: str = "XLSX workbook") -> None:
    """Refuse a workbook (``kind``) larger than MAX_TABLE_BYTES, or whose parts would inflate
    past MAX_XLSX_XML_BYTES or at a ratio no spreadsheet program writes, before any of it is
    parsed."""
    import zipfile

    if path.stat().st_size > MAX_TABLE_BYTES:
        raise DataError(f"{path.name} is larger than 200 MB")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(f"{path.name} is not a readable {kind} (not a zip)") from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_XLSX_XML_BYTES or (total > 64 * 1024**2 and total / packed > 200):
        raise DataError(f"{path.name} would inflate to {total / 2**20:.0f} MB of XML; "
                        "save it as CSV, or remove unused cells")


def _open_workbook(path: str | Path):
    import openpyxl

    p = Path(path)
    _check_zip_size(p)
    try:
        return openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise DataError(f"{p.name} is not a readable XLSX workbook ({type(exc).__name__})") from None


def read_xlsx(path: str | Path, sheet: str | None = None) -> RawTable:
    """Read one sheet (the first when ``sheet`` is None); the first non-empty row is the header."""
    wb = _open_workbook(path)
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise DataError(f"no sheet named '{sheet}'; the workbook has {wb.sheetnames}")
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        rows: list[tuple[int, list[object]]] = []
        try:
            # The <dimension> a sheet declares is not trusted: it may claim fewer rows than
            # it holds (rows would be dropped) or a million (reading would never end).
            ws.reset_dimensions()
            for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if n > MAX_XLSX_ROWS:
                    raise DataError(f"sheet '{ws.title}' has more than {MAX_XLSX_ROWS:,} rows")
                if len(values) > MAX_COLUMNS:
                    values = values[:MAX_COLUMNS + 1]
                row = ["" if v is None else v for v in values]
                if any(not is_missing(c) for c in row):
                    rows.append((n, row))
        except DataError:
            raise
        except Exception as exc:
            raise DataError(f"sheet '{ws.title}' cannot be read ({type(exc).__name__})") from None
    finally:
        wb.close()
    sheet_xml = getattr(ws, "_worksheet_path", None)  # openpyxl's name for the sheet's part
    return _sheet_table(ws.title, rows, xlsx_merges_down(path, sheet_xml) if sheet_xml else [])


def read_ods(path: str | Path, sheet: str | None = None) -> RawTable:
    """Read one sheet of an OpenDocument spreadsheet (LibreOffice Calc's ``.ods``; the first
    sheet when ``sheet`` is None), as :func:`read_xlsx` reads a workbook's."""
    _check_zip_size(Path(path), "OpenDocument spreadsheet")
    title, rows, merges = ods_rows(path, sheet, MAX_XLSX_ROWS, MAX_COLUMNS)
    return _sheet_table(title, rows, merges)


def _sheet_table(title: str, rows: list[tuple[int, list[object]]],
                 merges: list[MergedDown]) -> RawTable:
    """A sheet's rows that hold a value (each with its row number) as a raw table: cells
    merged down a column filled, titles and notes skipped, the first row left the header."""
    notes = [f"sheet '{title}'"]
    rows = fill_merged_down(rows, merges, notes)
    rows = _split_text_rows(rows, notes)
    rows = skip_titles_and_notes(rows, notes, "row")
    if not rows:
        raise DataError(f"sheet '{title}' is empty")
    header = [format_cell(h).strip() for h in rows[0][1]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    cells, lines = [], []
    for n, row in rows[1:]:
        if any(not is_missing(c) for c in row[width:]):
            raise DataError(f"sheet '{title}' row {n} has values right of the last header")
        cells.append(list(row[:width]) + [""] * (width - len(row)))
        lines.append(n)
    cells = [[str(c) if not isinstance(c, int | float | str) else c for c in r] for r in cells]
    raw = RawTable(unique_headers(header, notes), cells, lines, notes=notes, line_word="row",
                   sheet=title)
    raw.decimal_comma = _uses_decimal_comma(cells)
    return raw


def _split_text_rows(rows: list[tuple[int, list[object]]], notes: list[str]
                     ) -> list[tuple[int, list[object]]]:
    """A sheet whose rows are each one cell of delimited text (a CSV file pasted into one
    column: a spectrometer's export opened in Excel without splitting it) split into
    columns at that delimiter, each row keeping its number; other sheets as they are."""
    texts = []
    for _, row in rows:
        filled = [c for c in row if not is_missing(c)]
        if len(filled) != 1 or not isinstance(row[0], str) or is_missing(row[0]):
            return rows
        texts.append(row[0])
    delimiter = _choose_delimiter("\n".join(texts))
    split = [_split(text, delimiter)[0][1] if text.strip() else [] for text in texts]
    widths = [len(r) for r in split]
    # The header and nearly every row split alike: a column of notes holding a comma or
    # a semicolon here and there is not a table.
    if (len(rows) < 3 or widths[0] < 2 or widths[0] != max(widths)
            or widths.count(widths[0]) < 0.8 * len(rows)
            or not any(parse_number(c) is not None for r in split[1:] for c in r)):
        return rows  # sentences with a comma each are no table: it holds numbers
    notes.append(f"each row of the sheet is one cell of text separated by "
                 f"{'tab' if delimiter == chr(9) else repr(delimiter)} (a text file pasted "
                 "into one column): read as split into columns")
    return [(n, list(r)) for (n, _), r in zip(rows, split, strict=True)]


# ---- files -------------------------------------------------------------------------------
def read_table(path: str | Path, sheet: str | None = None) -> RawTable:
    """A CSV or XLSX file as a raw table, its spreadsheet conventions read
    (:func:`~nrstudio.core.data.table_conventions.read_conventions`); a table of spectra
    (:mod:`~nrstudio.core.data.spectra_tables`) is refused with what it holds."""
    raw = read_conventions(_read_file(path, sheet))
    layout = spectra_layout(raw)
    if layout:
        raise DataError(f"this is a table of spectra, not of syntheses: {layout}. NR Studio "
                        "reads one row per synthesis: write each spectrum's peak position, "
                        "width or absorbance into a column of your synthesis table")
    return raw


def _read_file(path: str | Path, sheet: str | None) -> RawTable:
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    if has_sheets(p):
        return _read_sheet(p, sheet) if sheet is not None else _first_table_sheet(p)
    if p.suffix.lower() == ".xls":
        raise DataError(f"{p.name}: old .xls workbooks are not supported; save it as .xlsx, "
                        ".ods or CSV")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DataError(f"{p}: {exc.strerror}") from None
    return read_csv_bytes(data)


def _read_sheet(path: Path, sheet: str | None) -> RawTable:
    return read_ods(path, sheet) if path.suffix.lower() == _ODS else read_xlsx(path, sheet)


def _first_table_sheet(path: Path) -> RawTable:
    """The first sheet of a workbook that holds a table (two named columns and a row at
    least): a cover sheet of notes before the data ('README', then 'Data') is passed over,
    with a note; the first sheet when none does."""
    first: RawTable | None = None
    error: DataError | None = None
    passed: list[str] = []
    for name in list_sheets(path):
        try:
            raw = _read_sheet(path, name)
        except DataError as exc:
            error = error or exc
            passed.append(name)
            continue
        if sum(bool(h.strip()) for h in raw.header) >= 2 and raw.cells:
            raw.notes.extend(f"sheet '{n}' passed over: it holds no table (it can still be "
                             "chosen)" for n in passed)
            return raw
        first = first or raw
        passed.append(name)
    if first is not None:
        return first
    raise error or DataError(f"{path.name} has no sheet")


def import_table(
    path: str | Path, sheet: str | None = None, overrides: dict[str, Column] | None = None,
    missing: Sequence[str] = MISSING_MARKERS,
) -> Dataset:
    """Read a CSV or XLSX file into a dataset, with guessed (or overridden) column roles;
    cells that are one of ``missing`` are read as empty."""
    return dataset_from_raw(read_table(path, sheet), overrides, missing)


def export_rows(dataset: Dataset) -> tuple[list[str], list[list[object]]]:
    """Header and cells for export: the table plus validation flag, origin and parents."""
    header = [c.name for c in dataset.columns] + ["validation_experiment", "origin"]
    synthetic = bool((~dataset.is_original).any())
    if synthetic:
        header += ["parent_1", "parent_2"]
    # Whole columns at once: reading the frame row by row took 3 s for the 29,626 rows of
    # an augmented 250-row table, most of a run's time spent writing its files.
    extra = [["yes" if v else "no" for v in dataset.rows["validation_experiment"]],
             dataset.rows["origin"].tolist()]
    if synthetic:
        extra += [dataset.rows["parent_1"].tolist(), dataset.rows["parent_2"].tolist()]
    cells = dataset.table.to_numpy(dtype=object).tolist()
    rows = [row + list(more) for row, more in zip(cells, zip(*extra, strict=True), strict=True)]
    return header, rows


def export_table(dataset: Dataset, path: str | Path) -> None:
    """Write the dataset as CSV (comma, decimal point, UTF-8), tab-separated text or XLSX,
    chosen by extension (another extension is refused)."""
    p = Path(path)
    suffix = table_format(p)
    header, rows = export_rows(dataset)
    try:
        if suffix == ".xlsx":
            atomic_write(p, lambda fh: write_xlsx_rows(fh, header, rows))
        else:
            atomic_write(p, lambda fh: _write_csv(fh, header, rows, TABLE_SUFFIXES[suffix]))
    except OSError as exc:
        raise DataError(f"cannot write {p}: {exc.strerror or exc}") from None


def _write_csv(fh, header: list[str], rows: list[list[object]],
               delimiter: str = ",") -> None:
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\n")
    writer.writerow([neutralise_formula(h) for h in header])
    for row in rows:
        writer.writerow([neutralise_formula(c) if isinstance(c, str) else format_cell(c)
                         for c in row])
    fh.write(text.getvalue().encode("utf-8"))
