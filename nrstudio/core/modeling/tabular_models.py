"""Final models other than the network ensemble — Gaussian process, random forest, ridge,
the mean — fitted with scikit-learn and kept as plain arrays, so that a project stores them
without pickle and predicts without refitting.

Each model predicts one target from encoded features (n, f) (see
:mod:`nrstudio.core.modeling.features`). ``to_arrays`` gives the numbers that define the
fitted model; ``from_arrays`` rebuilds a predictor that gives the same predictions as the
scikit-learn object did (tests check it).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nrstudio.core.compute_threads import GOVERNOR
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.baselines import fit_baseline
from nrstudio.core.modeling.gp_likelihood import matern52_cross
from nrstudio.core.modeling.stored_model_checks import check_arrays


@dataclass
class TabularModel:
    """A fitted model of one target. ``kind``: a key of BASELINE_NAMES; ``arrays``: its
    defining numbers (see the ``_predict_*`` functions); ``meta``: small JSON-able facts."""

    kind: str
    arrays: dict[str, np.ndarray]
    meta: dict

    def predict(self, features: np.ndarray) -> np.ndarray:
        """(m, f) encoded features -> (m,) predictions in target units."""
        x = np.atleast_2d(np.asarray(features, dtype=np.float64))
        # Each kind's predictor is made from the arrays once (a forest becomes scikit-learn's
        # compiled trees), per number of columns: compiled code would read past a narrower row.
        predictors = self.__dict__.setdefault("_predictors", {})
        if x.shape[1] not in predictors:
            predictors[x.shape[1]] = _PREPARE[self.kind](self.arrays, x.shape[1])
        return predictors[x.shape[1]](x)


def fit_tabular_model(kind: str, x: np.ndarray, y: np.ndarray, seed: int = 0) -> TabularModel:
    """Fit ``kind`` on (n, f) features and (n,) targets and keep it as arrays."""
    model = fit_baseline(kind, x, y, seed)
    arrays = _EXTRACT[kind](model)
    out = TabularModel(kind, arrays, {"n_train": len(x)})
    # The arrays must reproduce scikit-learn's own predictions: if a library update changed
    # what they mean, refuse here rather than predict something else later.
    ref = np.asarray(model.predict(x[: min(len(x), 50)]), dtype=np.float64).reshape(-1)
    got = out.predict(x[: min(len(x), 50)])
    if not np.allclose(got, ref, rtol=1e-7, atol=1e-9 * (1 + np.abs(ref).max())):
        raise DataError(f"the {kind} model cannot be stored exactly (largest difference "
                        f"{np.abs(got - ref).max():.3g})")
    return out


# ---- per kind: the numbers a fitted model is made of, and its prediction from them ----------
def _scaler(pipeline) -> dict[str, np.ndarray]:
    scaler = pipeline.steps[0][1]
    return {"x_mean": np.asarray(scaler.mean_, dtype=np.float64),
            "x_scale": np.asarray(scaler.scale_, dtype=np.float64)}


def _extract_mean(model) -> dict[str, np.ndarray]:
    return {"value": np.asarray(model.constant_, dtype=np.float64).reshape(1)}


def _predict_mean(a: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    return np.full(len(x), float(a["value"][0]))


def _extract_ridge(model) -> dict[str, np.ndarray]:
    ridge = model.steps[-1][1]
    return {**_scaler(model), "coef": np.asarray(ridge.coef_, dtype=np.float64).reshape(-1),
            "intercept": np.asarray(ridge.intercept_, dtype=np.float64).reshape(1)}


def _predict_ridge(a: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    z = (x - a["x_mean"]) / a["x_scale"]
    return z @ a["coef"] + float(a["intercept"][0])


def _extract_gp(model) -> dict[str, np.ndarray]:
    gp = model.steps[-1][1]
    return {**_scaler(model), "x_train": np.asarray(gp.X_train_, dtype=np.float64),
            "alpha": np.asarray(gp.alpha_, dtype=np.float64).reshape(-1),
            "theta": np.asarray(gp.kernel_.theta, dtype=np.float64),
            "y_mean": np.asarray(gp._y_train_mean, dtype=np.float64).reshape(1),
            "y_std": np.asarray(gp._y_train_std, dtype=np.float64).reshape(1)}


def _predict_gp(a: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    z = (x - a["x_mean"]) / a["x_scale"]
    # K(x*, X) without the noise term (the white kernel is zero between distinct points);
    # LIME asks for thousands of points at a time, so not through scikit-learn's kernel.
    k = matern52_cross(z, a["x_train"], a["theta"])
    return (k @ a["alpha"]) * float(a["y_std"][0]) + float(a["y_mean"][0])


def gp_spread(a: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """(m,) predictive standard deviation of a new measurement at encoded features (m, f),
    divided by the median of the same at the training rows when each is left out: 1 where
    the process is as sure as it typically is about a held-out sample, more far from the
    data. Scales leakage-free residuals into a spread that grows away from the samples."""
    theta, xt = a["theta"], a["x_train"]
    prior = float(np.exp(theta[0]) + np.exp(theta[-1]))  # the constant plus the noise
    gram = matern52_cross(xt, xt, theta)
    gram[np.diag_indices(len(xt))] += float(np.exp(theta[-1])) + 1e-10
    chol = np.linalg.cholesky(gram)
    z = (np.atleast_2d(x) - a["x_mean"]) / a["x_scale"]
    v = np.linalg.solve(chol, matern52_cross(z, xt, theta).T)
    var = np.maximum(prior - (v * v).sum(axis=0), 1e-12)
    inv_diag = np.sum(np.linalg.inv(chol) ** 2, axis=0)  # diag of gram^-1
    loo_sd = np.sqrt(1.0 / inv_diag)
    return np.sqrt(var) / float(np.median(loo_sd))


def _extract_forest(model) -> dict[str, np.ndarray]:
    """Every tree's nodes, concatenated: children (-1 at a leaf), split feature and
    threshold, and the leaf value; ``roots`` holds where each tree starts."""
    lefts, rights, feats, thresholds, values, roots = [], [], [], [], [], []
    offset = 0
    for est in model.estimators_:
        t = est.tree_
        n = t.node_count
        roots.append(offset)
        left, right = t.children_left.astype(np.int64), t.children_right.astype(np.int64)
        lefts.append(np.where(left >= 0, left + offset, -1))
        rights.append(np.where(right >= 0, right + offset, -1))
        feats.append(np.maximum(t.feature, 0).astype(np.int64))
        thresholds.append(t.threshold.astype(np.float64))
        values.append(t.value.reshape(n, -1)[:, 0].astype(np.float64))
        offset += n
    return {"left": np.concatenate(lefts), "right": np.concatenate(rights),
            "feature": np.concatenate(feats), "threshold": np.concatenate(thresholds),
            "value": np.concatenate(values), "roots": np.array(roots, dtype=np.int64)}


def _forest_predictor(a: dict[str, np.ndarray], n_features: int
                      ) -> Callable[[np.ndarray], np.ndarray]:
    """x (n, d) -> (n,) mean of the trees' predictions, with the trees built once (walking
    them in numpy took ~40 ms per 5,000 rows, and LIME asks for 140 such batches)."""
    trees = _forest_trees(a, n_features)
    return lambda x: _predict_trees(trees, x)


def _arrays_predictor(predict: Callable[[dict[str, np.ndarray], np.ndarray], np.ndarray]
                      ) -> Callable[[dict[str, np.ndarray], int],
                                    Callable[[np.ndarray], np.ndarray]]:
    """A kind that predicts from its arrays directly, with nothing to prepare."""
    return lambda a, _n_features: (lambda x: predict(a, x))


def _forest_trees(a: dict[str, np.ndarray], n_features: int) -> list:
    """scikit-learn Tree objects, one per tree of the stored arrays (built from the numbers,
    not unpickled: __setstate__ takes the node table as the library lays it out)."""
    from sklearn.tree import DecisionTreeRegressor
    from sklearn.tree._tree import Tree

    layout = DecisionTreeRegressor().fit([[0.0], [1.0]], [0.0, 1.0]).tree_.__getstate__()
    dtype = layout["nodes"].dtype
    check_arrays("random_forest", a, n_features)
    trees = []
    for start, stop in itertools.pairwise([*a["roots"].tolist(), len(a["left"])]):
        n = stop - start
        left, right = a["left"][start:stop], a["right"][start:stop]
        nodes = np.zeros(n, dtype=dtype)
        nodes["left_child"] = np.where(left >= 0, left - start, -1)
        nodes["right_child"] = np.where(right >= 0, right - start, -1)
        nodes["feature"] = np.where(left >= 0, a["feature"][start:stop], -2)
        nodes["threshold"] = np.where(left >= 0, a["threshold"][start:stop], -2.0)
        depth = np.zeros(n, dtype=np.int64)
        for i in range(n):  # parents come before their children
            if nodes["left_child"][i] >= 0:
                depth[nodes["left_child"][i]] = depth[nodes["right_child"][i]] = depth[i] + 1
        tree = Tree(n_features, np.array([1], dtype=np.intp), 1)
        tree.__setstate__({"max_depth": int(depth.max()), "node_count": n, "nodes": nodes,
                           "values": a["value"][start:stop].astype(np.float64)
                           .reshape(n, 1, 1)})
        trees.append(tree)
    return trees


def _predict_trees(trees: list, x: np.ndarray) -> np.ndarray:
    """(n,) mean of the trees' predictions at x (n, d); scikit-learn compares in float32.

    Large batches (LIME asks a forest for 40,000 jittered points at a time) are split by rows
    over the threads the governor allows: scikit-learn walks a tree without Python's lock.
    Each row's sum runs over the trees in the same order whatever the split, so the result
    does not depend on the thread count."""
    x32 = np.ascontiguousarray(x, dtype=np.float32)
    threads = _tree_threads(len(x32))
    if threads <= 1:
        return _sum_trees(trees, x32) / len(trees)
    from concurrent.futures import ThreadPoolExecutor

    chunks = np.array_split(x32, threads)
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(lambda part: _sum_trees(trees, part), chunks))
    return np.concatenate(parts) / len(trees)


PARALLEL_TREE_ROWS = 8_000  # fewer rows are not worth a thread's start


def _tree_threads(rows: int) -> int:
    """Threads for walking trees over ``rows`` rows: those the governor leaves (torch's team
    size when it has looked, else the CPU count), at most one per PARALLEL_TREE_ROWS rows."""
    allowed = GOVERNOR.allowed()
    return max(1, min(allowed, rows // PARALLEL_TREE_ROWS))


def _sum_trees(trees: list, x32: np.ndarray) -> np.ndarray:
    total = np.zeros(len(x32))
    for tree in trees:
        total += tree.predict(x32).reshape(len(x32), -1)[:, 0]
    return total


_EXTRACT = {"mean": _extract_mean, "ridge": _extract_ridge,
            "gaussian_process": _extract_gp, "random_forest": _extract_forest}
_PREPARE = {"mean": _arrays_predictor(_predict_mean),
            "ridge": _arrays_predictor(_predict_ridge),
            "gaussian_process": _arrays_predictor(_predict_gp),
            "random_forest": _forest_predictor}
TABULAR_KINDS = tuple(_PREPARE)
