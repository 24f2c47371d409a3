"""A chemist's own table: missing-value markers, ids and units guessed for other labs, text
conditions as categories, constant inputs, rows per target, two files joined by id."""

import numpy as np
import pytest

from nrstudio.core.data.column_guessing import guess_column
from nrstudio.core.data.dataset import MISSING_MARKERS, Kind, Role, split_unit
from nrstudio.core.data.findings import Severity
from nrstudio.core.data.merge import merge_columns
from nrstudio.core.data.roles import RoleChoice, dataset_with_roles, describe_columns
from nrstudio.core.data.synthetic_tables import ID_HEADER, TARGETS, make_synthesis_table
from nrstudio.core.data.table_io import dataset_from_raw, read_csv_bytes
from nrstudio.core.data.training_rows import choose_inputs, rows_per_target
from nrstudio.core.data.validation import validate_dataset
from nrstudio.core.errors import DataError


@pytest.fixture(scope="module")
def table():
    return make_synthesis_table(250, seed=5)


@pytest.fixture(scope="module")
def dataset(table):
    return dataset_from_raw(read_csv_bytes(table.csv()))


def test_every_marker_reads_as_missing_and_is_never_a_not_a_number_error(table, dataset):
    raw_cells = table.conditions.astype(str)
    for marker in MISSING_MARKERS:
        assert (raw_cells == marker).to_numpy().any(), marker  # the generator used it
    report = validate_dataset(dataset)
    assert not report.has_errors
    assert not [f for f in report.findings if "not a number" in f.message]
    y = dataset.values(list(TARGETS))
    marked = table.conditions[list(TARGETS)].astype(str).isin([*MISSING_MARKERS, ""])
    assert np.array_equal(np.isnan(y), marked.to_numpy())


def test_the_marker_set_can_be_changed(table):
    raw = read_csv_bytes(table.csv())
    ds = dataset_from_raw(raw, missing=("NA",))  # '-' and '?' are now typos, named by cell
    errors = validate_dataset(ds).errors
    # a marker of no value ('n.d.') is named as one; the others are not numbers
    assert errors and all("is not a number" in f.message or "no value was measured"
                          in f.message for f in errors)
    assert {f.message.split("'")[1] for f in errors} <= {m for m in MISSING_MARKERS if m != "NA"}


def test_roles_units_and_categories_are_guessed(table, dataset):
    col = {c.name: c for c in dataset.columns}
    assert col[ID_HEADER].role == Role.SAMPLE_ID
    assert [col[t].role for t in TARGETS] == [Role.TARGET] * 3
    assert [col[t].unit for t in TARGETS] == ["nm", "nm", "nm"]
    assert {col[n].unit for n in table.numeric_inputs} == {"nm", "mg", "min", "mL", "mmol", "K"}
    for name in table.category_inputs:
        assert (col[name].role, col[name].kind) == (Role.INPUT, Kind.CATEGORY)


@pytest.mark.parametrize("header, cells, role", [
    ("Amostra", ["A1", "A2", "A3"], Role.SAMPLE_ID),
    ("Código", ["x-1", "x-2", "x-3", "x-4"], Role.SAMPLE_ID),  # unique text, any header
    ("", ["3", "1", "2", "4"], Role.SAMPLE_ID),                  # 1..n in any order
    ("Temperature", ["300", "301", "302"], Role.INPUT),          # not a row number
    ("Emission wavelength (nm)", ["520", "530", "540"], Role.TARGET),
    ("Core absorption edge (nm)", ["520", "530", "540"], Role.INPUT),
    ("Atmosphere", ["N2", "air", "N2", "N2", "air", "N2"], Role.INPUT),  # a few levels
    ("Notes", ["ok", "ok", "redo", "ok", "redo", "ok"], Role.IGNORED),  # bookkeeping
])
def test_guesses_that_serve_other_labs(header, cells, role):
    assert guess_column(header, cells).role == role


@pytest.mark.parametrize("header, unit", [("Diameter_nm", "nm"), ("Length (nm)", "nm"),
                                          ("S amount [mg]", "mg"), ("Time min", "min"),
                                          ("Sample no", ""), ("Run A", "")])
def test_units_come_from_suffixes(header, unit):
    assert split_unit(header)[1] == unit


def test_constant_input_is_named_and_left_out(table, dataset):
    choice = choose_inputs(dataset)
    assert list(choice.left_out) == [table.constant_input]
    findings = [f for f in validate_dataset(dataset).warnings if f.column == table.constant_input]
    assert findings and "left out of the models" in findings[0].message
    assert any("left out of the models" in line for line in describe_columns(dataset))


def test_each_target_keeps_its_own_rows(table, dataset):
    per = {tr.target: tr for tr in rows_per_target(dataset)}
    y = dataset.values(list(TARGETS))
    for t, name in enumerate(TARGETS):
        assert set(per[name].no_value) == set(np.flatnonzero(np.isnan(y[:, t])))
    # more rows than "every target measured" would leave
    all_measured = set.intersection(*(set(tr.rows) for tr in per.values()))
    assert min(len(tr.rows) for tr in per.values()) > len(all_measured) + 10
    summary = [f for f in validate_dataset(dataset).warnings
               if f.message.startswith("trains on") and f.column in TARGETS]
    assert len(summary) == 3 and all("(no value)" in f.message for f in summary)


def test_too_many_levels_are_refused_clearly(table):
    frame = table.conditions.copy()
    frame["Reagent 1"] = [f"batch {i % 40}" for i in range(len(frame))]
    ds = dataset_with_roles(read_csv_bytes(frame.to_csv(index=False).encode()),
                            RoleChoice(categories=["Reagent 1"]))
    errors = [f for f in validate_dataset(ds).errors if f.column == "Reagent 1"]
    assert errors and "40 different levels" in errors[0].message


def test_roles_by_name_ignore_the_others(table):
    raw = read_csv_bytes(table.csv())
    choice = RoleChoice(targets=["Width_nm"], inputs=["condition 1", "Condition 2"],
                        categories=["Reagent 1"], ids=[ID_HEADER])
    ds = dataset_with_roles(raw, choice)
    assert ds.inputs == ["Condition 1 (nm)", "Condition 2 [mg]", "Reagent 1"]
    assert ds.targets == ["Width_nm"]
    assert ds.column("Length (nm)").role == Role.IGNORED
    with pytest.raises(DataError, match="no column 'Colour'"):
        dataset_with_roles(raw, RoleChoice(inputs=["Colour"]))


def test_two_files_are_joined_by_id_and_unmatched_ids_reported():
    t = make_synthesis_table(60, seed=2, split_outcomes=True)
    outcomes = t.outcomes.iloc[3:].copy()  # three samples were never measured
    outcomes.loc[len(outcomes) + 1000] = ["NR-999", 1.0, 1.0, 1.0]  # one not in the first
    first = dataset_from_raw(read_csv_bytes(t.csv()))
    second = dataset_from_raw(read_csv_bytes(outcomes.to_csv(index=False).encode()))
    merged = merge_columns(first, second, ID_HEADER)
    assert merged.added == list(TARGETS) and merged.dataset.targets == list(TARGETS)
    assert merged.only_second == ["NR-999"] and len(merged.only_first) == 3
    ids = merged.dataset.sample_ids()
    k = ids.index(t.outcomes.iloc[5][ID_HEADER])
    assert merged.dataset.table.at[k, "Width_nm"] == t.outcomes.iloc[5]["Width_nm"] or \
        str(t.outcomes.iloc[5]["Width_nm"]) in ("", "nan", *MISSING_MARKERS)
    dup = second.copy()
    dup.table.at[1, ID_HEADER] = dup.table.at[0, ID_HEADER]
    with pytest.raises(DataError, match="ids must be unique"):
        merge_columns(first, dup, ID_HEADER)


def test_a_table_of_a_conditions_properties_is_looked_up_by_its_name():
    """Luber's table names each synthesis's antisolvent (EtOH, MeOH … and, restated, Ethanol,
    Methanol …); AntisolventProperties.csv lists each antisolvent once with its polarity,
    dipole moment and molecular Length and Width. The join refused ('id Ethanol is in rows
    1 and 3'); as a lookup the properties are inputs of every synthesis, the Length and the
    dipole moment guessed targets in the property table included."""
    first = dataset_from_raw(read_csv_bytes(
        b"Sample,V (uL),solvent,PL peak (nm)\n"
        b"s1,100,Ethanol,460\ns2,200,methanol ,470\ns3,150,Ethanol,465\n"
        b"s4,120,Toluene,480\ns5,130,,475\n"))
    second = dataset_from_raw(read_csv_bytes(
        b"solvent;relative polarity (-);dipole moment (D);Length;Length - g\n"
        b"Ethanol;0.654;1.68;0.328;-2.62\nMethanol;0.762;1.7;0.207;-3.83\n"
        b"Butanol;0.586;1.66;0.45;-1.5\n"))
    assert second.column("Length").role == Role.TARGET  # as the property table alone reads
    merged = merge_columns(first, second, "solvent")
    ds = merged.dataset
    assert merged.lookup and merged.added == ["relative polarity (-)", "dipole moment (D)",
                                              "Length", "Length - g"]
    assert ds.targets == ["PL peak (nm)"]
    assert set(merged.made_inputs) >= {"Length", "dipole moment (D)"}
    assert set(merged.added) <= set(ds.inputs)
    np.testing.assert_allclose(ds.values(["relative polarity (-)"])[:4, 0],
                               [0.654, 0.762, 0.654, np.nan])
    assert merged.only_first == ["Toluene", ""] and merged.only_second == ["Butanol"]
    assert "as properties of that condition" in merged.summary()
    assert not ds.column("Length - g").positive_only  # negative in the property table
    assert not any("negative" in f.message for f in validate_dataset(ds).errors)
    # an id that repeats in the second table is ambiguous: refused
    dup = second.copy()
    dup.table.at[1, "solvent"] = "Ethanol"
    with pytest.raises(DataError, match="ids must be unique"):
        merge_columns(first, dup, "solvent")


def test_a_category_target_is_an_error():
    raw = read_csv_bytes(b"id,x,colour,y\n1,1,red,2\n2,2,blue,3\n3,3,red,4\n4,4,red,5\n5,5,blue,6\n")
    ds = dataset_with_roles(raw, RoleChoice(inputs=["x"]))
    from dataclasses import replace

    ds.columns[2] = replace(ds.column("colour"), role=Role.TARGET, kind=Kind.CATEGORY)
    assert any(f.severity == Severity.ERROR and "cannot be a target" in f.message
               for f in validate_dataset(ds).findings)
