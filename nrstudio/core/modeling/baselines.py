"""Reference models (scikit-learn) with the same role as the network: fit on the original
training rows of a fold, predict its held-out rows. If the network with augmentation does not
beat these, the user should know."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from nrstudio.core.compute_threads import GOVERNOR
from nrstudio.core.errors import DataError

if TYPE_CHECKING:
    from sklearn.base import RegressorMixin

# scikit-learn is imported where a model is made, not with this module: the window imports
# the modelling layer to show its pages, and scikit-learn costs 0.2-0.4 s of its start
# (issue 30: the heavy libraries load on first use).

BASELINE_NAMES = {
    "mean": "predict the training mean",
    "ridge": "ridge regression (alpha by internal CV)",
    "random_forest": "random forest (100 trees)",
    "gaussian_process": "Gaussian process (Matérn 5/2 + noise)",
}


# Models whose leakage-free evaluation takes longer than the others' (a Gaussian process
# tunes its kernel in every fold: 0.3-0.5 s a fit at 300 rows x 18-42 encoded inputs on
# 2 cores, 1-6 s before its own kernel search, where a forest takes 0.1-0.2 s and ridge
# milliseconds). The others are evaluated and shown first; each of these follows.
SLOW_BASELINES = ("gaussian_process",)


def baseline_batches(kinds: tuple[str, ...] | list[str]) -> list[tuple[str, ...]]:
    """The order in which a run evaluates its baselines and shows their results: the quick
    ones together, then each slow one alone (empty batches left out)."""
    quick = tuple(k for k in kinds if k not in SLOW_BASELINES)
    return [b for b in (quick, *((k,) for k in kinds if k in SLOW_BASELINES)) if b]


def batch_name(batch: tuple[str, ...]) -> str:
    """"quick" for the quick baselines, else the slow model's name (the run clock's stages
    are named by it)."""
    return batch[0] if batch and batch[0] in SLOW_BASELINES else "quick"


def make_baseline(name: str, n_features: int, seed: int = 0) -> RegressorMixin:
    """A fresh, unfitted baseline model of the given name (see BASELINE_NAMES)."""
    from sklearn.dummy import DummyRegressor
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "mean":
        return DummyRegressor(strategy="mean")
    if name == "ridge":
        return make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
    if name == "random_forest":
        return RandomForestRegressor(n_estimators=100, random_state=seed, n_jobs=1)
    if name == "gaussian_process":
        return make_pipeline(StandardScaler(), GaussianProcessRegressor(
            gp_kernel(n_features), normalize_y=True,
            n_restarts_optimizer=2 if n_features <= 10 else 0, random_state=seed))
    raise DataError(f"unknown baseline '{name}' (one of {', '.join(BASELINE_NAMES)})")


def gp_kernel(n_features: int, isotropic: bool = False):
    """The Gaussian process's kernel, unfitted: a constant times Matérn 5/2 plus white noise.
    Anisotropic (one length scale per input: an irrelevant condition gets a long one) by
    default; ``isotropic``: one length scale for all inputs. Matérn 5/2 rather than RBF
    because yields and sizes are rarely infinitely smooth."""
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    scales = 1.0 if isotropic else np.ones(n_features)
    return (ConstantKernel(1.0, (1e-3, 1e3)) * Matern(scales, (1e-2, 1e3), nu=2.5)
            + WhiteKernel(0.1, (1e-6, 1e1)))


def gp_kernel_of(n_features: int, theta: np.ndarray):
    """The fitted kernel of stored hyper-parameters ``theta`` (log scale): isotropic when
    it holds a single length scale (processes fitted on fewer rows than parameters before
    2026-12-06 had one), so the projects that stored one still load."""
    isotropic = len(theta) == 3 and n_features > 1
    return gp_kernel(n_features, isotropic).clone_with_theta(np.asarray(theta, float))


PARALLEL_FOREST_ROWS = 1_000  # below this a forest grows in well under a second alone


def forest_threads(rows: int) -> int:
    """Threads that grow a forest's trees on ``rows`` rows: those the governor leaves free
    (the CPU count before it has looked) from PARALLEL_FOREST_ROWS rows on, else 1.
    scikit-learn grows trees without Python's lock, and draws every tree's random state
    before growing any, so the forest is the same whatever the count."""
    if rows < PARALLEL_FOREST_ROWS:
        return 1
    return GOVERNOR.allowed()


MAX_TUNING_ROWS = 300  # a Gaussian process learns its kernel on at most this many rows


def fit_baseline(name: str, x_train: np.ndarray, y_train: np.ndarray,
                 seed: int = 0) -> RegressorMixin:
    """A fitted baseline on (n, d) inputs and (n,) targets.

    A Gaussian process has one length scale per input. With fewer rows than kernel
    parameters (inputs + 2), as in a design campaign's first rounds, the length scales are
    tuned under a prior
    (:func:`~nrstudio.core.modeling.gp_likelihood.length_scale_prior`): by likelihood alone
    they follow the noise. (One length scale for all inputs, used there before, cannot tell
    which inputs matter and mostly predicted the mean; on a real 289-row table, campaigns
    reached a PLQY in the pool's top 5% in a median of 5 picks with the prior, 9.5 with one
    scale, 13 in random order; see docs/modeling.md.) A process on more
    than MAX_TUNING_ROWS rows learns its kernel's hyper-parameters on a seeded subset of that
    many, then conditions on every row with that kernel: the likelihood search costs n³ per
    step, and on 900 rows x 30 inputs it took minutes per fit."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # Hyper-parameter bounds reached on tiny data are expected; they are not errors.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if name == "random_forest":
            forest = make_baseline(name, x_train.shape[1], seed)
            forest.set_params(n_jobs=forest_threads(len(x_train))).fit(x_train, y_train)
            # Predicting on threads would sum the trees in whatever order they finish: the
            # same forest would give numbers that differ in the last digits run to run.
            return forest.set_params(n_jobs=1)
        if name != "gaussian_process":
            return make_baseline(name, x_train.shape[1], seed).fit(x_train, y_train)
        return _fit_gp(x_train, y_train, seed, prior=len(x_train) < x_train.shape[1] + 2)


def _fit_gp(x_train: np.ndarray, y_train: np.ndarray, seed: int,
            prior: bool) -> RegressorMixin:
    """The kernel is tuned by :func:`~nrstudio.core.modeling.gp_likelihood.tune_kernel`
    (the same likelihood and search as scikit-learn's, without its (n, n, d) gradient
    arrays), under the length scales' prior when ``prior``, then scikit-learn's model
    conditions on every row with that kernel fixed."""
    from sklearn.preprocessing import StandardScaler

    from nrstudio.core.modeling.gp_likelihood import tune_kernel

    model = make_baseline("gaussian_process", x_train.shape[1], seed)
    regressor = model.steps[-1][1]
    kernel = gp_kernel(x_train.shape[1])
    rows = np.arange(len(x_train))
    if len(x_train) > MAX_TUNING_ROWS:
        rows = np.random.default_rng(seed).choice(len(x_train), MAX_TUNING_ROWS,
                                                  replace=False)
    x = StandardScaler().fit_transform(x_train[rows])
    y = y_train[rows]
    scale = float(np.std(y)) or 1.0  # as normalize_y scales the targets
    theta = tune_kernel(x, (y - y.mean()) / scale, kernel.theta, kernel.bounds,
                        regressor.n_restarts_optimizer, seed, prior=prior)
    regressor.set_params(kernel=kernel.clone_with_theta(theta), optimizer=None)
    return model.fit(x_train, y_train)


def fit_predict_baseline(name: str, x_train: np.ndarray, y_train: np.ndarray,
                         x_test: np.ndarray, seed: int = 0) -> np.ndarray:
    """Fit on (n, d) inputs and (n,) targets, predict (m, d) inputs -> (m,)."""
    model = fit_baseline(name, x_train, y_train, seed)
    return np.asarray(model.predict(x_test), dtype=np.float64).reshape(-1)
