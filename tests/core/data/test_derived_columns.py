"""A column computed from an outcome is an outcome, never an input: a band gap from a peak, a
radius from a diameter. Conditions that an outcome follows closely stay inputs."""

import numpy as np

from nrstudio.core.data.dataset import Column, Role
from nrstudio.core.data.derived_columns import derivation
from nrstudio.core.data.table_io import import_table
from nrstudio.core.data.validation import validate_dataset


def _peaks_table(tmp_path, rng):
    """A lab's export like a CdSe course's: runs, the absorption peak measured at each
    aliquot (two decimals), the band gap 1240/peak and a radius from it, as Python writes
    them (17 digits), and the growth time that was set."""
    lines = ["Run,Time (s),Abs_peak_nm,Eg_prime_eV,Radius_nm"]
    for run in range(4):
        for t in (20, 40, 60, 90, 120, 180, 240, 300):
            peak = round(480 + 10 * run + 40 * (1 - np.exp(-t / 90)) + rng.normal(0, 1.5), 2)
            eg = float(1240 / peak)
            radius = float(0.3 / np.sqrt(eg - 1.74))
            lines.append(f"Run {run},{t},{peak},{eg!r},{radius!r}")
    path = tmp_path / "peaks.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_band_gap_and_a_radius_computed_from_the_peak_are_outcomes(tmp_path):
    ds = import_table(_peaks_table(tmp_path, np.random.default_rng(0)))
    roles = {c.name: c.role for c in ds.columns}
    assert roles["Eg_prime_eV"] == Role.TARGET  # was guessed an input
    assert roles["Radius_nm"] == Role.TARGET
    assert roles["Time (s)"] == Role.INPUT  # the peak follows it, but not exactly
    assert ds.inputs == ["Time (s)"]


def test_an_input_computed_from_a_target_is_named_with_its_relation(tmp_path):
    path = _peaks_table(tmp_path, np.random.default_rng(1))
    ds = import_table(path, overrides={"Eg_prime_eV": Column("Eg_prime_eV", Role.INPUT, "eV")})
    found = [f for f in validate_dataset(ds).findings if f.column == "Eg_prime_eV"]
    assert len(found) == 1
    assert "Eg_prime_eV = 1240 / Abs_peak_nm" in found[0].message
    assert "make it a target" in found[0].message
    # the set growth time gets no such finding
    assert not any("follows the outcome" in f.message for f in validate_dataset(ds).findings
                   if f.column == "Time (s)")


def test_simple_relations_are_found_and_conditions_are_not():
    rng = np.random.default_rng(2)
    diameter = np.round(rng.uniform(4, 12, 30), 2)  # measured: a few digits
    outcomes = {"Diameter (nm)": diameter}
    found = derivation("Radius (nm)", diameter / 2 + 1e-9 * np.pi, outcomes)
    assert found is not None and found.relation.startswith("Radius (nm) = 0.5 × Diameter (nm)")
    volume = np.pi / 6 * diameter ** 3
    assert derivation("Volume (nm3)", volume, outcomes).relation.startswith(
        "Volume (nm3) = 0.5236 × Diameter (nm)³")
    # the same radius typed by hand cannot be told from a condition: kept
    assert derivation("Radius (nm)", np.round(diameter / 2, 3), outcomes) is None
    # a temperature the size rises with, measured with scatter: a condition
    temperature = rng.uniform(180, 260, 30)
    size = np.round(3 + 0.03 * temperature + rng.normal(0, 0.2, 30), 2)
    assert derivation("T (°C)", temperature, {"Size (nm)": size}) is None
    # a formula's table, the condition typed: x stays an input
    x = np.arange(1.0, 13.0)
    assert derivation("x", x, {"y": 2 * x + 1}) is None
    # a number where the outcome has none was not computed from it
    peak = np.where(np.arange(30) == 3, np.nan, np.round(diameter * 60, 1))
    gap = 1240 / peak
    assert derivation("Eg", gap, {"peak": peak}) is not None
    gap[3] = 2.5
    assert derivation("Eg", gap, {"peak": peak}) is None


def test_the_import_preview_says_why_a_computed_column_is_a_target(tmp_path):
    from nrstudio.core.data.import_preview import preview_import

    seen = {c.column.name: c for c in preview_import(
        _peaks_table(tmp_path, np.random.default_rng(3))).columns}
    assert "Eg_prime_eV = 1240 / Abs_peak_nm" in seen["Eg_prime_eV"].derived
    assert "smooth monotone function of Abs_peak_nm" in seen["Radius_nm"].derived
    assert seen["Abs_peak_nm"].derived == "" and seen["Time (s)"].derived == ""
