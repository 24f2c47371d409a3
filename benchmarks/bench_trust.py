"""Per target and model on the example data: leakage-free MAE, the coverage and mean width of
the conformal 90% intervals (each held-out sample judged by an interval built without it),
which model the app chooses, and how long the whole evaluation takes.

Usage: python benchmarks/bench_trust.py [--level 0.9] [--epochs N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from nrstudio.core.modeling.evaluation import cross_validate
from nrstudio.core.modeling.model_choice import choose_models
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.run_settings import EvaluationSettings
from nrstudio.core.project.file_format import load_project

EXAMPLE = Path(__file__).resolve().parents[1] / "resources/examples/cdse-cds-nanorods.nrproj"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", type=float, default=0.9)
    parser.add_argument("--epochs", type=int, default=NetworkSettings.max_epochs)
    args = parser.parse_args()
    ds = load_project(EXAMPLE).dataset
    settings = EvaluationSettings(level=args.level,
                                  network=NetworkSettings(max_epochs=args.epochs))
    t0 = time.perf_counter()
    ev = cross_validate(ds, settings)
    seconds = time.perf_counter() - t0
    m = ev.metrics[(ev.metrics.protocol == "honest") & (ev.metrics.subset == "original")]
    table = m.pivot_table(index=["target", "model"], columns="metric", values="mean")
    available = {t: set(m.model) for t in ds.targets}
    choices = choose_models(ds.targets, ev, available)
    pct = round(100 * args.level)
    print(f"{'target':<22} {'model':<18} {'MAE':>8} {'coverage':>9} {'width':>8}  chosen")
    for (target, model), row in table.iterrows():
        mark = "<-" if choices[target].model == model else ""
        print(f"{target:<22} {model:<18} {row['MAE']:>8.3g} {row['coverage']:>8.0%} "
              f"{row['interval width']:>8.3g}  {mark}")
    print(f"\n{pct}% intervals, leave-one-out over {len(ds)} samples; "
          f"whole leakage-free evaluation (5 models x 3 targets): {seconds:.1f} s")


if __name__ == "__main__":
    main()
