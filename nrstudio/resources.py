"""Where the files shipped beside the code are: the example project, the icons and the user
guide. In a source checkout they are in the repository; in the frozen app (PyInstaller) they
are in its bundle folder, under the same relative paths."""

from __future__ import annotations

import sys
from pathlib import Path


def app_root() -> Path:
    """The folder holding ``resources/`` and ``docs/``."""
    bundle = getattr(sys, "_MEIPASS", None)  # set by the frozen app's bootloader
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parents[1]


def resource(*parts: str) -> Path:
    return app_root().joinpath(*parts)


def example_project() -> Path:
    return resource("resources", "examples", "cdse-cds-nanorods.nrproj")


def icon_path(name: str) -> Path:
    return resource("resources", "icons", f"{name}.svg")


def guide_folder() -> Path:
    return resource("docs", "guide")
