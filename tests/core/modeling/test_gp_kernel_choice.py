"""The Gaussian process has one length scale per input once it has as many rows as kernel
parameters, one for all before; both kinds are stored and predicted exactly."""

import numpy as np

from nrstudio.core.modeling.baselines import fit_baseline
from nrstudio.core.modeling.stored_model_checks import check_arrays
from nrstudio.core.modeling.tabular_models import fit_tabular_model


def _scales(model) -> int:
    return len(model.steps[-1][1].kernel_.theta) - 2


def test_a_length_scale_per_input_once_the_rows_outnumber_the_kernel_parameters():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (60, 18))
    y = 30 * np.sin(3 * x[:, 0]) + 20 * x[:, 1] ** 2 + 0.3 * rng.standard_normal(60)
    assert _scales(fit_baseline("gaussian_process", x, y)) == 18
    # 19 rows, 20 parameters: one length scale; 20 rows: one per input
    assert _scales(fit_baseline("gaussian_process", x[:19], y[:19])) == 1
    assert _scales(fit_baseline("gaussian_process", x[:20], y[:20])) == 18
    # the paper's three inputs keep a scale each from five rows on
    assert _scales(fit_baseline("gaussian_process", x[:5, :3], y[:5])) == 3


def test_both_kernels_are_stored_and_predicted_exactly():
    rng = np.random.default_rng(2)
    for n, d, f in ((60, 4, lambda x: np.sin(4 * x[:, 0])), (8, 8, lambda x: x.sum(axis=1))):
        x = rng.uniform(0, 1, (n, d))
        model = fit_tabular_model("gaussian_process", x, f(x) + 0.05 * rng.standard_normal(n))
        check_arrays("gaussian_process", model.arrays, d)  # the stored check accepts it
        # fit_tabular_model refuses arrays that do not reproduce scikit-learn's predictions
        assert np.isfinite(model.predict(rng.uniform(0, 1, (5, d)))).all()
