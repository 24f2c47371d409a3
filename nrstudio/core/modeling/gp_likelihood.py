"""Tuning the Gaussian process baseline's kernel: its log marginal likelihood and gradient
in O(n² d) time and memory, and the search for the best hyper-parameters.

The kernel is the baselines' (:func:`nrstudio.core.modeling.baselines.gp_kernel`): a
constant ``c`` times Matérn 5/2 over scaled distances (one length scale per input, or one
for all) plus white noise. scikit-learn's generic kernel gradient builds (n, n, d) arrays:
at 260 rows x 42 inputs an evaluation took about 60 ms and a fit 3-6 s, so the leakage-free
evaluation of a 300-row table spent minutes in it. Here the gradient with respect to every
length scale comes from two matrix products (see :func:`log_marginal_likelihood`), a few
milliseconds. Only the search runs here: the model is then scikit-learn's with the found
kernel held fixed, so its predictions and its stored form are unchanged.
"""

from __future__ import annotations

import math

import numpy as np

# scipy's linear algebra and optimisers load when a kernel is tuned, not with this module:
# a stored Gaussian process predicts with matern52_cross alone, and the window imports it
# (scipy.optimize and scipy.linalg cost about 0.4 s of the window's start; issue 30).

SQRT5 = math.sqrt(5.0)
MEDIAN_ROWS = 300  # rows whose pairwise distances set the search's second start
# Steps of each search at most, with more than MANY_SCALES length scales. Hundreds of them
# (one-hot text conditions) kept the search going for 7-9 s a fit on 300 rows, and the scales
# it found then predicted held-out rows no better, or worse (R² 0.09 against 0.14 after 100
# steps on a generated 3,500-row table), than after 100 steps (0.8 s). A few length scales
# are searched to convergence, as scikit-learn does.
SEARCH_STEPS = 100
MANY_SCALES = 10
JITTER = 1e-10  # scikit-learn's default ``alpha`` on the kernel's diagonal


def scaled_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(m, n) Euclidean distances between the rows of (m, d) ``a`` and (n, d) ``b`` (both
    already divided by the length scales), from one matrix product: scipy's ``cdist``
    took most of a Gaussian process's prediction time."""
    r2 = a @ b.T
    r2 *= -2.0
    r2 += np.einsum("ij,ij->i", a, a)[:, None]
    r2 += np.einsum("ij,ij->i", b, b)[None, :]
    return np.sqrt(np.maximum(r2, 0.0, out=r2), out=r2)


def matern52_cross(a: np.ndarray, b: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """(m, n) covariances ``c · Matérn 5/2`` between scaled inputs (m, d) and (n, d) under
    ``theta`` (log [c, length scale(s), noise]); the white noise adds nothing between
    distinct points, so it is left out, as scikit-learn's ``kernel(a, b)`` does."""
    c, scales = math.exp(theta[0]), np.exp(theta[1:-1])
    r = scaled_distances(a / scales, b / scales)
    r *= SQRT5
    out = 1.0 + r + r * r / 3.0  # 1 + √5 d + 5 d² / 3 with r = √5 d
    out *= np.exp(-r)
    out *= c
    return out


def log_marginal_likelihood(theta: np.ndarray, x: np.ndarray, y: np.ndarray
                            ) -> tuple[float, np.ndarray]:
    """Log marginal likelihood of (n,) targets ``y`` at (n, d) inputs ``x`` and its
    gradient with respect to ``theta`` (natural logs of [c, length scale(s), noise]; one
    length scale means one for every input), as scikit-learn defines them.

    With ``z = x / l`` and ``W = a aᵀ - K⁻¹`` (``a = K⁻¹ y``), the derivative of the
    likelihood along ``log l_j`` is ``½ Σ_ik W_ik G_ik (z_ij - z_kj)²``, where
    ``G = c (5/3)(1 + √5 r) exp(-√5 r)``; expanding the square gives
    ``Σ_i z_ij² (M 1)_i - z_jᵀ M z_j`` with ``M = W ∘ G``: no (n, n, d) array."""
    theta = np.asarray(theta, dtype=np.float64)
    c, scales, noise = math.exp(theta[0]), np.exp(theta[1:-1]), math.exp(theta[-1])
    n = len(x)
    z = x / scales
    r = scaled_distances(z, z)
    np.fill_diagonal(r, 0.0)
    r2 = r * r
    decay = np.exp(-SQRT5 * r)
    matern = (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * decay
    k = c * matern
    k[np.diag_indices(n)] += noise + JITTER
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    try:
        factor = cho_factor(k, lower=True, check_finite=False)
    except LinAlgError:
        return -np.inf, np.zeros_like(theta)
    alpha = cho_solve(factor, y, check_finite=False)
    log_det = 2.0 * np.log(np.diag(factor[0])).sum()
    value = -0.5 * float(y @ alpha) - 0.5 * log_det - 0.5 * n * math.log(2.0 * math.pi)
    w = np.outer(alpha, alpha) - cho_solve(factor, np.eye(n), check_finite=False)
    m = w * (c * (5.0 / 3.0) * (1.0 + SQRT5 * r) * decay)
    per_input = m.sum(axis=1) @ (z * z) - np.einsum("ij,ij->j", z, m @ z)
    grad_scales = per_input if len(scales) == x.shape[1] else np.array([per_input.sum()])
    grad = np.concatenate([[0.5 * float((w * k).sum() - (noise + JITTER) * np.trace(w))],
                           grad_scales, [0.5 * noise * float(np.trace(w))]])
    return value, grad


def spread_start(x: np.ndarray, theta0: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """``theta0`` with every length scale set to the median distance between the rows of
    scaled (n, d) inputs ``x`` (within ``bounds``). A length scale of 1 suits a few inputs;
    with hundreds of columns (text conditions of many levels, one-hot) rows lie 20 or more
    scaled units apart, every covariance starts near 0, the likelihood is flat and the
    search stayed there: the process predicted the mean (R² 0 where a forest had 0.97)."""
    start = np.asarray(theta0, dtype=np.float64).copy()
    sample = x[:MEDIAN_ROWS]
    distances = scaled_distances(sample, sample)[np.triu_indices(len(sample), k=1)]
    median = float(np.median(distances)) if len(distances) else 1.0
    if median > 0:
        start[1:-1] = np.clip(math.log(median), bounds[1:-1, 0], bounds[1:-1, 1])
    return start


# The prior of the length scales when the rows are few: log(scale) ~ Normal(PRIOR_CENTRE +
# log(d) / 2, PRIOR_VARIANCE), the numbers of Hvarfner, Hellsten and Nardi (2024, "Vanilla
# Bayesian optimization performs great in high dimensions"; BoTorch's default since), taken
# as they are for our z-scored inputs. Converted to z units (their inputs span [0, 1]; a
# uniform input's standard deviation is 1/sqrt(12) of that) the prior asks for smoother
# functions: on the real pool of docs/modeling.md ("Choosing from a list") it reached the
# highest PLQY sooner but FWHM windows later, and most generated tables did worse with it.
PRIOR_CENTRE = math.sqrt(2.0)
PRIOR_VARIANCE = 3.0


def length_scale_prior(theta: np.ndarray, n_features: int) -> tuple[float, np.ndarray]:
    """The log density, up to a constant, of the length scales in ``theta`` (log scale; the
    entries between the constant and the noise) under the prior above, and its gradient
    with respect to ``theta`` (0 for the constant and the noise). Its centre grows with the
    number of inputs ``n_features``: with many inputs and few rows, the data cannot tell
    which inputs matter, and a smoother function of all of them is the safer guess."""
    theta = np.asarray(theta, dtype=np.float64)
    off = theta[1:-1] - (PRIOR_CENTRE + 0.5 * math.log(max(n_features, 1)))
    grad = np.zeros_like(theta)
    grad[1:-1] = -off / PRIOR_VARIANCE
    return float(-0.5 * np.sum(off * off) / PRIOR_VARIANCE), grad


def tune_kernel(x: np.ndarray, y: np.ndarray, theta0: np.ndarray, bounds: np.ndarray,
                restarts: int = 0, seed: int = 0, prior: bool = False) -> np.ndarray:
    """The hyper-parameters (``theta``, log scale) of highest likelihood for scaled (n, d)
    inputs and normalised (n,) targets, or with ``prior`` of highest likelihood times
    :func:`length_scale_prior`: L-BFGS-B from ``theta0``, from :func:`spread_start` and
    from ``restarts`` seeded uniform draws within ``bounds`` (k, 2), as scikit-learn
    searches; with more than MANY_SCALES length scales each search stops after
    SEARCH_STEPS steps."""
    from scipy.optimize import minimize
    from threadpoolctl import threadpool_limits

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = log_marginal_likelihood(theta, x, y)
        if prior:
            extra, extra_grad = length_scale_prior(theta, x.shape[1])
            value, grad = value + extra, grad + extra_grad
        return (-value, -grad) if np.isfinite(value) else (np.inf, np.zeros_like(theta))

    starts = [np.asarray(theta0, dtype=np.float64), spread_start(x, theta0, bounds)]
    options = {"maxiter": SEARCH_STEPS} if len(theta0) - 2 > MANY_SCALES else {}
    rng = np.random.RandomState(seed)
    starts += [rng.uniform(bounds[:, 0], bounds[:, 1]) for _ in range(restarts)]
    best, best_value = starts[0], np.inf
    # Matrices of a few hundred rows: a team of BLAS threads costs more in waiting than it
    # gains (4 times slower with two threads on 2 cores).
    with threadpool_limits(1, user_api="blas"):
        for start in starts:
            found = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds,
                             options=options)
            if found.fun < best_value:
                best, best_value = found.x, float(found.fun)
    return np.asarray(best, dtype=np.float64)
