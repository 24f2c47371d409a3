"""Calibrated prediction intervals from leakage-free out-of-fold residuals (jackknife / CV
conformal prediction).

The leakage-free protocol predicts every original sample from models that never saw it
(leave-one-out up to 50 samples, else K-fold). Its absolute residuals |y_i - ŷ_-i| are
exchangeable with the error of a final model on a new synthesis from the same population,
so the interval ``ŷ(x) ± q`` with q the ⌈(n + 1)·level⌉-th smallest residual covers a new
truth with probability close to ``level`` (the jackknife / CV method of Barber et al., 2021;
jackknife+ would need every fold model at prediction time, which for network ensembles
means keeping hundreds of networks per target). With fewer residuals than the level needs,
the interval is unbounded and the app says so.

Coverage is reported honestly: for each held-out original i, the interval is built from the
residuals of the *other* samples only, and i counts as covered when its own truth falls in.

Why not MAPIE or crepes: MAPIE wraps a scikit-learn estimator that it refits per fold, and
the app's networks train as one batched program across targets and folds; crepes does take
precomputed residuals, but the leave-one-residual-out coverage above and the unbounded
interval for too few residuals are not what it computes, and the arithmetic that remains is
one quantile (below), less code than the dependency would be.
"""

from __future__ import annotations

import math

import numpy as np

DEFAULT_LEVEL = 0.9


def conformal_half_width(abs_residuals: np.ndarray, level: float = DEFAULT_LEVEL) -> float:
    """Half-width q of the interval at ``level`` from n absolute residuals: the
    ⌈(n + 1)·level⌉-th smallest; ``inf`` when n is too small for the level."""
    r = np.sort(np.asarray(abs_residuals, dtype=np.float64).reshape(-1))
    r = r[np.isfinite(r)]
    k = math.ceil((len(r) + 1) * level)
    return float(r[k - 1]) if 1 <= k <= len(r) else math.inf


def fewest_for_interval(level: float = DEFAULT_LEVEL) -> int:
    """The fewest held-out samples whose leave-one-out intervals at ``level`` are finite:
    the smallest n with ⌈n·level⌉ ≤ n - 1 (10 at 90%)."""
    n = 2
    while math.ceil(n * level) > n - 1:
        n += 1
    return n


def leave_one_out_half_widths(truth: np.ndarray, prediction: np.ndarray,
                              level: float = DEFAULT_LEVEL) -> np.ndarray:
    """(n,) for each out-of-fold prediction, the conformal half-width built from the other
    samples' residuals only (NaN where truth or prediction is missing; inf when n - 1
    residuals are too few for the level)."""
    t = np.asarray(truth, dtype=np.float64).reshape(-1)
    p = np.asarray(prediction, dtype=np.float64).reshape(-1)
    ok = np.isfinite(t) & np.isfinite(p)
    out = np.full(len(t), np.nan)
    r = np.abs(t[ok] - p[ok])
    n = len(r)
    if n < 2:
        return out
    k = math.ceil(n * level)  # (n - 1) others, so ⌈((n - 1) + 1)·level⌉
    if k > n - 1:
        out[ok] = math.inf
        return out
    order = np.argsort(r, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    s = r[order]
    # The k-th smallest of the others: skip one place when sample i lies below it.
    out[ok] = np.where(rank < k, s[k], s[k - 1])
    return out


def leave_one_out_coverage(truth: np.ndarray, prediction: np.ndarray,
                           level: float = DEFAULT_LEVEL) -> tuple[float, float, int]:
    """(coverage, mean interval width, n) of out-of-fold predictions: sample i's interval
    is its prediction ± the conformal half-width of the other samples' residuals."""
    t = np.asarray(truth, dtype=np.float64).reshape(-1)
    p = np.asarray(prediction, dtype=np.float64).reshape(-1)
    q = leave_one_out_half_widths(t, p, level)
    ok = np.isfinite(q) | np.isinf(q)
    n = int(ok.sum())
    if n < 2:
        return math.nan, math.nan, n
    covered = np.abs(t[ok] - p[ok]) <= q[ok]
    return float(np.mean(covered)), float(np.mean(2 * q[ok])), n


def interval_rows(protocol: str, model: str, target: str, truth: np.ndarray,
                  prediction: np.ndarray, level: float = DEFAULT_LEVEL) -> list[dict]:
    """Rows for EvaluationResult.metrics: coverage and mean width of the level interval."""
    cov, width, n = leave_one_out_coverage(truth, prediction, level)
    tag = f"conformal {round(100 * level)}%"
    return [dict(protocol=protocol, model=model, target=target, subset="original",
                 metric=metric, mean=value, std=math.nan, n=n, aggregation=tag)
            for metric, value in (("coverage", cov), ("interval width", width))]
