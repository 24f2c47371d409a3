"""An input that moves in step with another (a volume and its volume fraction, °C and K,
reagents always scaled together) is one condition under two names: the models use the first,
the second is named with its relation, and planned and synthetic rows keep it in step."""

from __future__ import annotations

import numpy as np
import pytest

from nrstudio.core.data.dataset import Column, Dataset, Kind, Role
from nrstudio.core.data.editing import add_planned_experiments
from nrstudio.core.data.training_rows import choose_inputs
from nrstudio.core.data.validation import validate_dataset
from nrstudio.core.modeling.augment import SmoteRegSettings, augment_smote_reg
from nrstudio.core.modeling.training_data import training_data


def table(extra: str, make, n: int = 24, seed: int = 0) -> Dataset:
    """TEOS and ammonia volumes (independent), ``extra`` = make(teos, rng), a size."""
    rng = np.random.default_rng(seed)
    teos = np.round(rng.uniform(40, 200, n), 1)
    ammonia = np.round(rng.uniform(50, 130, n), 1)
    extra_values = make(teos, rng)
    size = 0.4 * teos + 0.2 * ammonia + rng.normal(0, 2, n)
    cols = [Column("Sample", Role.SAMPLE_ID, "", Kind.TEXT),
            Column("TEOS (uL)", Role.INPUT, "uL"), Column("Ammonia (uL)", Role.INPUT, "uL"),
            Column(extra, Role.INPUT, ""), Column("Size (nm)", Role.TARGET, "nm")]
    return Dataset.from_records(cols, [[f"s{i}", teos[i], ammonia[i], extra_values[i], size[i]]
                                       for i in range(n)])


@pytest.mark.parametrize("extra, make, slope, offset", [
    ("TEOS fraction", lambda t, rng: t / 1700, 1 / 1700, 0.0),
    ("TEOS (mL)", lambda t, rng: np.round(t / 1000, 4), 1e-3, 0.0),  # rounded as written
    ("TEOS mass (mg)", lambda t, rng: 0.933 * t + 2.0, 0.933, 2.0),
])
def test_a_column_in_step_with_another_is_left_out_with_its_relation(extra, make, slope,
                                                                      offset):
    ds = table(extra, make)
    choice = choose_inputs(ds)
    assert choice.used == ["TEOS (uL)", "Ammonia (uL)"]
    same = choice.restated[extra]
    assert same.source == "TEOS (uL)"
    assert same.slope == pytest.approx(slope, rel=1e-3)
    assert same.offset == pytest.approx(offset, abs=1e-3)
    assert "moves in step with 'TEOS (uL)'" in choice.left_out[extra]
    finding = next(f for f in validate_dataset(ds).findings if f.column == extra)
    assert "left out of the models" in finding.message and "in step" in finding.message
    assert training_data(ds).space.inputs == ["TEOS (uL)", "Ammonia (uL)"]


@pytest.mark.parametrize("extra, make", [
    ("Water (uL)", lambda t, rng: rng.uniform(60, 180, len(t))),  # independent
    ("Ethanol (uL)", lambda t, rng: 0.5 * t + rng.normal(0, 8, len(t))),  # related, r ~ 0.95
    ("Time (min)", lambda t, rng: np.round(t) % 7),
])
def test_a_column_that_varies_on_its_own_is_kept(extra, make):
    ds = table(extra, make)
    choice = choose_inputs(ds)
    assert extra in choice.used and not choice.restated


def test_a_relation_on_too_few_rows_is_taken_for_chance():
    ds = table("TEOS fraction", lambda t, rng: t / 1700, n=12)
    assert "TEOS fraction" in choose_inputs(ds).used


def test_a_column_with_numbers_where_its_source_has_none_is_kept():
    ds = table("TEOS fraction", lambda t, rng: t / 1700)
    ds.table.loc[3, "TEOS (uL)"] = float("nan")  # the fraction alone says row 4's amount
    assert "TEOS fraction" in choose_inputs(ds).used


def test_a_planned_row_and_synthetic_rows_keep_the_relation():
    ds = table("TEOS fraction", lambda t, rng: t / 1700)
    add_planned_experiments(ds, [{"TEOS (uL)": 85.0, "Ammonia (uL)": 70.0}])
    planned = ds.table.iloc[24]
    assert planned["TEOS fraction"] == pytest.approx(85.0 / 1700, rel=1e-6)
    out = augment_smote_reg(table("TEOS fraction", lambda t, rng: t / 1700),
                            SmoteRegSettings(per_subset=3)).dataset
    synthetic = out.table[~out.is_original]
    assert len(synthetic)
    teos = synthetic["TEOS (uL)"].astype(float).to_numpy()
    np.testing.assert_allclose(synthetic["TEOS fraction"].astype(float), teos / 1700,
                               rtol=1e-6)


@pytest.fixture(scope="module")
def fraction_models():
    from nrstudio.core.modeling.evaluation import EvaluationSettings, cross_validate
    from nrstudio.core.modeling.final_models import FinalModels, fit_tabular_set
    from nrstudio.core.modeling.network_settings import NetworkSettings

    ds = table("TEOS fraction", lambda t, rng: t / 1700)
    ev = cross_validate(ds, EvaluationSettings(
        baselines=("gaussian_process",), network=NetworkSettings(max_epochs=2, patience=1),
        folds=4, loo_max=1))
    return FinalModels(None, fit_tabular_set(ds, ("gaussian_process",)), ev), \
        choose_inputs(ds).restated


def apart_list() -> Dataset:
    """Six planned syntheses; rows 2 and 5 give a TEOS fraction far from TEOS / 1700."""
    listed = table("TEOS fraction", lambda t, rng: t / 1700, n=6, seed=5)
    listed.table.loc[[1, 4], "TEOS fraction"] = 0.2
    return listed


def test_a_list_that_sets_the_two_apart_is_told_so(fraction_models):
    from nrstudio.core.modeling.suggest import candidate_list

    models, restated = fraction_models
    found = candidate_list(models, apart_list(), restated)
    assert list(found.rows) == list(range(6))
    note = next(n for n in found.skipped if "apart" in n)
    assert note.startswith("2 rows of the list set 'TEOS fraction' apart from 'TEOS (uL)'")
    assert "rows 2, 5" in note
    in_step = candidate_list(models, table("TEOS fraction", lambda t, rng: t / 1700, n=6,
                                           seed=5), restated)
    assert not any("apart" in n for n in in_step.skipped)


def test_a_prediction_of_such_a_row_says_so(fraction_models):
    from nrstudio.core.modeling.prediction_table import predict_conditions_table

    models, restated = fraction_models
    frame = predict_conditions_table(models, apart_list(), restated=restated)
    apart = ["'TEOS fraction' set apart from 'TEOS (uL)'" in w for w in frame["why"]]
    assert apart == [False, True, False, False, True, False]
    assert frame["Size (nm) predicted"].notna().all()
