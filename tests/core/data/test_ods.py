"""OpenDocument spreadsheets (LibreOffice Calc's .ods): read as workbooks are, from files
written by another program (pandas through odfpy) and from the shapes LibreOffice writes."""

import zipfile

import numpy as np
import pandas as pd
import pytest

from nrstudio.core.data.dataset import Role
from nrstudio.core.data.table_io import has_sheets, import_table, list_sheets, read_table
from nrstudio.core.data.validation import validate_dataset as validate
from nrstudio.core.errors import DataError

_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def _ods(path, body: str):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", f'<?xml version="1.0" encoding="UTF-8"?>'
                    f"<office:document-content {_NS}><office:body><office:spreadsheet>"
                    f"{body}</office:spreadsheet></office:body></office:document-content>")
    return path


def _text(t: str, repeat: int = 1) -> str:
    more = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{more}><text:p>{t}</text:p></table:table-cell>'


def _number(v: float, shown: str | None = None, kind: str = "float") -> str:
    return (f'<table:table-cell office:value-type="{kind}" office:value="{v}">'
            f"<text:p>{shown or v}</text:p></table:table-cell>")


def _row(*cells: str, repeat: int = 1) -> str:
    more = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{more}>{''.join(cells)}</table:table-row>"


EMPTY_TAIL = '<table:table-cell table:number-columns-repeated="1018"/>'


def test_a_table_written_by_another_program_reads_as_its_xlsx_twin(tmp_path):
    frame = pd.DataFrame({"Temperature (°C)": [180, 200, 190, 170, 185, 195],
                          "Time (min)": [5, 10, 7.5, 3, 6, 8],
                          "Ligand": ["OA", "OAm", "OA", "OA", "OAm", "OA"],
                          "Length (nm)": [20.5, 30.1, 25, 18, 22, 27]})
    ods, xlsx = tmp_path / "runs.ods", tmp_path / "runs.xlsx"
    for path, engine in ((ods, "odf"), (xlsx, "openpyxl")):
        with pd.ExcelWriter(path, engine=engine) as writer:
            pd.DataFrame({"note": ["made by hand"]}).to_excel(writer, sheet_name="Notes",
                                                              index=False)
            frame.to_excel(writer, sheet_name="Runs", index=False)
    assert has_sheets(ods) and list_sheets(ods) == ["Notes", "Runs"]
    from_ods, from_xlsx = read_table(ods, "Runs"), read_table(xlsx, "Runs")
    assert from_ods.header == from_xlsx.header
    assert from_ods.line_numbers == from_xlsx.line_numbers == [2, 3, 4, 5, 6, 7]
    np.testing.assert_allclose(np.array(from_ods.cells)[:, [0, 1, 3]].astype(float),
                               np.array(from_xlsx.cells)[:, [0, 1, 3]].astype(float))
    ds = import_table(ods, "Runs")
    assert ds.targets == ["Length (nm)"] and ds.column("Ligand").role == Role.INPUT
    with pytest.raises(DataError, match="no sheet named 'x'; the file has \\['Notes', 'Runs'\\]"):
        read_table(ods, "x")


def test_the_shapes_libreoffice_writes(tmp_path):
    """A title, a merged group over two columns (a covered cell), a header wrapped on two
    lines, repeated cells, a percentage, marked spaces, a formula's error, and the sheet's
    unused tail written as one row repeated a million times."""
    rows = [_row(_text("Table 1. Growth of CsPbBr3 nanocrystals"), EMPTY_TAIL),
            _row(EMPTY_TAIL, repeat=2),
            _row('<table:table-cell/>',
                 '<table:table-cell office:value-type="string" '
                 'table:number-columns-spanned="2"><text:p>Cs precursor</text:p></table:table-cell>',
                 "<table:covered-table-cell/>",
                 '<table:table-cell table:number-columns-repeated="2"/>', EMPTY_TAIL),
            _row(_text("Sample"), _text("amount (mmol)"), _text("volume (mL)"),
                 '<table:table-cell office:value-type="string"><text:p>Reaction</text:p>'
                 "<text:p>temperature (°C)</text:p></table:table-cell>",
                 _text("PLQY"), EMPTY_TAIL)]
    for i in range(6):
        plqy = _number(0.35 + i / 100, f"{35 + i}%", "percentage")
        rows.append(_row(_text(f"S<text:s/>{i + 1}"), _number(0.1 * (i + 1)),
                         _number(2, "2") if i else _number(2.0, "2.00"),
                         _number(140 + 10 * i), plqy, EMPTY_TAIL))
    rows.append(_row(_text("S 7"), _number(0.7), _number(2), _text("Err:502"),
                     _number(0.5, "50%", "percentage"), EMPTY_TAIL))
    rows.append(_row(_text("S 8"), _number(0.8), _text("2", repeat=1), _number(150),
                     _number(0.41, "41%", "percentage"), EMPTY_TAIL))
    rows.append(_row(EMPTY_TAIL, repeat=1048560))
    path = _ods(tmp_path / "si.ods",
                f'<table:table table:name="Table 1">{"".join(rows)}</table:table>'
                f'<table:table table:name="Sheet2">{_row(_text("other"))}</table:table>')
    raw = read_table(path)
    # The group row is read as groups (a name is prefixed only where the header repeats it)
    assert raw.header == ["Sample", "amount (mmol)", "volume (mL)", "Reaction temperature (°C)",
                          "PLQY"]
    assert any("row 4 read as groups" in n for n in raw.notes)
    assert any("row 1 skipped: a title" in n for n in raw.notes)
    assert raw.line_numbers == list(range(6, 14))  # row numbers count the repeated empty rows
    assert [r[0] for r in raw.cells][:2] == ["S 1", "S 2"]  # a marked space is a space
    assert raw.cells[0][1:] == [0.1, 2.0, 140, 0.35]  # a percentage is its fraction, as XLSX
    ds = import_table(path)
    assert ds.targets == ["PLQY"]
    [error] = validate(ds).errors
    assert error.row == 7 and "'Err:502' is a spreadsheet formula's error" in error.message


@pytest.mark.parametrize("content, message", [
    (None, "not a readable OpenDocument spreadsheet"),
    (b"", "has no content.xml"),
    (b"<office:document-content><table:table", "damaged spreadsheet content"),
])
def test_a_damaged_ods_is_a_data_error(tmp_path, content, message):
    path = tmp_path / "bad.ods"
    if content is None:
        path.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    else:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            if content:
                zf.writestr("content.xml", content)
    with pytest.raises(DataError, match=message):
        import_table(path)


def test_a_workbook_saved_under_a_text_ending_is_named(tmp_path):
    frame = pd.DataFrame({"T (°C)": [180, 190], "L (nm)": [20, 30]})
    path = tmp_path / "runs.ods"
    frame.to_excel(path, engine="odf", index=False)
    renamed = path.rename(tmp_path / "runs.csv")
    with pytest.raises(DataError, match=r"the file is a zip .* must keep its \.xlsx or \.ods"):
        import_table(renamed)


def test_a_condition_merged_down_a_column_is_every_row_s(tmp_path):
    """LibreOffice writes a merge as its first cell spanning rows and covered cells below:
    each row gets the merged precursor (they were read empty: the column ignored, the rows
    taken for replicates)."""
    def merged(text: str, rows: int) -> str:
        return (f'<table:table-cell office:value-type="string" table:number-rows-spanned='
                f'"{rows}" table:number-columns-spanned="1"><text:p>{text}</text:p>'
                "</table:table-cell>")

    covered = "<table:covered-table-cell/>"
    body = ('<table:table table:name="Runs">'
            + _row(_text("Sample"), _text("Precursor"), _text("T (°C)"), _text("L (nm)"))
            + "".join(_row(_text(f"S{3 * g + k}"),
                           merged(p, 3) if k == 0 else covered,
                           _number(200 + 20 * k), _number(20 + 5 * g + k))
                      for g, p in enumerate(("CdO", "Cd(OAc)2")) for k in range(3))
            + "</table:table>")
    raw = read_table(_ods(tmp_path / "merged.ods", body))
    assert [r[1] for r in raw.cells] == ["CdO"] * 3 + ["Cd(OAc)2"] * 3
    assert any("2 cells merged down a column (B2:B4, B5:B7)" in n for n in raw.notes)
    assert import_table(tmp_path / "merged.ods").column("Precursor").role == Role.INPUT
