"""*Use these values*: the means go into the size targets when the table has them, and into
columns of their own (with units) when it has none, beside the spread and the count."""

from __future__ import annotations

import pandas as pd
import pytest

from nrstudio.core.data.dataset import Column, Dataset, Kind, Role
from nrstudio.core.micrographs.rod_model import RodSummary
from nrstudio.core.project.attachments import write_summary

SUMMARY = RodSummary(count=40, rejected=3, length_mean=61.234, length_std=5.5, width_mean=4.4,
                     width_std=0.4, aspect_ratio_mean=14.0, aspect_ratio_std=1.5,
                     aspect_ratio_of_means=61.234 / 4.4)


def _table(targets: dict[str, str]) -> Dataset:
    data = {"Amostra": ["A1", "A2"], "V AgNO3 (uL)": [50.0, 75.0]}
    cols = [Column("Amostra", Role.SAMPLE_ID, "", Kind.TEXT), Column("V AgNO3", Role.INPUT, "uL")]
    for name, unit in targets.items():
        data[name] = [500.0, 520.0]
        cols.append(Column(name, Role.TARGET, unit))
    table = pd.DataFrame(data).rename(columns={"V AgNO3 (uL)": "V AgNO3"})
    return Dataset(table, cols)


def test_a_table_without_size_targets_gets_mean_columns_with_units():
    ds = _table({"WL 2º Pico": "nm"})  # optical outcomes only
    written = write_summary(ds, "A2", SUMMARY)
    assert ds.table.at[1, "Mean length (nm)"] == pytest.approx(61.234)
    assert ds.table.at[1, "Mean width (nm)"] == pytest.approx(4.4)
    assert ds.table.at[1, "Aspect ratio (rods)"] == pytest.approx(13.917, abs=1e-3)
    assert ds.column("Mean length (nm)").unit == "nm"
    assert ds.column("Mean length (nm)").role == Role.IGNORED  # a target only when asked
    assert ds.table.at[1, "Rods measured"] == 40 and ds.table.at[1, "Length SD (nm)"] == 5.5
    assert ds.table.at[1, "WL 2º Pico"] == 520.0  # the optical outcome is untouched
    assert written[0] == "Mean length (nm) = 61.234"


def test_size_targets_take_the_means_and_no_duplicate_columns_are_made():
    ds = _table({"Length (nm)": "nm", "Width (nm)": "nm"})
    write_summary(ds, "A1", SUMMARY)
    assert ds.table.at[0, "Length (nm)"] == pytest.approx(61.234)
    assert ds.table.at[0, "Width (nm)"] == pytest.approx(4.4)
    assert "Mean length (nm)" not in ds.table.columns
    assert ds.table.at[0, "Aspect ratio (rods)"] == pytest.approx(13.917, abs=1e-3)
    write_summary(ds, "A2", SUMMARY)  # the second sample fills the same columns
    assert list(ds.table.columns).count("Aspect ratio (rods)") == 1


def test_abbreviated_size_targets_take_the_means_without_mean_columns():
    ds = _table({"L (nm)": "nm", "W (nm)": "nm", "AR": "-"})
    write_summary(ds, "A1", SUMMARY)
    assert ds.table.at[0, "L (nm)"] == pytest.approx(61.234)
    assert ds.table.at[0, "W (nm)"] == pytest.approx(4.4)
    assert ds.table.at[0, "AR"] == pytest.approx(13.917, abs=1e-3)
    assert not {"Mean length (nm)", "Mean width (nm)", "Aspect ratio (rods)"} & set(
        ds.table.columns)
