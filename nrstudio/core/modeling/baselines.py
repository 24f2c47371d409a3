"""Reference models (scikit-learn) with the same role as the network: fit on the original
training rows of a fold, predict its held-out rows. If the network with augmentation does not
beat these, the user should know."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nrstudio.core.errors import DataError

BASELINE_NAMES = {
    "mean": "predict the training mean",
    "ridge": "ridge regression (alpha by internal CV)",
    "random_forest": "random forest (100 trees)",
    "gaussian_process": "Gaussian process (anisotropic Matérn 5/2 + noise)",
}


def make_baseline(name: str, n_features: int, seed: int = 0) -> RegressorMixin:
    """A fresh, unfitted baseline model of the given name (see BASELINE_NAMES)."""
    if name == "mean":
        return DummyRegressor(strategy="mean")
    if name == "ridge":
        return make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
    if name == "random_forest":
        return RandomForestRegressor(n_estimators=100, random_state=seed, n_jobs=1)
    if name == "gaussian_process":
        # One length scale per input (anisotropic: an irrelevant condition gets a long one);
        # Matérn 5/2 rather than RBF because yields and sizes are rarely infinitely smooth.
        # Restarts cost a full optimisation each: with many inputs one start is kept.
        kernel = (ConstantKernel(1.0, (1e-3, 1e3))
                  * Matern(np.ones(n_features), (1e-2, 1e3), nu=2.5)
                  + WhiteKernel(0.1, (1e-6, 1e1)))
        return make_pipeline(StandardScaler(), GaussianProcessRegressor(
            kernel, normalize_y=True, n_restarts_optimizer=2 if n_features <= 10 else 0,
            random_state=seed))
    raise DataError(f"unknown baseline '{name}' (one of {', '.join(BASELINE_NAMES)})")


MAX_TUNING_ROWS = 300  # a Gaussian process learns its kernel on at most this many rows


def fit_baseline(name: str, x_train: np.ndarray, y_train: np.ndarray,
                 seed: int = 0) -> RegressorMixin:
    """A fitted baseline on (n, d) inputs and (n,) targets. A Gaussian process on more than
    MAX_TUNING_ROWS rows learns its kernel's hyper-parameters on a seeded subset of that
    many, then conditions on every row with that kernel: the likelihood search costs n³ per
    step, and on 900 rows x 30 inputs it took minutes per fit."""
    model = make_baseline(name, x_train.shape[1], seed)
    with warnings.catch_warnings():
        # Hyper-parameter bounds reached on tiny data are expected; they are not errors.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if name == "gaussian_process" and len(x_train) > MAX_TUNING_ROWS:
            rows = np.random.default_rng(seed).choice(len(x_train), MAX_TUNING_ROWS,
                                                      replace=False)
            model.fit(x_train[rows], y_train[rows])
            tuned = model.steps[-1][1].kernel_
            model = make_baseline(name, x_train.shape[1], seed)
            model.steps[-1][1].set_params(kernel=tuned, optimizer=None)
        model.fit(x_train, y_train)
    return model


def fit_predict_baseline(name: str, x_train: np.ndarray, y_train: np.ndarray,
                         x_test: np.ndarray, seed: int = 0) -> np.ndarray:
    """Fit on (n, d) inputs and (n,) targets, predict (m, d) inputs -> (m,)."""
    model = fit_baseline(name, x_train, y_train, seed)
    return np.asarray(model.predict(x_test), dtype=np.float64).reshape(-1)
