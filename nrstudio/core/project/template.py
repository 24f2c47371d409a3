"""The new-project template: the nanorod columns, ready to type syntheses into."""

from __future__ import annotations

from nrstudio.core.data.dataset import Column, Dataset, Kind, Role
from nrstudio.core.project_model import Project

TEMPLATE_COLUMNS = (
    Column("Sample", Role.SAMPLE_ID, "", Kind.TEXT),
    Column("Core absorption edge (nm)", Role.INPUT, "nm"),
    Column("Core amount (nmol)", Role.INPUT, "nmol"),
    Column("S amount (mg)", Role.INPUT, "mg"),
    Column("Average Length (nm)", Role.TARGET, "nm"),
    Column("Average width (nm)", Role.TARGET, "nm"),
    Column("Aspect Ratio", Role.TARGET, "-"),
)


def new_project() -> Project:
    """An empty project with the nanorod columns (fresh Column objects each time)."""
    return Project(Dataset.from_records([Column(c.name, c.role, c.unit, c.kind)
                                         for c in TEMPLATE_COLUMNS], []))
