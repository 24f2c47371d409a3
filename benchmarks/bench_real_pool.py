"""Does the app save experiments on a real pool? Simulated campaigns on a public table of
syntheses nobody here wrote, printed as a table.

Usage: python benchmarks/bench_real_pool.py [--table CSV] [--seeds 30] [--quick]
       [--objectives peak_pos,fwhm,PLQY] [--jobs 2]

The table (default ``../shared/data/luber-cspbbr3/dataset_synthesizer.csv``, 289 CsPbBr3
syntheses) is imported as a new user would, with the app's guessed roles (the antisolvent is
a text condition); each campaign keeps one target and ignores the others. The pool is every
row with that target measured.

- **Windows.** Wanted values spread across the target's range (5th to 95th percentile); each
  window is value ± the smallest tolerance that holds at least 3% of the pool (kept only if
  it holds at most 8%).
- **Maximise.** "as high as possible": a pick succeeds once it is in the pool's top 5%.
- A campaign starts from 5 random rows that do not succeed; each round the app picks one row
  from the rest of the pool (``suggest_experiments`` with ``pool=``, its "reach" or
  "maximise" objective); count the rounds until a pick succeeds. Random order is the
  yardstick, on the same starts.

Why a target is slow: the share of the app's picks that succeeded against the probability of
success it gave them (a model that knows little and says so gives both near the pool's share
of successes), and how well the campaign model ranks the rest of the pool from 10, 20 and
40 rows (rank correlation).

LOO: the rank of the first success when every row is ordered by its leave-one-out prediction
from all other rows; a bound on what any model can do with this table.

rep: how the lab's own replicates (rows run at the same conditions) fare: of the ordered
pairs of replicates whose first row succeeds, how many whose second does too. A window
narrower than the target's reproducibility (0 of many) cannot be aimed at by any method:
running again the very synthesis that hit it misses it.

How sure: 'ratio 90%' is the ratio's 90% interval when the app's seeds are resampled
(bootstrap of the median), and the line under the table says how far random order itself,
measured as the app is (the 'sim' column: the same number of seeded campaigns), lands from
its exact median, target by target: a method that knows nothing scores within that spread.

The campaign model is the Gaussian process (the model the app fits in seconds) calibrated by
its exact leave-one-out residuals, as in ``bench_design.py``.
"""

from __future__ import annotations

import argparse
import itertools
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from campaign_models import loo_calibrated_gp

from nrstudio.core.data.dataset import Dataset, Role
from nrstudio.core.data.table_io import import_table
from nrstudio.core.modeling.design import DesignSpace, Want
from nrstudio.core.modeling.suggest import (
    Optimise,
    SuggestSettings,
    candidate_list,
    suggest_experiments,
)
from nrstudio.core.modeling.training_data import training_data

TABLE = (Path(__file__).resolve().parents[2]
         / "shared/data/luber-cspbbr3/dataset_synthesizer.csv")
START = 5
LIMIT = 120  # picks at most; a campaign not done by then counts LIMIT + 1
SKILL_ROWS = (10, 20, 40)  # the rows a campaign has after a few to a few dozen rounds


@dataclass
class Objective:
    """One thing wanted of one target: a window (value ± tolerance) or the top 5%."""

    target: str
    value: float | None = None  # None: as high as possible
    tolerance: float = 0.0

    @property
    def label(self) -> str:
        if self.value is None:
            return f"{self.target} highest"
        return f"{self.target} {self.value:g} ± {self.tolerance:g}"


def one_target(dataset: Dataset, target: str) -> Dataset:
    """The rows with ``target`` measured; every other target ignored."""
    d = dataset.copy()
    for c in d.columns:
        if c.role == Role.TARGET and c.name != target:
            c.role = Role.IGNORED
    keep = np.isfinite(d.values([target])[:, 0])
    return rows_of(d, np.flatnonzero(keep))


def rows_of(dataset: Dataset, rows: np.ndarray) -> Dataset:
    return Dataset(dataset.table.iloc[rows].copy(), dataset.columns,
                   dataset.rows.iloc[rows].copy())


def random_median(rows: int, good: int) -> float:
    """The exact median number of rounds until a random order of ``rows`` rows, ``good`` of
    them successes, reaches its first success (drawn without replacement): the yardstick,
    free of the noise of simulated random campaigns."""
    survive = 1.0
    for r in range(1, rows + 1):
        survive *= (rows - good - r + 1) / (rows - r + 1)  # P(no success in r picks)
        if survive <= 0.5:
            return float(r)
    return float(rows)


def nice_unit(span: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) near a 200th of ``span``."""
    raw = span / 200
    power = 10.0 ** np.floor(np.log10(raw))
    return float(min((m * power for m in (1, 2, 5, 10)), key=lambda u: abs(np.log(u / raw))))


def windows_of(y: np.ndarray, count: int = 8) -> list[tuple[float, float]]:
    """``count`` wanted values across the 5th-95th percentile, each with the smallest
    tolerance (in round steps of about a 200th of the range) holding >= 3% of ``y``; those
    holding more than 8% are left out."""
    lo, hi = np.percentile(y, [5, 95])
    unit = nice_unit(float(y.max() - y.min()))
    out = []
    for value in np.linspace(lo, hi, count):
        value = round(float(np.round(value / unit) * unit), 10)
        tol = unit
        while np.mean(np.abs(y - value) <= tol) < 0.03:
            tol += unit
        if np.mean(np.abs(y - value) <= tol) <= 0.08:
            out.append((value, round(float(tol), 10)))
    return out


def successes(y: np.ndarray, objective: Objective) -> np.ndarray:
    """(n,) bool: the values of ``y`` (n,) that meet the objective."""
    if objective.value is None:
        return y >= np.quantile(y, 0.95)
    return np.abs(y - objective.value) <= objective.tolerance


def replicate_agreement(pool: Dataset, objective: Objective) -> tuple[int, int]:
    """(pairs of replicates whose first row succeeds, of which the second does too;
    replicates as the leakage-free folds see them: :meth:`TrainingData.units`)."""
    data = training_data(pool, [objective.target])
    good = successes(data.y[:, 0], objective)
    units = data.units()
    pairs = agree = 0
    for u in np.unique(units):
        rows = np.flatnonzero(units == u)
        for a, b in itertools.permutations(rows, 2):
            if good[a]:
                pairs += 1
                agree += int(good[b])
    return pairs, agree


def replicate_spread(pool: Dataset, target: str) -> float:
    """The median |difference| of ``target`` between two runs of the same conditions."""
    data = training_data(pool, [target])
    units = data.units()
    y = data.y[:, 0]
    diffs = [abs(y[a] - y[b]) for u in np.unique(units)
             for a, b in itertools.combinations(np.flatnonzero(units == u), 2)]
    return float(np.median(diffs)) if diffs else float("nan")


def loo_rank(pool: Dataset, objective: Objective) -> int:
    """How far any campaign could get: every row predicted by the Gaussian process fitted on
    all the others (exact leave-one-out, far more rows than a campaign ever has), rows ordered
    by how well that prediction meets the objective; the rank of the first true success. A
    rank near the random median says the conditions hardly tell this objective."""
    models = loo_calibrated_gp(pool, objective.target)
    p = models.evaluation.predictions  # type: ignore[union-attr]
    y, loo = p.truth.to_numpy(float), p.prediction.to_numpy(float)
    good = successes(y, objective)
    order = (np.argsort(-loo) if objective.value is None
             else np.argsort(np.abs(loo - objective.value)))
    return int(np.flatnonzero(good[order])[0]) + 1


@dataclass
class Campaign:
    """One simulated campaign: ``rounds`` until a pick succeeded (LIMIT + 1: none did) and,
    for the app, the probability of success it gave each pick (empty for random order and
    for "as high as possible", whose score is a gain)."""

    rounds: int
    predicted: list[float]


def campaign(pool: Dataset, objective: Objective, seed: int, strategy: str) -> Campaign:
    """Rounds until a pick succeeds (LIMIT + 1 when none does), and the app's probabilities."""
    y = pool.values([objective.target])[:, 0]
    good = successes(y, objective)
    rng = np.random.default_rng(seed)
    measured = list(rng.choice(np.flatnonzero(~good), size=START, replace=False))
    order = rng.permutation(np.setdiff1d(np.arange(len(y)), measured))
    predicted: list[float] = []
    for rounds in range(1, LIMIT + 1):
        rest = np.setdiff1d(np.arange(len(y)), measured)
        if strategy == "random":
            pick = int(order[rounds - 1])
        else:
            pick, probability = app_pick(pool, measured, rest, objective, seed + rounds)
            if objective.value is not None:
                predicted.append(probability)
        if good[pick]:
            return Campaign(rounds, predicted)
        measured.append(pick)
    return Campaign(LIMIT + 1, predicted)


def app_pick(pool: Dataset, measured: list[int], rest: np.ndarray, objective: Objective,
             seed: int) -> tuple[int, float]:
    """The app's next row of the pool, and the probability of success it gave that row."""
    models = loo_calibrated_gp(rows_of(pool, np.array(measured)), objective.target)
    candidates = candidate_list(models, rows_of(pool, rest))
    if objective.value is None:
        optimise: Optimise | None = Optimise(objective.target)
        wants: list[Want] = []
    else:
        wants = [Want(objective.target, objective.value, objective.tolerance)]
        optimise = None
    result = suggest_experiments(models, wants, DesignSpace(), SuggestSettings(n=1, seed=seed),
                                 pool=candidates.conditions, optimise=optimise)
    if not result.suggestions:
        raise RuntimeError(f"no suggestion: {result.notes}")
    best = result.suggestions[0]
    return int(rest[candidates.list_row(best)]), best.probability


def run_one(args: tuple[Dataset, Objective, int, str]) -> Campaign:
    return campaign(*args)


def skill(pool: Dataset, target: str, rows: int, repeats: int = 12) -> float:
    """How well the campaign model tells ``target`` with a campaign's few rows: the median,
    over ``repeats`` seeded draws of ``rows`` rows, of the rank correlation (Spearman)
    between its predictions and the truth on the rest of the pool."""
    from scipy.stats import spearmanr

    y = pool.values([target])[:, 0]
    out = []
    for seed in range(repeats):
        known = np.random.default_rng(seed).choice(len(y), rows, replace=False)
        rest = np.setdiff1d(np.arange(len(y)), known)
        models = loo_calibrated_gp(rows_of(pool, known), target)
        candidates = candidate_list(models, rows_of(pool, rest))
        guess = models.predict_mean(candidates.conditions)[:, 0]
        out.append(spearmanr(guess, y[rest][candidates.rows]).correlation)
    return float(np.nanmedian(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, default=TABLE)
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="6 seeds, 4 windows")
    parser.add_argument("--objectives", default="peak_pos,fwhm,PLQY",
                        help="targets: a name alone means windows; PLQY means highest")
    parser.add_argument("--jobs", type=int, default=2, help="processes")
    args = parser.parse_args()
    dataset = import_table(args.table)
    seeds = range(6 if args.quick else args.seeds)
    print(f"{args.table.name}: {len(dataset)} rows; inputs "
          f"{', '.join(dataset.inputs)}")
    print("rounds until a pick succeeds: random order (its exact median, and the median of "
          "simulated campaigns on the same starts), the app (median, mean, 90th percentile; "
          f"{LIMIT + 1} = not done within {LIMIT})")
    print("hit %: the share of the app's picks that succeeded (of all picks, every seed); "
          "P %: the probability of success the app gave them, on average (windows only): "
          "when the two agree and sit near the pool's share of successes, the model is "
          "honest about knowing little")
    print(f"{'objective':<24} {'rows ok':>7} {'random':>7} {'sim':>6} {'app':>6} "
          f"{'mean':>6} {'p90':>6} {'ratio':>6} {'ratio 90%':>11} {'LOO':>5} {'ok %':>5} "
          f"{'hit %':>5} "
          f"{'P %':>5} {'rep':>6} {'time s':>7}")
    ratios = []
    random_spread: dict[str, list[float]] = {}  # exact / simulated random median, by target
    for spec in args.objectives.split(","):
        maximise = spec.upper() == "PLQY" or spec.endswith("+")
        target = spec.rstrip("+")
        pool = one_target(dataset, target)
        y = pool.values([target])[:, 0]
        objectives = ([Objective(target)] if maximise
                      else [Objective(target, v, t) for v, t in windows_of(y)])
        if args.quick:
            objectives = objectives[::2]
        for objective in objectives:
            ok = int(successes(y, objective).sum())
            t0 = time.perf_counter()
            with ProcessPoolExecutor(args.jobs) as ex:
                runs = list(ex.map(run_one, [(pool, objective, s, "app") for s in seeds]))
            app = np.array([c.rounds for c in runs])
            sim = np.array([campaign(pool, objective, s, "random").rounds for s in seeds])
            r = random_median(len(y) - START, ok)
            a = float(np.median(app))
            ratios.append(r / a)
            random_spread.setdefault(target, []).append(r / float(np.median(sim)))
            draws = np.random.default_rng(0).choice(app, (2000, len(app)))
            lo, hi = np.percentile(np.median(draws, axis=1), [5, 95])
            picks = np.minimum(app, LIMIT).sum()
            hits = (app <= LIMIT).sum()
            given = [p for c in runs for p in c.predicted]
            told = f"{100 * np.mean(given):>5.1f}" if given else f"{'':>5}"
            pairs, agree = replicate_agreement(pool, objective)
            print(f"{objective.label:<24} {ok:>7} {r:>7.1f} {np.median(sim):>6.1f} {a:>6.1f} "
                  f"{app.mean():>6.1f} {np.percentile(app, 90):>6.1f} {r / a:>6.2f} "
                  f"{f'{r / hi:.2f}-{r / lo:.2f}':>11} "
                  f"{loo_rank(pool, objective):>5d} {100 * ok / len(y):>5.1f} "
                  f"{100 * hits / picks:>5.1f} {told} {f'{agree}/{pairs}':>6} "
                  f"{time.perf_counter() - t0:>7.1f}",
                  flush=True)
    print(f"median ratio random / app over {len(ratios)} objectives: {np.median(ratios):.2f}; "
          f"worst {min(ratios):.2f}")
    for target, spread in random_spread.items():
        print(f"random order measured as the app is ({len(seeds)} seeds) on {target}: "
              f"{min(spread):.2f} to {max(spread):.2f} times its exact median")
    print("How well a campaign's model tells each target (rank correlation of its predictions "
          "with the rest of the pool, median of 12 draws of that many rows):")
    for spec in args.objectives.split(","):
        target = spec.rstrip("+")
        pool = one_target(dataset, target)
        print(f"  {target:<12} " + "  ".join(f"{n} rows {skill(pool, target, n):.2f}"
                                            for n in SKILL_ROWS)
              + f"; replicates differ by {replicate_spread(pool, target):.3g} (median), "
              f"the pool's SD is {np.std(pool.values([target])[:, 0]):.3g}", flush=True)


if __name__ == "__main__":
    main()
