"""Outcomes are never guessed as inputs, and units come only from unit strings."""

from __future__ import annotations

import pytest
from helpers.paths import SHARED_DATA

from nrstudio.core.data.column_guessing import guess_column, ignored_reason
from nrstudio.core.data.dataset import Kind, Role, split_unit
from nrstudio.core.data.header_words import is_unit
from nrstudio.core.data.table_io import import_table

LUBER = SHARED_DATA / "luber-cspbbr3" / "dataset_synthesizer.csv"
NUMBERS = ["512.5", "530.1", "541.0", "498.2", "520.7", "533.3"]


@pytest.mark.parametrize("header", [
    "WL 2º Pico", "Abs 1º Pico", "peak_pos", "fwhm", "PLQY", "D/nm", "Diâmetro (nm)",
    "Rendimento (%)", "Yield (%)", "LSPR (nm)", "Länge [nm]", "λ_em", "L (nm)",
    "TSPR (nm)", "Plasmon band (nm)", "Zeta potential (mV)", "DLS size (nm)", "y", "Y",
    "response", "Radius_nm", "Raio (nm)", "loss", "spectrum_score", "Mass loss (%)",
    "rmse_distance", "ap_distance",
])
def test_measured_quantities_are_targets(header):
    assert guess_column(header, NUMBERS).role == Role.TARGET


@pytest.mark.parametrize("header, cells", [
    ("monodispersity", ["1", "0", "1", "1", "0", "1"]),
    ("perovskite ?", ["1", "1", "0", "1", "1", "1"]),
    ("Resultado", ["NF", "FI", "F", "F", "NF", "FI"]),
    ("shape", ["rod", "sphere", "rod", "cube", "rod", "sphere"]),
    ("S/P", ["S", "P", "P", "S", "P", "P"]),
    ("Morfologia", ["bastão", "esfera", "bastão", "bastão", "esfera", "bastão"]),
    ("phase", ["cubic", "ortho", "cubic", "cubic", "ortho", "ortho"]),
    ("rank", ["14.0", "24.0", "30.0", "32.0", "3.0", "7.0"]),
])
def test_verdicts_and_flags_are_never_inputs(header, cells):
    col = guess_column(header, cells)
    assert col.role == Role.IGNORED
    assert "outcome" in ignored_reason(col, cells)


@pytest.mark.parametrize("header, cells", [
    ("Operator", ["KL", "MS", "KL", "JR", "MS", "KL"]),
    ("Date", ["2026-01-05", "2026-01-05", "2026-01-06", "2026-01-06", "2026-01-07",
              "2026-01-07"]),
    ("Notebook page", ["12", "12", "13", "13", "14", "14"]),
    ("Comments", ["ok", "", "cloudy", "ok", "", "ok"]),
    ("Instrument", ["Cary 5000", "Cary 5000", "UV-2600", "Cary 5000", "UV-2600", "UV-2600"]),
    ("Planned", ["yes", "no", "no", "yes", "no", "no"]),  # the campaign's flag, never an input
    ("campaign", ["2024_10_04_RandomBaseline_v2", "2024_10_04_RandomBaseline_v2",
                  "2024_10_07_randomSampleV3", "2024_10_07_randomSampleV3",
                  "2024_12_18_Optimize_rmse", "2024_12_18_Optimize_rmse"]),
])
def test_bookkeeping_columns_are_left_out_with_their_reason(header, cells):
    col = guess_column(header, cells)
    assert col.role == Role.IGNORED
    assert "recorded" in ignored_reason(col, cells)


@pytest.mark.parametrize("header, cells, role, kind", [
    ("Core absorption edge (nm)", NUMBERS, Role.INPUT, Kind.NUMBER),
    ("Seed diameter (nm)", NUMBERS, Role.INPUT, Kind.NUMBER),
    ("antisolvent", ["EtOH", "MeOH", "EtOH", "Tol", "MeOH", "Tol"], Role.INPUT, Kind.CATEGORY),
    ("Ligand", ["OA", "OAm", "OA", "OAm", "OA", "OA"], Role.INPUT, Kind.CATEGORY),
    ("Solvent", ["chloroform", "toluene", "chloroform", "toluene", "toluene", "hexane"],
     Role.INPUT, Kind.CATEGORY),
    ("V (PbBr2 prec.)", ["3000", "1500", "3000", "750", "1500", "300"], Role.INPUT,
     Kind.NUMBER),
    ("Reaction time (min)", NUMBERS, Role.INPUT, Kind.NUMBER),
    ("Sulfur source", ["TOP-S", "S-ODE", "TOP-S", "S-ODE", "TOP-S", "TOP-S"], Role.INPUT,
     Kind.CATEGORY),
    ("Ageing time (day)", NUMBERS, Role.INPUT, Kind.NUMBER),
    ("Seed volume [µL]", NUMBERS, Role.INPUT, Kind.NUMBER),
    ("Target temperature (°C)", NUMBERS, Role.INPUT, Kind.NUMBER),
])
def test_conditions_stay_inputs(header, cells, role, kind):
    col = guess_column(header, cells)
    assert (col.role, col.kind) == (role, kind)


@pytest.mark.parametrize("header, name, unit", [
    ("V (PbBr2 prec.)", "V (PbBr2 prec.)", ""),
    ("c (PbBr2)", "c (PbBr2)", ""),
    ("reactants (2)", "reactants (2)", ""),
    ("amount/mmol", "amount", "mmol"),
    ("T/℃", "T", "℃"),
    ("D/nm", "D", "nm"),
    ("S/P", "S/P", ""),
    ("Cs/Pb", "Cs/Pb", ""),
    ("c [mol/L]", "c", "mol/L"),
    ("Concentration (mg/mL)", "Concentration", "mg/mL"),
    ("rate (µL min-1)", "rate", "µL min-1"),
    ("Temperature (°C)", "Temperature", "°C"),
    ("Energy_eV", "Energy", "eV"),
    ("Vitamin K", "Vitamin K", ""),
])
def test_units_only_from_unit_strings(header, name, unit):
    assert split_unit(header) == (name, unit)


def test_unit_recognition():
    assert is_unit("nm") and is_unit("µL") and is_unit("mg/mL") and is_unit("%")
    assert not is_unit("PbBr2 prec.") and not is_unit("2") and not is_unit("Cs-OA")


def test_a_restated_condition_is_one_input():
    header = ["Sample", "antisolvent", "solvent name", "V (µL)", "Length (nm)"]
    short = ["EtOH", "MeOH", "Tol", "EtOH", "MeOH", "Tol"]
    long = {"EtOH": "Ethanol", "MeOH": "Methanol", "Tol": "Toluene"}
    rows = [[f"s{i}", a, long[a], str(100 + i), str(40 + i)] for i, a in enumerate(short)]
    from nrstudio.core.data.table_roles import RawTable, dataset_from_raw

    ds = dataset_from_raw(RawTable(header, rows, list(range(2, 8))))
    roles = {c.name: c.role for c in ds.columns}
    assert roles["antisolvent"] == Role.INPUT
    assert roles["solvent name"] == Role.IGNORED


def _roles(header, rows, overrides=None):
    from nrstudio.core.data.table_roles import RawTable, dataset_from_raw

    ds = dataset_from_raw(RawTable(header, rows, list(range(2, 2 + len(rows)))), overrides)
    return {c.name: c.role for c in ds.columns}


def test_numbers_right_of_a_verdict_are_its_outcomes_when_no_target_reads_as_one():
    # Coating trials: the rods' spectrum and the silica volume, then a quality grade and
    # the fractions of each coating seen; no header names a measured size.
    header = ["trial", "lspk", "teosVolume", "seed conc", "quality", "lobe", "full", "other"]
    rows = [[f"t{i}", str(770 + 7 * i), str(50 + 25 * (i % 4)), str(0.1 * (1 + i % 3)),
             str(1 + i % 3), str(0.1 * (i % 5)), str(0.6 + 0.05 * (i % 4)), "0.1"]
            for i in range(12)]
    roles = _roles(header, rows)
    assert [roles[h] for h in ("lspk", "teosVolume", "seed conc")] == [Role.INPUT] * 3
    assert roles["quality"] == Role.IGNORED
    assert [roles[h] for h in ("lobe", "full", "other")] == [Role.TARGET] * 3
    # A starting material right of the verdict stays an input.
    moved = ["trial", "lspk", "teosVolume", "quality", "seed conc", "lobe"]
    order = [header.index(h) for h in moved]
    roles = _roles(moved, [[r[j] for j in order] for r in rows])
    assert roles["seed conc"] == Role.INPUT and roles["lobe"] == Role.TARGET
    # A target the headers name, or one the user chose, leaves the others as guessed.
    named = [h if h != "lobe" else "Length (nm)" for h in header]
    roles = _roles(named, rows)
    assert roles["Length (nm)"] == Role.TARGET and roles["full"] == Role.INPUT
    from nrstudio.core.data.dataset import Column

    roles = _roles(header, rows, {"lobe": Column("lobe", Role.INPUT, "", Kind.NUMBER)})
    assert roles["lobe"] == Role.INPUT and roles["full"] == Role.TARGET
    # Nothing left of the verdict to be an input: no guess by position.
    first = ["trial", "quality", "lspk", "teosVolume"]
    roles = _roles(first, [[r[0], r[4], r[1], r[2]] for r in rows])
    assert roles["lspk"] == Role.INPUT and roles["teosVolume"] == Role.INPUT


@pytest.mark.skipif(not LUBER.exists(), reason="needs ../shared/data/luber-cspbbr3")
def test_real_cspbbr3_table_keeps_outcomes_out_of_the_inputs():
    ds = import_table(LUBER)
    col = {c.name: c for c in ds.columns}
    for outcome in ("peak_pos", "fwhm", "PLQY", "monodispersity", "S/P", "perovskite ?"):
        assert col[outcome].role != Role.INPUT, outcome
    assert {col[t].role for t in ("peak_pos", "fwhm", "PLQY")} == {Role.TARGET}
    assert col["antisolvent"].role == Role.INPUT and col["antisolvent"].is_category
    for restated in ("molecule_name", "encoding"):
        assert col[restated].role == Role.IGNORED
    # The file states no units: none is invented from a chemical name in brackets.
    assert all(c.unit in ("", "-") for c in ds.columns)


@pytest.mark.parametrize("header, refused", [
    ("V (PbBr2 prec.)", True), ("c (Cs-OA)", True), ("n_Cs", True), ("Cs_Pb_ratio", True),
    ("m_S [mg]", True), ("Temperature (°C)", False), ("Zeta potential (mV)", False),
    ("PLQY", True), ("QY (%)", True), ("PL QY", True), ("Quality score", False),
    ("Abs 1º Pico", True), ("WL 2º Pico", True), ("Absorbance", True), ("λ max", True),
    ("Absolute shift", False), ("Method", False),
])
def test_amounts_written_as_symbols_cannot_be_negative(header, refused):
    from nrstudio.core.data.dataset import cannot_be_negative

    assert cannot_be_negative(*split_unit(header)) == refused


def test_synthetic_ids_never_collide_with_samples():
    from nrstudio.core.modeling.augment import synthetic_prefix

    assert synthetic_prefix(["S1", "S2", "S3"]) == "syn-"
    assert synthetic_prefix(["syn-1", "A"]) == "synthetic-"


@pytest.mark.parametrize("header", ["Run", "Batch", "Sample", "ID"])
def test_a_label_many_rows_share_is_a_run_not_a_sample_id(header):
    """A student lab's table: 'Run 2' over 16 aliquots, then 'Run 3' (142 rows, 8 runs):
    134 rows were errors as repeated sample ids."""
    cells = [f"Run {2 + i // 4}" for i in range(12)]
    col = guess_column(header, cells)
    assert col.role == Role.IGNORED
    assert ignored_reason(col, cells).startswith("3 labels shared by 12 rows: a run or a batch")
    # an id with a repeat or two stays an id, for validation to name the repeats
    assert guess_column(header, [f"s{i}" for i in range(11)] + ["s3"]).role == Role.SAMPLE_ID


@pytest.mark.parametrize("header", ["Number of statistics", "Particles counted", "imp", ".imp",
                                    "Imputation"])
def test_how_many_particles_were_counted_is_bookkeeping(header):
    """A literature table's count of the particles a size was measured on (100, 150, 200 …)
    was guessed an input: it tells about the measurement, not the synthesis. So was the
    imputed copy's number of a table exported from R's mice (a public coating table)."""
    col = guess_column(header, ["100", "150", "200", "300", "100", "50"])
    assert col.role == Role.IGNORED
    assert ignored_reason(col, ["100", "150", "200", "300", "100", "50"]).startswith(
        "bookkeeping")


@pytest.mark.parametrize("header", ["Synthesis", "Batch", "Flask", "Reaction", "Síntese"])
def test_a_label_that_aliquots_share_is_no_condition(header):
    # Aliquots taken over time from one flask: a one-hot 'Synthesis' input let a model
    # recall each flask's own offset, which says nothing about a new flask.
    cells = ["B1"] * 6 + ["B2"] * 6 + ["B3"] * 6
    col = guess_column(header, cells)
    assert col.role == Role.IGNORED
    assert "held out together" in ignored_reason(col, cells)
    assert guess_column(header, [f"B{i}" for i in range(18)]).role == Role.SAMPLE_ID
