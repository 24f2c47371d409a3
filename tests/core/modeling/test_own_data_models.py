"""Models on a chemist's own table: SMOTE-NC levels, the row budget, rows per target,
category encoding, one LIME weight per condition, flagged explanations, impossible
predictions."""

import dataclasses

import numpy as np
import pytest

from nrstudio.core.data.synthetic_tables import TARGETS, make_synthesis_table
from nrstudio.core.data.table_io import dataset_from_raw, read_csv_bytes
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import (
    LARGE_TABLE,
    SmoteRegSettings,
    augment_smote_reg,
    plan_smote_reg,
    smote_reg_arrays,
)
from nrstudio.core.modeling.evaluation import cross_validate
from nrstudio.core.modeling.explain import LimeSettings, explain_points
from nrstudio.core.modeling.explanations import Explanations
from nrstudio.core.modeling.features import UNSEEN
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.predict import EnsembleModel, train_final_models
from nrstudio.core.modeling.prediction_table import predict_table
from nrstudio.core.modeling.run_settings import EvaluationSettings
from nrstudio.core.modeling.training_data import training_data

FAST = NetworkSettings(max_epochs=6, patience=3)


@pytest.fixture(scope="module")
def small():
    """60 syntheses, 6 number inputs, 2 text conditions, markers, a constant column."""
    t = make_synthesis_table(60, n_numeric=6, n_categories=2, seed=11)
    return dataset_from_raw(read_csv_bytes(t.csv()))


def test_synthetic_rows_take_one_parents_level_never_an_interpolation():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.uniform(0, 1, 30), rng.integers(0, 3, 30).astype(float)])
    y = rng.uniform(0, 1, (30, 1))
    out = smote_reg_arrays(x, y, SmoteRegSettings(per_subset=4), categorical=[1])
    base, nb = out.parents[:, 0], out.parents[:, 1]
    nearer = np.where(out.lam < 0.5, base, nb)
    assert np.array_equal(out.x[:, 1], x[nearer, 1])           # the nearer parent's level
    assert np.allclose(out.x[:, 0], x[base, 0] + out.lam * (x[nb, 0] - x[base, 0]))


def test_the_paper_setting_is_kept_while_it_fits_the_budget():
    plan = plan_smote_reg(28, SmoteRegSettings())
    assert (plan.n_rows, plan.budgeted, plan.note) == (9100, False, "")


@pytest.mark.parametrize("n", [100, 234, 1000])
def test_the_budget_bounds_the_augmented_set(n):
    plan = plan_smote_reg(n, SmoteRegSettings())
    assert plan.budgeted and n <= plan.n_rows <= 10_000
    assert plan.n_rows >= 10_000 - plan.n_subsets_used or plan.rows_per_subset == 1
    if n >= LARGE_TABLE:
        assert "does not need augmentation" in plan.note


def test_an_augmentation_that_does_not_fit_is_refused_before_allocating():
    settings = SmoteRegSettings(budget=None, subset_cap=10_000_000)
    with pytest.raises(DataError, match="lower the row budget"):
        smote_reg_arrays(np.zeros((3000, 40)), np.zeros((3000, 3)), settings)


def test_augmented_table_has_levels_of_parents_and_targets_per_group(small):
    result = augment_smote_reg(small)
    ds = result.dataset
    syn = ~ds.is_original
    assert len(result.plans) == len(result.groups) >= 2  # targets measured on different rows
    for name in ("Reagent 1", "Reagent 2"):
        originals = set(ds.table.loc[ds.is_original, name].dropna())
        assert set(ds.table.loc[syn, name]) <= originals | {"(none)"}
    y = ds.values(list(TARGETS), np.flatnonzero(syn))
    assert np.isnan(y).any() and not np.isnan(y).all(axis=1).any()  # one group's targets each
    const = ds.values(["Stirring (rpm)"], np.flatnonzero(syn))
    assert np.all(const == 500)  # a left-out constant input keeps its value


def test_each_target_is_judged_on_its_own_rows(small):
    data = training_data(small)
    ev = cross_validate(small, EvaluationSettings(network=FAST, baselines=("mean",),
                                                  augment=SmoteRegSettings(per_subset=2)))
    pred = ev.predictions[(ev.predictions.model == "mean")]
    for t, name in enumerate(TARGETS):
        ids = set(pred[pred.target == name]["sample"])
        measured = {data.ids[i] for i in np.flatnonzero(np.isfinite(data.y[:, t]))}
        assert ids == measured
    assert any("judged on their own rows" in n for n in ev.notes)
    assert any("Stirring (rpm)" in n and "left out" in n for n in ev.notes)


def test_categories_reach_the_model_and_unseen_levels_are_flagged(small, tmp_path):
    model = train_final_models(small, FAST, SmoteRegSettings(per_subset=2), members=2)
    space = model.feature_space
    assert set(space.levels) == {"Reagent 1", "Reagent 2"}
    assert "Stirring (rpm)" not in model.inputs
    assert model.stack.x_mean.shape[1] == space.n_features > len(model.inputs)
    table = small.copy()
    table.table.loc[0, "Reagent 1"] = "a ligand nobody used"
    frame = predict_table(model, table)
    assert frame.loc[0, "out of domain"] and "never seen" in frame.loc[0, "why"]
    assert frame.loc[0, "Reagent 1"] == "(unseen level)"
    # stored without pickle and read back with the levels
    again = EnsembleModel.from_stored(model.to_stored())
    x = model.train_x[:5]
    assert again.feature_space.levels == space.levels
    assert np.allclose(again.predict_mean(x), model.predict_mean(x))
    assert space.conditions(table, np.array([0]))[0, model.inputs.index("Reagent 1")] == UNSEEN


def test_batch_predictions_name_the_model_as_the_pages_do(small):
    from nrstudio.core.modeling.final_models import FinalModels, fit_tabular_set
    from nrstudio.core.modeling.prediction_table import predict_conditions_table

    tab = fit_tabular_set(small, ("random_forest",))
    frame = predict_conditions_table(FinalModels(None, tab, None), small.copy(),
                                     model="random_forest")
    assert set(frame.filter(like=" model").stack()) == {"random forest"}


def test_lime_gives_one_weight_per_condition(small):
    model = train_final_models(small, FAST, SmoteRegSettings(per_subset=2), members=1)
    x = model.train_x
    expl = explain_points(model.predict_mean, x, x[:3], model.inputs, model.targets,
                          settings=LimeSettings(num_samples=300, repeats=1),
                          categorical=model.feature_space.categorical)
    assert expl.features == model.inputs and expl.weights.shape == (3, 3, len(model.inputs))
    assert np.isfinite(expl.weights).all()


def test_untrustworthy_explanations_are_flagged():
    def step(x):  # a cliff no linear surrogate can follow
        return np.where(np.sin(40 * x[:, :1]) > 0, 100.0, 0.0)

    x = np.random.default_rng(1).uniform(0, 1, (30, 2))
    expl = explain_points(step, x, x[:4], ["a", "b"], ["t"],
                          settings=LimeSettings(num_samples=300, repeats=1))
    assert expl.flagged.all()
    assert "low local fidelity" in expl.to_frame()["flag"].iloc[0]
    broken = dataclasses.replace(expl, weights=np.full_like(expl.weights, np.nan))
    assert isinstance(broken, Explanations)
    assert set(broken.flags().ravel()) == {"weights are not finite numbers"}


def test_negative_predictions_of_a_size_are_flagged(small, monkeypatch):
    model = train_final_models(small, FAST, SmoteRegSettings(per_subset=2), members=1)
    assert set(model.non_negative) == set(TARGETS)  # lengths and wavelengths, by unit
    monkeypatch.setattr(model.stack, "predict", lambda x: -np.ones((3, len(x))))
    frame = predict_table(model, small)
    rows = frame["why"].str.startswith("cannot predict")
    assert (~rows).sum() > 30 and frame.loc[rows, "Length (nm) predicted"].isna().all()
    assert frame.loc[~rows, "impossible"].str.contains("Length \\(nm\\) < 0").all()


def test_negative_out_of_fold_predictions_get_a_sentence():
    import pandas as pd

    from nrstudio.core.modeling.evaluation import impossible_notes

    pred = pd.DataFrame({"protocol": "honest", "model": "gaussian_process",
                         "origin": "original",
                         "target": ["Emission (nm)", "Emission (nm)", "Shift (nm)"],
                         "prediction": [-408.0, 500.0, -3.0]})
    notes = impossible_notes(pred, ["Emission (nm)"])  # a shift may be negative
    # the protocol and the model by the names the app shows them with
    assert notes == ["Emission (nm) (leakage-free): 1 out-of-fold predictions of Gaussian "
                     "process are negative, which is physically impossible (as low as -408; "
                     "flagged in cv_predictions.csv)"]
