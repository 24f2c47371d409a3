"""Time and peak memory of ``nrstudio run`` with default settings as the table grows.

Usage: python benchmarks/bench_table_sizes.py [--sizes 28,100,250,1000] [--repeats 1]
       [--literature]

Each table comes from :func:`make_synthesis_table` (20 number inputs, 5 text conditions, a
constant column, every missing-value marker, three targets with gaps), plus the bundled
example (the paper's 28 rows). Every run is a separate process (``python -m nrstudio run``)
so that its peak resident memory is its own; the table prints wall time, peak memory and
the rows the augmentation made. ``--literature`` adds a literature-sized table: 3,500 rows,
25 number inputs and 10 text conditions, 8 of them with up to 30 levels (issue 30's goal:
at most 10 minutes and 3 GB).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nrstudio.core.data.synthetic_tables import make_synthesis_table

EXAMPLE = Path(__file__).resolve().parents[1] / "resources/examples/cdse-cds-nanorods.nrproj"


def run_once(source: Path, out: Path) -> tuple[float, float, int]:
    """(seconds, peak MB, augmented rows of the whole-table augmentation)."""
    cmd = [sys.executable, "-m", "nrstudio", "run", str(source), "--out", str(out)]
    if source.suffix == ".nrproj":
        cmd.append("--no-save")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-1:]
        raise SystemExit(f"{source.name}: exit {proc.returncode}: {tail}")
    with open(out / "augmented.csv", newline="") as fh:
        rows = sum(1 for _ in csv.reader(fh)) - 1
    return seconds, usage.ru_maxrss / 1024, rows  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="28,100,250,1000")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-example", action="store_true")
    parser.add_argument("--literature", action="store_true",
                        help="add 3,500 rows x 25 numbers + 10 texts of up to 30 levels")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'table':<32} {'rows':>6} {'inputs':>7} {'time s':>8} {'peak MB':>8} "
          f"{'augmented':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        sources = [] if args.no_example else [("example (paper, 28 rows)", EXAMPLE, 28, 3)]
        for n in sizes:
            path = Path(tmp) / f"table-{n}.csv"
            path.write_bytes(make_synthesis_table(n, seed=n).csv())
            sources.append(("generated, 20 numbers + 5 texts", path, n, 26))
        if args.literature:
            path = Path(tmp) / "table-literature.csv"
            path.write_bytes(make_synthesis_table(3500, 25, 10, seed=1, many_levels=30).csv())
            sources.append(("generated, 25 numbers + 10 texts", path, 3500, 36))
        for label, source, n, d in sources:
            for r in range(args.repeats):
                seconds, peak, rows = run_once(source, Path(tmp) / f"out-{n}-{r}")
                print(f"{label:<32} {n:>6} {d:>7} {seconds:>8.1f} {peak:>8.0f} {rows:>10,}",
                      flush=True)


if __name__ == "__main__":
    main()
