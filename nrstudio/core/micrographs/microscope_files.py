"""What the readers of the microscope makers' own formats share: the image they return and
the endings they read. Gatan DigitalMicrograph (``.dm3``, ``.dm4``: ``digital_micrograph``),
FEI TIA series (``.ser``: ``tia_series``) and Thermo Fisher Velox (``.emd``: ``velox_emd``),
each read with the pixel size its calibration states (``images.read_micrograph`` chooses the
reader by the file's ending)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MICROSCOPE_SUFFIXES = (".dm3", ".dm4", ".ser", ".emd")


@dataclass(frozen=True)
class MicroscopeImage:
    """``pixels`` (height, width) as the file stores them (integer, float or RGB);
    ``nm_per_px`` from the file's calibration, None when it states no length."""

    pixels: np.ndarray
    nm_per_px: float | None
