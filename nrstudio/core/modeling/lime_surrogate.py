"""LIME's local surrogate, fitted for several targets from one set of perturbations.

LIME's tabular regression explains one output at a time: for each it fits
``sklearn.linear_model.Ridge(alpha=1)`` with an intercept to the kernel-weighted
perturbations. With t targets explained around the same point and seed, the perturbations,
their distances and kernel weights are the same for every target; only the model's output
column differs. A ridge regression is separable by output, so one factorisation of the
weighted normal equations serves all t columns. Per explanation this took sklearn's
estimator about 8 ms of input checks and copies for a 5,000 × 26 fit whose arithmetic
takes well under one.

:class:`WeightedRidge` is that estimator: it is handed to LIME as ``model_regressor`` (LIME
calls ``fit``, ``score`` and ``predict`` on it, as on sklearn's ``Ridge``) and keeps the
neighbourhood so that :meth:`WeightedRidge.fit_columns` fits the other targets on it. The
numbers equal sklearn's ``Ridge(alpha=1).fit(x, y, sample_weight=w)`` and its weighted R²
within rounding (a test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SurrogateFit:
    """For q outputs of one neighbourhood of d inputs: coef (q, d), intercept (q,),
    score (q,): weighted R² on the neighbourhood, local_prediction (q,): the surrogate at
    the neighbourhood's first row (LIME's explained point)."""

    coef: np.ndarray
    intercept: np.ndarray
    score: np.ndarray
    local_prediction: np.ndarray


class WeightedRidge:
    """Ridge regression with an intercept and sample weights, sklearn's ``Ridge`` numbers.

    ``fit`` factorises the neighbourhood (weighted means, the Cholesky factor of the
    regularised normal matrix) once; ``fit_columns`` then costs two triangular solves per
    output."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha
        self.coef_ = np.zeros(0)
        self.intercept_ = 0.0
        self._x: np.ndarray = np.zeros((0, 0))
        self._w: np.ndarray = np.zeros(0)
        self._root: np.ndarray = np.zeros((0, 1))
        self._xc: np.ndarray = np.zeros((0, 0))
        self._x_mean: np.ndarray = np.zeros(0)
        self._chol: tuple[np.ndarray, bool] = (np.zeros((0, 0)), True)

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray) -> WeightedRidge:
        """x (m, d) neighbourhood, y (m,) one output, sample_weight (m,) kernel weights."""
        # scipy when LIME runs, not with the window (the Explain page imports this module)
        from scipy.linalg import cho_factor

        self._x = np.asarray(x, dtype=np.float64)
        self._w = np.asarray(sample_weight, dtype=np.float64)
        # np.average and sums of products, as sklearn forms them: a constant output then
        # centres to exact zeros and scores 1, as LIME's does.
        self._x_mean = np.average(self._x, axis=0, weights=self._w)
        self._root = np.sqrt(self._w)[:, None]
        self._xc = (self._x - self._x_mean) * self._root
        self._chol = cho_factor(self._xc.T @ self._xc + self.alpha * np.eye(self._x.shape[1]))
        fit = self.fit_columns(np.asarray(y, dtype=np.float64)[:, None])
        self.coef_ = fit.coef[0]
        self.intercept_ = float(fit.intercept[0])
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) @ self.coef_ + self.intercept_

    def score(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray) -> float:
        """Weighted R² of the last fit on (x, y), as sklearn's ``r2_score``."""
        return float(_weighted_r2(np.asarray(y, dtype=np.float64)[:, None],
                                  self.predict(x)[:, None],
                                  np.asarray(sample_weight, dtype=np.float64))[0])

    def fit_columns(self, y: np.ndarray) -> SurrogateFit:
        """Fit every column of y (m, q) on the neighbourhood of the last ``fit``."""
        from scipy.linalg import cho_solve

        if self._x.shape[0] != y.shape[0]:
            raise ValueError("outputs and neighbourhood differ in length")
        y_mean = np.average(y, axis=0, weights=self._w)
        # An output that does not move (a model that predicts the mean): its weighted mean
        # can differ from the value in the last bit, and the rounding left slopes of 1e-17
        # and a fidelity of noise. Centred on the value itself it is exactly zero, and so
        # are its slopes.
        y_mean = np.where(np.ptp(y, axis=0) == 0, y[0], y_mean)
        rhs = self._xc.T @ ((y - y_mean) * self._root)
        coef = cho_solve(self._chol, rhs).T  # (q, d)
        intercept = y_mean - coef @ self._x_mean
        fitted = self._x @ coef.T + intercept
        return SurrogateFit(coef, intercept, _weighted_r2(y, fitted, self._w),
                            fitted[0].copy())


def _weighted_r2(y: np.ndarray, fitted: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(q,) weighted R² per column of y and fitted (m, q); as sklearn, 1 where both the
    residuals and the spread are zero and 0 where only the spread is."""
    residual = np.sum(w[:, None] * (y - fitted) ** 2, axis=0)
    spread = np.sum(w[:, None] * (y - np.average(y, axis=0, weights=w)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1.0 - residual / spread
    return np.where(spread > 0, r2, np.where(residual > 0, 0.0, 1.0))
