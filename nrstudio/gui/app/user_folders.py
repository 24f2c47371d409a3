"""Where NR Studio keeps its own files for a user (recovery copies, the error log)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths


def user_data_path(env: str, name: str) -> Path:
    """``name`` in the user's data folder (Qt's AppDataLocation, else ~/.nrstudio), or the
    path the environment variable ``env`` gives (tests, portable installs)."""
    given = os.environ.get(env)
    if given:
        return Path(given)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".nrstudio") / name
