"""Tables that used to hang, drop rows, turn into formulas or pass validation only to fail
later: each gives a clear finding or refusal, made by generators here."""

import time
import zipfile

import numpy as np
import openpyxl
import pytest

from nrstudio.core.data.column_guessing import ignored_reason
from nrstudio.core.data.dataset import Column, Dataset, Kind, Role
from nrstudio.core.data.table_io import dataset_from_raw, export_table, read_csv_bytes, read_table
from nrstudio.core.data.validation import validate_dataset
from nrstudio.core.errors import DataError

COLS = [Column("Sample", Role.SAMPLE_ID, "", Kind.TEXT), Column("S amount (mg)", Role.INPUT, "mg"),
        Column("Core amount (nmol)", Role.INPUT, "nmol"),
        Column("Average Length (nm)", Role.TARGET, "nm")]


def table(rows):
    return Dataset.from_records(COLS, rows)


def messages(ds):
    return [str(f) for f in validate_dataset(ds).findings]


def test_a_million_columns_are_refused_at_once():
    header = ",".join(f"c{j}" for j in range(1_000_000)).encode() + b"\n1\n"
    t0 = time.perf_counter()
    with pytest.raises(DataError, match="1,000,000 columns; at most 1,000"):
        read_csv_bytes(header)
    assert time.perf_counter() - t0 < 10


def test_many_duplicate_headers_are_made_unique_in_linear_time():
    header = ",".join(["x"] * 999).encode() + b"\n" + b",".join([b"1"] * 999) + b"\n"
    t0 = time.perf_counter()
    raw = read_csv_bytes(header)
    assert len(set(raw.header)) == 999 and time.perf_counter() - t0 < 5


def _xlsx_with_dimension(path, rows, dimension):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    text = members[sheet].decode()
    start = text.index("<dimension ref=\"")
    end = text.index("\"", start + 16)
    members[sheet] = (text[:start] + f"<dimension ref=\"{dimension}\"" + text[end + 1:]).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in members.items():
            zf.writestr(n, d)


@pytest.mark.parametrize("dimension", ["A1:D3", "A1", "A1:XFD1048576"])
def test_xlsx_rows_are_read_whatever_the_dimension_claims(tmp_path, dimension):
    path = tmp_path / "t.xlsx"
    rows = [["Sample", "S amount (mg)", "Core amount (nmol)", "Average Length (nm)"]]
    rows += [[f"s{i}", 100 + i, 10 + i, 40 + i] for i in range(6)]
    _xlsx_with_dimension(path, rows, dimension)
    t0 = time.perf_counter()
    raw = read_table(path)
    assert len(raw.cells) == 6 and time.perf_counter() - t0 < 10


def test_an_xlsx_that_inflates_to_hundreds_of_megabytes_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    good = tmp_path / "good.xlsx"
    openpyxl.Workbook().save(good)
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["xl/worksheets/sheet1.xml"] = (b"<worksheet>" + b" " * (100 * 1024**2)
                                           + b"</worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    assert path.stat().st_size < 2 * 1024**2
    t0 = time.perf_counter()
    with pytest.raises(DataError, match="would inflate to 100 MB of XML"):
        read_table(path)
    assert time.perf_counter() - t0 < 5


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exported_text_never_becomes_a_formula(tmp_path, suffix):
    evil = ["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)",
            "\tx", "\rx"]
    cols = [*COLS, Column("Comment", Role.IGNORED, "", Kind.TEXT)]
    ds = Dataset.from_records(cols, [[f"s{i}", 1.0, 2.0, -3.0 if i == 0 else 3.0, text]
                                     for i, text in enumerate(evil)])
    path = tmp_path / f"out{suffix}"
    export_table(ds, path)
    if suffix == ".csv":
        lines = path.read_text().splitlines()
        assert all(line.split(",", 4)[-1].startswith(("'", "\"'")) for line in lines[1:2])
        assert "'=HYPERLINK" in path.read_text() and "'+1+1" in path.read_text()
        assert ",-3," in lines[1]  # numbers stay numbers
    else:
        ws = openpyxl.load_workbook(path).active
        cells = [c for row in ws.iter_rows(min_row=2) for c in row]
        assert not any(c.data_type == "f" for c in cells)
        assert ws.cell(2, 5).value == evil[0]


def test_duplicate_sample_ids_are_errors_and_a_numeric_id_stays_an_id():
    raw = read_csv_bytes(b"Sample,S amount (mg),Average Length (nm)\n1,5,40\n2,6,41\n2,7,42\n"
                         b"3,8,43\n4,9,44\n5,9,45\n")
    ds = dataset_from_raw(raw)
    assert ds.sample_id_column == "Sample" and "Sample" not in ds.inputs
    found = messages(ds)
    assert any("row 3, column 'Sample': sample id '2' is also the id of row 2" in m
               for m in found)
    # One label in every row is no sample id (a run, a batch): ignored with the reason,
    # never an input.
    same = dataset_from_raw(read_csv_bytes(
        b"Sample,S amount (mg),Average Length (nm)\n" + b"A,5,40\n" * 6))
    assert same.sample_id_column is None and same.inputs == ["S amount (mg)"]
    assert "1 label shared by 6 rows: a run or a batch, not a sample id" in ignored_reason(
        same.column("Sample"), same.table["Sample"].tolist())


def test_an_all_empty_target_and_a_constant_input_are_named():
    rows = [[f"s{i}", 5.0, 10.0 + i, float("nan")] for i in range(8)]
    found = messages(table(rows))
    assert "error: column 'Average Length (nm)': this target has no value in any training " \
           "row" in found
    assert any("column 'S amount (mg)': the same value (5) in every training row" in m
               for m in found)


def test_absurd_magnitudes_are_errors_where_they_stand():
    rows = [[f"s{i}", 5.0 + i, 10.0, 40.0] for i in range(8)]
    rows[3][1] = 1e300
    found = messages(table(rows))
    assert any("row 4, column 'S amount (mg)': 1e+300 is too large" in m for m in found)


def test_validating_a_large_table_is_fast():
    n = 100_000
    rng = np.random.default_rng(0)
    rows = [[f"s{i}", float(a), float(b), float(c)] for i, (a, b, c) in
            enumerate(rng.random((n, 3)) * 100)]
    rows[5][2] = "oops"
    ds = table(rows)
    t0 = time.perf_counter()
    report = validate_dataset(ds)
    assert time.perf_counter() - t0 < 10
    assert [f.row for f in report.errors] == [6]


def test_info_prints_no_terminal_escape_codes(tmp_path):
    import subprocess
    import sys

    from nrstudio.core.project.file_format import save_project
    from nrstudio.core.project_model import Project

    cols = [Column("Sample\x1b[2J", Role.SAMPLE_ID, "", Kind.TEXT),
            Column("S amount (mg)", Role.INPUT, "mg"), Column("L (nm)", Role.TARGET, "nm")]
    path = tmp_path / "esc.nrproj"
    save_project(Project(Dataset.from_records(cols, [["a", 1.0, 2.0]]),
                         notes="\x1b]0;owned\x07 hello"), path)
    out = subprocess.run([sys.executable, "-m", "nrstudio", "info", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "\x1b" not in out.stdout and "\x07" not in out.stdout
    assert "Sample?[2J" in out.stdout and "hello" in out.stdout


def test_scales_outside_microscope_range_are_refused_by_measure(tmp_path):
    import subprocess
    import sys

    from PIL import Image

    img = tmp_path / "m.png"
    Image.fromarray(np.full((64, 64), 200, np.uint8)).save(img)
    out = subprocess.run([sys.executable, "-m", "nrstudio", "measure", str(img), "--nm-per-px",
                          "1e-320", "--out", str(tmp_path / "o")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "outside 0.001 to 1000 nm per pixel" in out.stderr
