"""How far the status bar's time-left estimate is from the truth (prints a table).

Runs the Train page's pipeline (no explanations, as the GUI's Train button does) on the
example and on generated 60- and 35-row tables, records every progress report, and at 10%,
25%, 50%, 75% and 90% of the true run time prints the estimate the status bar would show
(its formula, :func:`nrstudio.gui.app.job_status.time_left`) against the true time left.
Two shares summarise every estimate until the last 5% of the run: of the time left within
a factor of 1.5 of the true time left, and of the whole run's forecast (time so far plus
time left, what "it will take about N minutes" means) within 1.5 of the run's true time,
both counted from the networks' first epochs (the goal) and from the first estimate.

Usage: python benchmarks/bench_eta.py [--epochs N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nrstudio.core.data.synthetic_tables import make_synthesis_table
from nrstudio.core.data.table_io import dataset_from_raw, read_csv_bytes
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.pipeline import run_pipeline
from nrstudio.core.modeling.run_settings import EvaluationSettings, RunSettings
from nrstudio.core.project.example import example_project_path
from nrstudio.core.project.file_format import load_project
from nrstudio.gui.app.job_status import time_left


def measure(name: str, dataset, epochs: int | None) -> None:  # type: ignore[no-untyped-def]
    net = NetworkSettings() if epochs is None else NetworkSettings(max_epochs=epochs)
    settings = RunSettings(EvaluationSettings(network=net), lime=LimeSettings(), explain=False)
    seen: list[tuple[float, float, str]] = []
    t0 = time.perf_counter()
    run_pipeline(dataset, settings, lambda f, s: seen.append((time.perf_counter() - t0, f, s)))
    total = time.perf_counter() - t0
    print(f"\n{name}: {total:.1f} s in all")
    first = next(((t, f) for t, f, _s in seen if time_left(t, f) is not None), None)
    if first is not None:
        print(f"first estimate after {first[0]:.1f} s ({first[0] / total:.0%} of the run)")
    epochs = next((t for t, _f, s in seen if s.startswith("epoch")), total)
    for since, start in (("the first estimate", 0.0), ("the first epoch", epochs)):
        kept = [(t, time_left(t, f)) for t, f, _s in seen
                if t >= start and time_left(t, f) is not None and total - t > 0.05 * total]
        if not kept:
            continue
        left = np.array([g / (total - t) for t, g in kept])  # type: ignore[operator]
        whole = np.array([(t + g) / total for t, g in kept])  # type: ignore[operator]
        print(f"from {since} ({start:.0f} s) until the last 5%: time left {left.min():.2f} .. "
              f"{left.max():.2f}, {np.mean(abs(np.log(left)) <= np.log(1.5)):.0%} within 1.5x; "
              f"whole run {whole.min():.2f} .. {whole.max():.2f}, "
              f"{np.mean(abs(np.log(whole)) <= np.log(1.5)):.0%} within 1.5x")
    print("| at | true left (s) | estimate (s) | estimate / truth |")
    print("| --- | --- | --- | --- |")
    for share in (0.1, 0.25, 0.5, 0.75, 0.9):
        t, f, _s = next(((t, f, s) for t, f, s in seen if t >= share * total), seen[-1])
        guess = time_left(t, f)
        left = total - t
        ratio = guess / left if guess is not None and left > 0 else float("nan")
        shown = f"{guess:.0f}" if guess is not None else "none yet"
        print(f"| {100 * share:.0f}% | {left:.0f} | {shown} | {ratio:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    measure("example (28 rows, 3 inputs)", load_project(example_project_path()).dataset, args.epochs)
    t = make_synthesis_table(60, n_numeric=6, n_categories=1, seed=3)
    measure("generated (60 rows, 7 inputs)", dataset_from_raw(read_csv_bytes(t.csv())),
            args.epochs)
    t = make_synthesis_table(35, n_numeric=5, n_categories=1, seed=9)
    measure("generated (35 rows, 6 inputs)", dataset_from_raw(read_csv_bytes(t.csv())),
            args.epochs)


if __name__ == "__main__":
    main()
