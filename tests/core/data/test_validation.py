from nrstudio.core.data.dataset import Column, Dataset, Kind, Role
from nrstudio.core.data.findings import Severity
from nrstudio.core.data.validation import validate_dataset

COLS = [
    Column("Sample", Role.SAMPLE_ID, "", Kind.TEXT),
    Column("Core amount (nmol)", Role.INPUT, "nmol"),
    Column("S amount (mg)", Role.INPUT, "mg"),
    Column("Average Length (nm)", Role.TARGET, "nm"),
    Column("Average width (nm)", Role.TARGET, "nm"),
    Column("Aspect Ratio", Role.TARGET, "-"),
]
GOOD = [["s1", 10.0, 100.0, 40.0, 4.0, 10.0], ["s2", 20.0, 110.0, 50.0, 5.0, 10.0],
        ["s3", 30.0, 120.0, 60.0, 4.0, 15.0], ["s4", 40.0, 130.0, 30.0, 5.0, 6.0],
        ["s5", 50.0, 140.0, 20.0, 4.0, 5.0]]


def report_for(rows):
    return validate_dataset(Dataset.from_records(COLS, rows))


def test_clean_table_has_no_findings():
    assert report_for(GOOD).findings == []


def test_non_numeric_is_an_error_and_missing_input_a_warning_at_their_cell():
    rows = [r[:] for r in GOOD]
    rows[1][1] = "2O"
    rows[3][2] = float("nan")
    rep = report_for(rows)
    assert rep.has_errors
    assert [(f.row, f.column) for f in rep.errors] == [(2, "Core amount (nmol)")]
    assert "'2O' is not a number" in str(rep.errors[0])
    assert [(f.row, f.column) for f in rep.warnings] == [(4, "S amount (mg)")]
    assert "left out of training" in str(rep.warnings[0])


def test_negative_amount_is_an_error():
    rows = [r[:] for r in GOOD]
    rows[0][2] = -5.0
    rep = report_for(rows)
    assert [(f.row, f.column, f.severity) for f in rep.findings] == [
        (1, "S amount (mg)", Severity.ERROR)]


def test_missing_target_is_a_warning():
    rows = [r[:] for r in GOOD]
    rows[2][3] = float("nan")
    rows[2][5] = float("nan")
    rep = report_for(rows)
    assert not rep.has_errors
    assert {(f.row, f.column) for f in rep.warnings if f.row} == {(3, "Average Length (nm)"),
                                                                  (3, "Aspect Ratio")}
    # and per target, which rows it leaves out
    summary = {f.column: f.message for f in rep.warnings if f.row is None}
    assert summary == {t: "trains on 4 rows; leaves out row 3 (no value)"
                       for t in ("Average Length (nm)", "Aspect Ratio")}


def test_a_planned_row_waiting_for_its_values_is_said_once():
    from nrstudio.core.data.editing import add_planned_experiments

    rows = [r[:] for r in GOOD]
    rows[2][3] = float("nan")  # a length not measured, in a row nobody planned
    ds = Dataset.from_records(COLS, rows)
    add_planned_experiments(ds, [{"Core amount (nmol)": 25.0, "S amount (mg)": 115.0}])
    rep = validate_dataset(ds)
    assert not rep.has_errors
    # the planned row (row 6): one sentence at that row, no per-cell or per-target warnings
    waiting = [f for f in rep.warnings if "planned" in f.message]
    assert [(f.row, f.message) for f in waiting] == [
        (6, "planned, waiting for its measured values: left out of training for the targets "
            "still empty")]
    assert {(f.row, f.column) for f in rep.warnings if f.row and f not in waiting} == {
        (3, "Average Length (nm)")}
    summary = {f.column: f.message for f in rep.warnings if f.row is None}
    assert summary == {"Average Length (nm)": "trains on 4 rows; leaves out row 3 (no value)"}
    # measured: nothing left to say about it
    ds.table.loc[5, ["Average Length (nm)", "Average width (nm)", "Aspect Ratio"]] = [
        45.0, 4.5, 10.0]
    assert not [f for f in validate_dataset(ds).warnings if f.row == 6]


def test_a_row_with_no_target_measured_is_said_once():
    rows = [r[:] for r in GOOD] + [["s6", 25.0, 115.0, float("nan"), "", float("nan")]]
    rep = validate_dataset(Dataset.from_records(COLS, rows))
    assert not rep.has_errors
    assert [(f.row, f.column) for f in rep.warnings] == [(6, None)]
    assert "no target measured" in rep.warnings[0].message
    assert "'Planned'" in rep.warnings[0].message


def test_a_decimal_comma_among_points_names_the_fix():
    rows = [r[:] for r in GOOD]
    rows[1][2] = "110,5"
    rep = report_for(rows)
    assert [(f.row, f.column) for f in rep.errors] == [(2, "S amount (mg)")]
    assert "decimal comma" in rep.errors[0].message and "write 110.5" in rep.errors[0].message
    rows[1][2] = "1l0"  # a plain typo keeps the plain message
    assert report_for(rows).errors[0].message == "'1l0' is not a number"


def test_levels_that_differ_only_in_capitals_or_spaces_are_named():
    cols = [*COLS, Column("Ligand", Role.INPUT, "", Kind.CATEGORY)]
    levels = ["CTAB", "CTAB", "ctab", "oleic acid", "Oleic  acid"]
    rows = [[*r, lv] for r, lv in zip(GOOD, levels, strict=True)]
    rep = validate_dataset(Dataset.from_records(cols, rows))
    said = [f.message for f in rep.warnings if f.column == "Ligand"]
    assert len(said) == 2
    assert said[0].startswith("level 'ctab' differs from 'CTAB' only in capitals or spaces")
    assert "'Oleic  acid' differs from 'oleic acid'" in said[1]
    # a level seen once that is no variant is still said, in the singular
    rows[2][-1] = "PVP"
    said = [f.message for f in validate_dataset(Dataset.from_records(cols, rows)).warnings
            if f.column == "Ligand"]
    assert said == ["level 'Oleic  acid' differs from 'oleic acid' only in capitals or spaces: "
                    "the same condition? The models take them as two; edit the cells to merge "
                    "them", "level 'PVP' occurs in one training row only: the models cannot "
                    "learn their effect"]


def test_duplicate_inputs_with_different_targets_warn():
    rows = [r[:] for r in GOOD] + [["s6", 10.0, 100.0, 44.0, 4.0, 11.0]]
    rep = report_for(rows)
    assert len(rep.warnings) == 1 and rep.warnings[0].row == 6
    assert "same inputs as row 1" in rep.warnings[0].message


def test_a_table_of_replicates_gets_one_finding_for_them():
    """Sixty replicates as sixty warnings buried every other finding (Luber's table)."""
    rows = [r[:] for r in GOOD] + [[f"r{k}", 10.0, 100.0, 41.0 + k, 4.0, (41.0 + k) / 4]
                                   for k in range(7)]
    [warning] = report_for(rows).warnings
    assert warning.row == 6 and warning.message.startswith(
        "7 rows have the same inputs as an earlier row but different targets, 5 different "
        "conditions in 12 rows: replicate syntheses")
    assert "(rows 6 as 1, 7 as 1," in warning.message


def test_aspect_ratio_disagreeing_with_length_over_width():
    rows = [r[:] for r in GOOD]
    rows[4][5] = 5.2  # 20/4 = 5: 4% off, fine
    rows[3][5] = 6.5  # 30/5 = 6: 8% off
    rep = report_for(rows)
    assert [(f.row, f.column) for f in rep.warnings] == [(4, "Aspect Ratio")]


def test_abbreviated_rod_sizes_are_checked_too():
    from nrstudio.core.data.header_words import find_rod_size

    names = {"Average Length (nm)": "L (nm)", "Average width (nm)": "W (nm)",
             "Aspect Ratio": "AR"}
    cols = [Column(names.get(c.name, c.name), c.role, c.unit, c.kind) for c in COLS]
    rows = [r[:] for r in GOOD]
    rows[3][5] = 6.5  # 30/5 = 6: 8% off
    rep = validate_dataset(Dataset.from_records(cols, rows))
    assert [(f.row, f.column) for f in rep.warnings] == [(4, "AR")]
    # a wavelength is no length, a ratio of precursors no aspect ratio
    assert find_rod_size(["PL wavelength (nm)", "Cs_Pb_ratio", "L/W"], "length") is None
    assert find_rod_size(["Cs_Pb_ratio", "L/W"], "aspect") == 1
    from nrstudio.core.data.column_guessing import guess_column

    assert guess_column("L/W", ["3.1", "4.2", "5.0"]).unit == "-"


def test_table_level_errors():
    cols = [Column("x (mg)", Role.INPUT, "mg")]
    rep = validate_dataset(Dataset.from_records(cols, [[1.0]]))
    msgs = " ".join(f.message for f in rep.errors)
    assert "no target column" in msgs
    assert "right-click on a column's header on the Data page" in msgs  # where to set it
    rep = validate_dataset(Dataset.from_records(COLS, GOOD[:3]))
    assert any("only 3 original rows" in f.message for f in rep.errors)


def test_paper_data_is_clean(paper_dataset):
    assert validate_dataset(paper_dataset).findings == []


def test_many_missing_cells_of_a_column_are_one_finding_that_marks_every_cell():
    """A literature table with hundreds of gaps listed them one by one (724 warnings for a
    generated 3,500-row table) and buried the other findings."""
    rows = [[f"s{i}", 10.0 + i, 100.0 + 3 * i, 40.0 + i % 7, 4.0 + i % 3, 10.0]
            for i in range(30)]
    for i in range(0, 24, 3):  # 8 missing core amounts
        rows[i][1] = float("nan")
    for i in (1, 4):  # 2 missing widths
        rows[i][4] = float("nan")
    for i in range(25, 30):  # 5 rows without any target (said once each as unmeasured)
        rows[i][3] = rows[i][4] = rows[i][5] = float("nan")
    for i in (2, 5, 8, 11, 14, 17, 20):  # 7 missing aspect ratios
        rows[i][5] = float("nan")
    rep = report_for(rows)
    core = [f for f in rep.warnings if f.column == "Core amount (nmol)"]
    width = [f for f in rep.warnings if f.column == "Average width (nm)" and f.row]
    [summary] = core
    assert summary.message.startswith("missing input in 8 rows (rows 1, 4, 7, 10, 13, 16, 19, 22)")
    assert summary.rows == (1, 4, 7, 10, 13, 16, 19, 22)
    assert all(rep.for_cell(r, "Core amount (nmol)") == [summary] for r in summary.rows)
    assert rep.for_cell(2, "Core amount (nmol)") == []
    assert [(f.row, f.message) for f in width] == [
        (2, "missing target: the row is left out of training for it"),
        (5, "missing target: the row is left out of training for it")]
    # A target's many gaps are said once, by its own line, which marks every cell
    ratio_findings = [f for f in rep.warnings if f.column == "Aspect Ratio"]
    assert not any("missing target" in f.message for f in ratio_findings)
    [ratio] = [f for f in ratio_findings if f.message.startswith("trains on")]
    assert ratio.message.startswith("trains on 10 rows; leaves out rows 3, 6, 9, 12, 15, 18, 21")
    assert ratio.rows == (3, 6, 9, 12, 15, 18, 21)
    assert all(rep.for_cell(r, "Aspect Ratio") == [ratio] for r in ratio.rows)


def test_the_same_unreadable_text_in_many_cells_is_one_error_naming_its_rows():
    """A literature table marks "not reported" with '*' (or a figure's code): one error per
    cell buried the few real typos among hundreds of lines."""
    rows = [[f"s{i}", 10.0 + i, 100.0 + 3 * i, 40.0 + i % 7, 4.0 + i % 3, 10.0]
            for i in range(20)]
    for i in range(2, 16, 2):  # 7 stars
        rows[i][3] = "*"
    rows[17][3] = "4O"  # a typo of its own
    rep = report_for(rows)
    stars, typo = rep.errors
    assert stars.rows == (3, 5, 7, 9, 11, 13, 15) and stars.column == "Average Length (nm)"
    assert stars.message.startswith("'*' is not a number, in 7 rows (rows 3, 5, 7")
    assert "'Read as no value'" in stars.message
    assert all(rep.for_cell(r, "Average Length (nm)") == [stars] for r in stars.rows)
    assert (typo.row, typo.more_rows) == (18, ())


def test_many_rows_with_no_target_are_one_warning_that_marks_them():
    rows = [[f"s{i}", 10.0 + i, 100.0 + 3 * i, 40.0 + i % 7, 4.0 + i % 3, 10.0]
            for i in range(20)]
    for i in range(10, 17):
        rows[i][3] = rows[i][4] = rows[i][5] = float("nan")
    rep = report_for(rows)
    [unmeasured] = [f for f in rep.warnings if "no target measured" in f.message]
    assert unmeasured.rows == tuple(range(11, 18))
    assert unmeasured.message.startswith("no target measured in 7 rows (rows 11, 12")


def test_an_id_column_of_group_numbers_is_one_error_that_marks_every_repeat():
    """A literature table's 'ID' counts recipes, not samples (1, 1, 1, 2, 2, …): 1,598
    errors, one per row, for a 1,599-row table."""
    rows = [[f"{1 + i // 4}", 10.0 + i, 100.0 + 3 * i, 40.0 + i % 7, 4.0 + i % 3, 10.0]
            for i in range(12)]
    rep = report_for(rows)
    [ids] = rep.errors
    assert ids.column == "Sample" and ids.rows == (2, 3, 4, 6, 7, 8, 10, 11, 12)
    assert ids.message.startswith("9 rows repeat the sample id of an earlier row (rows 2 as "
                                  "1, 3 as 1, 4 as 1, 6 as 5")
    few = report_for([r[:] for r in GOOD] + [["s1", 60.0, 150.0, 20.0, 4.0, 5.0]])
    assert [(f.row, f.message) for f in few.errors] == [
        (6, "sample id 's1' is also the id of row 1; give every sample its own id")]


def test_without_a_target_the_last_number_column_is_named_as_a_likely_outcome():
    cols = [Column("p3ht_content", Role.INPUT), Column("d1_content", Role.INPUT),
            Column("conductivity", Role.INPUT)]
    rows = [[45.0 + i, float(i % 3), 12.7 + i] for i in range(6)]
    [error] = validate_dataset(Dataset.from_records(cols, rows)).errors
    assert "the last number column, 'conductivity', often is one" in error.message


def test_a_planning_sheet_has_no_outcome_named():
    # the last column of a sheet of planned volumes is something poured, not measured
    cols = [Column("teos_volume", Role.INPUT), Column("ammonia_volume", Role.INPUT),
            Column("F127_volume", Role.INPUT), Column("Stir (rpm)", Role.INPUT, "rpm")]
    rows = [[1500.0 + i, 210.0 - i, 667.0 + 3 * i, 300.0 + 10 * (i % 2)] for i in range(6)]
    [error] = validate_dataset(Dataset.from_records(cols, rows)).errors
    assert "no target column" in error.message and "often is one" not in error.message
