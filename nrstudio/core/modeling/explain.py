"""Tabular LIME explanations (the paper's Figure 4), reproducible and with stability.

Each explanation fits LIME's weighted linear surrogate around one point for one target, using
``lime.lime_tabular.LimeTabularExplainer(mode="regression", discretize_continuous=False)``.
The inputs are standardised by the training originals, so a weight is the change of the
prediction (in target units) per one standard deviation of that input. A fresh explainer
seeded per repeat makes results reproducible (a shared explainer drifts between calls); the
model is called once per (point, repeat) on all perturbations and all targets at once; the
spread of the weights over R seeds is reported as their stability. Those targets share one
set of perturbations, so LIME's ridge surrogate is fitted for all of them at once
(:mod:`lime_surrogate`, the same numbers as LIME's per-target fit).

A category condition (a ligand, a solvent) is one column of level codes, and has one weight,
never one per dummy column: the change of the prediction (target units) when the condition
has the explained sample's level rather than another level drawn with the training
frequencies, the quantity LIME's categorical perturbation estimates. It is computed exactly,
from one prediction per level, while LIME's surrogate perturbs the number inputs with the
conditions held at the sample's levels: a jump to another level is no local change, and
mixed into the surrogate it hid the number inputs' slopes behind the levels' spread.

**Locality.** LIME's defaults (the paper's setting) perturb every number input by one
training SD at once, with a kernel width of 0.75·√(inputs). A smooth model (a Gaussian
process, a network) bends over that range, so a straight line does not describe it there.
The perturbations therefore span ``locality`` × each input's SD (the kernel width keeps
LIME's form in those units); the weights are still given per one SD. The default locality
is chosen per model kind (:data:`AUTO_LOCALITY`, measured in ``benchmarks/bench_explain.py``
and described in ``docs/modeling.md``); ``locality=1`` is the paper's setting.

**Slope check.** For a differentiable model (network, Gaussian process, ridge) a local linear
surrogate's weight of a number input must equal the model's slope there × the input's SD.
The slope is taken by central differences of ± half the locality at the point (the scale the
explanation speaks of: a ReLU network's slope changes at every kink, and a difference
narrower than the kinks' spacing is the slope of one linear piece), and the relative
disagreement
``slope_error`` = ‖w − slope·SD‖ / ‖slope·SD‖ over the number inputs is kept beside each
explanation (NaN for a model without a slope: a forest, the mean).

**Forests** are staircases: a line cannot describe one at any small scale. A forest is
explained through its local average, the mean of its predictions over fixed Gaussian
jitters of ``FOREST_SMOOTHING`` × each number input's SD (common to every call, so the
average is a smooth function); the caller says which targets need it.

An explanation is flagged, never shown as a normal result, when a weight is not finite or
the surrogate's local fidelity (weighted R²) is below ``MIN_FIDELITY``: the linear surrogate
then does not describe the model near that point.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.lime_surrogate import WeightedRidge
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.settings import MAX_SEED, check_ranges, setting
from nrstudio.core.strict_json import number_array, texts

MIN_FIDELITY = 0.5
PAPER_LOCALITY = 1.0  # LIME's defaults: perturbations of one training SD
# Locality by model kind, from measured fidelity and slope agreement (bench_explain.py).
AUTO_LOCALITY = {"network": 0.03, "gaussian_process": 0.1, "ridge": 0.1,
                 "random_forest": 0.25, "mean": 1.0}
DEFAULT_LOCALITY = 0.1
GP_LOCALITY_SHARE = 0.05  # a Gaussian process: this share of its shortest length scale
DIFFERENTIABLE = ("network", "gaussian_process", "ridge")
FOREST_SMOOTHING = 0.25  # SD of the jitter a forest is averaged over, in input SDs
FOREST_JITTERS = 8
SLOPE_STEP = 0.5  # central-difference step, as a share of the explanation's locality
SLOPE_TOLERANCE = 0.2  # "agrees with the slope": relative disagreement at most this
# "Flat here": every weight together moves the prediction by less than this share of the
# model's spread over the training rows. A linear surrogate's R² says nothing there (at an
# optimum the straight part vanishes at any scale), and weights near zero are the answer.
FLAT_SHARE = 0.02


@dataclass(frozen=True)
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
    locality: float | None = setting(None, low=0.001, high=10, label="Locality", unit="SD",
                                     none_label="chosen per model",
                                     help="How far perturbations reach, in each input's "
                                          "training SD. 1 is LIME's default, the paper's "
                                          "setting; by default 0.03 for networks, 0.1 for "
                                          "ridge, a twentieth of a Gaussian process's "
                                          "shortest length scale, 0.25 for forests "
                                          "(docs/modeling.md).")
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
    locality: np.ndarray | None = None  # (t,) perturbation scale used, in input SDs
    slope_error: np.ndarray | None = None  # (n, t); NaN where the model has no slope
    spread: np.ndarray | None = None  # (t,) the model's SD over the training rows
    of_samples: int = 0  # the training samples a representative subset was drawn from

    def flat(self) -> np.ndarray:
        """(n, t) bool: the model barely moves near the point (see FLAT_SHARE)."""
        if self.spread is None:
            return np.zeros(self.fidelity.shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            return np.linalg.norm(self.weights, axis=2) < FLAT_SHARE * self.spread[None, :]

    def slope_errors(self) -> np.ndarray:
        """(n, t) relative disagreement between the weights and slope × SD (NaN: none)."""
        if self.slope_error is None:
            return np.full(self.fidelity.shape, np.nan)
        return self.slope_error

    def flags(self) -> np.ndarray:
        """(n, t) text: why an explanation cannot be trusted ("" when it can)."""
        n, t, _ = self.weights.shape
        out = np.full((n, t), "", dtype=object)
        with np.errstate(invalid="ignore"):
            bad_weights = ~np.isfinite(self.weights).all(axis=2)
            low = ~(self.fidelity >= MIN_FIDELITY) & ~self.flat()
        out[low] = [f"low local fidelity (R² {f:.2f} < {MIN_FIDELITY})"
                    for f in self.fidelity[low]]
        with np.errstate(invalid="ignore"):
            off = (self.slope_errors() > SLOPE_TOLERANCE) & ~low & ~self.flat()
        out[off] = [f"weights disagree with the model's slope by {e:.0%}"
                    for e in self.slope_errors()[off]]
        out[bad_weights] = "weights are not finite numbers"
        return out

    @property
    def flagged(self) -> np.ndarray:
        """(n, t) bool: the explanations that must not be read as normal results."""
        return self.flags() != ""

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: sample, target, feature, weight, weight_std, fidelity,
        slope_error, locality, flag (and model)."""
        n, t, d = self.weights.shape
        ii, tt, ff = np.meshgrid(np.arange(n), np.arange(t), np.arange(d), indexing="ij")
        return pd.DataFrame({
            "sample": np.array(self.points, dtype=object)[ii.ravel()],
            "target": np.array(self.targets, dtype=object)[tt.ravel()],
            "feature": np.array(self.features, dtype=object)[ff.ravel()],
            "weight": self.weights.ravel(),
            "weight_std": self.weight_std.ravel(),
            "fidelity": self.fidelity[ii.ravel(), tt.ravel()],
            "slope_error": self.slope_errors()[ii.ravel(), tt.ravel()],
            "locality": (self.locality if self.locality is not None
                         else np.full(t, np.nan))[tt.ravel()],
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
                "model_prediction": self.model_prediction.tolist(), "models": self.models,
                **({"locality": self.locality.tolist()} if self.locality is not None else {}),
                **({"spread": self.spread.tolist()} if self.spread is not None else {}),
                **({"slope_error": np.where(np.isfinite(self.slope_error), self.slope_error,
                                            -1.0).tolist()}
                   if self.slope_error is not None else {})}

    @classmethod
    def from_json(cls, doc: dict) -> Explanations:
        try:
            def arr(key: str) -> np.ndarray:
                return number_array(doc[key], key)

            out = cls(texts(doc["points"], "points"), texts(doc["targets"], "targets"),
                      texts(doc["features"], "features"),
                      arr("inputs"), arr("weights"), arr("weight_std"), arr("fidelity"),
                      arr("intercept"), arr("local_prediction"), arr("model_prediction"),
                      texts(doc.get("models", []), "models"))
            if "locality" in doc:
                out.locality = number_array(doc["locality"], "locality", low=0.0)
            if "spread" in doc:
                out.spread = number_array(doc["spread"], "spread", low=0.0)
            if "slope_error" in doc:
                err = number_array(doc["slope_error"], "slope_error")
                out.slope_error = np.where(err < 0, np.nan, err)  # -1 stored for "none"
        except KeyError as exc:
            raise DataError(f"stored explanation is damaged (no {exc})") from None
        out.check_shapes()
        if (out.weight_std < 0).any():
            raise DataError("stored explanation is damaged: a negative spread of weights")
        return out

    def check_shapes(self) -> None:
        """DataError unless every array fits n points, t targets and d inputs."""
        n, t, d = len(self.points), len(self.targets), len(self.features)
        expect = {"inputs": (n, d), "weights": (n, t, d), "weight_std": (n, t, d),
                  "fidelity": (n, t), "intercept": (n, t), "local_prediction": (n, t),
                  "model_prediction": (n, t)}
        if self.locality is not None:
            expect["locality"] = (t,)
        if self.spread is not None:
            expect["spread"] = (t,)
        if self.slope_error is not None:
            expect["slope_error"] = (n, t)
        for name, shape in expect.items():
            if np.shape(getattr(self, name)) != shape:
                raise DataError(f"stored explanation is damaged: {name} has shape "
                                f"{np.shape(getattr(self, name))}, expected {shape}")
        if self.models and len(self.models) != t:
            raise DataError("stored explanation is damaged: models do not match the targets")


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


def forest_jitters(d: int, k: int = FOREST_JITTERS, seed: int = 0) -> np.ndarray:
    """(k, d) standard-normal jitters, stratified per input (a Latin hypercube): along each
    input the k values are the normal quantiles at (i + ½) / k, paired across inputs at
    random. A tree splits along one input at a time, so evenly spread values along each
    input turn each split into k even steps, where k random draws leave uneven ones."""
    from scipy.stats import norm

    rng = np.random.default_rng(seed)
    levels = norm.ppf((np.arange(k) + 0.5) / k)
    return np.column_stack([rng.permutation(levels) for _ in range(d)]) if d else \
        np.zeros((k, 0))


def locality_of(kind: str | None, settings: LimeSettings) -> float:
    """The perturbation scale (input SDs) used to explain a model of ``kind``."""
    if settings.locality is not None:
        return float(settings.locality)
    return AUTO_LOCALITY.get(kind or "", DEFAULT_LOCALITY)


def local_slopes(predict: Callable[[np.ndarray], np.ndarray], point: np.ndarray,
                 sd: np.ndarray, numeric: Sequence[int], step: float = 1e-3) -> np.ndarray:
    """(t, d) the model's slope at ``point`` (d,) × each input's SD, by central differences
    of ± ``step`` SDs; NaN for the columns not in ``numeric``."""
    d = len(point)
    rows = np.repeat(point[None, :], 2 * len(numeric), axis=0)
    for k, j in enumerate(numeric):
        rows[2 * k, j] += step * sd[j]
        rows[2 * k + 1, j] -= step * sd[j]
    y = np.asarray(predict(rows), dtype=np.float64).reshape(len(rows), -1)
    out = np.full((y.shape[1], d), np.nan)
    for k, j in enumerate(numeric):
        out[:, j] = (y[2 * k] - y[2 * k + 1]) / (2 * step)
    return out


def slope_disagreement(weights: np.ndarray, slopes: np.ndarray, floor: float) -> float:
    """‖w − s‖ / ‖s‖ over number inputs (d,); below ``floor`` (target units per SD) a
    slope counts as flat: then 0 when the weights are flat too, inf when they are not."""
    ok = np.isfinite(slopes)
    diff = float(np.linalg.norm(weights[ok] - slopes[ok]))
    norm = float(np.linalg.norm(slopes[ok]))
    if norm > floor:
        return diff / norm
    return 0.0 if diff <= floor else math.inf


def category_weights(predict: Callable[[np.ndarray], np.ndarray], training_x: np.ndarray,
                     points: np.ndarray, columns: Sequence[int]) -> np.ndarray:
    """(n, t, len(columns)) per condition: the prediction at the point's own level minus
    the mean prediction over the other levels, weighted by their training frequencies
    (0 when the condition has one level)."""
    n = len(points)
    # The prediction at each point as it is, its own level included (even a level the
    # training rows never had).
    mine = np.asarray(predict(points), dtype=np.float64).reshape(n, -1)
    out: list[np.ndarray] = []
    for c in columns:
        levels, counts = np.unique(training_x[:, c], return_counts=True)
        rows = np.repeat(points, len(levels), axis=0)
        rows[:, c] = np.tile(levels, n)
        y = np.asarray(predict(rows), dtype=np.float64).reshape(n, len(levels), -1)
        own = points[:, c][:, None] == levels[None, :]  # (n, levels)
        freq = np.where(own, 0.0, counts[None, :].astype(float))
        total = freq.sum(axis=1, keepdims=True)
        other = np.einsum("nl,nlt->nt", freq / np.where(total > 0, total, 1.0), y)
        out.append(np.where(total > 0, mine - other, 0.0))
    return np.stack(out, axis=2)


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
    kinds: Sequence[str] | None = None,
    localities: Sequence[float | None] | None = None,
) -> Explanations:
    """Explain ``points`` (n, d) of a model ``predict``: (m, d) -> (m, t).

    training_x (n_train, d) sets the standardisation and the perturbation scale (the
    training originals). Any point can be explained, not only rows of the table.
    ``categorical``: the columns that hold category level codes (see the module docstring).
    ``kinds``: the model kind of each target; it sets the default locality and whether the
    weights are checked against the slope (without it every target is taken as smooth).
    ``localities``: per target, a locality the model asks for (None: by its kind); the
    settings' own locality, when set, wins.
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
    if kinds is not None and len(kinds) != t:
        raise DataError("one model kind per target is needed")
    cats = set(categorical)
    numeric = [j for j in range(d) if j not in cats]
    sd = training_x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)  # as LIME's scaler: a constant input moves by 1 unit
    asked = list(localities) if localities is not None else [None] * t
    locality = np.array([
        asked[k] if settings.locality is None and asked[k] is not None
        else locality_of(kinds[k] if kinds else None, settings) for k in range(t)])
    # Smooth models share the smallest of their localities (smaller is no worse for a smooth
    # model, and one set of perturbations serves every target: a pass per locality cost 3x
    # on three Gaussian processes); a forest keeps its own, which its averaging is made for.
    smooth_kind = [kinds is None or kinds[k] in DIFFERENTIABLE for k in range(t)]
    if settings.locality is None and sum(smooth_kind) > 1:
        shared = float(locality[smooth_kind].min())
        locality[smooth_kind] = shared
    shape = (n, t, settings.repeats)
    w = np.zeros((*shape, d))
    fid, icp, loc, mod = (np.zeros(shape) for _ in range(4))
    groups = sorted(set(locality.tolist()))
    is_cat = np.isin(np.arange(d), sorted(cats))
    total = n * settings.repeats * len(groups)
    done = 0
    for scale in groups:
        members = [k for k in range(t) if locality[k] == scale]
        cache = _CachedModel(predict)
        for i in range(n):
            for r in range(settings.repeats):
                # One explainer and one set of perturbations per (point, repeat): the
                # targets of this locality share them and differ only in the model's
                # output column, so one surrogate fit serves them all (lime_surrogate).
                explainer = LimeTabularExplainer(
                    training_x, mode="regression", feature_names=list(features),
                    categorical_features=list(categorical) or None,
                    discretize_continuous=False, kernel_width=settings.kernel_width,
                    sample_around_instance=settings.sample_around_instance,
                    feature_selection="none", random_state=settings.seed + 1_000_003 * r)
                explainer.scaler.scale_[numeric] *= scale
                for c in cats:  # conditions held at the sample's level (see above)
                    explainer.feature_values[c] = [points[i, c]]
                    explainer.feature_frequencies[c] = np.ones(1)
                surrogate = WeightedRidge()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    explainer.explain_instance(points[i], cache.column(members[0]),
                                               num_features=d,
                                               num_samples=settings.num_samples,
                                               model_regressor=surrogate)
                assert cache.value is not None
                fit = surrogate.fit_columns(cache.value[:, members])
                for m, k in enumerate(members):
                    # Weights come per (scale × SD); given per SD like LIME's defaults.
                    w[i, k, r] = fit.coef[m] / np.where(is_cat, 1.0, scale)
                    fid[i, k, r] = fit.score[m]
                    icp[i, k, r] = fit.intercept[m]
                    loc[i, k, r] = fit.local_prediction[m]
                    mod[i, k, r] = cache.value[0, k]
                done += 1
                rep.report(done / total, f"explaining {i + 1} of {n}")
    weights = w.mean(axis=2)
    weight_std = w.std(axis=2)
    spread = np.asarray(predict(training_x), dtype=np.float64).reshape(len(training_x), -1)
    spread = spread.std(axis=0)
    if cats:
        weights[:, :, sorted(cats)] = category_weights(predict, training_x, points,
                                                       sorted(cats))
        weight_std[:, :, sorted(cats)] = 0.0
    slope_error = np.full((n, t), np.nan)
    smooth = [k for k in range(t) if kinds is None or kinds[k] in DIFFERENTIABLE]
    for scale in groups if numeric else []:
        members = [k for k in smooth if locality[k] == scale]
        for i in range(n if members else 0):
            slopes = local_slopes(predict, points[i], sd, numeric, SLOPE_STEP * scale)
            for k in members:
                slope_error[i, k] = slope_disagreement(weights[i, k, numeric],
                                                       slopes[k, numeric],
                                                       FLAT_SHARE * spread[k])
    return Explanations(
        list(labels) if labels is not None else [f"point {i + 1}" for i in range(n)],
        list(targets), list(features), points,
        weights, weight_std, fid.mean(axis=2), icp.mean(axis=2), loc.mean(axis=2),
        mod.mean(axis=2), locality=locality, slope_error=slope_error, spread=spread)
