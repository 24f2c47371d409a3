"""A literature table's reagent list (amount, reagent, amount (2), reagent (2), …) is read
as one amount per reagent; other repeated columns are left as they are."""

import math

import openpyxl

from nrstudio.core.data.column_guessing import ignored_reason
from nrstudio.core.data.dataset import Role
from nrstudio.core.data.table_io import import_table, read_table
from nrstudio.core.data.validation import validate_dataset

# Two pairs of slots, as the readers number a repeated header; "PL" is a reagent here (a
# header word that otherwise names a photoluminescence target).
LIST = """Sample,T (°C),amount/mmol,reagent,amount/mmol,reagent,D (nm)
a,180,5,PbO,10,ODE,4.1
b,200,5,PbO,12,ODE,5.2
c,220,2,CdO,,,6.3
d,240,2,CdO,3,oa,7.4
e,260,1,PbO,2,OA,8.5
f,200,,CdO,1,PL,5.9
g,210,x,PbO,4,OA,6.1
h,230,3,CdO,5,ODE,6.6
i,190,4,PbO,6,ODE,5.0
j,250,2,CdO,,,7.0
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_reagent_list_is_one_amount_column_per_reagent(tmp_path):
    raw = read_table(_write(tmp_path, "list.csv", LIST))
    # In place of the four slot columns, most listed first; 'oa' and 'OA' are one reagent.
    assert raw.header == ["Sample", "T (°C)", "CdO (mmol)", "PbO (mmol)", "ODE (mmol)",
                          "OA (mmol)", "PL (mmol)", "D (nm)"]
    by_sample = {row[0]: dict(zip(raw.header, row, strict=True)) for row in raw.cells}
    assert by_sample["a"]["PbO (mmol)"] == 5 and by_sample["a"]["ODE (mmol)"] == 10
    assert by_sample["a"]["CdO (mmol)"] == 0  # not listed: none of it
    assert by_sample["c"]["ODE (mmol)"] == 0  # an empty slot is no reagent
    assert by_sample["d"]["OA (mmol)"] == 3 and by_sample["g"]["OA (mmol)"] == 4
    assert by_sample["f"]["CdO (mmol)"] is None  # listed, amount unknown: not 0
    assert by_sample["g"]["PbO (mmol)"] == "x"  # left as written, for validation to name
    assert any("spread into one amount column per reagent (5 reagents, in mmol" in n
               for n in raw.notes), raw.notes
    assert not any("renamed" in n for n in raw.notes)  # the slots' numbering is gone

    ds = import_table(_write(tmp_path, "list.csv", LIST))
    assert ds.column("PbO (mmol)").role == Role.INPUT
    assert ds.column("PbO (mmol)").unit == "mmol"
    # A reagent the list names is an input whatever its name reads as; listed in one row
    # of ten, it is too rare to learn from and left out, with the reason.
    pl = ds.column("PL (mmol)")
    assert pl.role == Role.IGNORED
    assert "0 in every row but 1" in ignored_reason(pl, ds.table["PL (mmol)"].tolist())
    assert ds.targets == ["D (nm)"]
    assert ds.inputs == ["T (°C)", "CdO (mmol)", "PbO (mmol)", "ODE (mmol)", "OA (mmol)"]
    report = validate_dataset(ds)
    assert [(f.row, f.column) for f in report.errors] == [(7, "PbO (mmol)")]
    assert "'x' is not a number" in report.errors[0].message
    missing = [f for f in report.warnings if f.column == "CdO (mmol)"]
    assert [f.row for f in missing] == [6]


def test_a_reagent_listed_twice_in_a_row_gets_the_sum(tmp_path):
    text = "amount 1 (mL),reagent 1,amount 2 (mL),reagent 2,Size (nm)\n" + "".join(
        f"{1 + k},OA,{2 + k},{'OA' if k == 0 else 'ODE'},{5 + k}\n" for k in range(6))
    raw = read_table(_write(tmp_path, "twice.csv", text))
    assert raw.header[:2] == ["OA (mL)", "ODE (mL)"]
    assert raw.cells[0][:2] == [3.0, 0.0]


def test_a_workbooks_list_with_numbered_slots_is_spread(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Entry", "Reagent 1", "Amount 1 (mg)", "Reagent 2", "Amount 2 (mg)", "PL (nm)"])
    for k in range(8):
        ws.append([f"s{k}", "CsBr", 10 + k, "PbBr2" if k % 2 else None,
                   20.0 if k % 2 else None, 500 + k])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    ds = import_table(path)
    assert [c.name for c in ds.columns] == ["Entry", "CsBr (mg)", "PbBr2 (mg)", "PL (nm)"]
    assert ds.inputs == ["CsBr (mg)", "PbBr2 (mg)"]
    assert ds.table["PbBr2 (mg)"].tolist()[:2] == [0.0, 20.0]


def test_repeated_columns_that_are_no_list_are_left_alone(tmp_path):
    # Two series of numbers (a two-step heating) are no list; nor is a text series whose
    # empty slots still have amounts, nor precursors with their injection temperatures.
    steps = ("T1 (°C),T2 (°C),t1 (min),t2 (min),D (nm)\n"
             + "".join(f"{100 + k},{200 + k},{k + 1},{k + 2},{4 + k}\n" for k in range(6)))
    assert read_table(_write(tmp_path, "steps.csv", steps)).header == [
        "T1 (°C)", "T2 (°C)", "t1 (min)", "t2 (min)", "D (nm)"]
    loose = ("amount 1,reagent 1,amount 2,reagent 2,D (nm)\n"
             + "".join(f"{k + 1},OA,{k + 2},,{4 + k}\n" for k in range(6)))
    raw = read_table(_write(tmp_path, "loose.csv", loose))
    assert raw.header == ["amount 1", "reagent 1", "amount 2", "reagent 2", "D (nm)"]
    assert not any("reagent" in n for n in raw.notes)
    steps = ("precursor 1,T 1 (°C),precursor 2,T 2 (°C),D (nm)\n"
             + "".join(f"CdO,{200 + k},Se,{240 + k},{4 + k}\n" for k in range(6)))
    assert read_table(_write(tmp_path, "hot.csv", steps)).header[:2] == ["precursor 1",
                                                                          "T 1 (°C)"]


def test_a_number_column_zero_in_nearly_every_row_is_not_guessed_an_input(tmp_path):
    rows = "".join(f"{150 + 10 * k},{1.0 if k == 3 else 0},{4 + k}\n" for k in range(12))
    ds = import_table(_write(tmp_path, "rare.csv", "T (°C),Additive (mL),D (nm)\n" + rows))
    col = ds.column("Additive (mL)")
    assert col.role == Role.IGNORED
    assert "0 in every row but 1" in ignored_reason(col, ds.table[col.name].tolist())
    assert ds.inputs == ["T (°C)"]
    assert not math.isnan(ds.values(["Additive (mL)"])[3, 0])


def test_two_lists_in_one_table_each_pair_with_the_names_beside_them(tmp_path):
    header = ("Sample,precursor 1,amount 1 (mmol),precursor 2,amount 2 (mmol),"
              "solvent 1,volume 1 (mL),solvent 2,volume 2 (mL),D (nm)\n")
    rows = "".join(f"s{k},CdO,{1 + k},Se,{2 + k},ODE,{10 + k},OLA,{3 + k},{4 + k}\n"
                   for k in range(6))
    raw = read_table(_write(tmp_path, "two.csv", header + rows))
    assert raw.header == ["Sample", "CdO (mmol)", "Se (mmol)", "ODE (mL)", "OLA (mL)",
                          "D (nm)"]
    assert raw.cells[1][1:5] == [2.0, 3.0, 11.0, 4.0]


def test_a_planned_list_predicts_with_the_reagents_it_does_not_name_at_zero(tmp_path):
    """A file of planned syntheses in the same layout names only the reagents its rows
    list: the others are none of them (not a missing column), and a reagent the models
    never saw is said, not silently dropped."""
    from nrstudio.core.modeling.final_models import FinalModels, fit_tabular_set
    from nrstudio.core.modeling.prediction_table import predict_conditions_table
    from nrstudio.core.modeling.suggest import candidate_list

    lines = ["T (°C),amount/mmol,reagent,amount/mmol,reagent,D (nm)"]
    for k in range(12):
        second = ("ODE", "OA", "")[k % 3]
        lines.append(f"{150 + 10 * k},{1 + k % 4},PbO,{'' if not second else 2 + k % 5},"
                     f"{second},{4 + 0.3 * k + (k % 3)}")
    trained = import_table(_write(tmp_path, "train.csv", "\n".join(lines) + "\n"))
    assert trained.inputs == ["T (°C)", "PbO (mmol)", "OA (mmol)", "ODE (mmol)"]
    models = FinalModels(None, fit_tabular_set(trained, ("random_forest",)), None)
    planned = import_table(_write(tmp_path, "planned.csv",
                                  "T (°C),amount/mmol,reagent,amount/mmol,reagent\n"
                                  "170,2,PbO,3,ODE\n190,2,PbO,1,TOP\n200,3,PbO,,\n"))
    assert "OA (mmol)" not in planned.table.columns
    frame = predict_conditions_table(models, planned, model="random_forest")
    assert list(frame["OA (mmol)"]) == [0.0, 0.0, 0.0]
    assert list(frame["ODE (mmol)"]) == [3.0, 0.0, 0.0]
    assert frame["D (nm) predicted"].notna().all()
    assert "never saw (TOP)" in frame.loc[1, "why"] and "TOP" not in frame.loc[0, "why"]
    found = candidate_list(models, planned)
    assert list(found.rows) == [0, 1, 2]
    assert any("1 rows of the list use reagents the models never saw (TOP)" in n
               for n in found.skipped), found.skipped


def test_slots_numbered_inside_the_header_are_a_list_too(tmp_path):
    text = ("Precursor 1,Precursor 1 amount (mmol),Precursor 2,Precursor 2 amount (mmol),"
            "PL peak (nm)\n" + "".join(
                f"CsBr,{1 + k},{'PbBr2' if k % 2 else ''},{'' if k % 2 == 0 else 2 + k},"
                f"{500 + k}\n" for k in range(8)))
    raw = read_table(_write(tmp_path, "inner.csv", text))
    assert raw.header == ["CsBr (mmol)", "PbBr2 (mmol)", "PL peak (nm)"]
