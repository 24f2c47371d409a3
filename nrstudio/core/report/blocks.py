"""The report's content as plain blocks, written once and rendered twice (HTML and PDF).

Both writers walk the same list, so the PDF cannot drift from the HTML: a heading, a
paragraph, a list, a table or a figure is one block whichever way it is printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class Heading:
    text: str
    level: int = 2  # 1: the title; 2: a section; 3: a subsection
    anchor: str = ""


@dataclass
class Paragraph:
    """Plain text; ``**bold**`` marks emphasis (as the verdict sentences do)."""

    text: str
    kind: str = "normal"  # "normal", "note" (small, grey) or "warning"


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    """A small table (cells already formatted as text). Long tables are cut to ``max_rows``
    with a line saying how many rows were left out, so a report stays readable."""

    frame: pd.DataFrame
    caption: str = ""
    max_rows: int = 60

    def shown(self) -> tuple[pd.DataFrame, int]:
        """The rows to print and how many were left out."""
        n = len(self.frame)
        return self.frame.head(self.max_rows), max(n - self.max_rows, 0)


@dataclass
class Figure:
    """A PNG written by the figure code the command line also uses; ``path`` is absolute,
    ``width`` the fraction of the text width it takes."""

    path: Path
    caption: str
    width: float = 1.0


@dataclass
class Images:
    """A row of small pictures with a caption each (micrograph thumbnails)."""

    paths: list[Path]
    captions: list[str]


Block = Heading | Paragraph | Bullets | Table | Figure | Images


@dataclass
class Report:
    title: str
    subtitle: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def sections(self) -> list[Heading]:
        return [b for b in self.blocks if isinstance(b, Heading) and b.level == 2]

    def figures(self) -> list[Path]:
        out: list[Path] = []
        for b in self.blocks:
            if isinstance(b, Figure):
                out.append(b.path)
            elif isinstance(b, Images):
                out.extend(b.paths)
        return out
