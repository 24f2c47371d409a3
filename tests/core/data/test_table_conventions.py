"""Spreadsheet conventions read as a chemist meant them: a units row under the header,
thousands separators, approximate values; a bound is named as one."""

import numpy as np
import openpyxl

from nrstudio.core.data.column_guessing import ignored_reason
from nrstudio.core.data.dataset import Role
from nrstudio.core.data.table_io import import_table, read_table
from nrstudio.core.data.validation import validate_dataset as validate

UNITS_ROW = """Sample;Precursor;Temperature;Time;Oleic acid;PL peak;QY
;;°C;min;mL;nm;%
S1;CdO;240;5;1,5;512,5;40
S2;CdO;260;10;2,0;530,1;55
S3;Cd(OAc)2;280;5;1,0;541,9;61
S4;Cd(OAc)2;240;10;2,5;518,3;47
S5;CdO;280;10;1,5;539,0;58
S6;Cd(OAc)2;260;5;2,0;527,7;50
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_units_row_becomes_the_headers_units_not_a_sample(tmp_path):
    path = _write(tmp_path, "units.csv", UNITS_ROW)
    raw = read_table(path)
    assert raw.header == ["Sample", "Precursor", "Temperature (°C)", "Time (min)",
                          "Oleic acid (mL)", "PL peak (nm)", "QY (%)"]
    assert len(raw.cells) == 6 and raw.line_numbers[0] == 3
    assert any("line 2 read as the columns' units" in n for n in raw.notes)
    ds = import_table(path)
    assert ds.column("Temperature (°C)").unit == "°C"
    assert ds.column("PL peak (nm)").role == Role.TARGET
    assert ds.column("Precursor").role == Role.INPUT
    report = validate(ds)
    assert not report.errors, report.errors
    assert not any("(none)" in w.message for w in report.warnings)


def test_a_units_row_in_a_workbook_too(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Sample", "T", "Length"])
    ws.append([None, "[°C]", "(nm)"])
    for i in range(4):
        ws.append([f"S{i}", 200 + 10 * i, 30.5 + i])
    path = tmp_path / "units.xlsx"
    wb.save(path)
    raw = read_table(path)
    assert raw.header == ["Sample", "T (°C)", "Length (nm)"] and len(raw.cells) == 4


def test_a_first_sample_with_text_is_no_units_row(tmp_path):
    # A level of a text column, a missing-value dash, a number: each keeps the row a sample.
    for first in ("S1;CdO;°C;nm", "S1;;-;nm", "S1;;240;nm"):
        text = "Sample;Precursor;Temperature;PL peak\n" + first + "\n" + "\n".join(
            f"S{i};CdO;{240 + i};{500 + i}" for i in range(2, 6)) + "\n"
        raw = read_table(_write(tmp_path, "first.csv", text))
        assert len(raw.cells) == 5 and raw.header[2] == "Temperature", first


def test_thousands_separators_and_approximate_values_are_numbers(tmp_path):
    text = ("id\tseed (uL)\tAgNO3 (M)\tlength (nm)\n"
            + "\n".join(f"{i}\t{v}\t2.5e-3\t~{40 + i}" for i, v in
                        enumerate(["1,000", "500", "2,000", "1,500"])) + "\n")
    raw = read_table(_write(tmp_path, "b.tsv", text))
    assert [r[1] for r in raw.cells] == ["1000", "500", "2000", "1500"]
    assert [r[3] for r in raw.cells] == ["40", "41", "42", "43"]
    assert any("thousands separators" in n and "3 cells" in n for n in raw.notes)
    assert any("approximate values" in n and "4 cells" in n for n in raw.notes)
    ds = import_table(tmp_path / "b.tsv")
    assert ds.column("length (nm)").role == Role.TARGET  # an outcome, never ignored as text
    assert ds.values(["seed (uL)"])[:, 0].tolist() == [1000, 500, 2000, 1500]


def test_in_a_decimal_comma_table_a_comma_is_the_decimal_mark(tmp_path):
    text = "Sample;V (mL);L (nm)\nS1;1,500;40,5\nS2;2,250;41,5\nS3;1,125;43,0\n"
    ds = import_table(_write(tmp_path, "comma.csv", text))
    assert ds.values(["V (mL)"])[:, 0].tolist() == [1.5, 2.25, 1.125]


def test_a_bound_is_named_as_a_limit_where_it_stands(tmp_path):
    text = "Sample,T (°C),FWHM (nm)\n" + "\n".join(
        f"S{i},{200 + i},{v}" for i, v in enumerate(["25", "<30", "28", "31", "27"])) + "\n"
    report = validate(import_table(_write(tmp_path, "bound.csv", text)))
    [error] = report.errors
    assert error.row == 2 and error.column == "FWHM (nm)"
    assert "'<30' is a limit, not a measured value" in error.message


SI_TABLE = """Table S1. Synthesis conditions and results of the nanoplatelets
Sample,Temperature,Time,Ligand,Lateral size,PLQY
P1,180 °C,5 min,OA,20.5 ± 2.1,35%
P2,200 °C,10 min,OAm,24.0 ± 2.6,41%
P3,220 °C,20 min,OA,28.4 ± 3.0,52%
P4,180 °C,20 min,OAm,22.1 ± 2.0,38%
P5,200 °C,5 min,OA,23.2 ± 2.2,44%
P6,220 °C,10 min,OAm,27.9 ± 2.9,50%
"a) lateral size from TEM, mean ± standard deviation of 100 platelets"
"""


def test_a_supplementary_table_reads_as_its_samples(tmp_path):
    """A title above the header, a footnote below, units and spreads in the cells."""
    raw = read_table(_write(tmp_path, "si.csv", SI_TABLE))
    assert raw.header == ["Sample", "Temperature (°C)", "Time (min)", "Ligand", "Lateral size",
                          "PLQY (%)"]
    assert [r[0] for r in raw.cells] == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert raw.cells[0][1:] == ["180", "5", "OA", "20.5", "35"]
    assert any("line 1 skipped: a title" in n for n in raw.notes)
    assert any("line 9 skipped: a note below the table" in n for n in raw.notes)
    assert any("values with a spread" in n for n in raw.notes)
    ds = import_table(tmp_path / "si.csv")
    assert ds.inputs == ["Temperature (°C)", "Time (min)", "Ligand"]
    assert ds.targets == ["Lateral size", "PLQY (%)"]


def test_cells_in_different_units_of_one_kind_are_expressed_in_one(tmp_path):
    """Times in min, h and s under a header with no unit were left as text, and the column
    then ignored as 'a label or a note': a reaction time lost. Now they are read in the
    unit most cells use, with a note; durations on a clock likewise, in minutes."""
    text = "Sample,Time,L (nm)\n" + "\n".join(
        f"S{i},{t},{40 + i}" for i, t in enumerate(["5 min", "10 min", "1 h", "30 s"])) + "\n"
    raw = read_table(_write(tmp_path, "mixed.csv", text))
    assert raw.header[1] == "Time (min)"
    assert [float(r[1]) for r in raw.cells] == [5.0, 10.0, 60.0, 0.5]
    assert "column 'Time': values written in h, s expressed in min (4 cells)" in raw.notes
    clocks = "Sample,Time (h:mm),Stir,L (nm)\n" + "\n".join(
        f"S{i},{t},{s},{40 + i}" for i, (t, s) in enumerate(
            [("0:15", "00:01:30"), ("1:00", "00:02:00"), ("2:30", "1 h 30 min")])) + "\n"
    raw = read_table(_write(tmp_path, "clocks.csv", clocks))
    assert raw.header[1:3] == ["Time (min)", "Stir (min)"]
    assert [[float(c) for c in r[1:3]] for r in raw.cells] == [[15, 1.5], [60, 2], [150, 90]]
    # units of different kinds, or cells without one, are not one quantity: left as written
    for cells in (["5 min", "2 mL", "1 h"], ["5 min", "10", "1 h"]):
        text = "Sample,Time,L (nm)\n" + "\n".join(
            f"S{i},{t},{40 + i}" for i, t in enumerate(cells)) + "\n"
        raw = read_table(_write(tmp_path, "kinds.csv", text))
        assert raw.header[1] == "Time" and raw.cells[2][1] == "1 h"


def test_a_column_of_quantities_written_in_many_ways_says_so(tmp_path):
    """Left as text, it is not taken for a column of labels: the reason says what it holds
    and how to have each cell named."""
    text = "Sample,Time,L (nm)\n" + "\n".join(
        f"S{i},{t},{40 + i}" for i, t in enumerate(["0:15", "1 h", "5'", "2 d", "90 min"])
    ) + "\n"
    ds = import_table(_write(tmp_path, "many.csv", text))
    reason = ignored_reason(ds.column("Time"), ds.table["Time"].tolist())
    assert reason.startswith("numbers written in different ways ('0:15', '1 h', '2 d', …)")


def test_a_range_is_named_as_one(tmp_path):
    text = "Sample,T (°C),V (mL),FWHM (nm)\n" + "\n".join(
        f"S{i},{200 + i},{v},{25 + i}" for i, v in enumerate(["1.0", "10-20", "1.5", "2.0",
                                                               "1.2"])) + "\n"
    [error] = validate(import_table(_write(tmp_path, "range.csv", text))).errors
    assert error.row == 2 and "'10-20' is a range, not one value" in error.message
    assert "15 if the middle is meant" in error.message


def test_a_row_of_column_groups_names_the_columns_below_it(tmp_path):
    """Merged group cells over the header (as a spreadsheet exports them); a name the header
    repeats takes its group, and keeps its unit."""
    text = (",Cd precursor,,Se precursor,,\n"
            "Sample,amount (mmol),volume (mL),amount (mmol),volume (mL),Length (nm)\n"
            + "\n".join(f"R{i},0.{i},1,0.1,2,{40 + i}" for i in range(1, 6)) + "\n")
    raw = read_table(_write(tmp_path, "groups.csv", text))
    assert raw.header == ["Sample", "Cd precursor amount (mmol)", "Cd precursor volume (mL)",
                          "Se precursor amount (mmol)", "Se precursor volume (mL)",
                          "Length (nm)"]
    assert len(raw.cells) == 5 and any("read as groups of the columns" in n for n in raw.notes)
    assert import_table(tmp_path / "groups.csv").column("Se precursor amount (mmol)").unit == "mmol"


def test_a_first_sample_of_text_and_markers_is_no_header(tmp_path):
    for first in ("S1,n.d.,OA,n.d.", "S1,?,OA,-"):
        text = ",Temp,Ligand,Length\n" + first + "\n" + "\n".join(
            f"S{i},{200 + i},{'OA' if i % 2 else 'OAm'},{40 + i}" for i in range(2, 7)) + "\n"
        raw = read_table(_write(tmp_path, "first.csv", text))
        assert raw.header == ["Sample", "Temp", "Ligand", "Length"] and len(raw.cells) == 6


def test_a_repeated_header_keeps_its_unit(tmp_path):
    text = "Sample,V (mL),V (mL),L (nm)\n" + "\n".join(
        f"S{i},{i},{i + 1},{40 + i}" for i in range(5)) + "\n"
    ds = import_table(_write(tmp_path, "twice.csv", text))
    assert [c.name for c in ds.columns][1:3] == ["V (mL)", "V (2) (mL)"]
    assert ds.column("V (2) (mL)").unit == "mL"


def test_room_temperature_and_another_unit_are_named_with_the_number_to_enter(tmp_path):
    text = "Sample,T (°C),t (min),L (nm)\n" + "\n".join(
        f"S{i},{T},{t},{40 + i}" for i, (T, t) in enumerate(
            [("RT", "5"), ("60", "1 h"), ("80", "10"), ("100", "30 s"), ("120", "20"),
             ("140", "2 d")])) + "\n"
    errors = validate(import_table(_write(tmp_path, "units.csv", text))).errors
    words = {(e.row, e.column): e.message for e in errors}
    assert "enter 25 if the room was at 25 °C" in words[1, "T (°C)"]
    assert words[2, "t (min)"] == "'1 h' is in h, the column in min: enter 60"
    assert words[4, "t (min)"] == "'30 s' is in s, the column in min: enter 0.5"
    assert words[6, "t (min)"] == "'2 d' is in d, the column in min: enter 2880"
    assert len(errors) == 4


def test_a_duration_on_a_clock_and_a_value_of_another_kind_are_named(tmp_path):
    text = "Sample,t (min),Cs (mg),L (nm)\n" + "\n".join(
        f"S{i},{t},{m},{40 + i}" for i, (t, m) in enumerate(
            [("1:30", "5"), ("0:45:00", "6"), ("1 h 30 min", "7"), ("10", "0.5 mL"),
             ("20", "8"), ("30", "9")])) + "\n"
    errors = validate(import_table(_write(tmp_path, "durations.csv", text))).errors
    words = {(e.row, e.column): e.message for e in errors}
    assert words[1, "t (min)"] == ("'1:30' is a duration: enter 90 if 1:30 means hours and "
                                   "minutes, 1.5 if minutes and seconds (min)")
    assert words[2, "t (min)"] == "'0:45:00' is a duration: enter 45 (min)"
    assert words[3, "t (min)"] == "'1 h 30 min' is a duration: enter 90 (min)"
    assert words[4, "Cs (mg)"] == ("'0.5 mL' is a volume, but the column holds a mass (mg): "
                                   "enter the mass in mg, or check that the value belongs "
                                   "in this column")
    assert len(errors) == 4


def test_a_workbook_with_title_groups_units_and_a_footnote(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Table S3. Growth of CdSe nanoplatelets"])
    ws.append([])
    ws.append([None, "Precursor", None, "Conditions", None, "Result"])
    ws.append(["Entry", "Cd(OAc)2 (mg)", "Se (mg)", "T", "t", "PL peak"])
    ws.append([None, None, None, "°C", "min", "nm"])
    for i in range(6):
        ws.append([i + 1, 40 + 10 * i, 12, 180 + 10 * i, 5, 460.5 + i])
    ws.append([7, 40, 12, 180, 5, None])  # planned: kept
    ws.append(["a Measured in hexane."])
    path = tmp_path / "si.xlsx"
    wb.save(path)
    raw = read_table(path)
    assert raw.header == ["Entry", "Cd(OAc)2 (mg)", "Se (mg)", "T (°C)", "t (min)",
                          "PL peak (nm)"]
    assert [r[0] for r in raw.cells] == [1, 2, 3, 4, 5, 6, 7]
    assert any("row 13 skipped: a note below the table" in n for n in raw.notes)


def test_spreadsheet_errors_are_no_value_or_named(tmp_path):
    text = "Sample,T (°C),L (nm)\n" + "\n".join(
        f"S{i},{200 + i},{v}" for i, v in enumerate(["40", "#N/A", "42", "#DIV/0!", "44"])) + "\n"
    ds = import_table(_write(tmp_path, "errors.csv", text))
    [error] = validate(ds).errors
    assert error.row == 4 and "formula's error" in error.message
    assert np.isnan(ds.table["L (nm)"].iloc[1])  # "#N/A": no value


def test_a_number_typed_with_its_unit_is_named():
    from nrstudio.core.data.cell_hints import cell_hint

    assert cell_hint("180 °C", "°C") == ("'180 °C' holds its unit: enter the number alone "
                                         "(180); the unit belongs in the column's header")
    assert cell_hint("2 mL", "").startswith("'2 mL' holds its unit")
    # No conversion between kinds: the two kinds are named instead
    assert cell_hint("2 mL", "mg").startswith("'2 mL' is a volume, but the column holds a mass")
    assert cell_hint("2 widgets", "") == ""


def test_a_header_with_a_blank_first_cell_over_a_sample_of_text_stays_the_header(tmp_path):
    text = (",Temp,Ligand,Note\nS1,RT,TOPO,pending\n"
            + "\n".join(f"S{i},{200 + i},OA,ok" for i in range(2, 7)) + "\n")
    raw = read_table(_write(tmp_path, "index.csv", text))
    assert raw.header == ["Sample", "Temp", "Ligand", "Note"] and len(raw.cells) == 6


def test_a_header_wrapped_in_its_cell_reads_on_one_line(tmp_path):
    text = ('Sample,"Temperature\n(°C)","Core\namount (nmol)",Length (nm)\n'
            + "\n".join(f"S{i},{200 + i},{10 + i},{40 + i}" for i in range(5)) + "\n")
    ds = import_table(_write(tmp_path, "wrapped.csv", text))
    assert [c.name for c in ds.columns][1:3] == ["Temperature (°C)", "Core amount (nmol)"]
    assert ds.column("Core amount (nmol)").unit == "nmol"


def test_a_table_without_its_header_row_keeps_its_first_row(tmp_path):
    """A benchmark collection's table saved without a header: its first row's numbers were
    taken as the column names and that synthesis lost."""
    path = _write(tmp_path, "bare.csv", "13.1,33.0,227.0,0.586\n17.3,11.0,280.0,0.687\n"
                                        "6.67,39.0,333.0,0.855\n")
    raw = read_table(path)
    assert raw.header == ["Column 1", "Column 2", "Column 3", "Column 4"]
    assert raw.line_numbers == [1, 2, 3] and raw.cells[0][0] == "13.1"
    assert any("line 1 holds numbers where the header belongs" in n for n in raw.notes)
    wb = openpyxl.Workbook()
    for row in ([1.5, 200, 4.1], [2.5, 220, 5.2], [3.0, 240, 6.3]):
        wb.active.append(row)
    wb.save(tmp_path / "bare.xlsx")
    raw = read_table(tmp_path / "bare.xlsx")
    assert raw.header == ["Column 1", "Column 2", "Column 3"] and len(raw.cells) == 3
    # a header with a number among names is a header
    assert read_table(_write(tmp_path, "h.csv", "Sample,2019,T\nA,1,2\nB,3,4\n")).header == [
        "Sample", "2019", "T"]


def test_a_condition_merged_down_a_column_of_a_workbook_is_every_row_s(tmp_path):
    """Excel keeps a merged cell's value in its first row only; the rows it spans get it
    (the precursor column was ignored as labels and the rows taken for replicates). A merge
    over the header's groups is left to the header's reading."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([None, "Conditions", None, None])
    ws.append(["Sample", "Precursor", "T (°C)", "Length (nm)"])
    for g, precursor in enumerate(("CdO", "Cd(OAc)2", "CdCl2")):
        for k in range(3):
            ws.append([f"S{3 * g + k}", precursor if k == 0 else None, 200 + 20 * k,
                       20 + 5 * g + k])
    ws.merge_cells("B1:C1")
    for first in (3, 6, 9):
        ws.merge_cells(f"B{first}:B{first + 2}")
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    raw = read_table(path)
    assert [r[1] for r in raw.cells] == ["CdO"] * 3 + ["Cd(OAc)2"] * 3 + ["CdCl2"] * 3
    assert any("3 cells merged down a column (B3:B5, B6:B8, B9:B11)" in n for n in raw.notes)
    ds = import_table(path)
    assert ds.column(raw.header[1]).role == Role.INPUT
    assert not [f for f in validate(ds).findings if "same inputs" in f.message]


def test_summary_rows_below_a_table_are_not_syntheses(tmp_path):
    """A lab sheet that ends with its averages: read as syntheses, 'Average' and 'SD' rows
    trained the models as two more samples (an SD row's 'temperature' of 24.5 °C), with no
    finding at all."""
    rows = "\n".join(f"S{i},{200 + 10 * i},{5 + i},{20 + 1.5 * i:.1f}" for i in range(8))
    text = ("Sample,T (°C),Time (min),Length (nm)\n" + rows
            + "\nAverage,235,8.5,25.3\nSD,24.5,2.4,3.7\n\n* lengths from TEM, 100 rods each\n")
    raw = read_table(_write(tmp_path, "sums.csv", text))
    assert [r[0] for r in raw.cells] == [f"S{i}" for i in range(8)]
    assert raw.notes[-3:] == [
        "line 10 skipped: a summary of the rows above ('Average'), not a synthesis",
        "line 11 skipped: a summary of the rows above ('SD'), not a synthesis",
        "line 13 skipped: a note below the table ('* lengths from TEM')"]
    # named in another column, and 'Mean ± SD' in one cell
    text = ("Sample,T (°C),Time (min),Length (nm)\n" + rows
            + "\n,,Mean ± SD,25.3 ± 3.7\n")
    assert len(read_table(_write(tmp_path, "sums2.csv", text)).cells) == 8
    # a sample whose name only starts like one stays
    text = "Sample,T (°C),Time (min),Length (nm)\n" + rows + "\nSD1,240,9,27.0\n"
    assert read_table(_write(tmp_path, "sums3.csv", text)).cells[-1][0] == "SD1"


def test_a_value_not_measured_is_named_with_how_to_leave_it_out(tmp_path):
    text = "Sample,T (°C),PLQY (%)\n" + "\n".join(
        f"S{i},{180 + 10 * i},{q}" for i, q in enumerate(
            ["45", "ND", "52", "not measured", "--", "61", "< LOD", "58"])) + "\n"
    words = {e.row: e.message for e in validate(import_table(_write(tmp_path, "nd.csv",
                                                                     text))).errors}
    assert sorted(words) == [2, 4, 5, 7]
    assert words[2] == ("'ND' says no value was measured: leave the cell empty (or add 'ND' "
                        "to the import's 'Read as no value' list, to read every such cell so)")
    assert all("no value was measured" in w for w in words.values())


def test_a_two_row_header_with_a_merged_first_name_is_read(tmp_path):
    """'Sample' merged over both header rows, 'Conditions' over two columns: the header row
    had an empty first name ('Column 3' and 'T (°C)' is not a number followed); now the
    merged name fills its column and the top row reads as groups."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Sample", "Conditions", None, "Result"])
    ws.append([None, "T (°C)", "Time (min)", "Length (nm)"])
    for i in range(6):
        ws.append([f"S{i}", 180 + 10 * i, 5 + i, 20 + i])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:C1")
    path = tmp_path / "two.xlsx"
    wb.save(path)
    raw = read_table(path)
    assert raw.header == ["Sample", "T (°C)", "Time (min)", "Length (nm)"]
    assert "1 cell merged down a column (A1:A2) read as its value in every row it spans" in (
        raw.notes)
    assert len(raw.cells) == 6


def test_a_cover_sheet_of_notes_before_the_data_is_passed_over(tmp_path):
    """A workbook opening on a sheet of notes: its first sheet was read, one column of
    text, and the import ended with 'no input column'."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "README"
    ws.append(["Synthesis log of CdSe rods, 2024"])
    ws.append(["Lengths from TEM, 100 rods each"])
    data = wb.create_sheet("Data")
    data.append(["Sample", "T (°C)", "Time (min)", "Length (nm)"])
    for i in range(6):
        data.append([f"S{i}", 180 + 10 * i, 5 + i, 20 + i])
    path = tmp_path / "cover.xlsx"
    wb.save(path)
    raw = read_table(path)
    assert raw.sheet == "Data" and len(raw.cells) == 6
    assert "sheet 'README' passed over: it holds no table (it can still be chosen)" in raw.notes
    assert read_table(path, "README").sheet == "README"  # chosen, it is read
