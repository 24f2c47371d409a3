"""Inverse design: conditions predicted to give a wanted size, scored by the probability of
landing inside the wanted window (and, for a target wanted as high or as low as possible, of
beating the best value measured inside the windows).

The predictive distribution of a target at x is the chosen model's prediction plus the
leakage-free out-of-fold residuals of that model (the calibrated errors the intervals come
from, :mod:`nrstudio.core.modeling.conformal`), smoothed by a small Gaussian kernel so that
the search sees a smooth score. Targets are treated as independent given x, so the
probability that every wanted target lands in its window is the product of theirs. A
candidate away from the samples is penalised: beyond the usual spacing between samples its
score falls off, and it is flagged.

The search draws scrambled Sobol points in the free inputs (rounded to the lab's steps, the
category levels drawn among the allowed ones), keeps the best, refines the best few locally
(scipy's bounded L-BFGS-B on the smoothed score), and returns the best *distinct* ones:
each at least ``min_separation`` typical spacings from those above it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.final_models import FinalModels
from nrstudio.core.modeling.success import SuccessModel, success_model
from nrstudio.core.modeling.wishes import Optimise, Want
from nrstudio.core.numbers import decimals_of
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.settings import MAX_SEED, check_ranges, setting

USEFUL_PROBABILITY = 0.2  # below this a candidate is not a plan but a gamble


@dataclass(frozen=True)
class DesignSettings:
    """How hard the design searches and how different its candidates must be."""

    top: int = setting(5, low=1, high=50, label="Candidates", help="How many distinct "
                       "conditions to propose.")
    samples: int = setting(4096, low=64, high=200_000, label="Search points", unit="points",
                           step=1024, help="Sobol points drawn in the free inputs before "
                                           "the best are refined.")
    refine: int = setting(8, low=0, high=100, label="Refined", help="How many of the best "
                          "points are refined locally.")
    min_separation: float = setting(0.5, low=0, high=100, decimals=2, label="Separation",
                                    unit="spacings", help="Candidates are at least this many "
                                    "typical sample spacings apart.")
    seed: int = setting(0, low=0, high=MAX_SEED, label="Random seed", help="The same seed "
                        "gives the same candidates.")

    def check(self) -> None:
        check_ranges(self, "design")


@dataclass
class DesignSpace:
    """The inputs the search may set. ``fixed``: input -> value (a number, or a level for a
    category); ``bounds``: input -> (low, high), default the originals' range; ``steps``:
    input -> step (a lab's sulfur in steps of 5 mg), default the decimals the data are
    written with (0.01 for 96.07); ``levels``: category -> allowed
    levels (default all seen in training)."""

    fixed: dict[str, float | str] = field(default_factory=dict)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)
    levels: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Box:
    """The search box in condition space: for each input, fixed value or free range."""

    lows: np.ndarray
    highs: np.ndarray
    free: list[int]          # numeric inputs the search moves
    steps: np.ndarray        # 0 where none
    fixed: dict[int, float]  # condition index -> value or level code
    level_codes: dict[int, np.ndarray]  # free category index -> allowed codes


def design_box(models: FinalModels, space: DesignSpace) -> _Box:
    """Check a design space against the model's inputs and make the search box. DataError
    names the input of any impossible request."""
    fs = models.space
    inputs = fs.inputs
    for name in (*space.fixed, *space.bounds, *space.steps, *space.levels):
        if name not in inputs:
            raise DataError(f"'{name}' is not an input of the model (inputs: "
                            f"{', '.join(inputs)})")
    lo, hi = models.train_x.min(axis=0), models.train_x.max(axis=0)
    lows, highs = lo.astype(float).copy(), hi.astype(float).copy()
    steps = np.zeros(len(inputs))
    fixed: dict[int, float] = {}
    level_codes: dict[int, np.ndarray] = {}
    free = []
    for j, name in enumerate(inputs):
        if name in fs.levels:
            if name in space.fixed:
                code = fs.codes(name, [str(space.fixed[name])])[0]
                if code < 0:
                    raise DataError(f"'{name}': level '{space.fixed[name]}' was never seen in "
                                    f"training (levels: {', '.join(fs.levels[name])})")
                fixed[j] = code
            else:
                allowed = space.levels.get(name) or fs.levels[name]
                codes = fs.codes(name, allowed)
                if (codes < 0).any():
                    bad = [a for a, c in zip(allowed, codes, strict=True) if c < 0]
                    raise DataError(f"'{name}': unknown level(s) {', '.join(bad)}")
                level_codes[j] = codes
            continue
        if name in space.fixed:
            try:
                fixed[j] = float(space.fixed[name])
            except (TypeError, ValueError):
                raise DataError(f"'{name}' is fixed to '{space.fixed[name]}', not a "
                                "number") from None
            continue
        if name in space.bounds:
            a, b = map(float, space.bounds[name])
            if not (math.isfinite(a) and math.isfinite(b) and a <= b):
                raise DataError(f"'{name}': bounds {a:g}:{b:g} are not low:high")
            lows[j], highs[j] = a, b
        # A lab weighs and pipettes to the precision its table is written with: without a
        # step of the user's, candidates keep the data's own decimals.
        step = float(space.steps[name]) if name in space.steps else \
            10.0 ** -decimals_of(models.train_x[:, j])
        if step < 0 or not math.isfinite(step):
            raise DataError(f"'{name}': the step must be a positive number")
        steps[j] = step
        free.append(j)
    return _Box(lows, highs, free, steps, fixed, level_codes)


def _round_to_steps(x: np.ndarray, box: _Box) -> np.ndarray:
    out = x.copy()
    for j in box.free:
        if box.steps[j] > 0:
            s = box.steps[j]
            out[:, j] = np.clip(np.round(out[:, j] / s) * s, box.lows[j] - 1e-12,
                                box.highs[j] + 1e-12)
            # a step grid may not reach a bound exactly: stay inside
            out[:, j] = np.where(out[:, j] > box.highs[j], out[:, j] - s, out[:, j])
            out[:, j] = np.where(out[:, j] < box.lows[j], out[:, j] + s, out[:, j])
    return out


def sample_box(box: _Box, n: int, n_inputs: int, rng: np.random.Generator) -> np.ndarray:
    """(n, c) conditions: Sobol in the free numbers, drawn levels, fixed values."""
    from scipy.stats import qmc

    x = np.empty((n, n_inputs))
    if box.free:
        sobol = qmc.Sobol(len(box.free), scramble=True, seed=rng)
        u = sobol.random(n)
        lo, hi = box.lows[box.free], box.highs[box.free]
        x[:, box.free] = lo + u * (hi - lo)
    for j, codes in box.level_codes.items():
        x[:, j] = rng.choice(codes, size=n)
    for j, value in box.fixed.items():
        x[:, j] = value
    x = _round_to_steps(x, box)
    # candidates that rounding made equal are one experiment
    _, first = np.unique(x, axis=0, return_index=True)
    return x[np.sort(first)]


def sample_near_data(box: _Box, samples: np.ndarray, n: int,
                     rng: np.random.Generator, neighbours: int = 5) -> np.ndarray:
    """(n, c) conditions between the measured ``samples`` (m, c): each a random point on the
    segment from a sample to one of its ``neighbours`` nearest (in the free numbers, scaled by
    their spread), moved by a sixth of that segment at random, with the level of one of the
    two, then kept in the box and on its steps. With many inputs the samples fill a thin part
    of the box (columns computed from others, conditions varied together), and box points
    all fall far from them (none of 4,096 within two spacings on a real table of 289
    syntheses with 13 inputs)."""
    m = len(samples)
    if m == 0 or n <= 0:
        return np.empty((0, samples.shape[1] if samples.ndim == 2 else 0))
    free = box.free
    spread = samples[:, free].std(axis=0) if free else np.ones(0)
    z = samples[:, free] / np.where(spread > 0, spread, 1.0) if free else np.zeros((m, 0))
    k = min(neighbours, m - 1)
    a = rng.integers(0, m, size=n)
    if k > 0:
        d = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1) if m <= 2000 else None
        if d is not None:
            np.fill_diagonal(d, np.inf)
            near = np.argsort(d, axis=1)[:, :k]
            b = near[a, rng.integers(0, k, size=n)]
        else:  # a large table: any other sample
            b = (a + rng.integers(1, m, size=n)) % m
    else:
        b = a
    x = samples[a].astype(float).copy()
    if free:
        u = rng.uniform(0.0, 1.0, size=(n, 1))
        step = samples[b][:, free] - samples[a][:, free]
        x[:, free] = (samples[a][:, free] + u * step
                      + rng.normal(0.0, 1.0 / 6.0, size=(n, len(free))) * np.abs(step))
        x[:, free] = np.clip(x[:, free], box.lows[free], box.highs[free])
    for j, codes in box.level_codes.items():
        pick = np.where(rng.random(n) < 0.5, samples[a, j], samples[b, j])
        allowed = np.isin(pick, codes)
        x[:, j] = np.where(allowed, pick, rng.choice(codes, size=n))
    for j, value in box.fixed.items():
        x[:, j] = value
    x = _round_to_steps(x, box)
    _, first = np.unique(x, axis=0, return_index=True)
    return x[np.sort(first)]


def domain_penalty(distance: np.ndarray) -> np.ndarray:
    """1 within one typical spacing of a sample, then falling off (0.37 at two spacings)."""
    excess = np.maximum(np.asarray(distance) - 1.0, 0.0)
    return np.exp(-(excess**2))


@dataclass
class Candidate:
    """One proposed synthesis: its conditions (c,), predictions with intervals (t,), the
    probability of success, the domain flag and a one-line reason."""

    conditions: np.ndarray
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    probability: float
    distance: float
    out_of_domain: bool
    reason: str


@dataclass
class DesignResult:
    candidates: list[Candidate]
    inputs: list[str]
    targets: list[str]
    models: list[str]
    mae: dict[str, float]          # target -> leakage-free MAE of its chosen model
    beats_mean: dict[str, bool]    # target -> the chosen model beats predicting the mean
    limit: str                     # "" when a candidate is useful; else what limits it
    seconds: float = 0.0


def _select_distinct(x_z: np.ndarray, score: np.ndarray, top: int, min_sep: float,
                     spacing: float) -> list[int]:
    chosen: list[int] = []
    for i in np.argsort(-score, kind="stable"):
        if not np.isfinite(score[i]):
            continue
        if all(np.linalg.norm(x_z[i] - x_z[j]) / spacing >= min_sep for j in chosen):
            chosen.append(int(i))
        if len(chosen) == top:
            break
    return chosen


def design_conditions(models: FinalModels, wants: list[Want], space: DesignSpace | None = None,
                      settings: DesignSettings | None = None,
                      progress: ProgressCallback | None = None,
                      cancel: CancelCheck | None = None,
                      optimise: Optimise | None = None) -> DesignResult:
    """The ``settings.top`` best distinct conditions for the wanted values (see the module
    docstring); with ``optimise``, success also means beating the best measured value of
    that target inside the windows."""
    import time

    from scipy.optimize import minimize

    t0 = time.perf_counter()
    settings = settings or DesignSettings()
    settings.check()
    space = space or DesignSpace()
    rep = Reporter(progress, cancel)
    box = design_box(models, space)
    success = success_model(models, wants, optimise)
    rng = np.random.default_rng(settings.seed)
    d = len(models.inputs)
    rep.report(0.05, "drawing candidates")
    x = sample_box(box, settings.samples, d, rng)
    score = _score(models, success, x)
    rep.report(0.5, "refining the best")
    if box.free and settings.refine:
        starts = np.argsort(-score, kind="stable")[: settings.refine]
        refined = []
        lo, hi = box.lows[box.free], box.highs[box.free]
        scale = np.where(hi > lo, hi - lo, 1.0)
        for k, i in enumerate(starts):
            rep.check()
            base = x[i].copy()

            def objective(u: np.ndarray, base: np.ndarray = base) -> float:
                point = base.copy()
                point[box.free] = lo + u * scale
                return -float(_score(models, success, point[None])[0])

            res = minimize(objective, (x[i, box.free] - lo) / scale, method="L-BFGS-B",
                           bounds=[(0.0, 1.0)] * len(box.free),
                           options={"maxiter": 30, "eps": 1e-3})
            point = base.copy()
            point[box.free] = lo + np.clip(res.x, 0, 1) * scale
            refined.append(point)
            rep.report(0.5 + 0.4 * (k + 1) / len(starts), "refining the best")
        extra = _round_to_steps(np.array(refined), box)
        x = np.vstack([x, extra])
        score = np.concatenate([score, _score(models, success, extra)])
    z = models.space.encode(x)
    z = (z - models.domain.mean) / models.domain.std
    keep = _select_distinct(z, score, settings.top, settings.min_separation,
                            models.domain.typical_spacing)
    pred = models.predict(x[keep])
    assert pred.lower is not None and pred.upper is not None
    prob = success.probability(pred.mean)
    candidates = []
    for n, i in enumerate(keep):
        reason = _reason(models, success, pred, n, prob[n])
        candidates.append(Candidate(x[i], pred.mean[n], pred.lower[n], pred.upper[n],
                                    float(prob[n]), float(pred.distance[n]),
                                    bool(pred.out_of_domain[n]), reason))
    result = DesignResult(candidates, models.inputs, models.targets, pred.models,
                          *models.errors(), "")
    result.limit = _limit(models, success, x, candidates)
    result.seconds = time.perf_counter() - t0
    rep.report(1.0, "done")
    return result


def _score(models: FinalModels, success: SuccessModel, x: np.ndarray) -> np.ndarray:
    mean = models.predict_mean(x)
    z = models.space.encode(x)
    distance = models.domain.nearest_distance(z)
    return success.probability(mean) * domain_penalty(distance)


def _reason(models: FinalModels, success: SuccessModel, pred, n: int,
            prob: float) -> str:
    parts = []
    mae, _ = models.errors()
    for want, k in zip(success.wants, success.columns, strict=True):
        parts.append(f"{want.target} {pred.mean[n, k]:.3g} [{pred.lower[n, k]:.3g}, "
                     f"{pred.upper[n, k]:.3g}] for {want.value:g} ± {want.tolerance:g} "
                     f"(its model's leakage-free MAE {mae[want.target]:.3g})")
    if success.aim is not None:
        k = success.aim_column
        beyond = "above" if success.aim.highest else "below"
        parts.append(f"{success.aim.target} {pred.mean[n, k]:.3g} [{pred.lower[n, k]:.3g}, "
                     f"{pred.upper[n, k]:.3g}], to be {beyond} the best measured "
                     f"{success.aim_best:.3g}")
    where = (f"{pred.distance[n]:.1f} spacings from the nearest sample"
             + (" (out of domain: a guess)" if pred.out_of_domain[n] else ""))
    return f"P(success) {prob:.2f}: " + "; ".join(parts) + f"; {where}"


def _limit(models: FinalModels, success: SuccessModel, x: np.ndarray,
           candidates: list[Candidate]) -> str:
    """"" when the best candidate is useful; else what limits the design, in words."""
    if candidates and candidates[0].probability >= USEFUL_PROBABILITY:
        return ""
    reasons = []
    mean = models.predict_mean(x)
    for want, k in zip(success.wants, success.columns, strict=True):
        q = models.half_width(want.target, models.choices()[want.target].model)
        reach_lo, reach_hi = float(mean[:, k].min()), float(mean[:, k].max())
        if not want.value - want.tolerance <= reach_hi or not want.value + want.tolerance >= reach_lo:
            reasons.append(f"within the bounds the predicted {want.target} spans only "
                           f"{reach_lo:.3g} – {reach_hi:.3g}: widen the bounds or free an "
                           "input")
        elif not math.isfinite(q):  # the same rule as FinalModels.interval_notes
            reasons.append(f"{want.target} has no calibrated error to judge candidates by: "
                           "train with the leakage-free protocol (enough samples for the "
                           f"{round(100 * models.level)}% level)")
        elif q > 2 * want.tolerance:
            reasons.append(f"the model's error is too large: its {round(100 * models.level)}% "
                           f"interval for {want.target} is ± {q:.3g}, wider than the "
                           f"tolerance ± {want.tolerance:g}")
    if success.aim is not None:
        k, aim = success.aim_column, success.aim
        reach = float(mean[:, k].max() if aim.highest else mean[:, k].min())
        beats = reach > success.aim_best if aim.highest else reach < success.aim_best
        where = " inside the windows" if success.wants else ""
        if not beats:
            reasons.append(f"{aim.target} must beat the best measured{where} "
                           f"({success.aim_best:.3g}), and within the bounds its predicted "
                           f"value reaches only {reach:.3g}")
    best = candidates[0].probability if candidates else 0.0
    head = f"No candidate reaches a useful probability (best {best:.2f})"
    return head + (": " + "; ".join(reasons) if reasons else
                   ": the wanted values may not be reachable together") + "."
