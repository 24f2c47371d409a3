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

The result, and when an explanation is flagged rather than shown as a normal result, are in
:mod:`~nrstudio.core.modeling.explanations`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.explanations import FLAT_SHARE, Explanations
from nrstudio.core.modeling.lime_surrogate import WeightedRidge
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.settings import MAX_SEED, check_ranges, setting

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


class _AllOutputs:
    """The model as LIME calls it: every target predicted on the perturbations at once, the
    column LIME asked for handed back and all of them kept (``value``, (m, t)) for the other
    targets' surrogates."""

    def __init__(self, predict: Callable[[np.ndarray], np.ndarray]) -> None:
        self.predict = predict
        self.value: np.ndarray | None = None

    def column(self, t: int) -> Callable[[np.ndarray], np.ndarray]:
        def fn(x: np.ndarray) -> np.ndarray:
            self.value = np.asarray(self.predict(x), dtype=np.float64).reshape(len(x), -1)
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
        # No level changes the prediction (a model that predicts the mean): exactly 0, not
        # the last bit of the weighted average's rounding.
        same = (y == mine[:, None, :]).all(axis=1)
        out.append(np.where((total > 0) & ~same, mine - other, 0.0))
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
        outputs = _AllOutputs(predict)
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
                    explainer.explain_instance(points[i], outputs.column(members[0]),
                                               num_features=d,
                                               num_samples=settings.num_samples,
                                               model_regressor=surrogate)
                assert outputs.value is not None
                fit = surrogate.fit_columns(outputs.value[:, members])
                for m, k in enumerate(members):
                    # Weights come per (scale × SD); given per SD like LIME's defaults.
                    w[i, k, r] = fit.coef[m] / np.where(is_cat, 1.0, scale)
                    fid[i, k, r] = fit.score[m]
                    icp[i, k, r] = fit.intercept[m]
                    loc[i, k, r] = fit.local_prediction[m]
                    mod[i, k, r] = outputs.value[0, k]
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
