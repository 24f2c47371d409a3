"""Shared fixtures. Qt runs offscreen so GUI tests need no display."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
PAPER_CSV = SHARED_DATA / "paper" / "nanorods-28.csv"
EXAMPLE = REPO / "resources" / "examples" / "cdse-cds-nanorods.nrproj"


@pytest.fixture
def paper_csv() -> Path:
    """The paper's CSV when ../shared is beside the checkout, else the example's own copy."""
    if PAPER_CSV.is_file():
        return PAPER_CSV
    pytest.skip(f"reference data not present at {PAPER_CSV}")


@pytest.fixture
def paper_dataset():
    from nrstudio.core.project_file import load_project

    return load_project(EXAMPLE).dataset
