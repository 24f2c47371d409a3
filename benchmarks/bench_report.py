"""How long the report of the example takes after a full run (default settings, both
protocols, LIME on every sample, 4 measured micrographs, a kept design), HTML alone and HTML +
PDF, repeated; and how large the files are.

Usage: python benchmarks/bench_report.py [--repeats 3] [--project FILE]
(--project: an already trained project, to skip the run)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from nrstudio.core.micrographs.measure import analyse_image
from nrstudio.core.modeling.design import Want, design_conditions
from nrstudio.core.modeling.design_record import DesignRecord, DesignRecords, candidate_table
from nrstudio.core.modeling.pipeline import run_pipeline
from nrstudio.core.modeling.run_settings import EvaluationSettings, RunSettings
from nrstudio.core.project.attachments import store_measurement
from nrstudio.core.project.file_format import load_project, save_project
from nrstudio.core.project.run_results import store_in_project
from nrstudio.core.project.sections import write_section
from nrstudio.core.report.export import write_report
from nrstudio.resources import example_project


def trained_example(folder: Path) -> Path:
    project = load_project(example_project())
    started = time.perf_counter()
    result = run_pipeline(project.dataset, RunSettings(EvaluationSettings(
        protocols=("honest", "paper"))))
    store_in_project(project, result)
    print(f"full run: {time.perf_counter() - started:.1f} s")
    for image in project.images[:4]:
        store_measurement(image, analyse_image(image.data, image.filename, image.nm_per_px))
    models = result.models
    design = design_conditions(models, [Want(models.targets[0], 60.0, 5.0)])
    write_section(project, "design", DesignRecords(
        design=DesignRecord("design", ["length = 60 ± 5"], candidate_table(models,
                                                                          design.candidates))))
    path = folder / "trained.nrproj"
    save_project(project, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--project", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    path = args.project or trained_example(folder)
    times: dict[str, list[float]] = {"html": [], "html + pdf": []}
    sizes: dict[str, int] = {}
    for _ in range(args.repeats):
        for kind, pdf in (("html", False), ("html + pdf", True)):
            started = time.perf_counter()
            files = write_report(load_project(path), folder / kind.replace(" ", ""), pdf)
            times[kind].append(time.perf_counter() - started)
            sizes["report.html"] = files.html.stat().st_size
            sizes["figures"] = sum(p.stat().st_size for p in files.figures)
            if files.pdf is not None:
                sizes["report.pdf"] = files.pdf.stat().st_size
    print(f"\n{'report':<12} {'median s':>9} {'min s':>7} {'max s':>7}   (load + write, "
          f"{args.repeats} repeats)")
    for kind, ts in times.items():
        print(f"{kind:<12} {statistics.median(ts):9.2f} {min(ts):7.2f} {max(ts):7.2f}")
    print()
    for name, size in sizes.items():
        print(f"{name:<12} {size / 1e6:8.2f} MB")


if __name__ == "__main__":
    main()
