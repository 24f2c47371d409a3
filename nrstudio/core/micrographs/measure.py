"""One micrograph from file bytes to measured rods: scale, scale-bar exclusion, measurement,
and the files ``nrstudio measure`` writes (Qt-free; the Micrographs page uses the same calls).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nrstudio.core.data.exports import write_table
from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.images import (
    Micrograph,
    ScaleBar,
    check_scale,
    detect_scale_bar,
    read_micrograph,
)
from nrstudio.core.micrographs.rod_model import RodMeasurement, RodSettings
from nrstudio.core.micrographs.rods import measure_rods
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter

# How summary.csv and the Micrographs page name the method that measured an image.
METHOD_NAMES = {"outline": "outlines", "trace": "centre-line tracing"}

SUMMARY_COLUMNS = ("image", "nm_per_px", "scale_source", "method", "rods_accepted",
                   "objects_rejected", "length_mean_nm", "length_std_nm", "length_sem_nm",
                   "width_mean_nm", "width_std_nm", "width_sem_nm",
                   "aspect_ratio_mean", "aspect_ratio_std", "rods_corrected_by_hand",
                   "accepted_fraction", "rejected_by_reason", "selection_warning",
                   "no_rods_because")


@dataclass
class Scale:
    """nm per pixel and where it came from (shown to the user and written to summary.csv)."""

    nm_per_px: float
    source: str


def bar_exclusion(bar: ScaleBar) -> tuple[int, int, int, int]:
    """The rectangle (row0, col0, row1, col1) holding a scale bar and its label, whose dark
    strokes must not be taken for rods. Labels sit above or below a bar, within about a fifth
    of its length."""
    reach = int(0.25 * bar.length_px) + bar.thickness
    return (bar.row - reach, bar.col_start - 20, bar.row + reach, bar.col_end + 20)


def resolve_scale(image: Micrograph, nm_per_px: float | None, scale_bar_nm: float | None,
                  bar: ScaleBar | None, name: str) -> Scale:
    """The scale to use: an explicit nm/px first, then a scale bar of known length, then the
    file's own pixel size. Raises DataError saying what to supply when none is available."""
    if nm_per_px is not None:
        return Scale(check_scale(nm_per_px, f"{name}: nm per pixel"), "given")
    if scale_bar_nm is not None:
        if not math.isfinite(scale_bar_nm) or scale_bar_nm <= 0:
            raise DataError(f"{name}: the scale bar length must be positive, not {scale_bar_nm}")
        if bar is None:
            raise DataError(f"{name}: no scale bar found near a corner; give --nm-per-px instead")
        return Scale(check_scale(scale_bar_nm / bar.length_px, f"{name}: the scale"),
                     f"scale bar {bar.length_px:.0f} px = {scale_bar_nm:g} nm")
    if image.nm_per_px is not None:
        return Scale(check_scale(image.nm_per_px, f"{name}: the file's pixel size"),
                     "pixel size in the file")
    raise DataError(f"{name}: no scale; give --nm-per-px, or --scale-bar-nm for its scale bar")


@dataclass
class ImageAnalysis:
    name: str
    image: Micrograph
    scale: Scale
    bar: ScaleBar | None
    measurement: RodMeasurement


def analyse_image(data: bytes, name: str, nm_per_px: float | None = None,
                  scale_bar_nm: float | None = None, settings: RodSettings | None = None,
                  progress: ProgressCallback | None = None,
                  cancel: CancelCheck | None = None) -> ImageAnalysis:
    """Read, find the scale bar, settle the scale and measure the rods of one image file."""
    rep = Reporter(progress, cancel)
    image = read_micrograph(data, name)
    rep.report(0.05, "reading")
    bar = detect_scale_bar(image.pixels, rep.sub(0.05, 0.15).report, cancel)
    scale = resolve_scale(image, nm_per_px, scale_bar_nm, bar, name)
    return _measure(image, name, scale, bar, settings, rep.sub(0.15, 1.0))


def analyse_micrograph(image: Micrograph, name: str, scale: Scale,
                       settings: RodSettings | None = None,
                       progress: ProgressCallback | None = None,
                       cancel: CancelCheck | None = None) -> ImageAnalysis:
    """Measure the rods of an image already decoded and scaled (the Micrographs page); the
    scale bar is found only to keep it and its label out of the measurement."""
    rep = Reporter(progress, cancel)
    bar = detect_scale_bar(image.pixels, rep.sub(0, 0.1).report, cancel)
    return _measure(image, name, scale, bar, settings, rep.sub(0.1, 1.0))


def _measure(image: Micrograph, name: str, scale: Scale, bar: ScaleBar | None,
             settings: RodSettings | None, rep: Reporter) -> ImageAnalysis:
    exclude = [bar_exclusion(bar)] if bar is not None else []
    measurement = measure_rods(image.pixels, scale.nm_per_px, settings, exclude, rep.report,
                               rep.cancel)
    return ImageAnalysis(name, image, scale, bar, measurement)


def summary_row(analysis: ImageAnalysis) -> dict[str, object]:
    from nrstudio.core.micrographs.corrections import corrected_count
    from nrstudio.core.micrographs.selection import check_selection, why_no_rods

    s = analysis.measurement.summary()
    sel = check_selection(analysis.measurement)

    def r(v: float) -> object:
        return round(v, 3) if math.isfinite(v) else ""

    return {"image": analysis.name, "nm_per_px": round(analysis.scale.nm_per_px, 6),
            "scale_source": analysis.scale.source,
            "method": METHOD_NAMES[analysis.measurement.method], "rods_accepted": s.count,
            "objects_rejected": s.rejected,
            "length_mean_nm": r(s.length_mean), "length_std_nm": r(s.length_std),
            "length_sem_nm": r(s.length_sem),
            "width_mean_nm": r(s.width_mean), "width_std_nm": r(s.width_std),
            "width_sem_nm": r(s.width_sem),
            "aspect_ratio_mean": r(s.aspect_ratio_mean), "aspect_ratio_std": r(s.aspect_ratio_std),
            "rods_corrected_by_hand": corrected_count(analysis.measurement),
            "accepted_fraction": r(sel.fraction), "rejected_by_reason": sel.reasons_text(),
            "selection_warning": sel.warning,
            "no_rods_because": why_no_rods(analysis.measurement)}


def rod_corners(row: float, col: float, angle_deg: float, length: float, width: float
                ) -> np.ndarray:
    """(4, 2) corners (x=col, y=row) of a rod's oriented box, for drawing outlines."""
    a = math.radians(angle_deg)
    ux, uy = math.cos(a), -math.sin(a)  # image rows grow downwards
    nx, ny = -uy, ux
    hl, hw = length / 2, width / 2
    return np.array([(col + sx * ux * hl + sy * nx * hw, row + sx * uy * hl + sy * ny * hw)
                     for sx, sy in ((1, 1), (1, -1), (-1, -1), (-1, 1))])


ACCEPTED_RGB = (40, 220, 60)
REJECTED_RGB = (235, 60, 60)


def render_overlay(analysis: ImageAnalysis, path: Path, max_side: int = 2400) -> None:
    """PNG of the micrograph with accepted rods outlined in green and rejected objects in red,
    scaled so its longer side is at most ``max_side`` px."""
    draw_overlay(analysis.image.pixels, analysis.measurement, path, max_side)


def draw_overlay(pixels: np.ndarray, measurement: RodMeasurement, path: Path,
                 max_side: int = 2400) -> None:
    """``pixels`` (h, w) in 0..1; the rods of ``measurement`` drawn as in :func:`render_overlay`."""
    from PIL import Image, ImageDraw

    px = pixels
    img = Image.fromarray((px * 255).astype(np.uint8)).convert("RGB")
    k = min(1.0, max_side / max(px.shape))
    if k < 1.0:
        img = img.resize((round(px.shape[1] * k), round(px.shape[0] * k)))
    draw = ImageDraw.Draw(img)
    line = max(1, round(2 * k))
    for rod in measurement.rods:
        pts = rod_corners(rod.row, rod.col, rod.angle_deg, rod.length_px, rod.width_px) * k
        draw.polygon([tuple(p) for p in pts], outline=ACCEPTED_RGB if rod.accepted
                     else REJECTED_RGB, width=line)
    img.save(path)


def write_measurement_files(analyses: list[ImageAnalysis], out: Path) -> list[Path]:
    """``<image>/rods.csv`` and ``<image>/overlay.png`` per image (folders named by the image
    file's stem, made unique) and one ``summary.csv`` for all."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for a in analyses:
        stem = Path(a.name).stem or "image"
        folder, n = stem, 1
        while folder in used:
            n += 1
            folder = f"{stem}-{n}"
        used.add(folder)
        (out / folder).mkdir(exist_ok=True)
        rods_path = out / folder / "rods.csv"
        rows = a.measurement.rows()
        fields = ["rod", "length_nm", "width_nm", "aspect_ratio", "accepted", "reason",
                  "by_hand", "row_px", "col_px", "angle_deg"]
        write_table(pd.DataFrame(rows, columns=fields), rods_path)
        overlay_path = out / folder / "overlay.png"
        render_overlay(a, overlay_path)
        written += [rods_path, overlay_path]
    summary = out / "summary.csv"
    write_table(pd.DataFrame([summary_row(a) for a in analyses],
                             columns=list(SUMMARY_COLUMNS)), summary)
    written.append(summary)
    return written
