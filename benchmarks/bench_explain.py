"""How readable and faithful the tabular LIME explanations are (prints a table).

Usage: python benchmarks/bench_explain.py [--tables example,cspbbr3,generated]
           [--models gaussian_process,random_forest,ridge,network] [--locality X]
           [--points N] [--samples N] [--repeats N] [--paper] [--chosen]

For each table, target and model: the median local fidelity, the share of explanations
flagged, the share whose weights agree with the model's slope × SD within 20 % (networks,
Gaussian processes and ridge), and the time of the heat map. The models are fitted on each
table's training originals (the networks as the app's final ensemble). ``--paper`` adds
the same rows with LIME's defaults (locality 1 SD), the paper's setting. ``--chosen`` runs
the default leakage-free evaluation first and marks the model the app would choose.

Tables: the bundled example (28 syntheses), ``../shared/data/luber-cspbbr3`` (289 real
CsPbBr3 syntheses, the antisolvent as a text condition) and a generated 120-row table with
text conditions (``make_synthesis_table``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.synthetic_tables import make_synthesis_table
from nrstudio.core.data.table_io import import_table, read_csv_bytes
from nrstudio.core.data.table_roles import dataset_from_raw
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.explanations import SLOPE_TOLERANCE
from nrstudio.core.modeling.final_models import FinalModels, fit_tabular_set
from nrstudio.core.modeling.predict import train_final_models
from nrstudio.core.modeling.training_data import training_data
from nrstudio.core.project.file_format import load_project

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "resources/examples/cdse-cds-nanorods.nrproj"
LUBER = REPO.parent / "shared/data/luber-cspbbr3/dataset_synthesizer.csv"
KINDS = ("gaussian_process", "random_forest", "ridge", "network")


def load(name: str) -> Dataset:
    if name == "example":
        return load_project(EXAMPLE).dataset
    if name == "cspbbr3":
        return import_table(LUBER)
    if name == "generated":
        table = make_synthesis_table(n_rows=120, n_numeric=8, n_categories=3, seed=11)
        return dataset_from_raw(read_csv_bytes(table.csv()))
    raise SystemExit(f"unknown table {name}")


def chosen_models(ds: Dataset) -> dict[str, str]:
    from nrstudio.core.modeling.pipeline import run_pipeline
    from nrstudio.core.modeling.run_settings import RunSettings

    result = run_pipeline(ds, RunSettings(explain=False))
    return dict(zip(result.models.targets, result.models.chosen(), strict=True))


def summarise(table: str, kind: str, locality: str, models: FinalModels, points: np.ndarray,
              labels: list[str], settings: LimeSettings, chosen: dict[str, str]) -> None:
    t0 = time.perf_counter()
    expl = models.explain(points, labels, settings)
    secs = time.perf_counter() - t0
    flagged = expl.flagged
    err = expl.slope_errors()
    for k, target in enumerate(expl.targets):
        fid = np.median(expl.fidelity[:, k])
        e = err[:, k]
        agree = (f"{np.mean(e[np.isfinite(e) | np.isinf(e)] <= SLOPE_TOLERANCE):6.0%}"
                 if np.isfinite(e).any() or np.isinf(e).any() else "   n/a")
        mark = "*" if chosen.get(target) == kind else " "
        print(f"{table:<10} {target[:22]:<22} {kind:<17}{mark} {locality:>7} {len(points):>4} "
              f"{fid:8.3f} {flagged[:, k].mean():8.0%} {agree:>8} {secs:8.1f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", default="example,cspbbr3,generated")
    ap.add_argument("--models", default=",".join(KINDS))
    ap.add_argument("--locality", type=float, default=None)
    ap.add_argument("--points", type=int, default=40, help="explained rows per table (spread)")
    ap.add_argument("--samples", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--paper", action="store_true", help="also LIME's defaults (locality 1)")
    ap.add_argument("--chosen", action="store_true", help="mark the model the app chooses")
    args = ap.parse_args()
    print(f"{'table':<10} {'target':<22} {'model':<18} {'locality':>7} {'pts':>4} "
          f"{'fidelity':>8} {'flagged':>8} {'slope ok':>8} {'time s':>8}")
    for table in args.tables.split(","):
        ds = load(table)
        chosen = chosen_models(ds) if args.chosen else {}
        data = training_data(ds)
        rows = np.linspace(0, len(data.x) - 1, min(args.points, len(data.x))).round().astype(int)
        points = data.x[rows]
        labels = [str(data.ids[r]) for r in rows]
        kinds = args.models.split(",")
        tabular = fit_tabular_set(ds, [k for k in kinds if k != "network"])
        ensemble = train_final_models(ds) if "network" in kinds else None
        for kind in kinds:
            models = FinalModels(ensemble, tabular, None, dict.fromkeys(data.targets, kind))
            runs = [("auto", args.locality)] + ([("paper", 1.0)] if args.paper else [])
            for name, loc in runs:
                settings = LimeSettings(num_samples=args.samples, repeats=args.repeats,
                                        locality=loc)
                summarise(table, kind, name if loc is None else f"{loc:g}", models, points,
                          labels, settings, chosen)


if __name__ == "__main__":
    main()
