"""A table with one column per sample and one row per quantity is read turned; tables the
right way round are left alone."""

import openpyxl

from nrstudio.core.data.dataset import Kind, Role
from nrstudio.core.data.table_io import import_table, read_table
from nrstudio.core.data.validation import validate_dataset


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


TURNED = """Parameter,S1,S2,S3,S4,S5,S6
Temperature (°C),180,200,220,240,200,220
Time (min),10,20,10,20,5,15
Ligand,OA,OAm,OA,OAm,OA,OA
Length (nm),21.5,25.1,27.9,33.0,22.4,29.3
"""


def test_samples_written_as_columns_are_read_one_per_row(tmp_path):
    """Read as it stood, the four quantities were samples, S1..S6 inputs, and every ligand
    'not a number'."""
    ds = import_table(_write(tmp_path, "turned.csv", TURNED))
    assert [c.name for c in ds.columns] == ["Sample", "Temperature (°C)", "Time (min)",
                                           "Ligand", "Length (nm)"]
    assert ds.column("Ligand").kind == Kind.CATEGORY
    assert ds.targets == ["Length (nm)"]
    assert ds.table["Sample"].tolist() == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert ds.table["Temperature (°C)"].tolist()[:3] == [180.0, 200.0, 220.0]
    assert not validate_dataset(ds).has_errors
    raw = read_table(tmp_path / "turned.csv")
    assert any("lists its samples as columns (S1 … S6)" in n for n in raw.notes)


def test_a_column_of_units_beside_the_names_goes_into_the_headers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Quantity", "Unit", "Run 1", "Run 2", "Run 3", None])
    ws.append(["Temperature", "°C", 200, 220, 240, None])
    ws.append(["Cd oleate", "mmol", 0.2, 0.4, 0.2, None])
    ws.append(["Emission peak", "nm", 520.5, 541.0, 555.2, None])
    path = tmp_path / "turned.xlsx"
    wb.save(path)
    ds = import_table(path)
    assert [c.name for c in ds.columns] == ["Sample", "Temperature (°C)", "Cd oleate (mmol)",
                                           "Emission peak (nm)"]
    assert ds.table["Sample"].tolist() == ["Run 1", "Run 2", "Run 3"]
    assert ds.column("Emission peak (nm)").role == Role.TARGET


def test_tables_the_right_way_round_are_not_turned(tmp_path):
    normal = ("Sample,T (°C),Time (min),Ligand,Length (nm)\n"
              "S1,180,10,OA,21.5\nS2,200,20,OAm,25.1\nS3,220,10,OA,27.9\n")
    assert read_table(_write(tmp_path, "normal.csv", normal)).header[0] == "Sample"
    # a first column of precursors beside sample-like headers: no quantities named
    precursors = "Precursor,A,B,C\nCdO,1,2,3\nCd(OAc)2,2,3,4\nCdCl2,3,4,5\n"
    assert read_table(_write(tmp_path, "p.csv", precursors)).header == ["Precursor", "A",
                                                                        "B", "C"]
