"""Tabular LIME explanations (the paper's Figure 4), reproducible and with stability.

Each explanation fits LIME's weighted linear surrogate around one point for one target, using
``lime.lime_tabular.LimeTabularExplainer(mode="regression", discretize_continuous=False)``.
The inputs are standardised by the training originals, so a weight is the change of the
prediction (in target units) per one standard deviation of that input. A fresh explainer
seeded per repeat makes results reproducible (a shared explainer drifts between calls); the
model is called once per (point, repeat) on all perturbations and all targets at once; the
spread of the weights over R seeds is reported as their stability.

A category condition (a ligand, a solvent) is one column of level codes, given to LIME as a
categorical feature: LIME perturbs it by drawing levels with their training frequencies, and
its weight is the change of the prediction (target units) when the condition has the
explained sample's level rather than one drawn that way. So there is one weight per
condition, never one per dummy column.

An explanation is flagged, never shown as a normal result, when a weight is not finite or
the surrogate's local fidelity (weighted R²) is below ``MIN_FIDELITY``: the linear surrogate
then does not describe the model near that point.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nrstudio.core.errors import DataError
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.settings import MAX_SEED, check_ranges, setting

MIN_FIDELITY = 0.5


@dataclass
class LimeSettings:
    """LIME's parameters for tabular explanations."""

    num_samples: int = setting(5000, low=100, high=1_000_000, label="Samples",
                               unit="perturbations", step=1000,
                               help="Perturbed points around each explained sample.")
    kernel_width: float | None = setting(None, low=0, high=1000, low_open=True,
                                         label="Kernel width", unit="SD",
                                         none_label="LIME's default, 0.75·√(inputs)",
                                         help="Width of the locality kernel in standardised "
                                              "input units.")
    repeats: int = setting(5, low=1, high=100, label="Repeats",
                           help="Seeds per explanation; their spread is the stability.")
    seed: int = setting(0, low=0, high=MAX_SEED, label="Random seed",
                        help="The same seed gives the same weights.")
    sample_around_instance: bool = setting(True, label="Sample around the point",
                                           help="Perturb around the explained point (on) or "
                                                "around the training mean (LIME's default).")

    def check(self) -> None:
        check_ranges(self, "LIME")


@dataclass
class Explanations:
    """For n points, t targets, d inputs: weights and weight_std (n, t, d) — mean and std over
    repeats; fidelity (n, t): R2 of the surrogate on its weighted perturbations; intercept,
    local_prediction and model_prediction (n, t)."""

    points: list[str]
    targets: list[str]
    features: list[str]
    inputs: np.ndarray  # (n, d)
    weights: np.ndarray
    weight_std: np.ndarray
    fidelity: np.ndarray
    intercept: np.ndarray
    local_prediction: np.ndarray
    model_prediction: np.ndarray
    models: list[str] = field(default_factory=list)  # per target, the model explained

    def flags(self) -> np.ndarray:
        """(n, t) text: why an explanation cannot be trusted ("" when it can)."""
        n, t, _ = self.weights.shape
        out = np.full((n, t), "", dtype=object)
        with np.errstate(invalid="ignore"):
            bad_weights = ~np.isfinite(self.weights).all(axis=2)
            low = ~(self.fidelity >= MIN_FIDELITY)
        out[low] = [f"low local fidelity (R² {f:.2f} < {MIN_FIDELITY})"
                    for f in self.fidelity[low]]
        out[bad_weights] = "weights are not finite numbers"
        return out

    @property
    def flagged(self) -> np.ndarray:
        """(n, t) bool: the explanations that must not be read as normal results."""
        return self.flags() != ""

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: sample, target, feature, weight, weight_std, fidelity, flag."""
        n, t, d = self.weights.shape
        ii, tt, ff = np.meshgrid(np.arange(n), np.arange(t), np.arange(d), indexing="ij")
        return pd.DataFrame({
            "sample": np.array(self.points, dtype=object)[ii.ravel()],
            "target": np.array(self.targets, dtype=object)[tt.ravel()],
            "feature": np.array(self.features, dtype=object)[ff.ravel()],
            "weight": self.weights.ravel(),
            "weight_std": self.weight_std.ravel(),
            "fidelity": self.fidelity[ii.ravel(), tt.ravel()],
            "flag": self.flags()[ii.ravel(), tt.ravel()],
            **({"model": np.array(self.models, dtype=object)[tt.ravel()]}
               if len(self.models) == t else {}),
        })

    def to_json(self) -> dict:
        return {"points": self.points, "targets": self.targets, "features": self.features,
                "inputs": self.inputs.tolist(), "weights": self.weights.tolist(),
                "weight_std": self.weight_std.tolist(), "fidelity": self.fidelity.tolist(),
                "intercept": self.intercept.tolist(),
                "local_prediction": self.local_prediction.tolist(),
                "model_prediction": self.model_prediction.tolist(), "models": self.models}

    @classmethod
    def from_json(cls, doc: dict) -> Explanations:
        try:
            return cls(list(doc["points"]), list(doc["targets"]), list(doc["features"]),
                       *(np.asarray(doc[k], dtype=np.float64) for k in (
                           "inputs", "weights", "weight_std", "fidelity", "intercept",
                           "local_prediction", "model_prediction")),
                       [str(m) for m in doc.get("models", [])])
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"stored explanation is damaged ({exc})") from None


class _CachedModel:
    """Calls the model once per perturbation set and serves every target from that call."""

    def __init__(self, predict: Callable[[np.ndarray], np.ndarray]) -> None:
        self.predict = predict
        self.key: bytes | None = None
        self.value: np.ndarray | None = None
        self.calls = 0

    def column(self, t: int) -> Callable[[np.ndarray], np.ndarray]:
        def fn(x: np.ndarray) -> np.ndarray:
            key = np.ascontiguousarray(x).tobytes()
            if key != self.key:
                self.value = np.asarray(self.predict(x), dtype=np.float64).reshape(len(x), -1)
                self.key = key
                self.calls += 1
            assert self.value is not None
            return self.value[:, t]

        return fn


def explain_points(
    predict: Callable[[np.ndarray], np.ndarray],
    training_x: np.ndarray,
    points: np.ndarray,
    features: Sequence[str],
    targets: Sequence[str],
    labels: Sequence[str] | None = None,
    settings: LimeSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    categorical: Sequence[int] = (),
) -> Explanations:
    """Explain ``points`` (n, d) of a model ``predict``: (m, d) -> (m, t).

    training_x (n_train, d) sets the standardisation and the perturbation scale (the
    training originals). Any point can be explained, not only rows of the table.
    ``categorical``: the columns that hold category level codes (see the module docstring).
    """
    from lime.lime_tabular import LimeTabularExplainer

    settings = settings or LimeSettings()
    settings.check()
    rep = Reporter(progress, cancel)
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    training_x = np.asarray(training_x, dtype=np.float64)
    n, d = points.shape
    t = len(targets)
    if d != training_x.shape[1] or d != len(features):
        raise DataError("points, training data and feature names disagree on the inputs")
    if not np.isfinite(points).all():
        raise DataError("every input of an explained point needs a finite number")
    shape = (n, t, settings.repeats)
    w = np.zeros((*shape, d))
    fid, icp, loc, mod = (np.zeros(shape) for _ in range(4))
    cache = _CachedModel(predict)
    total = n * settings.repeats
    for i in range(n):
        for r in range(settings.repeats):
            for k in range(t):
                # Same seed for every target: same perturbations, one model call.
                explainer = LimeTabularExplainer(
                    training_x, mode="regression", feature_names=list(features),
                    categorical_features=list(categorical) or None,
                    discretize_continuous=False, kernel_width=settings.kernel_width,
                    sample_around_instance=settings.sample_around_instance,
                    feature_selection="none", random_state=settings.seed + 1_000_003 * r)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    exp = explainer.explain_instance(points[i], cache.column(k), num_features=d,
                                                     num_samples=settings.num_samples)
                for j, weight in exp.local_exp[1]:
                    w[i, k, r, j] = weight
                fid[i, k, r] = exp.score
                icp[i, k, r] = exp.intercept[1]
                loc[i, k, r] = np.ravel(exp.local_pred)[0]
                mod[i, k, r] = exp.predicted_value
            rep.report((i * settings.repeats + r + 1) / total, f"explaining {i + 1} of {n}")
    return Explanations(
        list(labels) if labels is not None else [f"point {i + 1}" for i in range(n)],
        list(targets), list(features), points,
        w.mean(axis=2), w.std(axis=2), fid.mean(axis=2), icp.mean(axis=2), loc.mean(axis=2),
        mod.mean(axis=2))
