"""Shared fixtures. Qt runs offscreen so GUI tests need no display."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from helpers.paths import EXAMPLE, PAPER_CSV


@pytest.fixture
def paper_csv() -> Path:
    """The paper's CSV when ../shared is beside the checkout, else the example's own copy."""
    if PAPER_CSV.is_file():
        return PAPER_CSV
    pytest.skip(f"reference data not present at {PAPER_CSV}")


@pytest.fixture
def paper_dataset():
    from nrstudio.core.project.file_format import load_project

    return load_project(EXAMPLE).dataset


@pytest.fixture
def example(tmp_path) -> Path:
    """A writable copy of the bundled example project (a user's own file)."""
    path = tmp_path / "example.nrproj"
    shutil.copy(EXAMPLE, path)
    return path
