"""The shared LIME surrogate gives the numbers of LIME's own per-target explanation."""

from __future__ import annotations

import warnings

import numpy as np
from lime.lime_tabular import LimeTabularExplainer
from sklearn.linear_model import Ridge

from nrstudio.core.modeling.explain import LimeSettings, explain_points
from nrstudio.core.modeling.lime_surrogate import WeightedRidge


def test_weighted_ridge_equals_sklearns_ridge():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 6))
    y = np.column_stack([x @ rng.normal(size=6) + rng.normal(size=400),
                         np.sin(x[:, 0]) * 5, np.full(400, 2.5)])
    w = rng.uniform(0.01, 1.0, 400)
    ours = WeightedRidge().fit(x, y[:, 0], sample_weight=w)
    fit = ours.fit_columns(y)
    for q in range(y.shape[1]):
        ref = Ridge(alpha=1.0).fit(x, y[:, q], sample_weight=w)
        assert np.allclose(fit.coef[q], ref.coef_, rtol=1e-9, atol=1e-12)
        assert np.isclose(fit.intercept[q], ref.intercept_, rtol=1e-9, atol=1e-12)
        if q < 2:  # a constant output scores 1 or 0 by rounding alone, in sklearn as here
            assert np.isclose(fit.score[q], ref.score(x, y[:, q], sample_weight=w),
                              atol=1e-10)
        assert np.isclose(fit.local_prediction[q], ref.predict(x[:1])[0], rtol=1e-9)
    assert np.allclose(ours.coef_, fit.coef[0]) and np.isclose(
        ours.score(x, y[:, 0], w), fit.score[0])


def test_explanations_equal_limes_own_for_every_target():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 10, (30, 4))

    def model(z: np.ndarray) -> np.ndarray:
        return np.column_stack([z @ [1.0, -2.0, 0.5, 0.0], z[:, 0] * z[:, 1],
                                np.exp(z[:, 2] / 5)])

    settings = LimeSettings(num_samples=800, repeats=2, seed=7, locality=1.0)
    got = explain_points(model, x, x[:3], list("abcd"), ["t1", "t2", "t3"], settings=settings)
    for i in range(3):
        for k in range(3):
            weights, fidelity, intercept = [], [], []
            for r in range(settings.repeats):
                explainer = LimeTabularExplainer(
                    x, mode="regression", discretize_continuous=False,
                    feature_selection="none", random_state=settings.seed + 1_000_003 * r,
                    sample_around_instance=settings.sample_around_instance)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    exp = explainer.explain_instance(x[i], lambda z, k=k: model(z)[:, k],
                                                     num_features=4, num_samples=800)
                weights.append([dict(exp.local_exp[1])[j] for j in range(4)])
                fidelity.append(exp.score)
                intercept.append(exp.intercept[1])
            assert np.allclose(got.weights[i, k], np.mean(weights, axis=0), rtol=1e-7,
                               atol=1e-9)
            assert np.isclose(got.fidelity[i, k], np.mean(fidelity), atol=1e-9)
            assert np.isclose(got.intercept[i, k], np.mean(intercept), rtol=1e-9)


def test_a_model_that_predicts_the_mean_is_explained_as_flat():
    # Seen on a real 14-row table: the FWHM's chosen model was the mean, and its
    # explanations showed weights of 1e-17 on a heat map of their own and 6 of 14 flagged.
    from nrstudio.core.modeling.explain import LimeSettings, explain_points

    x = np.random.default_rng(0).uniform(0, 1, (20, 3))
    x[:, 2] = np.arange(20) % 6  # a text condition of six levels (an antisolvent)

    def predict(points):
        points = np.atleast_2d(points)
        return np.column_stack([np.full(len(points), 0.117), 2 * points[:, 0]])

    expl = explain_points(predict, x, x[:4], ["a", "b", "c"], ["fwhm", "size"],
                          settings=LimeSettings(num_samples=300, repeats=2), categorical=[2])
    assert (expl.weights[:, 0] == 0).all() and (expl.fidelity[:, 0] == 1).all()
    assert not expl.flagged[:, 0].any()
    assert (np.abs(expl.weights[:, 1, 0]) > 0.1).all()  # the other target keeps its slope
