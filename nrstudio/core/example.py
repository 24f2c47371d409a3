"""The bundled example project: the 28 CdSe/CdS nanorod syntheses of the SMOTE-REG paper."""

from __future__ import annotations

from pathlib import Path

from nrstudio.core.project import Project
from nrstudio.core.table_io import import_table

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
"""


def build_example_project(csv_path: str | Path) -> Project:
    """Read the paper's CSV and wrap it as a project with provenance notes."""
    dataset = import_table(csv_path)
    return Project(dataset, notes=EXAMPLE_NOTES, settings={})


def example_project_path() -> Path:
    """Where the bundled example lives in a source checkout."""
    return Path(__file__).resolve().parents[2] / "resources" / "examples" / "cdse-cds-nanorods.nrproj"
