"""Opening large files: time and peak memory (prints a table).

1. The largest legal project: a table at the row limit (200,000 rows x 7 columns), an image
   of 80 megapixels, a results member of 30 MB; saved, then opened in a fresh process.
2. Validating a large CSV (default 200 MB; rows x 10 numeric columns): read, typed and
   validated in a fresh process, or refused when it is over the table limits.

Each step runs in its own Python process so that its peak memory (ru_maxrss) is its own.
Usage: python benchmarks/bench_files.py [--csv-mb 200] [--keep DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

MEASURE = textwrap.dedent("""
    import sys, time
    t0 = time.perf_counter()
    outcome = "ok"
    try:
        {body}
    except Exception as exc:  # a refusal is an outcome too
        outcome = f"refused: {{str(exc)[:90]}}"
    secs = time.perf_counter() - t0
    # VmHWM: this process's own peak (ru_maxrss would start from the parent's at fork).
    peak = next(int(line.split()[1]) for line in open("/proc/self/status")
                if line.startswith("VmHWM")) / 1024
    print(f"{{secs:.1f}}|{{peak:.0f}}|{{outcome}}")
""")


def measure(body: str) -> tuple[float, float, str]:
    code = MEASURE.format(body=textwrap.indent(textwrap.dedent(body), "    ").strip())
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=1800)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    secs, peak, outcome = out.stdout.strip().splitlines()[-1].split("|", 2)
    return float(secs), float(peak), outcome


def largest_project(path: Path) -> None:
    from PIL import Image

    from nrstudio.core.data.dataset import Column, Dataset, Kind, Role
    from nrstudio.core.project.file_format import MAX_PROJECT_ROWS, save_project
    from nrstudio.core.project_model import AttachedImage, Project

    rng = np.random.default_rng(0)
    n = MAX_PROJECT_ROWS
    cols = [Column("Sample", Role.SAMPLE_ID, "", Kind.TEXT)] + [
        Column(f"x{j} (nm)", Role.INPUT, "nm") for j in range(3)] + [
        Column(f"y{j} (nm)", Role.TARGET, "nm") for j in range(3)]
    values = rng.random((n, 6)) * 100
    rows = [[f"s{i}", *map(float, values[i])] for i in range(n)]
    ds = Dataset.from_records(cols, rows)
    img = rng.integers(0, 255, (8000, 10000), dtype=np.uint8)
    import io

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG", compress_level=1)
    results = {"big": {"values": (rng.random(2_500_000)).round(6).tolist()}}
    project = Project(ds, results=results,
                      images=[AttachedImage("i1", "s1", "big.png", buf.getvalue(), 0.5, {})])
    save_project(project, path)


def large_csv(path: Path, megabytes: float, max_rows: int | None = None) -> int:
    rng = np.random.default_rng(1)
    header = "Sample," + ",".join(f"x{j} (nm)" for j in range(7)) + "," + ",".join(
        f"Average Length {j} (nm)" for j in range(3)) + "\n"
    rows = 0
    with path.open("w") as fh:
        fh.write(header)
        while fh.tell() < megabytes * 1024**2 and (max_rows is None or rows < max_rows):
            block = rng.random((20_000, 10)) * 100
            lines = "".join(f"s{rows + i}," + ",".join(f"{v:.6f}" for v in row) + "\n"
                            for i, row in enumerate(block))
            fh.write(lines)
            rows += len(block)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv-mb", type=float, default=200)
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    project = folder / "largest.nrproj"
    t0 = time.perf_counter()
    largest_project(project)
    made = time.perf_counter() - t0
    secs, peak, outcome = measure(f"""
        from nrstudio.core.project.file_format import load_project
        p = load_project({str(project)!r})
        from nrstudio.core.micrographs.images import read_micrograph
        read_micrograph(p.images[0].data, p.images[0].filename)
    """)
    results.append((f"open the largest legal project ({project.stat().st_size / 2**20:.0f} MB "
                    "on disk) and decode its image", secs, peak, outcome))
    from nrstudio.core.data.table_io import MAX_TABLE_ROWS

    for name, mb, cap in (("large.csv", args.csv_mb, None),
                          ("at-the-limit.csv", args.csv_mb, MAX_TABLE_ROWS)):
        csv = folder / name
        n = large_csv(csv, mb, cap)
        secs, peak, outcome = measure(f"""
            from nrstudio.core.data.table_io import dataset_from_raw, read_table
            from nrstudio.core.data.validation import validate_dataset
            ds = dataset_from_raw(read_table({str(csv)!r}))
            validate_dataset(ds)
        """)
        results.append((f"validate a {csv.stat().st_size / 2**20:.0f} MB CSV ({n:,} rows x 11 "
                        "columns)", secs, peak, outcome))
    print(f"(made the project in {made:.0f} s; files in {folder})\n")
    print("| step | seconds | peak memory | outcome |\n| --- | --- | --- | --- |")
    for name, secs, peak, outcome in results:
        print(f"| {name} | {secs:.1f} | {peak:.0f} MB | {outcome} |")


if __name__ == "__main__":
    main()
