"""Hostile stored models are refused by type, shape, range and size before compiled code or
a prediction sees them; a prediction that is not finite is never shown as a number."""

from __future__ import annotations

import time

import numpy as np
import pytest

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.stored_model_checks import MAX_GP_ROWS, check_arrays
from nrstudio.core.modeling.tabular_models import TabularModel, fit_tabular_model

RNG = np.random.default_rng(7)
X = RNG.uniform(0, 1, (40, 2))
Y = X[:, 0] + 0.3 * X[:, 1]


@pytest.fixture(scope="module")
def forest():
    return fit_tabular_model("random_forest", X, Y, 0).arrays


@pytest.fixture(scope="module")
def gp():
    return fit_tabular_model("gaussian_process", X, Y, 0).arrays


def _copy(arrays):
    return {k: v.copy() for k, v in arrays.items()}


@pytest.mark.parametrize("damage, reason", [
    ("float children", "whole numbers"),
    ("int8 children", "whole numbers"),
    ("float roots", "whole numbers"),
    ("2-D values", "dimensions"),
    ("float16 values", "floats of 32 or 64 bits"),
    ("empty forest", "no trees"),
    ("a node reached twice", "reached twice"),
    ("absurd leaf", "beyond"),
])
def test_a_hostile_forest_is_refused_with_its_reason(forest, damage, reason):
    bad = _copy(forest)
    inner = int(np.flatnonzero(bad["left"] >= 0)[0])
    if damage == "float children":
        bad["left"] = bad["left"].astype(np.float64)
        bad["left"][inner] = inner + 0.5  # was "greater than its own index", then truncated
    elif damage == "int8 children":
        bad["left"] = bad["left"].astype(np.int8)
    elif damage == "float roots":
        bad["roots"] = bad["roots"].astype(np.float64)
    elif damage == "2-D values":
        bad["value"] = np.column_stack([bad["value"], bad["value"]])
    elif damage == "float16 values":
        bad["value"] = bad["value"].astype(np.float16)
    elif damage == "empty forest":
        bad = {k: v[:0] for k, v in bad.items()}
    elif damage == "a node reached twice":
        # both children of the root's left child point at one node: a DAG, not a tree
        child = int(bad["left"][inner])
        if bad["left"][child] >= 0:
            bad["right"][child] = bad["left"][child]
        else:
            bad["right"][inner] = bad["left"][inner]
    else:
        bad["value"][-1] = 1e308
    with pytest.raises(DataError, match=reason):
        check_arrays("random_forest", bad, 2)
    with pytest.raises(DataError):
        TabularModel("random_forest", bad, {}).predict(X)


def test_a_forest_over_its_budget_is_refused_at_once(forest):
    n = 2_100_000  # two million one-node trees kept predict busy past 60 s
    huge = {"left": np.full(n, -1, np.int64), "right": np.full(n, -1, np.int64),
            "feature": np.zeros(n, np.int64), "threshold": np.zeros(n),
            "value": np.zeros(n), "roots": np.arange(n, dtype=np.int64)}
    t = time.perf_counter()
    with pytest.raises(DataError, match="more than"):
        check_arrays("random_forest", huge, 2)
    assert time.perf_counter() - t < 5


@pytest.mark.parametrize("damage, reason", [
    ("length scale e^800", "outside the range"),
    ("length scale e^-800", "outside the range"),
    ("zero input scale", "not above zero"),
    ("too many rows", "training rows"),
    ("theta of the wrong size", "kernel parameters"),
])
def test_a_hostile_gaussian_process_is_refused(gp, damage, reason):
    bad = _copy(gp)
    if damage == "length scale e^800":
        bad["theta"][1] = 800.0
    elif damage == "length scale e^-800":
        bad["theta"][1] = -800.0
    elif damage == "zero input scale":
        bad["x_scale"][0] = 0.0
    elif damage == "too many rows":
        bad["x_train"] = np.zeros((MAX_GP_ROWS + 1, 2))
        bad["alpha"] = np.zeros(MAX_GP_ROWS + 1)
    else:  # neither one length scale (3 parameters) nor one per input (4)
        bad["theta"] = np.zeros(6)
    with pytest.raises(DataError, match=reason):
        check_arrays("gaussian_process", bad, 2)


def test_the_models_the_app_fits_pass(forest, gp):
    check_arrays("random_forest", forest, 2)
    check_arrays("gaussian_process", gp, 2)
    for kind in ("ridge", "mean"):
        check_arrays(kind, fit_tabular_model(kind, X, Y, 0).arrays, 2)


def test_fuzzed_forest_arrays_are_refused_or_predict_finite_numbers(forest):
    """Random dtypes, shapes, values, cycles and sizes: each case ends quickly with a clear
    refusal or finite predictions, never a hang, a crash or a NaN."""
    rng = np.random.default_rng(11)
    dtypes = [np.int64, np.int32, np.int16, np.int8, np.uint32, np.float64, np.float32,
              np.float16]
    for case in range(150):
        bad = _copy(forest)
        name = str(rng.choice(sorted(bad)))
        arr = bad[name]
        action = case % 5
        if action == 0:
            bad[name] = arr.astype(dtypes[rng.integers(len(dtypes))])
        elif action == 1 and arr.size:
            i = rng.integers(arr.size)
            bad[name] = arr.astype(np.float64)
            bad[name][i] = rng.choice([-2.0, -1.0, 0.0, 0.5, 1e9, 1e308, np.nan, np.inf,
                                       float(arr.size)])
            if forest[name].dtype.kind == "i" and rng.random() < 0.5:
                bad[name] = np.nan_to_num(bad[name], posinf=9e18, neginf=-9e18).astype(np.int64)
        elif action == 2:
            bad[name] = arr[: rng.integers(0, arr.size + 1)]
        elif action == 3 and arr.size:
            i, j = rng.integers(arr.size, size=2)
            bad[name][i] = arr[j]  # cycles and shared children among integer arrays
        else:
            bad[name] = arr.reshape(-1, 1) if arr.size else arr
        t = time.perf_counter()
        try:
            y = TabularModel("random_forest", bad, {}).predict(X)
        except DataError:
            pass
        else:
            assert np.isfinite(y).all(), (case, name)
        assert time.perf_counter() - t < 20, (case, name)


def test_a_non_finite_prediction_is_never_shown(monkeypatch):
    from nrstudio.core.modeling.features import FeatureSpace
    from nrstudio.core.modeling.final_models import FinalModels, TabularSet

    model = fit_tabular_model("ridge", X, Y, 0)
    tab = TabularSet(FeatureSpace(["a", "b"]), ["y"], X, {"y": {"ridge": model}})
    models = FinalModels(None, tab, None, {"y": "ridge"})
    assert np.isfinite(models.predict(X[:2]).mean).all()
    monkeypatch.setattr(model, "predict", lambda x: np.full(len(x), np.nan))
    with pytest.raises(DataError, match="not a finite number"):
        models.predict(X[:2])



def test_a_forest_predicts_the_same_numbers_on_any_number_of_threads(forest, monkeypatch):
    import nrstudio.core.modeling.tabular_models as tm

    assert tm._tree_threads(100) == 1  # a small batch stays on the calling thread
    x = np.random.default_rng(5).uniform(0, 1, (3 * tm.PARALLEL_TREE_ROWS + 17, 2))
    monkeypatch.setattr(tm, "_tree_threads", lambda rows: 1)
    alone = TabularModel("random_forest", forest, {}).predict(x)
    monkeypatch.setattr(tm, "_tree_threads", lambda rows: 3)
    shared = TabularModel("random_forest", forest, {}).predict(x)
    assert np.array_equal(shared, alone)  # bit for bit


def test_a_forest_grown_on_several_threads_is_the_one_grown_on_one(monkeypatch):
    from sklearn.ensemble import RandomForestRegressor

    import nrstudio.core.modeling.baselines as bl

    assert bl.forest_threads(bl.PARALLEL_FOREST_ROWS - 1) == 1  # a small table: one thread
    rng = np.random.default_rng(8)
    x = rng.uniform(0, 1, (bl.PARALLEL_FOREST_ROWS, 6))
    y = np.sin(4 * x[:, 0]) + x[:, 1] + 0.1 * rng.standard_normal(len(x))
    monkeypatch.setattr(bl, "forest_threads", lambda rows: 1)
    alone = bl.fit_baseline("random_forest", x, y, seed=3)
    monkeypatch.setattr(bl, "forest_threads", lambda rows: 3)
    grown: list[int] = []
    fit = RandomForestRegressor.fit

    def spy(self, *args, **kwargs):
        grown.append(self.n_jobs)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(RandomForestRegressor, "fit", spy)
    shared = bl.fit_baseline("random_forest", x, y, seed=3)
    assert grown == [3] and shared.n_jobs == 1  # grown on 3 threads, predicts on one
    for a, b in zip(alone.estimators_, shared.estimators_, strict=True):
        assert np.array_equal(a.tree_.threshold, b.tree_.threshold)
        assert np.array_equal(a.tree_.value, b.tree_.value)
    assert np.array_equal(alone.predict(x[:200]), shared.predict(x[:200]))
