"""Where the repository, the bundled example and the reference data lie."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
PAPER_CSV = SHARED_DATA / "paper" / "nanorods-28.csv"
EXAMPLE = REPO / "resources" / "examples" / "cdse-cds-nanorods.nrproj"
