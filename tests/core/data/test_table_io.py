import math

import numpy as np
import pytest

from nrstudio.core.data.dataset import Column, Dataset, Kind, Role, parse_number, split_unit
from nrstudio.core.data.table_io import (
    dataset_from_raw,
    export_table,
    import_table,
    list_sheets,
    read_csv_bytes,
    read_table,
)
from nrstudio.core.errors import DataError

HEADER = '"Sample","Core absorption edge (nm)","Core amount (nmol)","S amount (mg)",' \
         '"Average Length (nm)","Average width (nm)","Aspect Ratio"\n'


def load(data: bytes) -> Dataset:
    return dataset_from_raw(read_csv_bytes(data))


def test_paper_csv_roles_and_units(paper_csv):
    ds = import_table(paper_csv)
    assert len(ds) == 28
    assert ds.sample_id_column == "Sample"
    assert ds.inputs == ["Core absorption edge (nm)", "Core amount (nmol)", "S amount (mg)"]
    assert ds.targets == ["Average Length (nm)", "Average width (nm)", "Aspect Ratio"]
    assert [ds.column(n).unit for n in ds.inputs] == ["nm", "nmol", "mg"]
    assert ds.column("Aspect Ratio").unit == "-"
    assert ds.values(["Average Length (nm)"])[0, 0] == 40.0
    assert ds.sample_ids()[:2] == ["1", "2"]


@pytest.mark.parametrize("encoding_prefix", [b"", b"\xef\xbb\xbf"])
def test_comma_csv_with_and_without_bom(encoding_prefix):
    ds = load(encoding_prefix + (HEADER + "1,489,60,110,40,4.9,8.2\n").encode())
    assert ds.columns[0].name == "Sample"  # BOM not glued to the first header
    assert ds.values(ds.targets).tolist() == [[40.0, 4.9, 8.2]]


def test_semicolon_csv_with_decimal_comma():
    text = HEADER.replace(",", ";") + "1;489;60;110;40;4,9;8,2\n2;517;15;110;76;4,4;17,3\n"
    raw = read_csv_bytes(text.encode())
    assert raw.decimal_comma
    ds = dataset_from_raw(raw)
    assert ds.values(["Average width (nm)"])[:, 0].tolist() == [4.9, 4.4]


def test_tab_separated_and_thousands():
    text = "id\tS amount (mg)\tAverage Length (nm)\na\t1.234,5\t3,5\nb\t12,0\t4,0\n"
    ds = load(text.encode())
    assert ds.values(["S amount (mg)"])[:, 0].tolist() == [1234.5, 12.0]


def test_quoted_header_with_delimiter_inside():
    text = '"Core amount, injected (nmol)",Average Length (nm)\n3,40\n'
    ds = load(text.encode())
    assert ds.columns[0].name == "Core amount, injected (nmol)"
    assert ds.columns[0].unit == "nmol"


def test_windows_1252_is_read_with_a_note():
    raw = read_csv_bytes("Probe,Temperature (\xb0C)\nA,300\n".encode("cp1252"))
    assert raw.header[1] == "Temperature (°C)"
    assert any("Windows-1252" in n for n in raw.notes)


def test_typo_is_kept_not_turned_into_nan():
    ds = load((HEADER + "1,489,6O,110,40,4.9,8.2\n2,517,15,110,76,4.4,17.3\n").encode())
    assert ds.table.iat[0, 2] == "6O"
    with pytest.raises(DataError, match=r"row 1, column 'Core amount \(nmol\)': '6O'"):
        ds.values(ds.inputs)


def test_ragged_line_is_an_error_with_its_line_number():
    with pytest.raises(DataError, match="line 3 has 3 fields"):
        load(b"a (nm),b (nm)\n1,2\n1,2,3\n")


def test_short_rows_are_padded_as_missing():
    ds = load(b"Core amount (nmol),Average Length (nm)\n1\n")
    assert math.isnan(ds.table.iat[0, 1])


@pytest.mark.parametrize("data,msg", [(b"", "empty"), (b"  \n\n", "empty"),
                                      (b"PK\x03\x04\x00\x00", "is a zip"),
                                      (b"ab\x00\x00,c\n", "NUL")])
def test_not_a_table(data, msg):
    with pytest.raises(DataError, match=msg):
        load(data)


def test_duplicate_headers_are_renamed():
    raw = read_csv_bytes(b"x (mg),x (mg)\n1,2\n")
    ds = dataset_from_raw(raw)
    assert [c.name for c in ds.columns] == ["x (mg)", "x (2) (mg)"]  # the unit stays one
    assert ds.columns[1].unit == "mg"
    assert any("renamed" in n for n in raw.notes)


def test_meta_columns_are_read_as_row_flags():
    ds = load(b"Sample,S amount (mg),Average Length (nm),validation experiment\n"
              b"a,1,2,yes\nb,2,3,no\n")
    assert ds.is_validation.tolist() == [True, False]
    assert "validation experiment" not in [c.name for c in ds.columns]
    with pytest.raises(DataError, match=r"line 2.*'maybe' is not yes/no"):
        load(b"S amount (mg),validation\n1,maybe\n")
    with pytest.raises(DataError, match=r"line 3.*'orig' is not original/synthetic"):
        load(b"S amount (mg),Length (nm),origin\n1,2,original\n2,3,orig\n3,4,synthetic\n")


def test_an_origin_that_is_not_the_row_flag_is_a_column():
    # A precursor's supplier under 'Origin' (or an instrument export's 'ORIGIN JASCO' line)
    # stopped the import: "'Sigma' is not original/synthetic".
    ds = load(b"Sample,Cd (mmol),Origin,Length (nm)\na,1,Sigma,20\nb,2,Alfa,22\n"
              b"c,3,Sigma,25\nd,4,Alfa,27\n")
    assert "Origin" in [c.name for c in ds.columns]
    assert set(ds.table["Origin"]) == {"Sigma", "Alfa"}


def test_override_roles():
    raw = read_csv_bytes(b"Core amount (nmol),Average Length (nm),notes\n1,2,x\n")
    ds = dataset_from_raw(raw, {"Average Length (nm)": Column("", Role.IGNORED, "nm")})
    assert ds.column("Average Length (nm)").role == Role.IGNORED
    assert ds.column("notes").role == Role.IGNORED and ds.column("notes").kind == Kind.TEXT


def test_parse_number_and_units():
    assert parse_number("−3.5e2") == -350.0
    assert parse_number("4,9", decimal_comma=True) == 4.9
    assert parse_number("4,9") is None
    assert parse_number("nan") is None and parse_number("inf") is None
    assert split_unit("Core amount (nmol)") == ("Core amount", "nmol")
    assert split_unit("Length [nm]") == ("Length", "nm")
    assert split_unit("Aspect Ratio") == ("Aspect Ratio", "")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_import_round_trip(tmp_path, paper_dataset, suffix):
    ds = paper_dataset.copy()
    ds.rows.loc[3, "validation_experiment"] = True
    ds.table.iat[5, 2] = "6O"  # a typo survives export
    out = tmp_path / f"data{suffix}"
    export_table(ds, out)
    back = import_table(out)
    assert [c.name for c in back.columns] == [c.name for c in ds.columns]
    assert [c.role for c in back.columns] == [c.role for c in ds.columns]
    assert back.is_validation.tolist() == ds.is_validation.tolist()
    assert back.table.iat[5, 2] == "6O"
    keep = [n for n in ds.targets]
    np.testing.assert_array_equal(back.values(keep), ds.values(keep))


def test_xlsx_sheet_choice(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "notes"
    wb.active.append(["just text"])
    ws = wb.create_sheet("runs")
    ws.append(["Sample", "S amount (mg)", "Average Length (nm)"])
    ws.append(["a", 110, 40.5])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    assert list_sheets(path) == ["notes", "runs"]
    ds = import_table(path, sheet="runs")
    assert ds.values(["Average Length (nm)"]).tolist() == [[40.5]]
    with pytest.raises(DataError, match="no sheet named 'x'"):
        read_table(path, "x")


def test_damaged_xlsx_is_a_data_error(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(DataError, match="not a readable XLSX"):
        import_table(path)


@pytest.mark.parametrize("text, decimal_comma, value", [
    ("3.2×10⁻³", False, 3.2e-3), ("3.2 × 10^-3", False, 3.2e-3), ("3.2x10-3", False, 3.2e-3),
    ("3.2·10^3", False, 3.2e3), ("−1.5*10^2", False, -150.0), ("10⁵", False, 1e5),
    ("3,2×10⁻³", True, 3.2e-3),
    # An exponent must be marked as one: a range, a typo and plain numbers stay what they are
    ("10-3", False, None), ("2x103", False, None), ("2x10", False, None), ("105", False, 105.0),
    ("1×10^999", False, None),
])
def test_a_power_of_ten_as_papers_write_it(text, decimal_comma, value):
    assert parse_number(text, decimal_comma=decimal_comma) == (
        pytest.approx(value) if value is not None else None)


def test_a_table_of_powers_of_ten_reads_as_numbers(tmp_path):
    path = tmp_path / "si.csv"
    path.write_text("Sample,c (mol/L),Ligand conc,PL peak (nm)\n" + "\n".join(
        f"S{i},{i + 1}.5×10⁻³,{i + 1}.0 × 10^-2 M,{500 + 5 * i}" for i in range(6)) + "\n",
        encoding="utf-8")
    ds = import_table(path)
    assert ds.inputs == ["c (mol/L)", "Ligand conc (M)"]
    np.testing.assert_allclose(ds.values(ds.inputs)[:2], [[1.5e-3, 1e-2], [2.5e-3, 2e-2]])


def test_excels_separator_line_names_the_delimiter_and_is_no_row():
    raw = read_csv_bytes("sep=;\nSample;T (°C);L (nm)\nA;180;20,5\nB;190;x\n".encode())
    assert raw.header == ["Sample", "T (°C)", "L (nm)"]
    assert raw.line_numbers == [3, 4] and raw.cells[0][2] == "20,5"
    assert raw.notes[0] == "line 1 names the separator (sep=;), as Excel writes it"


def test_full_width_digits_and_marks_read_as_a_chinese_input_method_types_them(tmp_path):
    """A literature table typed with a Chinese input method: '？' (U+FF1F) for "not
    reported" was 575 errors "'？' is not a number" where '?' is read as no value."""
    path = tmp_path / "cn.csv"
    path.write_text("Sample,T (°C),Time (min),D (nm)\n"
                    "S1,１８０,５,４．５\nS2,200,？,5.5\nS3,220,10,－\nS4,240,15,7.0\n",
                    encoding="utf-8")
    ds = import_table(path)
    assert ds.inputs == ["T (°C)", "Time (min)"]
    values = ds.values(["T (°C)", "Time (min)", "D (nm)"])
    np.testing.assert_array_equal(values[0], [180.0, 5.0, 4.5])
    assert np.isnan(values[1, 1]) and np.isnan(values[2, 2])


@pytest.mark.parametrize("text, says", [
    # a spectrometer's text export: key-value lines, then XYDATA over (nm, absorbance) pairs
    ("TITLE\t\nORIGIN\tJASCO\nOWNER\t\nXUNITS\tNANOMETERS\nYUNITS\tABS\nXYDATA\n"
     + "".join(f"{300 + k}.0\t{1 / (1 + k):.4f}\n" for k in range(60)), "'XYDATA' on line 6"),
    ("XYDATA,CdSe-5\n" + "".join(f"{300 + k}.0,{0.5 + k / 100}\n" for k in range(60)),
     "'XYDATA' on line 1"),
    ("##TITLE=CdSe aliquot 3\n##JCAMP-DX=4.24\n##XUNITS=NANOMETERS\n##XYDATA=(X++(Y..Y))\n"
     "300 0.51 0.50 0.49\n##END=\n", "JCAMP-DX"),
])
def test_a_spectrum_file_is_named_as_one(text, says):
    with pytest.raises(DataError, match="spectrum as an instrument exports it") as err:
        read_csv_bytes(text.encode())
    assert says in str(err.value) and "one row per synthesis" in str(err.value)


def test_a_synthesis_table_that_mentions_xydata_is_read():
    raw = read_csv_bytes(b"Sample,XYDATA points,Length (nm)\na,401,20\nb,350,22\n")
    assert raw.header == ["Sample", "XYDATA points", "Length (nm)"]
