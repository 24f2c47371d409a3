"""What the readers of the microscope makers' own formats share: the image they return and
the endings they read. Gatan DigitalMicrograph (``.dm3``, ``.dm4``: ``digital_micrograph``),
FEI TIA series (``.ser``: ``tia_series``) and Thermo Fisher Velox or Berkeley EMD (``.emd``:
``velox_emd``, ``berkeley_emd``),
each read with the pixel size its calibration states (``images.read_micrograph`` chooses the
reader by the file's ending)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrstudio.core.errors import DataError

MICROSCOPE_SUFFIXES = (".dm3", ".dm4", ".ser", ".emd")


@dataclass(frozen=True)
class MicroscopeImage:
    """``pixels`` (height, width) as the file stores them (integer, float or RGB);
    ``nm_per_px`` from the file's calibration, None when it states no length."""

    pixels: np.ndarray
    nm_per_px: float | None


def square_pixels(name: str, x_nm: float, y_nm: float, software: str) -> None:
    """DataError when a file calibrates its two axes differently (by more than 1%): a rod's
    length measured on such pixels would depend on its direction."""
    if abs(x_nm - y_nm) > 0.01 * max(x_nm, y_nm):
        raise DataError(f"{name}: its pixels are not square ({x_nm:g} nm wide, {y_nm:g} nm "
                        "high): a rod's length would depend on its direction; resample it to "
                        f"square pixels in {software}")


def check_pixel_count(name: str, dims: tuple[int, ...], max_pixels: int) -> None:
    """DataError, before any pixel is read, for an image of more than ``max_pixels`` pixels
    (``dims`` as the file states them, width first or not)."""
    if int(np.prod(dims, dtype=np.float64)) > max_pixels:
        raise DataError(f"{name}: {' x '.join(map(str, dims))} pixels is larger than the "
                        f"{max_pixels // 1_000_000} megapixels NR Studio reads")


def refuse_diffraction(name: str, unit: str) -> None:
    """DataError for a file calibrated in a reciprocal length (``1/nm``, ``1/m``): a
    diffraction pattern, not an image of rods."""
    if unit.replace(" ", "").startswith("1/"):
        raise DataError(f"{name} is a diffraction pattern (calibrated in {unit}), not an "
                        "image of rods")
