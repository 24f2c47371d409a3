"""The next experiments: a batch of conditions that either moves toward a wanted size
("reach") or teaches the model the most ("learn").

- **reach**: expected improvement toward the window. A sample's distance to the window is
  the largest over wanted targets of |y - value| / tolerance (0 inside); the best measured
  sample sets the distance to beat, and the improvement of a candidate is averaged over the
  calibrated predictive distribution (prediction + leakage-free residuals, as in
  :mod:`nrstudio.core.modeling.design`).
- **reach, as high or as low as possible** (:class:`Optimise`): constrained expected
  improvement: the gain of that target over the best measured sample inside every window,
  counted only where the windows hold; while no measured sample is inside them, the
  probability of landing inside.
- **learn**: where the model is least sure inside the domain: far from every sample, pending
  row and earlier suggestion (in typical spacings), weighted up where the networks of the
  ensemble disagree. Points outside the domain are never suggested.

A batch is built greedily with local penalisation: after each pick, the score of points near
it is multiplied by ``1 - exp(-(d / r)^2)`` (r: ``radius`` spacings), and points near the
existing samples and the pending rows (planned, not yet measured) start penalised, so the
members are spread apart and never repeat what is planned. Choosing from a list (``pool``)
to reach a goal, the measured samples are not penalised and far rows stay candidates (see
``docs/modeling.md``, "Choosing from a list").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.editing import planned_rows
from nrstudio.core.data.reagent_lists import unused_reagents, with_unlisted_reagents
from nrstudio.core.data.training_rows import MISSING_LEVEL, Restatement, category_levels
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.design import DesignSpace, design_box, sample_box, sample_near_data
from nrstudio.core.modeling.final_models import FinalModels
from nrstudio.core.modeling.predict import FAR_FACTOR, match_inputs, out_of_step_rows
from nrstudio.core.modeling.success import measured_targets, success_model
from nrstudio.core.modeling.wishes import Optimise, Want
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.settings import MAX_SEED, check_ranges, setting

Mode = Literal["reach", "learn"]
MODES = {"reach": "reach the wanted size (expected improvement toward the window)",
         "learn": "learn the most (where the model is least sure, inside the domain)"}


@dataclass(frozen=True)
class SuggestSettings:
    n: int = setting(3, low=1, high=20, label="Suggestions", help="Conditions in the batch.")
    mode: str = setting("reach", label="Mode", choices=MODES,
                         help="Move toward the wanted size, or learn where the model knows "
                              "least.")
    samples: int = setting(4096, low=64, high=200_000, label="Search points", unit="points",
                           step=1024, help="Sobol points among which the batch is chosen.")
    radius: float = setting(1.0, low=0.05, high=100, decimals=2, label="Spread radius",
                            unit="spacings", help="Suggestions keep about this distance from "
                            "each other, the samples and the planned rows.")
    seed: int = setting(0, low=0, high=MAX_SEED, label="Random seed",
                        help="The same seed gives the same suggestions.")

    def check(self) -> None:
        check_ranges(self, "suggestions")


@dataclass
class Suggestion:
    conditions: np.ndarray
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    score: float
    probability: float
    distance: float
    out_of_domain: bool
    reason: str
    candidate: int | None = None  # its row of the ``pool`` given; None when the box is searched


@dataclass
class SuggestResult:
    suggestions: list[Suggestion]
    inputs: list[str]
    targets: list[str]
    models: list[str]
    mae: dict[str, float]
    beats_mean: dict[str, bool]
    n_pending: int
    notes: list[str] = field(default_factory=list)


def pending_conditions(models: FinalModels, dataset: Dataset | None) -> np.ndarray:
    """(p, c) conditions of the rows the user planned (:func:`planned_rows`) that have every
    input set and no value of any target yet. A row whose targets are missing for another
    reason (a failed synthesis, a size not measured) is not pending."""
    if dataset is None:
        return np.empty((0, len(models.inputs)))
    from nrstudio.core.modeling.predict import match_inputs

    try:
        mapping = match_inputs(models.inputs, [c.name for c in dataset.columns])
        x = models.space.conditions(dataset, columns=mapping)
    except DataError:
        return np.empty((0, len(models.inputs)))
    names = [t for t in models.targets if t in dataset.table.columns]
    y = dataset.values(names) if names else np.full((len(dataset), 1), np.nan)
    rows = planned_rows(dataset) & np.isfinite(x).all(axis=1) & np.isnan(y).all(axis=1)
    return x[rows]


@dataclass
class CandidateList:
    """Conditions a user can run (a list of candidate syntheses) read for the models:
    ``conditions`` (k, c) of the usable ``rows`` (0-based rows of the list) and why the
    others were left out."""

    conditions: np.ndarray
    rows: np.ndarray
    skipped: list[str] = field(default_factory=list)

    def list_row(self, suggestion: Suggestion) -> int:
        """The 0-based row of the list a suggestion made from ``conditions`` came from."""
        if suggestion.candidate is None:
            raise DataError("this suggestion was not chosen from a list")
        return int(self.rows[suggestion.candidate])


def candidate_list(models: FinalModels, table: Dataset,
                   restated: Mapping[str, Restatement] | None = None) -> CandidateList:
    """The rows of ``table`` that give every input of the models (columns matched by name,
    with or without their unit) with a number, or a level. A level the models never saw (an
    antisolvent not tried yet) is kept: the models predict it as "none of the known levels",
    with the uncertainty of a condition far from every sample, and a campaign must be able to
    try it. A row with a missing value is left out. DataError when a column is missing or a
    number cell holds text (naming its row and column). ``restated``: the inputs the models
    left out as moving in step with another (the project's
    :attr:`~nrstudio.core.data.training_rows.InputChoice.restated`); rows of the list that
    break such a step are named in a note."""
    table = with_unlisted_reagents(table, models.inputs)
    mapping = match_inputs(models.inputs, [c.name for c in table.columns])
    x = models.space.conditions(table, columns=mapping)
    usable = np.isfinite(x).all(axis=1)
    new = np.zeros(len(x), dtype=bool)
    for name in models.space.levels:
        cells = category_levels(table.table[mapping.get(name, name)].tolist())
        unseen = x[:, models.inputs.index(name)] < 0
        usable &= ~(unseen & (np.array(cells, dtype=object) == MISSING_LEVEL))
        new |= unseen
    skipped = []
    if not usable.all():
        bad = np.flatnonzero(~usable)
        rows = ", ".join(str(r + 1) for r in bad[:8]) + (" …" if len(bad) > 8 else "")
        skipped.append(f"{len(bad)} rows of the list left out (a missing value): rows {rows}")
    if (new & usable).any():
        skipped.append(f"{int((new & usable).sum())} rows of the list have a level the models "
                       "never saw; they are predicted as none of the known levels, with "
                       "little certainty")
    extra = unused_reagents(table, models.inputs)
    novel = [i for i in np.flatnonzero(usable) if extra[i]]
    if novel:
        names = sorted({name for i in novel for name in extra[i]})
        skipped.append(f"{len(novel)} rows of the list use reagents the models never saw "
                       f"({', '.join(names[:6])}{' …' if len(names) > 6 else ''}); they are "
                       "predicted without them")
    if not usable.any():
        raise DataError("no row of the list gives every input the models need")
    skipped += out_of_step(table, np.flatnonzero(usable), restated or {})
    return CandidateList(x[usable], np.flatnonzero(usable), skipped)


def out_of_step(table: Dataset, rows: np.ndarray,
                restated: Mapping[str, Restatement]) -> list[str]:
    """A note per left-out input that ``rows`` of a list set apart from the input it moved
    in step with in every training row (:func:`out_of_step_rows`)."""
    notes = []
    for name, off_all in out_of_step_rows(table, restated).items():
        off = off_all[rows]
        if off.any():
            source = restated[name].source
            shown = ", ".join(str(r + 1) for r in rows[off][:8]) + (" …" if off.sum() > 8
                                                                     else "")
            notes.append(f"{int(off.sum())} rows of the list set '{name}' apart from "
                         f"'{source}' (rows {shown}), which every training row had in "
                         f"step; the models never saw the two apart and predict these rows "
                         f"as if '{name}' followed '{source}'")
    return notes


def _z(models: FinalModels, x: np.ndarray) -> np.ndarray:
    return (models.space.encode(x) - models.domain.mean) / models.domain.std


def _distances(a: np.ndarray, b: np.ndarray, spacing: float) -> np.ndarray:
    """(len(a),) distance from each row of a to its nearest row of b, in spacings."""
    if len(b) == 0:
        return np.full(len(a), np.inf)
    d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).min(axis=1)
    return d / spacing


def _window_distance(y: np.ndarray, wants: list[Want], columns: list[int]) -> np.ndarray:
    """Largest |y - value| / tolerance over the wanted targets, minus 1, floored at 0:
    0 inside every window. y: (..., t)."""
    parts = [np.maximum(np.abs(y[..., k] - w.value) / w.tolerance - 1.0, 0.0)
             for w, k in zip(wants, columns, strict=True)]
    return np.max(parts, axis=0)


def suggest_experiments(models: FinalModels, wants: list[Want] | None = None,
                        space: DesignSpace | None = None,
                        settings: SuggestSettings | None = None,
                        dataset: Dataset | None = None, pool: np.ndarray | None = None,
                        optimise: Optimise | None = None,
                        progress: ProgressCallback | None = None,
                        cancel: CancelCheck | None = None) -> SuggestResult:
    """A batch of ``settings.n`` next experiments (see the module docstring). ``pool``
    (k, c): choose among these conditions instead of searching the box; ``dataset``: its
    planned rows are pending; ``optimise``: a target to push up or down ("reach" mode),
    with ``wants`` as the windows that must hold meanwhile."""
    settings = settings or SuggestSettings()
    settings.check()
    wants = wants or []
    rep = Reporter(progress, cancel)
    if settings.mode == "reach" and not wants and optimise is None:
        raise DataError("'reach' needs a wanted value (target = value ± tolerance) or a "
                        "target to make as high or as low as possible")
    if optimise is not None:
        if optimise.target not in models.targets:
            raise DataError(f"'{optimise.target}' is not a target of the model")
        if any(w.target == optimise.target for w in wants):
            raise DataError(f"'{optimise.target}' cannot be both in a window and as "
                            f"{'high' if optimise.highest else 'low'} as possible")
    box = design_box(models, space or DesignSpace())
    rng = np.random.default_rng(settings.seed)
    if pool is not None:
        x = pool
    else:  # half spread over the box, half between the samples (see sample_near_data)
        half = settings.samples // 2
        x = np.vstack([sample_box(box, settings.samples - half, len(models.inputs), rng),
                       sample_near_data(box, models.train_x, half, rng)])
    if len(x) == 0:
        raise DataError("there is nothing to choose from")
    rep.report(0.2, "predicting")
    pred = models.predict(x)
    spacing = models.domain.typical_spacing
    z = _z(models, x)
    pending = pending_conditions(models, dataset)
    measured = _z(models, models.train_x)
    planned = _z(models, pending) if len(pending) else np.empty((0, measured.shape[1]))
    known = np.vstack([measured, planned])
    # A box search stays where the samples are; a list holds what the lab can run, so a
    # far row stays a candidate (flagged out of domain, its spread wide).
    inside = pred.distance <= FAR_FACTOR if pool is None else np.ones(len(x), dtype=bool)
    columns = [models.targets.index(w.target) for w in wants]
    for w in wants:
        if w.target not in models.targets:
            raise DataError(f"'{w.target}' is not a target of the model")
        if not w.tolerance > 0:
            raise DataError(f"{w.target}: the tolerance must be above zero")
    probability = np.zeros(len(x))
    if settings.mode == "reach" and optimise is not None:
        score, probability = _expected_gain(models, wants, columns, optimise, pred.mean, rng, x)
    elif settings.mode == "reach":
        score = _expected_improvement(models, wants, columns, pred.mean, rng, x)
        probability = success_model(models, wants).probability(pred.mean)
    else:
        spread = np.nanmean(pred.std, axis=1) if np.isfinite(pred.std).any() else 0.0
        typical = np.nanmedian(spread) if np.isfinite(np.nanmedian(spread)) else 0.0
        score = np.minimum(pred.distance, FAR_FACTOR) * (
            1.0 + (spread / typical if typical and typical > 0 else 0.0))
    if settings.mode == "reach":
        # Where no candidate is expected to gain (every sample measured so far failed, a
        # yield of 0), the farthest from the samples is tried first: it teaches the most.
        score = (np.where(np.isfinite(score), score, 0.0)
                 + 1e-6 * np.minimum(pred.distance, FAR_FACTOR) / FAR_FACTOR)
    score = np.where(inside, score, -np.inf)
    rep.report(0.6, "spreading the batch")
    # Planned rows are never suggested again. Measured samples push suggestions away too,
    # at half the radius when reaching a size: the best next synthesis may well lie near a
    # sample that came close.
    # Choosing from a list to reach a size, they do not: the model already conditions on
    # them, and a near miss's neighbour (or a replicate of it) is often the best next row;
    # pushing away from measured rows made campaigns on real pools slower than random order.
    near_measured = settings.radius * (0.5 if settings.mode == "reach" else 1.0)
    penalty = 1.0 - np.exp(-(_distances(z, planned, spacing) / settings.radius) ** 2)
    if not (pool is not None and settings.mode == "reach"):
        penalty = penalty * (1.0 - np.exp(-(_distances(z, measured, spacing)
                                            / near_measured) ** 2))
    chosen: list[int] = []
    for _ in range(settings.n):
        rep.check()
        total = np.where(np.isfinite(score), score * penalty, -np.inf)
        if chosen:
            total[chosen] = -np.inf
        i = int(np.argmax(total))
        if not np.isfinite(total[i]) or total[i] <= 0:
            break  # nothing left that is worth an experiment
        chosen.append(i)
        d = np.sqrt(((z - z[i]) ** 2).sum(-1)) / spacing
        penalty = penalty * (1.0 - np.exp(-(d / settings.radius) ** 2))
    assert pred.lower is not None and pred.upper is not None
    out = []
    for i in chosen:
        near = float(_distances(z[i:i + 1], known, spacing)[0])
        if settings.mode == "reach" and optimise is not None:
            why = (f"expected gain in {optimise.target} {score[i]:.3g} over the best measured"
                   + (" inside the windows" if wants else "")
                   + f"; P(better) {probability[i]:.2f}")
        elif settings.mode == "reach":
            why = (f"expected gain toward the window {score[i]:.2f} (in tolerances); "
                   f"P(success) {probability[i]:.2f}")
        else:
            why = (f"where the model knows least: {pred.distance[i]:.1f} spacings from the "
                   "nearest sample"
                   + (f", networks disagree by ± {np.nanmean(pred.std[i]):.3g}"
                      if np.isfinite(pred.std[i]).any() else ""))
        why += f"; {near:.1f} spacings from any sample or planned row"
        out.append(Suggestion(x[i], pred.mean[i], pred.lower[i], pred.upper[i],
                              float(score[i]), float(probability[i]), float(pred.distance[i]),
                              bool(pred.out_of_domain[i]), why,
                              i if pool is not None else None))
    notes = []
    if len(out) < settings.n:
        notes.append(f"only {len(out)} of {settings.n} suggestions: "
                     + _why_fewer(settings, inside, z, known, chosen, spacing))
    mae, beats = models.errors()
    for s in out:
        s.reason += "; leakage-free MAE of the models: " + ", ".join(
            f"{t} {mae[t]:.3g}" for t in ([w.target for w in wants]
                                          + ([optimise.target] if optimise else [])
                                          or models.targets))
    rep.report(1.0, "done")
    return SuggestResult(out, models.inputs, models.targets, pred.models, mae, beats,
                         len(pending), notes)


def _why_fewer(settings: SuggestSettings, inside: np.ndarray, z: np.ndarray, known: np.ndarray,
               chosen: list[int], spacing: float) -> str:
    """Why a batch came out short, from what was measured: candidates beyond the data's
    reach, candidates near samples (within the batch's radius), or no expected gain."""
    if not inside.any():
        return (f"none of the {len(z)} candidates lies within {FAR_FACTOR:g} spacings of a "
                "sample: the search box is too wide for the data (narrow the inputs' ranges "
                "or fix some of them on the Design page)")
    near_known = _distances(z[inside], known, spacing) <= settings.radius
    near = near_known | (_distances(z[inside], z[chosen], spacing) <= settings.radius)
    if settings.mode != "reach" and near.all():
        return (f"every one of the {int(inside.sum())} candidates within reach lies within "
                f"{settings.radius:g} spacings of a sample, a planned row or a suggestion "
                "above: the domain is covered at this radius")
    if settings.mode != "reach":
        return (f"{int((~near_known).sum())} candidates within reach are away from every "
                "sample but score no gain; ask for fewer or lower the radius")
    return ("no other conditions are expected to come closer to the window than the "
            "samples")


def _predictive_draws(models: FinalModels, targets: list[str], mean: np.ndarray,
                      rng: np.random.Generator, x: np.ndarray, draws: int = 256) -> np.ndarray:
    """(m, draws, t) values of the targets at candidates x (m, c): the prediction plus
    leakage-free residuals of the chosen model (the same draws for every candidate), scaled by
    the model's own spread at each candidate when it has one. Only ``targets`` are drawn;
    the other columns hold the prediction."""
    choices = models.choices()
    samples = np.repeat(mean[:, None, :], draws, axis=1)
    for target in targets:
        k = models.targets.index(target)
        r = models.signed_residuals(target, choices[target].model)
        if len(r) == 0:
            raise DataError(f"{target}: no leakage-free evaluation to calibrate on; train "
                            "with the leakage-free protocol")
        # Where the model can tell how its error grows away from the samples (a Gaussian
        # process), the residuals are stretched by it: expected improvement then also
        # rewards trying conditions the model is unsure about, as Bayesian optimisation does.
        factor = models.spread_factor(x, target)
        if factor is not None:  # a degenerate kernel (all samples alike) tells nothing
            factor = np.where(np.isfinite(factor), factor, 1.0)
        noise = rng.choice(r, size=draws)[None, :]
        samples[:, :, k] += noise if factor is None else factor[:, None] * noise
    return samples


def _expected_improvement(models: FinalModels, wants: list[Want], columns: list[int],
                          mean: np.ndarray, rng: np.random.Generator, x: np.ndarray
                          ) -> np.ndarray:
    """Per candidate E[max(0, best - D(y))] + P(D(y) = 0) + 1e-3 / (1 + E[D(y)]), with y
    drawn by :func:`_predictive_draws`. The second term ranks candidates once a measured
    sample already lies in the window (best = 0); the third, tiny, still ranks by the
    expected distance where no draw comes closer than the best sample, so that a batch is
    never empty."""
    samples = _predictive_draws(models, [w.target for w in wants], mean, rng, x)
    y = measured_targets(models, [w.target for w in wants])
    dist = _window_distance(y, wants, columns) if len(y) else np.empty(0)
    best = float(np.nanmin(dist)) if np.isfinite(dist).any() else np.inf
    d = _window_distance(samples, wants, columns)  # (m, draws)
    if not np.isfinite(best):
        best = float(np.nanmax(d)) + 1.0
    return (np.maximum(best - d, 0.0).mean(axis=1) + (d == 0).mean(axis=1)
            + 1e-3 / (1.0 + d.mean(axis=1)))


def _expected_gain(models: FinalModels, wants: list[Want], columns: list[int],
                   optimise: Optimise, mean: np.ndarray, rng: np.random.Generator,
                   x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores and P(better) per candidate for a target pushed up or down while the windows
    hold: E[max(0, s·y - best) · 1(inside every window)] (s = +1 up, -1 down), best being
    the best measured sample inside every window. While no measured sample is inside them,
    the score is the probability of landing inside (feasibility first). A tiny term in the
    expected value ranks candidates where no draw improves, so a batch is never empty."""
    k = models.targets.index(optimise.target)
    names = [w.target for w in wants] + [optimise.target]
    samples = _predictive_draws(models, names, mean, rng, x)
    value = optimise.sign * samples[:, :, k]
    inside = (_window_distance(samples, wants, columns) == 0 if wants
              else np.ones(value.shape, dtype=bool))
    y = measured_targets(models, names)
    ok = np.isfinite(y[:, k]) if len(y) else np.zeros(0, dtype=bool)
    if wants and len(y):
        ok &= _window_distance(y, wants, columns) == 0
    expected = value.mean(axis=1)
    span = float(np.ptp(expected)) or 1.0
    tiny = 1e-3 * (expected - expected.min()) / span
    if not ok.any():
        feasible = inside.mean(axis=1)
        return feasible + tiny, feasible
    best = float(np.max(optimise.sign * y[ok, k]))
    gain = np.where(inside, np.maximum(value - best, 0.0), 0.0)
    return gain.mean(axis=1) + tiny, ((value > best) & inside).mean(axis=1)
