"""The bundled example project: the 28 CdSe/CdS nanorod syntheses of the SMOTE-REG paper."""

from __future__ import annotations

from pathlib import Path

from nrstudio.core.data.table_io import import_table
from nrstudio.core.project_model import Project

EXAMPLE_NOTES = """\
CdSe/CdS dot-in-rod nanorods: 28 hot-injection syntheses.

Inputs: CdSe core first absorption edge (nm, a proxy for core size), amount of cores
injected (nmol) and amount of sulfur precursor (mg). Targets: mean rod length and width
(nm, about 100 rods measured by hand on TEM micrographs per sample) and their ratio.

Source: the data accompanying "A robust low data solution: dimension prediction of
semiconductor nanorods" (the SMOTE-REG paper), public repository jiali1025/SMOTE-REG,
commit 4a4b085788bb7724040d44708bf5e6a8e74abc92, file data/nanorods-28.csv as published.
The values are reproduced unchanged for demonstration, with credit to the paper's authors;
that repository states no licence. No micrograph of the paper is included.

Micrographs: each sample has one SYNTHETIC micrograph, drawn by NR Studio from that sample's
published mean length and width (0.5 nm per pixel, 100 nm scale bar), so that measuring,
image models and LIME can be tried out. They are not real TEM images.
"""


def build_example_project(csv_path: str | Path) -> Project:
    """Read the paper's CSV and wrap it as a project with provenance notes and one synthetic
    micrograph per sample, its scale read from its own scale bar."""
    from nrstudio.core.data.header_words import find_rod_size
    from nrstudio.core.micrographs.images import detect_scale_bar
    from nrstudio.core.micrographs.synthetic import sample_micrograph
    from nrstudio.core.project.attachments import attach_image, set_scale

    dataset = import_table(csv_path)
    project = Project(dataset, notes=EXAMPLE_NOTES, settings={})
    targets = dataset.targets
    length_col = targets[find_rod_size(targets, "length") or 0]
    width_col = targets[find_rod_size(targets, "width") or 0]
    for i, sample in enumerate(dataset.sample_ids()):
        length = float(dataset.table.at[i, length_col])
        width = float(dataset.table.at[i, width_col])
        data, drawn = sample_micrograph(length, width, seed=1000 + i)
        image = attach_image(project, sample, f"synthetic-{sample}.jpg", data)
        bar = detect_scale_bar(drawn.pixels)
        if bar is not None:
            set_scale(image, 100.0 / bar.length_px, f"scale bar {bar.length_px:.0f} px = 100 nm")
    return project


def example_project_path() -> Path:
    """Where the bundled example lives (source checkout or frozen app)."""
    from nrstudio.resources import example_project

    return example_project()
