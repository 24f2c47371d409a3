"""Does the app save experiments? Simulated campaigns, printed as a table.

Usage: python benchmarks/bench_design.py [--seeds 30] [--max 60] [--quick]

1. Known functions (3 and 5 inputs, smooth and nonlinear, with noise). Start from 5 random
   syntheses, then run the app's suggestions ("reach" mode, batches of 3) one batch at a
   time; count the experiments until a measured value lands inside the wanted window.
   Compared with random choice and a space-filling (Sobol) design over the same seeds.
2. Pool-based, on the example's 28 real syntheses: the pool is the 28 rows; start from 5
   (none of them within 10% of the wanted length); each round the app picks the next row
   from the rest; count the rounds until it picks a synthesis within 10% of the wanted
   length. Compared with random order.

The campaign model is the Gaussian process (the app's model fitting in seconds), calibrated
with its exact leave-one-out residuals (fixed hyper-parameters), and the app's own
``suggest_experiments`` chooses every batch.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from campaign_models import loo_calibrated_gp

from nrstudio.core.data.dataset import Column, Dataset, Role
from nrstudio.core.modeling.design import DesignSpace, Want
from nrstudio.core.modeling.final_models import FinalModels
from nrstudio.core.modeling.suggest import SuggestSettings, suggest_experiments

EXAMPLE = Path(__file__).resolve().parents[1] / "resources/examples/cdse-cds-nanorods.nrproj"
NOISE = 1.0


def f3(x: np.ndarray) -> np.ndarray:
    return 40 + 30 * np.sin(3 * x[:, 0]) + 20 * x[:, 1] ** 2 - 15 * x[:, 0] * x[:, 2]


def f5(x: np.ndarray) -> np.ndarray:
    return (50 + 25 * np.sin(2.5 * x[:, 0] + x[:, 3]) + 60 * (x[:, 1] - 0.3) ** 2
            - 10 * x[:, 2] * x[:, 4] + 5 * x[:, 3])


def gp_models(x: np.ndarray, y: np.ndarray) -> FinalModels:
    """The campaign model (:func:`campaign_models.loo_calibrated_gp`) on (n, d) inputs x0..
    and (n,) values y."""
    cols = [Column("id", Role.SAMPLE_ID)] + [Column(f"x{j}", Role.INPUT)
                                             for j in range(x.shape[1])] \
        + [Column("y", Role.TARGET)]
    ds = Dataset.from_records(cols, [[f"s{i}", *x[i], y[i]] for i in range(len(x))])
    return loo_calibrated_gp(ds, "y")


def window_for(f, d: int, share: float, rng: np.random.Generator) -> tuple[float, float, float]:
    """A wanted value near the top of f, and a tolerance that ``share`` of the box hits."""
    y = f(rng.uniform(0, 1, (200_000, d)))
    value = float(np.quantile(y, 0.9))
    tol = float(np.quantile(np.abs(y - value), share))
    return value, tol, float(np.mean(np.abs(y - value) <= tol))


def campaign(f, d: int, value: float, tol: float, seed: int, strategy: str, limit: int) -> int:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (5, d))
    y = f(x) + NOISE * rng.standard_normal(5)
    hits = np.flatnonzero(np.abs(y - value) <= tol)
    if len(hits):
        return int(hits[0]) + 1
    if strategy == "sobol":
        from scipy.stats import qmc

        extra = qmc.Sobol(d, scramble=True, seed=seed).random(128)
    while len(x) < limit:
        if strategy == "app":
            models = gp_models(x, y)
            space = DesignSpace(bounds={f"x{j}": (0.0, 1.0) for j in range(d)})
            batch = np.array([s.conditions for s in suggest_experiments(
                models, [Want("y", value, tol)], space,
                SuggestSettings(n=3, samples=2048, seed=seed + len(x))).suggestions])
        elif strategy == "random":
            batch = rng.uniform(0, 1, (3, d))
        else:
            batch = extra[len(x) - 5:len(x) - 2]
        if len(batch) == 0:  # nothing worth trying: the campaign gives up here
            return limit + 1
        yb = f(batch) + NOISE * rng.standard_normal(len(batch))
        for k in range(len(batch)):
            if abs(yb[k] - value) <= tol:
                return len(x) + k + 1
        x, y = np.vstack([x, batch]), np.concatenate([y, yb])
    return limit + 1  # not found within the limit (counted as limit + 1)


def pool_campaign(x: np.ndarray, y: np.ndarray, wanted: float, seed: int, strategy: str) -> int:
    rng = np.random.default_rng(seed)
    good = np.abs(y - wanted) <= 0.1 * wanted
    start = rng.choice(np.flatnonzero(~good), size=5, replace=False)
    measured = list(start)
    rounds = 0
    while len(measured) < len(x):
        rest = np.setdiff1d(np.arange(len(x)), measured)
        rounds += 1
        if strategy == "app":
            models = gp_models(x[measured], y[measured])
            used = [int(name[1:]) for name in models.inputs]
            pool = x[rest][:, used]
            s = suggest_experiments(models, [Want("y", wanted, 0.1 * wanted)],
                                    DesignSpace(bounds={name: (-1e9, 1e9)
                                                        for name in models.inputs}),
                                    SuggestSettings(n=1, seed=seed), pool=pool)
            pick = rest[int(np.flatnonzero((pool == s.suggestions[0].conditions)
                                           .all(axis=1))[0])] if s.suggestions \
                else rng.choice(rest)
        else:
            pick = rng.choice(rest)
        if good[pick]:
            return rounds
        measured.append(int(pick))
    return rounds


POOL_MODELS = ("gaussian_process", "random_forest", "ridge")


@dataclass
class PoolBound:
    """Per model: the rank of the first row within 10% when rows are ordered by their
    leave-one-out prediction, and the leave-one-out MAE (nm)."""

    rank: dict[str, int]
    mae: dict[str, float]


def pool_predictability(x: np.ndarray, y: np.ndarray, wanted: float) -> PoolBound:
    """How well could any model pick from this pool? Per model, every row is predicted from
    the other 27 (leave-one-out, far more than a campaign starting from 5 ever has) and the
    rows are ordered by how close that prediction is to the wanted length; the figure is the
    rank of the first row truly within 10%. It indicates what a campaign can at best expect:
    a model with 5-10 rows predicts worse than one with 27."""
    from nrstudio.core.modeling.baselines import fit_predict_baseline

    good = np.abs(y - wanted) <= 0.1 * wanted
    bound = PoolBound({}, {})
    for kind in POOL_MODELS:
        loo = np.array([fit_predict_baseline(kind, np.delete(x, i, 0), np.delete(y, i),
                                             x[i:i + 1])[0] for i in range(len(y))])
        order = np.argsort(np.abs(loo - wanted))
        bound.rank[kind] = int(np.flatnonzero(good[order])[0]) + 1
        bound.mae[kind] = float(np.mean(np.abs(loo - y)))
    return bound


def summary(counts: list[int]) -> str:
    a = np.array(counts)
    return f"{np.median(a):>6.1f} {np.mean(a):>6.1f} {np.percentile(a, 90):>6.1f}"


def speed() -> None:
    """Time a design and a batch of 3 suggestions with 6 free inputs, for each model."""
    from nrstudio.core.data.synthetic_tables import make_synthesis_table
    from nrstudio.core.data.table_io import dataset_from_raw, read_csv_bytes
    from nrstudio.core.modeling.design import DesignSettings, design_conditions
    from nrstudio.core.modeling.explain import LimeSettings
    from nrstudio.core.modeling.pipeline import run_pipeline
    from nrstudio.core.modeling.run_settings import RunSettings

    table = make_synthesis_table(80, n_numeric=6, n_categories=0, seed=1, markers=False)
    ds = dataset_from_raw(read_csv_bytes(table.csv()))
    result = run_pipeline(ds, RunSettings(explain=False, lime=LimeSettings()))
    models = result.models
    want = [Want("Length (nm)", 80.0, 3.0)]
    print("\n3. speed, 6 free inputs (80 samples; design: 4,096 Sobol points + 8 refined)")
    print(f"{'model':<18} {'design s':>9} {'suggest 3 s':>12}")
    for kind in ("network", "gaussian_process", "random_forest"):
        models.picks = {t: kind for t in models.targets}
        t0 = time.perf_counter()
        design_conditions(models, want, settings=DesignSettings())
        t1 = time.perf_counter()
        suggest_experiments(models, want, settings=SuggestSettings(n=3), dataset=ds)
        t2 = time.perf_counter()
        print(f"{kind:<18} {t1 - t0:>9.2f} {t2 - t1:>12.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--max", type=int, default=60, help="experiments per campaign at most")
    parser.add_argument("--quick", action="store_true", help="5 seeds")
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args()
    if args.speed_only:
        speed()
        return
    seeds = range(5 if args.quick else args.seeds)
    print("1. known functions: experiments until one lands in the window "
          "(median, mean, 90th percentile)")
    print(f"{'function':<10} {'window hit by':>14} {'strategy':<14} {'median':>6} {'mean':>6} "
          f"{'p90':>6} {'time s':>7}")
    for name, f, d in (("3 inputs", f3, 3), ("5 inputs", f5, 5)):
        value, tol, share = window_for(f, d, 0.03, np.random.default_rng(0))
        for strategy in ("random", "sobol", "app"):
            t0 = time.perf_counter()
            counts = [campaign(f, d, value, tol, s, strategy, args.max) for s in seeds]
            print(f"{name:<10} {100 * share:>13.1f}% {strategy:<14} {summary(counts)} "
                  f"{time.perf_counter() - t0:>7.1f}", flush=True)
    from nrstudio.core.project.file_format import load_project

    ds = load_project(EXAMPLE).dataset
    x = ds.values(ds.inputs)
    y = ds.values([t for t in ds.targets if "length" in t.lower()])[:, 0]
    print("\n2. pool of the example's 28 syntheses: rounds until a pick is within 10% of the "
          "wanted length")
    print(f"{'wanted':<10} {'rows within':>14} {'strategy':<14} {'median':>6} {'mean':>6} "
          f"{'p90':>6}")
    for wanted in (30.0, 50.0, 80.0):
        n_good = int((np.abs(y - wanted) <= 0.1 * wanted).sum())
        for strategy in ("random", "app"):
            counts = [pool_campaign(x, y, wanted, s, strategy) for s in seeds]
            print(f"{wanted:<10g} {n_good:>14} {strategy:<14} {summary(counts)}", flush=True)
    print("\n   How far any model could get on this pool: each row predicted from the other 27 "
          "(leave-one-out), rows ordered by |prediction - wanted|; the rank of the first row "
          "within 10%. 2x fewer than random needs a campaign median of at most half the random "
          "median above.")
    print(f"   {'wanted':<8} " + " ".join(f"{k:>18}" for k in POOL_MODELS))
    for wanted in (30.0, 50.0, 80.0):
        b = pool_predictability(x, y, wanted)
        print(f"   {wanted:<8g} " + " ".join(f"{b.rank[k]:>7d} (MAE {b.mae[k]:>4.1f})"
                                             for k in POOL_MODELS))
    speed()


if __name__ == "__main__":
    main()
