"""Trust: every model can be the final model, stored without pickle; the choice follows the
leakage-free errors; conformal intervals cover what they claim."""

import math

import numpy as np
import pandas as pd
import pytest

from nrstudio.core.data.dataset import Column, Dataset, Role
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.baselines import gp_kernel_of, make_baseline
from nrstudio.core.modeling.conformal import (
    conformal_half_width,
    fewest_for_interval,
    leave_one_out_coverage,
)
from nrstudio.core.modeling.evaluation import EvaluationResult, cross_validate
from nrstudio.core.modeling.final_models import FinalModels, TabularSet, fit_tabular_set
from nrstudio.core.modeling.model_choice import choose_models, model_key
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.predict import train_final_models
from nrstudio.core.modeling.run_settings import EvaluationSettings
from nrstudio.core.modeling.tabular_models import (
    TABULAR_KINDS,
    TabularModel,
    check_arrays,
    fit_tabular_model,
)
from nrstudio.core.project.stored_models import load_final_models

NOISE = 0.3


def law(x):
    return 2.0 * np.sin(2.5 * x[:, 0]) + x[:, 1] ** 2 + 0.5 * x[:, 2]


def noisy_table(n, rng):
    x = rng.uniform(0, 2, (n, 3))
    y = law(x) + NOISE * rng.standard_normal(n)
    cols = [Column("Sample", Role.SAMPLE_ID), Column("a", Role.INPUT), Column("b", Role.INPUT),
            Column("c", Role.INPUT), Column("y", Role.TARGET)]
    return Dataset.from_records(cols, [[f"s{i}", *x[i], y[i]] for i in range(n)]), x, y


@pytest.mark.parametrize("kind", TABULAR_KINDS)
def test_stored_arrays_predict_exactly_what_scikit_learn_does(kind):
    rng = np.random.default_rng(1)
    x, xt = rng.uniform(0, 1, (60, 4)), rng.uniform(-0.5, 1.5, (300, 4))
    y = law(x) + 0.1 * rng.standard_normal(60)
    stored = fit_tabular_model(kind, x, y, seed=3)
    ref = make_baseline(kind, 4, 3)
    if kind == "gaussian_process":  # scikit-learn's process with the kernel the app found
        ref.set_params(gaussianprocessregressor__kernel=gp_kernel_of(4, stored.arrays["theta"]),
                       gaussianprocessregressor__optimizer=None)
    ref.fit(x, y)
    assert np.allclose(stored.predict(xt), ref.predict(xt), rtol=1e-9, atol=1e-9)
    check_arrays(kind, stored.arrays, 4)


def test_a_damaged_forest_is_refused():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, (40, 2))
    forest = fit_tabular_model("random_forest", x, x[:, 0], 0)
    bad = dict(forest.arrays)
    bad["left"] = bad["left"].copy()
    inner = np.flatnonzero(bad["left"] >= 0)[0]
    bad["left"][inner] = inner  # a node that points at itself would never end
    with pytest.raises(DataError, match="damaged"):
        check_arrays("random_forest", bad, 2)


@pytest.mark.parametrize("damage", ["into the next tree", "one child", "no feature",
                                    "overlapping trees"])
def test_a_forest_whose_nodes_leave_their_tree_is_refused(damage):
    # The trees are handed to scikit-learn's compiled code, which reads whatever a node
    # points at: a hostile file must be refused before that, not crash the app.
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, (40, 2))
    forest = fit_tabular_model("random_forest", x, x[:, 0], 0)
    bad = {k: v.copy() for k, v in forest.arrays.items()}
    first_end = int(bad["roots"][1])
    inner = int(np.flatnonzero(bad["left"][:first_end] >= 0)[-1])
    if damage == "into the next tree":
        bad["right"][inner] = first_end + 1
    elif damage == "one child":
        bad["right"][inner] = -1
    elif damage == "no feature":
        bad["feature"][inner] = -3
    else:
        bad["roots"] = bad["roots"][::-1].copy()
    with pytest.raises(DataError, match="damaged"):
        check_arrays("random_forest", bad, 2)
    with pytest.raises(DataError, match="damaged"):
        TabularModel("random_forest", bad, {}).predict(x)


def test_conformal_quantile_and_honest_coverage():
    r = np.arange(1.0, 20.0)  # 19 residuals: the 18th smallest is the 90% half-width
    assert conformal_half_width(r, 0.9) == 18.0
    assert math.isinf(conformal_half_width(r[:5], 0.9))  # too few for 90%
    truth = np.zeros(10)
    cov, width, n = leave_one_out_coverage(truth, np.arange(10.0), 0.8)
    # sample i is judged by the 9 others (8th smallest of them): residuals 8 and 9 fall out
    assert n == 10 and cov == pytest.approx(0.8) and width == pytest.approx(2 * 7.8)


def test_a_target_too_rarely_measured_for_an_interval_is_named():
    from nrstudio.core.modeling.augment import SmoteRegSettings

    assert fewest_for_interval(0.9) == 10 and fewest_for_interval(0.8) == 5
    rng = np.random.default_rng(0)
    ds, _x, _y = noisy_table(16, rng)
    rare = [float(v) if i < 6 else math.nan for i, v in enumerate(ds.table["y"])]
    ds.table["z"] = pd.Series(rare, dtype=object)
    ds.columns.append(Column("z", Role.TARGET))
    result = cross_validate(ds, EvaluationSettings(
        protocols=("honest",), augment=SmoteRegSettings(per_subset=2),
        network=NetworkSettings(hidden=(4,), max_epochs=1, patience=0), baselines=("mean",)))
    widths = result.metrics[(result.metrics.metric == "interval width")
                            & (result.metrics.model == "mean")].set_index("target")["mean"]
    assert math.isinf(widths["z"]) and math.isfinite(widths["y"])
    (note,) = [n for n in result.notes if "interval" in n]
    assert note.startswith("no 90% interval for z: fewer than 10 samples")


def test_choice_follows_the_leakage_free_errors_and_the_user_can_override():
    rows = [dict(protocol="honest", model=m, target="L", subset="original", metric="MAE",
                 mean=v, std=0.0, n=20, aggregation="folds")
            for m, v in (("network", 5.0), ("random_forest", 3.0), ("mean", 9.0))]
    rows.append(dict(protocol="paper", model="network", target="L", subset="original",
                     metric="MAE", mean=0.1, std=0.0, n=20, aggregation="folds"))
    ev = EvaluationResult(pd.DataFrame(rows), pd.DataFrame())
    avail = {"L": {"network", "random_forest", "mean"}}
    auto = choose_models(["L"], ev, avail)["L"]
    assert auto.model == "random_forest" and auto.automatic and "3" in auto.reason
    mine = choose_models(["L"], ev, avail, {"L": "network"})["L"]
    assert mine.model == "network" and not mine.automatic and "random forest" in mine.reason
    assert model_key("gp") == "gaussian_process" and model_key("forest") == "random_forest"
    with pytest.raises(DataError, match="unknown model"):
        model_key("svm")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["gaussian_process", "network"])
def test_intervals_cover_the_nominal_level_on_new_syntheses(kind):
    """Known function, known noise: fit, calibrate on leakage-free residuals, and count how
    often the 90% interval holds fresh samples; over repetitions within ±5 points."""
    net = NetworkSettings(hidden=(32, 32), max_epochs=60, patience=10)
    coverage = []
    for rep in range(8):
        rng = np.random.default_rng(100 + rep)
        ds, _, _ = noisy_table(60, rng)
        settings = EvaluationSettings(baselines=(kind,) if kind != "network" else ("mean",),
                                      network=net, folds=10, loo_max=1)
        ev = cross_validate(ds, settings)
        if kind == "network":
            models = FinalModels(train_final_models(ds, net, members=2), None, ev)
        else:
            models = FinalModels(None, fit_tabular_set(ds, (kind,)), ev)
        xt = rng.uniform(0, 2, (2000, 3))
        yt = law(xt) + NOISE * rng.standard_normal(2000)
        pred = models.predict(xt, 0.9, kind)
        coverage.append(np.mean((pred.lower[:, 0] <= yt) & (yt <= pred.upper[:, 0])))
    assert abs(np.mean(coverage) - 0.9) <= 0.05, coverage


def test_every_model_predicts_after_saving_and_reopening(tmp_path):
    from nrstudio.core.modeling.explain import LimeSettings
    from nrstudio.core.modeling.pipeline import run_pipeline
    from nrstudio.core.modeling.run_settings import RunSettings
    from nrstudio.core.project.file_format import load_project, save_project
    from nrstudio.core.project.run_results import store_in_project
    from nrstudio.core.project_model import Project

    ds, x, _ = noisy_table(30, np.random.default_rng(5))
    settings = RunSettings(EvaluationSettings(network=NetworkSettings(max_epochs=4, patience=2)),
                           members=2, lime=LimeSettings(num_samples=200, repeats=1))
    result = run_pipeline(ds, settings)
    project = Project(dataset=ds)
    store_in_project(project, result)
    save_project(project, tmp_path / "p.nrproj")
    again = load_final_models(load_project(tmp_path / "p.nrproj"))
    before = result.models
    for model in ("network", *TABULAR_KINDS):
        a, b = before.predict(x[:7], 0.9, model), again.predict(x[:7], 0.9, model)
        assert np.allclose(a.mean, b.mean) and np.allclose(a.lower, b.lower), model
        assert b.models == [model]
    chosen = again.choices()["y"]
    assert chosen.automatic and chosen.model in ("network", *TABULAR_KINDS)
    assert result.explanations.models == [chosen.model]  # LIME explained the chosen model
    assert isinstance(again.tabular, TabularSet)


def test_gp_spread_matches_scikit_learn_and_grows_away_from_the_samples():
    from sklearn.gaussian_process import GaussianProcessRegressor

    from nrstudio.core.modeling.baselines import fit_baseline
    from nrstudio.core.modeling.tabular_models import gp_spread

    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, (40, 2))
    y = np.sin(4 * x[:, 0]) + x[:, 1] + 0.05 * rng.standard_normal(40)
    stored = fit_tabular_model("gaussian_process", x, y, seed=0)
    near = x[:5] + 0.01
    far = np.array([[3.0, 3.0], [-2.0, 1.0]])
    s_near, s_far = gp_spread(stored.arrays, near), gp_spread(stored.arrays, far)
    assert np.all(s_near < 1.5) and np.all(s_far > 2.0 * s_near.max())
    # The same ratio of predictive standard deviations as scikit-learn's own posterior.
    gp = fit_baseline("gaussian_process", x, y, 0)
    _, sd = gp.predict(np.vstack([near, far]), return_std=True)
    reg = gp.steps[-1][1]
    assert isinstance(reg, GaussianProcessRegressor)
    got = np.concatenate([s_near, s_far])
    assert np.allclose(got / got[0], sd / sd[0], rtol=1e-4)


def test_a_forest_refuses_rows_narrower_than_its_features():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, (40, 3))
    forest = fit_tabular_model("random_forest", x, x[:, 2], 0)
    forest.predict(x)
    with pytest.raises(DataError, match="damaged"):
        forest.predict(x[:, :1])  # a split on feature 2 cannot be read from one column


def test_the_interval_of_a_yield_starts_at_zero():
    """A yield cannot be negative: where the interval reaches below 0 it is cut there (no
    possible value is lost); where the whole interval is below 0 (the model extrapolating) it
    stays, flagged impossible."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 2, (40, 3))
    y = np.abs(0.4 * x[:, 0] + 0.1 * rng.standard_normal(40))
    cols = [Column("Sample", Role.SAMPLE_ID), Column("a", Role.INPUT), Column("b", Role.INPUT),
            Column("c", Role.INPUT), Column("Yield (%)", Role.TARGET)]
    ds = Dataset.from_records(cols, [[f"s{i}", *x[i], y[i]] for i in range(40)])
    tab = fit_tabular_set(ds, ("ridge",))
    assert tab.non_negative == ["Yield (%)"]
    out_of_fold = y + rng.normal(0, 0.2, 40)  # leakage-free errors of about 0.2
    pred = pd.DataFrame({"protocol": "honest", "model": "ridge", "target": "Yield (%)",
                         "fold": np.arange(40), "sample": tab.sample_ids, "origin": "original",
                         "truth": y, "prediction": out_of_fold})
    metrics = pd.DataFrame([dict(protocol="honest", model="ridge", target="Yield (%)",
                                 subset="original", metric="MAE", mean=0.16, std=0.0, n=40,
                                 aggregation="pooled")])
    models = FinalModels(None, tab, EvaluationResult(metrics, pred))
    low, high = np.array([[0.0, 1.0, 1.0]]), np.array([[2.0, 1.0, 1.0]])
    p = models.predict(np.vstack([low, high]), 0.9)
    half = (p.upper[1, 0] - p.lower[1, 0]) / 2
    assert half > 0.1 and p.lower[1, 0] > 0  # far from 0: the interval as calibrated
    assert p.mean[0, 0] - half < 0 < p.mean[0, 0] + half
    assert p.lower[0, 0] == 0.0 and p.upper[0, 0] == pytest.approx(p.mean[0, 0] + half)
    far = models.predict(np.array([[-40.0, 1.0, 1.0]]), 0.9)  # the ridge's line below 0
    assert far.impossible[0, 0] and far.upper[0, 0] < 0
    assert far.lower[0, 0] == pytest.approx(far.mean[0, 0] - half)
