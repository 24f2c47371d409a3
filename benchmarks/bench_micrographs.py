"""Speed and accuracy of the micrograph features (prints a table).

Usage: python benchmarks/bench_micrographs.py [--dev FOLDER] [--quick] [--rods-only]
Measures:
- rod measurement on the real development micrographs (../shared/data/tem-dev, when present)
  against the paper's manual means, with the time per 3500 x 2564 image;
- rod measurement on synthetic micrographs with known rods (error of the means): short rods,
  and long thin rods in rafts (faint bodies with dark cores, and evenly dark), with the
  method the automatic choice took and what each method alone gives;
- LIME on one 512 x 512 region at 1,000 samples, for the tile CNN and for a stand-in model
  that costs nothing (LIME's own overhead);
- training the tile CNN with its leave-samples-out evaluation on the example project.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from nrstudio.core.image_models.lime_images import ImageLimeSettings, explain_image
from nrstudio.core.image_models.tile_cnn import ImageModelSettings, train_image_model
from nrstudio.core.micrographs.images import detect_scale_bar, read_micrograph
from nrstudio.core.micrographs.measure import analyse_image, bar_exclusion
from nrstudio.core.micrographs.rod_model import RodSettings
from nrstudio.core.micrographs.rods import measure_rods
from nrstudio.core.micrographs.selection import check_selection
from nrstudio.core.micrographs.synthetic import make_micrograph, make_raft_micrograph
from nrstudio.core.project.example import example_project_path
from nrstudio.core.project.file_format import load_project

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "data" / "tem-dev"
# The paper's manual means (nanorods-28.csv) and the scale bar length in nm of each image.
MANUAL = {"01": (40.0, 4.9, 200), "02": (76.0, 4.4, 200), "04": (21.0, 4.9, 200),
          "12": (128.0, 4.2, 100), "19": (59.0, 3.9, 200), "28": (40.0, 4.0, 200)}


def line(*cells: object) -> None:
    print(" | ".join(f"{c:>10}" if not isinstance(c, str) else f"{c:<10}" for c in cells),
          flush=True)


def real_images(folder: Path) -> None:
    print("\n## Rod measurement on the development micrographs (manual means from the paper)")
    if not folder.is_dir():
        print(f"(skipped: {folder} is not present)")
        return
    line("image", "method", "rods", "length nm", "manual", "error", "width nm", "manual",
         "error", "seconds", "accepted", "bias warning")
    for name, (length, width, bar_nm) in MANUAL.items():
        data = (folder / f"{name}.jpg").read_bytes()
        t = time.perf_counter()
        a = analyse_image(data, f"{name}.jpg", scale_bar_nm=bar_nm)
        dt = time.perf_counter() - t
        s = a.measurement.summary()
        sel = check_selection(a.measurement)
        line(name, a.measurement.method, s.count, f"{s.length_mean:.1f}", length,
             f"{s.length_mean / length - 1:+.1%}", f"{s.width_mean:.2f}", width,
             f"{s.width_mean / width - 1:+.1%}", f"{dt:.1f}", f"{sel.fraction:.0%}",
             "yes" if sel.warning else "no")


def synthetic_images(quick: bool) -> None:
    print("\n## Rod measurement on synthetic micrographs (known rods, 1000 x 1400 px)")
    line("seed", "rods", "length err", "width err", "seconds", "bias")
    for seed in range(2 if quick else 6):
        g = make_micrograph(seed, shape=(1000, 1400), n_rods=110, length=(70.0, 7.0),
                            width=(10.0, 0.5), touching=10)
        bar = detect_scale_bar(g.pixels)
        t = time.perf_counter()
        m = measure_rods(g.pixels, 1.0, exclude=[bar_exclusion(bar)] if bar else [])
        dt = time.perf_counter() - t
        s = m.summary()
        line(seed, s.count, f"{s.length_mean / g.lengths_px.mean() - 1:+.1%}",
             f"{s.width_mean / g.widths_px.mean() - 1:+.1%}", f"{dt:.2f}",
             "warns" if check_selection(m).warning else "")
    print("\n## Long thin rods in rafts (synthetic, 1400 x 1800 px, 300 x 10.5 px rods)")
    line("rods", "seed", "method", "chosen", "rods", "length err", "width err", "seconds",
         "bias")
    kinds = (("dark cores", dict(body=0.6, core=0.4)), ("even", dict(body=0.55, core=None)),
             ("faint+cores", dict(body=0.62, core=0.35)))
    for kind, options in kinds:
        for seed in range(2 if quick else 4):
            g = make_raft_micrograph(seed, **options)
            for method in ("outline", "trace", "auto"):
                t = time.perf_counter()
                m = measure_rods(g.pixels, 1.0, RodSettings(method=method))
                dt = time.perf_counter() - t
                s = m.summary()
                line(kind, seed, method, m.method, s.count,
                     f"{s.length_mean / g.lengths_px.mean() - 1:+.1%}",
                     f"{s.width_mean / g.widths_px.mean() - 1:+.1%}", f"{dt:.2f}",
                     "warns" if check_selection(m).warning else "")


def hard_cases(quick: bool) -> None:
    """The crowded cases of issue 16, drawn with known sizes."""
    from nrstudio.core.micrographs.synthetic import (
        make_bundle_micrograph,
        make_carpet_micrograph,
        make_packed_carpet_micrograph,
        make_rafts_of_rods_micrograph,
    )

    print("\n## Hard cases (synthetic): a dense carpet of ~44 nm rods at 0.48 nm/px, bundles "
          "of ~85 nm rods at 0.32 nm/px, rafts of ~76 nm rods at 0.40 nm/px")
    line("case", "seed", "rods drawn", "method", "accepted", "length err", "width err",
         "seconds", "bias")
    for name, make in (("carpet", make_carpet_micrograph),
                       ("packed", make_packed_carpet_micrograph),
                       ("bundles", make_bundle_micrograph),
                       ("rafts", make_rafts_of_rods_micrograph)):
        for seed in range(1 if quick else 4):
            g = make(seed)
            t = time.perf_counter()
            m = measure_rods(g.pixels, 1.0)
            dt = time.perf_counter() - t
            s = m.summary()
            line(name, seed, len(g.lengths_px), m.method, s.count,
                 _err(s.count, s.length_mean, g.lengths_px.mean()),
                 _err(s.count, s.width_mean, g.widths_px.mean()),
                 f"{dt:.2f}", "warns" if check_selection(m).warning else "")


def looks(folder: Path) -> None:
    """What the real and the synthetic images look like, one number per property
    (nrstudio.core.micrographs.image_statistics)."""
    from nrstudio.core.micrographs.image_statistics import image_statistics
    from nrstudio.core.micrographs.synthetic import (
        make_carpet_micrograph,
        make_packed_carpet_micrograph,
    )

    print("\n## What the images look like (real above the scale bar; synthetic carpets)")
    images = {}
    for name in MANUAL if folder.is_dir() else ():
        images[name] = read_micrograph((folder / f"{name}.jpg").read_bytes(),
                                       f"{name}.jpg").pixels[:2300]
    for seed in range(2):
        images[f"carpet {seed}"] = make_carpet_micrograph(seed).pixels
        images[f"packed {seed}"] = make_packed_carpet_micrograph(seed).pixels
    rows = {name: image_statistics(p).as_dict() for name, p in images.items()}
    keys = list(next(iter(rows.values())))
    line("image", *keys)
    for name, r in rows.items():
        line(name, *(f"{r[k]:.4f}" for k in keys))


def _err(count: int, value: float, truth: float) -> str:
    return f"{value / truth - 1:+.1%}" if count else "none found"


def lime_and_cnn(quick: bool) -> None:
    project = load_project(example_project_path())
    settings = ImageModelSettings(target="Average Length (nm)",
                                  epochs=3 if quick else 20, folds=5)
    t = time.perf_counter()
    result = train_image_model(project, settings)
    dt = time.perf_counter() - t
    print("\n## Tile CNN on the example project's synthetic micrographs")
    print(f"{settings.epochs} epochs, {settings.folds} folds + final model: {dt:.1f} s")
    print(result.summary())
    image = project.images[0]
    pixels = read_micrograph(image.data, image.filename).pixels
    region = pixels[:512, :512]
    if region.shape != (512, 512):
        region = np.pad(region, ((0, 512 - region.shape[0]), (0, 512 - region.shape[1])),
                        mode="reflect")
    print("\n## LIME on one 512 x 512 region, 1,000 samples, batches of 100")
    line("model", "segments", "seconds")
    for name, fn in (("tile CNN", result.regressor.batch_model(region, image.nm_per_px)),
                     ("free model", lambda b: b.mean(axis=(1, 2))[:, None])):
        for method in ("slic", "quickshift"):
            t = time.perf_counter()
            e = explain_image(region, fn, ["y"], ImageLimeSettings(method, num_samples=1000))
            line(f"{name} ({method})", int(e.segments.max()) + 1,
                 f"{time.perf_counter() - t:.2f}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", type=Path, default=DEV)
    ap.add_argument("--quick", action="store_true", help="fewer repeats and epochs")
    ap.add_argument("--rods-only", action="store_true", help="only the rod measurement")
    ap.add_argument("--real-only", action="store_true", help="only the real micrographs")
    args = ap.parse_args()
    real_images(args.dev)
    looks(args.dev)
    if args.real_only:
        return 0
    synthetic_images(args.quick)
    hard_cases(args.quick)
    if not args.rods_only:
        lime_and_cnn(args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
