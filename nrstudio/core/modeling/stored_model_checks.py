"""Stored non-network models are checked by type, shape, range and size before any of their
numbers reach compiled code or a prediction.

A project file is the attack surface: scikit-learn's compiled trees trust their node table
(a float child index truncated to the node itself loops forever, ignoring Ctrl+C), and finite
but absurd numbers (a length scale of e^800, a leaf of 1e308) turn every prediction into NaN
or inf. Each rule here refuses such a file with one line naming the model and the reason.
The budgets bound the time and memory of predict, design and suggest: they are well above
what the app itself fits (100 trees of a few hundred nodes; a Gaussian process on the
training rows of a table the app accepts).
"""

from __future__ import annotations

import numpy as np

from nrstudio.core.errors import DataError

MAX_FOREST_NODES = 2_000_000  # all trees together
MAX_TREES = 5_000
MAX_GP_ROWS = 5_000  # a Gram matrix of 5,000² floats is 200 MB
MAX_ABS_VALUE = 1e15  # a stored number beyond this is no measurement in any unit
# The bounds NR Studio fits a Gaussian process's kernel within (baselines.gp_kernel),
# as logs, widened a little for rounding.
_GP_LOG_BOUNDS = {"constant": (np.log(1e-3) - 1, np.log(1e3) + 1),
                  "length": (np.log(1e-2) - 1, np.log(1e3) + 1),
                  "noise": (np.log(1e-6) - 1, np.log(1e1) + 1)}
_NEEDS = {"mean": {"value"}, "ridge": {"x_mean", "x_scale", "coef", "intercept"},
          "gaussian_process": {"x_mean", "x_scale", "x_train", "alpha", "theta", "y_mean",
                               "y_std"},
          "random_forest": {"left", "right", "feature", "threshold", "value", "roots"}}
_INTEGER = {"left", "right", "feature", "roots"}


def _damaged(kind: str, why: str) -> DataError:
    return DataError(f"the stored {kind.replace('_', ' ')} model is damaged: {why}")


def check_arrays(kind: str, arrays: dict[str, np.ndarray], n_features: int) -> None:
    """Refuse stored arrays that do not describe a ``kind`` model of ``n_features`` inputs
    (DataError naming the model and the reason)."""
    if kind not in _NEEDS:
        raise DataError(f"unknown model kind '{kind}'")
    missing = _NEEDS[kind] - set(arrays)
    if missing:
        raise DataError(f"the stored {kind.replace('_', ' ')} model lacks "
                        f"{', '.join(sorted(missing))}")
    for name, arr in arrays.items():
        if not isinstance(arr, np.ndarray):
            raise _damaged(kind, f"'{name}' is not an array")
        want_2d = name == "x_train"
        if arr.ndim != (2 if want_2d else 1):
            raise _damaged(kind, f"'{name}' has {arr.ndim} dimensions")
        if name in _INTEGER:
            if arr.dtype.kind not in "iu" or arr.dtype.itemsize < 4:
                raise _damaged(kind, f"'{name}' holds {arr.dtype} numbers, not whole numbers "
                                     "of 32 or 64 bits")
        elif arr.dtype.kind != "f" or arr.dtype.itemsize < 4:
            raise _damaged(kind, f"'{name}' holds {arr.dtype} numbers, not floats of 32 or "
                                 "64 bits")
        elif not np.isfinite(arr).all():
            raise _damaged(kind, f"'{name}' is not finite")
        elif arr.size and float(np.abs(arr).max()) > MAX_ABS_VALUE:
            raise _damaged(kind, f"'{name}' holds a number beyond ±{MAX_ABS_VALUE:g}")
    if kind in ("ridge", "gaussian_process"):
        _check_scaled(kind, arrays, n_features)
    if kind == "ridge" and arrays["coef"].shape != (n_features,):
        raise _damaged(kind, f"{arrays['coef'].shape[0]} coefficients for {n_features} inputs")
    if kind == "gaussian_process":
        _check_gp(arrays, n_features)
    if kind == "random_forest":
        _check_forest(arrays, n_features)


def _check_scaled(kind: str, a: dict[str, np.ndarray], n_features: int) -> None:
    if a["x_mean"].shape != (n_features,) or a["x_scale"].shape != (n_features,):
        raise DataError(f"the stored {kind.replace('_', ' ')} model expects "
                        f"{a['x_mean'].shape} features, not {n_features}")
    if (a["x_scale"] <= 0).any():
        raise _damaged(kind, "an input scale is not above zero")


def _check_gp(a: dict[str, np.ndarray], n_features: int) -> None:
    kind = "gaussian_process"
    n = len(a["x_train"])
    if n > MAX_GP_ROWS:
        raise _damaged(kind, f"{n:,} training rows, more than the {MAX_GP_ROWS:,} it may "
                             "hold")
    if a["x_train"].shape[1] != n_features or a["alpha"].shape != (n,):
        raise _damaged(kind, "its training rows and weights do not match")
    if a["theta"].shape not in ((n_features + 2,), (3,)):  # a length scale per input, or one
        raise _damaged(kind, f"{len(a['theta'])} kernel parameters for {n_features} inputs")
    if a["y_mean"].shape != (1,) or a["y_std"].shape != (1,) or not a["y_std"][0] > 0:
        raise _damaged(kind, "its target scale is not above zero")
    theta = a["theta"]
    for name, values in (("constant", theta[:1]), ("length", theta[1:-1]),
                         ("noise", theta[-1:])):
        lo, hi = _GP_LOG_BOUNDS[name]
        if ((values < lo) | (values > hi)).any():
            raise _damaged(kind, f"a {name} parameter of its kernel lies outside the range "
                                 "NR Studio fits within")


def _check_forest(a: dict[str, np.ndarray], n_features: int) -> None:
    kind = "random_forest"
    n = len(a["left"])
    for name in ("right", "feature", "threshold", "value"):
        if len(a[name]) != n:
            raise _damaged(kind, "its node arrays differ in length")
    roots = a["roots"]
    if n == 0 or len(roots) == 0:
        raise _damaged(kind, "it has no trees")
    if n > MAX_FOREST_NODES or len(roots) > MAX_TREES:
        raise _damaged(kind, f"{len(roots):,} trees of {n:,} nodes, more than the "
                             f"{MAX_TREES:,} trees and {MAX_FOREST_NODES:,} nodes it may hold")
    left, right, feature = (a[k].astype(np.int64) for k in ("left", "right", "feature"))
    roots = roots.astype(np.int64)
    if roots[0] != 0 or (np.diff(roots) <= 0).any() or roots[-1] >= n:
        raise _damaged(kind, "its trees overlap")
    inner = left >= 0
    index = np.arange(n)
    end = np.append(roots[1:], n)[np.searchsorted(roots, index, side="right") - 1]
    if ((left < -1).any() or (right[~inner] != -1).any() or (right[inner] < 0).any()
            or (feature[inner] < 0).any() or (feature[inner] >= n_features).any()):
        raise _damaged(kind, "a node points outside it")
    # Children after their parent and inside its tree: no cycle, no read past the tree.
    if ((left[inner] <= index[inner]).any() or (right[inner] <= index[inner]).any()
            or (left[inner] >= end[inner]).any() or (right[inner] >= end[inner]).any()):
        raise _damaged(kind, "a node points outside its tree")
    # Each node reached exactly once from its tree's root: a proper tree.
    seen = np.bincount(np.concatenate([left[inner], right[inner]]), minlength=n)
    expected = np.ones(n, dtype=np.int64)
    expected[roots] = 0
    if not np.array_equal(seen, expected):
        raise _damaged(kind, "a node is reached twice, or never, from its tree's root")
