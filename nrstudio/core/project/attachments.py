"""Micrographs attached to samples: adding them to a project, their scale and stored rod
measurements, and the cell changes that write a measurement into the sample's row (Qt-free).

An :class:`~nrstudio.core.project.AttachedImage` keeps the file's original bytes. Its ``meta``
holds ``scale_source`` (how nm_per_px was set) and ``measurement``
(:meth:`RodMeasurement.to_json`), so the per-rod table travels with the project.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.editing import CellChange
from nrstudio.core.data.header_words import find_rod_size
from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.images import Micrograph, check_scale, read_micrograph
from nrstudio.core.micrographs.measure import ImageAnalysis
from nrstudio.core.micrographs.microscope_files import MICROSCOPE_SUFFIXES
from nrstudio.core.micrographs.rod_model import RodMeasurement, RodSummary
from nrstudio.core.project.sections import read_image_section, write_image_section
from nrstudio.core.project_model import AttachedImage, Project

MAX_IMAGE_BYTES = 200 * 1024 * 1024
IMAGE_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg", *MICROSCOPE_SUFFIXES)


def micrographs_in(paths: list[Path]) -> list[Path]:
    """The image files among ``paths``, each folder replaced by the micrographs in it (by
    their endings, sorted by name; subfolders are not searched). Named files are kept
    whatever their ending, so that one that is no image is refused with its name."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir()
                              if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES))
        else:
            out.append(path)
    return out


def attach_image(project: Project, sample_id: str, filename: str, data: bytes,
                 decoded: Micrograph | None = None) -> AttachedImage:
    """Check that ``data`` decodes as a micrograph, then attach it to ``sample_id``.

    ``decoded``: the caller's own decoding of ``data``, so it is not decoded twice. The pixel
    size is taken from the file's tags when it states one. Raises DataError (and attaches
    nothing) for an unreadable, empty or oversized file or an unknown sample."""
    if sample_id not in project.dataset.sample_ids():
        raise DataError(f"there is no sample '{sample_id}' in the data table")
    if not data:
        raise DataError(f"{filename} is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise DataError(f"{filename} is larger than {MAX_IMAGE_BYTES // 2**20} MB")
    image = decoded if decoded is not None else read_micrograph(data, filename)
    meta: dict[str, object] = {"height": int(image.pixels.shape[0]),
                               "width": int(image.pixels.shape[1]),
                               "bit_depth": image.bit_depth}
    if image.nm_per_px is not None:
        meta["scale_source"] = "pixel size in the file"
    attached = AttachedImage(uuid.uuid4().hex[:12], sample_id, filename, data,
                             image.nm_per_px, meta)
    project.images.append(attached)
    return attached


def set_scale(image: AttachedImage, nm_per_px: float, source: str) -> None:
    """Set the pixel size (nm); a stored measurement made at another scale is rescaled, since
    its pixels are unchanged."""
    image.nm_per_px = check_scale(nm_per_px)
    image.meta["scale_source"] = source
    stored = measurement_of(image)
    if stored is not None:
        stored.nm_per_px = float(nm_per_px)
        write_image_section(image, "measurement", stored)


def measurement_of(image: AttachedImage) -> RodMeasurement | None:
    """The stored rod measurement, or None (also when it is damaged: it can be redone)."""
    try:
        return read_image_section(image, "measurement")
    except DataError:
        return None


def store_measurement(image: AttachedImage, analysis: ImageAnalysis) -> None:
    write_image_section(image, "measurement", analysis.measurement)


def as_stored(measurement: RodMeasurement) -> RodMeasurement:
    """The measurement as the project file keeps it (positions and sizes to 0.001 px), so
    that what is shown right after measuring is what a reopened project shows. Run it with
    the measuring, off the GUI thread: 2,000 rods take about 25 ms."""
    return RodMeasurement.from_json(measurement.to_json())


def summary_cells(dataset: Dataset, sample_id: str, summary: RodSummary
                  ) -> list[CellChange]:
    """Cell changes that put a measurement's mean length, mean width and
    aspect ratio into the sample's row, for the target columns that exist. The aspect ratio is
    mean length / mean width, as the paper computed it. DataError when nothing can be written.
    """
    if summary.count == 0:
        raise DataError("no rods were accepted; there is nothing to write")
    ids = dataset.sample_ids()
    if sample_id not in ids:
        raise DataError(f"there is no sample '{sample_id}' in the data table")
    row = ids.index(sample_id)
    targets = dataset.targets
    values = {"length": summary.length_mean, "width": summary.width_mean,
              "aspect": summary.aspect_ratio_of_means}
    cells: list[CellChange] = []
    for which, value in values.items():
        k = find_rod_size(targets, which)
        if k is not None:
            name = targets[k]
            old = dataset.table.iat[row, dataset.table.columns.get_loc(name)]
            cells.append(CellChange(row, name, old, round(float(value), 3)))
    if not cells:
        raise DataError("the data table has no length, width or aspect ratio target column")
    return cells


# Columns "Use these values" adds beside the means: the spread and the count of the rods,
# so that polydispersity can become a target (their role starts as ignored).
SPREAD_COLUMNS = (("Length SD (nm)", "nm"), ("Width SD (nm)", "nm"), ("Rods measured", "rods"))
# Columns for the means when the table has no length, width or aspect-ratio target (a table
# whose outcomes are optical, say); like the spreads they start as ignored.
MEAN_COLUMNS = (("length", "Mean length (nm)", "nm"), ("width", "Mean width (nm)", "nm"),
                ("aspect", "Aspect ratio (rods)", "-"))


def write_summary(dataset: Dataset, sample_id: str, summary: RodSummary) -> list[str]:
    """Put a measurement into the sample's row, in place: the means into the length, width and
    aspect-ratio targets that exist (as :func:`summary_cells`), and the standard deviations of
    length and width and the number of rods into their own columns, added when missing.
    Returns "column = value" lines; DataError when nothing can be written."""
    from nrstudio.core.data.dataset import Column, Kind, Role
    from nrstudio.core.data.editing import insert_column, set_cell

    try:
        cells = summary_cells(dataset, sample_id, summary)
    except DataError as exc:
        if summary.count == 0 or "no sample" in str(exc):
            raise
        cells = []  # no target of these sizes: the means get columns of their own below
    row = dataset.sample_ids().index(sample_id)
    for c in cells:
        set_cell(dataset, c.row, c.column, c.new)
    written = [f"{c.column} = {c.new}" for c in cells]
    covered = {which for which in ("length", "width", "aspect")
               if find_rod_size([c.column for c in cells], which) is not None}
    means = (summary.length_mean, summary.width_mean, summary.aspect_ratio_of_means)
    added = [(name, unit, value) for (word, name, unit), value
             in zip(MEAN_COLUMNS, means, strict=True) if word not in covered]
    spreads = (summary.length_std, summary.width_std, summary.count)
    added += [(name, unit, value) for (name, unit), value
              in zip(SPREAD_COLUMNS, spreads, strict=True)]
    for name, unit, value in added:
        if name not in dataset.table.columns:
            insert_column(dataset, len(dataset.columns), Column(name, Role.IGNORED, unit,
                                                                Kind.NUMBER))
        shown = int(value) if name == "Rods measured" else round(float(value), 3)
        set_cell(dataset, row, name, shown)
        written.append(f"{name} = {shown}")
    return written
