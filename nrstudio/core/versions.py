"""The versions of the packages results depend on, for the report and the About box."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata

# The stack the results depend on (the report lists them all).
PACKAGES = ("numpy", "pandas", "scikit-learn", "scipy", "torch", "lime", "scikit-image",
            "matplotlib", "PySide6-Essentials", "pyqtgraph", "onnxruntime", "reportlab")


def package_versions(names: Iterable[str] = PACKAGES) -> list[tuple[str, str]]:
    """(name, installed version or "not installed") per package."""
    out = []
    for name in names:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return out
