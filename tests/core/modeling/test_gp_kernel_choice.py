"""The Gaussian process has one length scale per input from its first rows; with fewer rows
than kernel parameters they are tuned under a prior. Both the current kernel and the
one-scale kernel of older projects are stored and predicted exactly."""

import math

import numpy as np
import pytest

from nrstudio.core.modeling.baselines import (
    fit_baseline,
    gp_kernel,
    gp_kernel_of,
    make_baseline,
)
from nrstudio.core.modeling.gp_likelihood import (
    PRIOR_CENTRE,
    length_scale_prior,
    log_marginal_likelihood,
    tune_kernel,
)
from nrstudio.core.modeling.stored_model_checks import check_arrays
from nrstudio.core.modeling.tabular_models import _EXTRACT, _PREPARE, fit_tabular_model


def _theta(model) -> np.ndarray:
    return model.steps[-1][1].kernel_.theta


def test_a_length_scale_per_input_from_the_first_rows():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (60, 18))
    y = 30 * np.sin(3 * x[:, 0]) + 20 * x[:, 1] ** 2 + 0.3 * rng.standard_normal(60)
    for rows in (6, 19, 20, 60):
        assert len(_theta(fit_baseline("gaussian_process", x[:rows], y[:rows]))) == 20


def test_the_prior_is_a_normal_on_the_log_scales_centred_by_the_input_count():
    d = 12
    centre = PRIOR_CENTRE + 0.5 * math.log(d)
    theta = np.r_[0.3, np.full(d, centre), -2.0]
    value, grad = length_scale_prior(theta, d)
    assert value == 0.0 and not grad.any()  # the constant and the noise are left free
    rng = np.random.default_rng(1)
    theta = rng.normal(0, 2, d + 2)
    value, grad = length_scale_prior(theta, d)
    numeric = [(length_scale_prior(theta + e, d)[0] - length_scale_prior(theta - e, d)[0])
               / 2e-6 for e in np.eye(d + 2) * 1e-6]
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
    assert value == pytest.approx(-0.5 * np.sum((theta[1:-1] - centre) ** 2) / 3.0)


def test_the_search_finds_the_most_probable_kernel():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((10, 12))
    y = x[:, 0] - 2 * x[:, 1] + 0.05 * rng.standard_normal(10)
    y = (y - y.mean()) / y.std()
    kernel = gp_kernel(12)

    def posterior(theta):
        return log_marginal_likelihood(theta, x, y)[0] + length_scale_prior(theta, 12)[0]

    found = tune_kernel(x, y, kernel.theta, kernel.bounds, prior=True)
    alone = tune_kernel(x, y, kernel.theta, kernel.bounds)
    assert posterior(found) >= posterior(alone) - 1e-6
    assert log_marginal_likelihood(alone, x, y)[0] >= log_marginal_likelihood(found, x, y)[0]
    for _ in range(20):  # no nearby kernel is more probable
        assert posterior(found) >= posterior(found + rng.normal(0, 0.05, found.shape)) - 1e-6


def test_with_fewer_rows_than_parameters_it_learns_which_inputs_matter():
    # 12 rows, 12 inputs, 14 kernel parameters; the target follows three of the inputs. One
    # length scale for all inputs (before the prior) gave new conditions a median error of
    # half the mean's on these five draws; with the prior, a tenth.
    errors = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        x = rng.uniform(0, 1, (212, 12))
        truth = x[:, :3] @ np.array([1.0, -2.0, 0.5])
        y = truth + 0.05 * truth.std() * rng.standard_normal(212)
        model = fit_baseline("gaussian_process", x[:12], y[:12])
        errors.append(np.abs(model.predict(x[12:]) - truth[12:]).mean()
                      / np.abs(truth[12:] - y[:12].mean()).mean())
    assert np.median(errors) < 0.3


def test_the_paper_sized_fits_are_the_likelihoods_own():
    # Three inputs keep the likelihood alone from five rows on: the prior changes nothing there.
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, (25, 3))
    y = np.sin(4 * x[:, 0]) + x[:, 1]
    from sklearn.preprocessing import StandardScaler

    kernel = gp_kernel(3)
    xs = StandardScaler().fit_transform(x)
    alone = tune_kernel(xs, (y - y.mean()) / y.std(), kernel.theta, kernel.bounds,
                        restarts=2, seed=0)
    np.testing.assert_allclose(_theta(fit_baseline("gaussian_process", x, y)), alone)


def test_both_kernels_are_stored_and_predicted_exactly():
    rng = np.random.default_rng(2)
    for n, d, f in ((60, 4, lambda x: np.sin(4 * x[:, 0])), (8, 8, lambda x: x.sum(axis=1))):
        x = rng.uniform(0, 1, (n, d))
        model = fit_tabular_model("gaussian_process", x, f(x) + 0.05 * rng.standard_normal(n))
        check_arrays("gaussian_process", model.arrays, d)  # the stored check accepts it
        # fit_tabular_model refuses arrays that do not reproduce scikit-learn's predictions
        assert np.isfinite(model.predict(rng.uniform(0, 1, (5, d)))).all()
    # a one-scale process, as older projects stored it, is read and predicts as scikit-learn's
    one_scale = make_baseline("gaussian_process", 8)
    one_scale.steps[-1][1].set_params(kernel=gp_kernel_of(8, np.array([0.2, 0.5, -3.0])),
                                      optimizer=None)
    one_scale.fit(x, f(x))
    arrays = _EXTRACT["gaussian_process"](one_scale)
    assert len(arrays["theta"]) == 3
    check_arrays("gaussian_process", arrays, 8)
    new = rng.uniform(0, 1, (5, 8))
    np.testing.assert_allclose(_PREPARE["gaussian_process"](arrays, 8)(new),
                               one_scale.predict(new), rtol=1e-9)
