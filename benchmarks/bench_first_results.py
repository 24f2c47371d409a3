"""Seconds from *Train* to the first leakage-free results, to the Gaussian process's, and to
the end.

Usage: python benchmarks/bench_first_results.py [--repeats 2] [--full] [--tables a,b,c]

A default ``run_pipeline`` (no LIME, as the Train page runs it) on each table. Its
``on_fast`` callback fires once the quick baselines (mean, ridge, forest) are evaluated and
fitted, and again once the Gaussian process is: what the Train page shows, and what Predict
and Design use, while the rest trains. Without ``--full`` the run is cancelled after the
Gaussian process, before the networks; with it, the run goes on to the end.

Tables: the bundled example (28 rows x 3 inputs), the real CsPbBr3 table beside this
checkout (``../shared/data/luber-cspbbr3``, 289 rows, 13 inputs, one text condition) when
it is there, and generated tables of 300 rows x 30 inputs (25 numbers, 5 text conditions)
and 3,500 rows x 35 inputs (25 numbers, 10 text conditions, 8 of them with 30 levels).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.synthetic_tables import make_synthesis_table
from nrstudio.core.data.table_io import import_table
from nrstudio.core.errors import Cancelled
from nrstudio.core.modeling.baselines import baseline_batches
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.pipeline import run_pipeline
from nrstudio.core.modeling.run_settings import RunSettings
from nrstudio.core.project.file_format import load_project

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "resources/examples/cdse-cds-nanorods.nrproj"
LUBER = ROOT.parent / "shared/data/luber-cspbbr3/dataset_synthesizer.csv"


def generated(rows: int, numbers: int, texts: int, levels: int = 0) -> Dataset:
    table = make_synthesis_table(rows, numbers, texts, seed=1, many_levels=levels)
    path = Path(f"/tmp/nrstudio-bench-first-{rows}-{numbers}-{texts}.csv")
    path.write_bytes(table.csv())
    return import_table(path)


def tables(names: list[str]) -> list[tuple[str, Dataset]]:
    out = []
    for name in names:
        if name == "example":
            out.append(("example 28 x 3", load_project(EXAMPLE).dataset))
        elif name == "luber" and LUBER.exists():
            out.append(("CsPbBr3 289 x 13", import_table(LUBER)))
        elif name == "300x30":
            out.append(("generated 300 x 30", generated(300, 25, 5)))
        elif name == "3500x35":
            out.append(("generated 3500 x 35", generated(3500, 25, 10, 30)))
    return out


def time_run(dataset: Dataset, full: bool) -> tuple[list[float], float | None]:
    """(seconds to each batch of fast results, seconds to the end or None when cancelled
    before the networks)."""
    settings = RunSettings(explain=False, lime=LimeSettings())
    batches = len(baseline_batches(settings.evaluation.baselines))
    t0 = time.perf_counter()
    seen: list[float] = []

    def on_fast(_fast: object) -> None:
        seen.append(time.perf_counter() - t0)

    def cancel() -> bool:
        return len(seen) >= batches and not full

    try:
        run_pipeline(dataset, settings, None, cancel, on_fast=on_fast)
    except Cancelled:
        return seen, None
    return seen, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--full", action="store_true", help="also time the networks")
    parser.add_argument("--tables", default="example,luber,300x30")
    args = parser.parse_args()
    print(f"{'table':<22} {'repeat':>6} {'first results s':>16} {'with GP s':>10} "
          f"{'whole run s':>12}")
    for label, dataset in tables(args.tables.split(",")):
        for r in range(args.repeats):
            seen, whole = time_run(dataset, args.full)
            print(f"{label:<22} {r + 1:>6} {seen[0]:>16.1f} {seen[-1]:>10.1f} "
                  f"{'-' if whole is None else f'{whole:.1f}':>12}", flush=True)


if __name__ == "__main__":
    main()
