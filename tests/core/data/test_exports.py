"""Every export neutralises formulas, follows its extension, and names a bad XLSX cell."""

from __future__ import annotations

import csv
import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from nrstudio.cli import main
from nrstudio.core.data.exports import write_frame_csv, write_table
from nrstudio.core.errors import DataError

HOSTILE = pd.DataFrame({"sample": ["=1+1", "+A1", "-cmd", "@SUM(A1)", "ok"],
                        "level": ["=HYPERLINK(\"x\")", "a", "b", "c", "d"],
                        "value": [-3.5, 1.0, np.nan, 2.0, 1e-7],
                        "flag": [True, False, True, False, True]})


def test_csv_neutralises_formulas_but_not_negative_numbers(tmp_path):
    path = write_table(HOSTILE, tmp_path / "t.csv", "%.6g")
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["sample", "level", "value", "flag"]
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+A1", "'-cmd", "'@SUM(A1)", "ok"]
    assert rows[1][1].startswith("'=") and rows[1][2] == "-3.5" and rows[3][2] == ""
    assert rows[5][2] == "1e-07" and rows[1][3] == "True"
    buf = io.StringIO()
    write_frame_csv(HOSTILE, buf)
    assert "\n'=1+1," in buf.getvalue()


def test_numbers_written_as_text_stay_numbers_in_csv(tmp_path):
    # A suggestion table formats its predictions to six digits as text: '-0.75112 with an
    # apostrophe was text to a spreadsheet, not a lower bound below zero.
    cells = ["-0.75112", "-inf", "+2", "-1e-3", "-.5", "-1+2", "-2-3", "-A1", "+1e", "-"]
    path = write_table(pd.DataFrame({"x": cells}), tmp_path / "t.csv")
    rows = [r[0] for r in list(csv.reader(path.open()))[1:]]
    assert rows[:5] == cells[:5]
    assert rows[5:] == ["'" + c for c in cells[5:]]


def test_xlsx_keeps_text_as_text(tmp_path):
    path = write_table(HOSTILE, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"
    assert ws["C2"].value == -3.5 and ws["C4"].value is None


def test_xlsx_refuses_a_control_character_naming_the_cell(tmp_path):
    bad = pd.DataFrame({"a": [1, 2], "note": ["fine", "bell\x07"]})
    with pytest.raises(DataError, match=r"cell B3 holds a control character"):
        write_table(bad, tmp_path / "t.xlsx")
    assert not (tmp_path / "t.xlsx").exists()


def test_an_unknown_extension_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"cannot write a table as '\.xls'"):
        write_table(HOSTILE, tmp_path / "t.xls")


def test_measure_summary_neutralises_an_image_name(tmp_path):
    from PIL import Image

    from nrstudio.core.micrographs.synthetic import make_micrograph

    g = make_micrograph(0, shape=(400, 600), n_rods=30)
    name = tmp_path / "=cmd.png"
    Image.fromarray((g.pixels * 255).astype(np.uint8)).save(name)
    assert main(["measure", str(name), "--nm-per-px", "0.5", "--out", str(tmp_path / "o")]) == 0
    row = next(csv.reader((tmp_path / "o" / "summary.csv").open().readlines()[1:]))
    assert row[0] == "'=cmd.png"


def test_a_join_never_falls_back_to_a_substring(tmp_path, capsys):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("id,Temperature (K)\ns1,300\ns2,310\ns3,320\n")
    second.write_text("Sample,Width (nm)\ns1,4.1\ns2,4.3\ns3,4.6\n")
    code = main(["import", str(first), "--merge", str(second), "--on", "id",
                 "--out", str(tmp_path / "p.nrproj")])
    assert code == 1
    err = capsys.readouterr().err
    assert "no column 'id'" in err and "Did you mean 'Width (nm)'" in err
    assert not (tmp_path / "p.nrproj").exists()


def test_a_lookup_join_on_the_command_line_names_the_other_tables_column(tmp_path, capsys):
    first, second = tmp_path / "runs.csv", tmp_path / "solvents.csv"
    first.write_text("Sample,solvent,V (uL),PL peak (nm)\ns1,Ethanol,100,460\n"
                     "s2,Methanol,120,470\ns3,Ethanol,140,465\n")
    second.write_text("name,relative polarity (-)\nEthanol,0.654\nMethanol,0.762\n")
    out = tmp_path / "p.nrproj"
    assert main(["import", str(first), "--merge", str(second), "--on", "solvent",
                 "--on-other", "name", "--out", str(out)]) == 0
    assert "looked up by each row's value" in capsys.readouterr().out
    from nrstudio.core.project.file_format import load_project

    ds = load_project(out).dataset
    assert "relative polarity (-)" in ds.inputs
    assert list(ds.values(["relative polarity (-)"])[:, 0]) == [0.654, 0.762, 0.654]
