"""What every section of the report shares: the titles, the project with its stored results
read once, and the section heading."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nrstudio.core.errors import DataError
from nrstudio.core.project_model import Project
from nrstudio.core.report.blocks import Heading, Report

SECTION_TITLES = {
    "data": "Data", "augmentation": "Augmentation", "evaluation": "Evaluation",
    "choice": "Model per target", "parity": "Parity plots", "lime": "Explanations (LIME)",
    "design": "Design and next experiments", "micrographs": "Micrograph measurements",
    "reproducibility": "Reproducibility", "provenance": "Provenance",
}


@dataclass
class Context:
    """The project and its stored results, each read (and validated) once for all sections;
    a section that cannot be read is None and named in ``unreadable``."""

    project: Project
    figures: Path  # folder the figure PNGs are written to
    models: object | None = None  # FinalModels, when the project holds trained models
    sections: dict[str, object] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    def section(self, key: str):
        if key not in self.sections:
            from nrstudio.core.project.sections import read_section

            try:
                self.sections[key] = read_section(self.project, key)
            except DataError as exc:
                self.sections[key] = None
                self.unreadable.append(f"{key}: {exc}")
        return self.sections[key]


def section_heading(report: Report, key: str) -> None:
    report.add(Heading(SECTION_TITLES[key], 2, key))
