"""LIME explanations that fit the model: locality, the slope check, conditions, the figure."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nrstudio.core.data.synthetic_tables import make_synthesis_table
from nrstudio.core.data.table_io import read_csv_bytes
from nrstudio.core.data.table_roles import dataset_from_raw
from nrstudio.core.modeling.explain import PAPER_LOCALITY, LimeSettings, explain_points
from nrstudio.core.modeling.explanation_readability import advice_when_flagged, readability
from nrstudio.core.modeling.explanations import Explanations
from nrstudio.core.modeling.figures import lime_heatmap
from nrstudio.core.modeling.final_models import FinalModels, fit_tabular_set
from nrstudio.core.modeling.training_data import training_data

FAST = LimeSettings(num_samples=2000, repeats=2)


@pytest.fixture(scope="module")
def table():
    t = make_synthesis_table(80, n_numeric=5, n_categories=2, seed=3, markers=False)
    ds = dataset_from_raw(read_csv_bytes(t.csv()))
    return ds, training_data(ds)


def test_ridge_weights_equal_coefficient_times_sd(table):
    ds, data = table
    tab = fit_tabular_set(ds, ["ridge"])
    models = FinalModels(None, tab, None, dict.fromkeys(data.targets, "ridge"))
    expl = models.explain(data.x[:6], None, FAST)
    sd = data.x.std(axis=0)
    names = models.space.feature_names
    for k, target in enumerate(data.targets):
        arrays = tab.models[target]["ridge"].arrays
        for j, name in enumerate(models.inputs):
            if name in models.space.levels:
                continue
            f = names.index(name)
            expected = arrays["coef"][f] / arrays["x_scale"][f] * sd[j]
            got = expl.weights[:, k, j]
            assert np.allclose(got, expected, rtol=0.05, atol=1e-6 * np.abs(expected).max()), (
                target, name)
        assert (expl.slope_errors()[:, k] < 0.05).all()
    assert not expl.flagged.any()


def smooth(x: np.ndarray) -> np.ndarray:
    return np.column_stack([np.sin(x[:, 0]) + x[:, 1] ** 2 + 0.5 * x[:, 0] * x[:, 2],
                            np.exp(0.3 * x[:, 1]) - x[:, 2]])


def gradient(x: np.ndarray) -> np.ndarray:
    """(2, 3) gradient of ``smooth`` at one point."""
    return np.array([[np.cos(x[0]) + 0.5 * x[2], 2 * x[1], 0.5 * x[0]],
                     [0.0, 0.3 * np.exp(0.3 * x[1]), -1.0]])


def test_a_smooth_function_is_explained_by_its_gradient_times_sd():
    rng = np.random.default_rng(0)
    train = rng.normal(0.0, 1.0, (60, 3))
    points = rng.normal(0.0, 0.8, (5, 3))
    expl = explain_points(smooth, train, points, ["a", "b", "c"], ["y1", "y2"],
                          settings=FAST)
    sd = train.std(axis=0)
    for i, p in enumerate(points):
        expected = gradient(p) * sd
        for k in range(2):
            err = np.linalg.norm(expl.weights[i, k] - expected[k]) / np.linalg.norm(expected[k])
            assert err < 0.10, (i, k, err)
    assert np.median(expl.fidelity) > 0.8
    assert (expl.slope_errors() < 0.2).all()


def test_the_papers_setting_stays_available_and_is_less_local():
    rng = np.random.default_rng(1)
    train = rng.normal(0.0, 1.0, (60, 3))
    points = rng.normal(0.0, 0.8, (5, 3))
    paper = explain_points(smooth, train, points, ["a", "b", "c"], ["y1", "y2"],
                           settings=LimeSettings(num_samples=2000, repeats=2,
                                                 locality=PAPER_LOCALITY))
    local = explain_points(smooth, train, points, ["a", "b", "c"], ["y1", "y2"],
                           settings=FAST)
    assert (paper.locality == 1.0).all() and (local.locality < 1.0).all()
    assert np.median(local.fidelity) > np.median(paper.fidelity)
    assert np.nanmedian(local.slope_errors()) < np.nanmedian(paper.slope_errors())


def test_a_condition_keeps_one_exact_weight():
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 3, 90).astype(float)
    train = np.column_stack([rng.normal(0, 1, 90), codes])
    effect = np.array([0.0, 3.0, 5.0])

    def model(x: np.ndarray) -> np.ndarray:
        return (2.0 * x[:, 0] + effect[x[:, 1].astype(int)])[:, None]

    points = np.array([[0.2, 0.0], [-0.4, 2.0]])
    expl = explain_points(model, train, points, ["x", "ligand"], ["y"], settings=FAST,
                          categorical=[1])
    freq = np.bincount(codes.astype(int), minlength=3).astype(float)
    for i, own in enumerate((0, 2)):
        others = [lv for lv in range(3) if lv != own]
        expected = effect[own] - np.dot(freq[others], effect[others]) / freq[others].sum()
        assert expl.weights[i, 0, 1] == pytest.approx(expected, rel=1e-9)
        assert expl.weights[i, 0, 0] == pytest.approx(2.0 * train[:, 0].std(), rel=0.02)
    assert expl.weights.shape == (2, 1, 2)  # one weight per condition, not per level
    assert (expl.fidelity > 0.99).all()


def test_a_flat_model_is_not_flagged_and_a_bent_one_is():
    rng = np.random.default_rng(3)
    train = rng.normal(0.0, 1.0, (50, 2))

    def bowl(x: np.ndarray) -> np.ndarray:
        # The second target is a plateau here and a step near a = 2, where samples lie too.
        return np.column_stack([x[:, 0] ** 2 + x[:, 1] ** 2, np.tanh(5 * (x[:, 0] - 2))])

    expl = explain_points(bowl, train, np.array([[0.2, 0.0]]), ["a", "b"], ["bowl", "flat"],
                          settings=LimeSettings(num_samples=2000, repeats=1, locality=0.1))
    flags = expl.flags()
    assert flags[0, 1] == ""  # nothing moves the flat target: weights ~0 are the answer
    assert expl.flat()[0, 1]
    bent = explain_points(bowl, train, np.array([[0.2, 0.0]]), ["a", "b"], ["bowl", "flat"],
                          settings=LimeSettings(num_samples=2000, repeats=1, locality=1.0))
    assert bent.flags()[0, 0] != ""  # over 1 SD the bowl bends: no straight line follows it
    table = expl.to_frame()
    assert {"fidelity", "slope_error", "locality", "flag"} <= set(table.columns)


def test_stored_explanations_keep_the_new_fields_and_refuse_bad_shapes():
    rng = np.random.default_rng(4)
    train = rng.normal(0.0, 1.0, (40, 3))
    expl = explain_points(smooth, train, train[:3], ["a", "b", "c"], ["y1", "y2"],
                          settings=FAST)
    back = Explanations.from_json(expl.to_json())
    assert np.allclose(back.slope_errors(), expl.slope_errors(), equal_nan=True)
    assert np.array_equal(back.locality, expl.locality)
    doc = expl.to_json()
    doc["fidelity"] = [[0.9, 0.9, 0.9]] * 3
    from nrstudio.core.errors import DataError

    with pytest.raises(DataError, match="fidelity"):
        Explanations.from_json(doc)


def _explanations(flagged_weight: float) -> Explanations:
    """Two points, one target, two inputs: the first explanation is flagged (fidelity 0.1)."""
    w = np.array([[[flagged_weight, flagged_weight]], [[-1.0, 0.5]]])
    return Explanations(["flagged", "fine"], ["y"], ["a", "b"], np.zeros((2, 2)), w,
                        np.zeros_like(w), np.array([[0.1], [0.95]]), np.zeros((2, 1)),
                        np.zeros((2, 1)), np.zeros((2, 1)), ["gaussian_process"])


def test_flagged_explanations_are_never_drawn_in_colour(tmp_path):
    red = lime_heatmap(_explanations(+50.0), tmp_path / "red.png")
    blue = lime_heatmap(_explanations(-50.0), tmp_path / "blue.png")
    a = np.asarray(Image.open(red).convert("RGB"), dtype=int)
    b = np.asarray(Image.open(blue).convert("RGB"), dtype=int)
    # The flagged row's weights change nothing that is drawn: not its colour, not the scale.
    assert a.shape == b.shape and np.array_equal(a, b)
    unflagged = lime_heatmap(_explanations(+50.0).__class__(
        ["flagged", "fine"], ["y"], ["a", "b"], np.zeros((2, 2)),
        np.array([[[50.0, 50.0]], [[-1.0, 0.5]]]), np.zeros((2, 1, 2)),
        np.array([[0.95], [0.95]]), np.zeros((2, 1)), np.zeros((2, 1)), np.zeros((2, 1)),
        ["gaussian_process"]), tmp_path / "normal.png")
    c = np.asarray(Image.open(unflagged).convert("RGB"), dtype=int)
    assert c.shape != a.shape or not np.array_equal(a, c)  # the test can fail


def test_most_flagged_says_why_and_what_to_try():
    e = _explanations(1.0)
    e.fidelity[:] = 0.1
    assert "Try a smaller locality" in advice_when_flagged(e)
    line = readability(e)[0]
    assert line.flagged == 2 and "2 of 2 flagged" in line.sentence


def test_explaining_the_mean_says_why_every_weight_is_zero():
    e = _explanations(1.0)
    e.models[:] = ["mean"]
    sentence = readability(e)[0].sentence
    assert "no model beat predicting the mean" in sentence and "every weight is 0" in sentence
    assert "Predict page" in sentence
