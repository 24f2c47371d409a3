"""A run on a busy machine (prints a table).

Runs ``nrstudio run`` (default settings unless options are given) on a copy of the example
(28 rows, a real-sized table) three times: alone, beside two CPU-bound programs (pure-Python
busy loops, one per core of a 2-core machine), and alone again. Prints the wall times and the
ratio busy / quiet (the mean of the two quiet runs). A fair share of 2 cores among 3 busy
programs would give about 2x; the goal is at most 2.5x.

Usage: python benchmarks/bench_busy.py [--hogs 2] [-- extra options for nrstudio run]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nrstudio.core.project.example import example_project_path

HOG = "while True: pass"


def timed_run(project: Path, out: Path, extra: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nrstudio", "run", str(project), "--out", str(out),
                    "--no-save", *extra], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hogs", type=int, default=2, help="CPU-bound programs beside the run")
    ap.add_argument("extra", nargs="*", help="options passed to nrstudio run (after --)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="nrstudio-busy-"))
    project = folder / "example.nrproj"
    shutil.copy(example_project_path(), project)
    quiet1 = timed_run(project, folder / "a", args.extra)
    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(args.hogs)]
    try:
        busy = timed_run(project, folder / "b", args.extra)
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    quiet2 = timed_run(project, folder / "c", args.extra)
    quiet = (quiet1 + quiet2) / 2
    print(f"| run options | quiet s (two runs) | beside {args.hogs} busy programs s | ratio |")
    print("| --- | --- | --- | --- |")
    print(f"| {' '.join(args.extra) or 'defaults'} | {quiet1:.1f}, {quiet2:.1f} | {busy:.1f} | "
          f"{busy / quiet:.2f}x |")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
