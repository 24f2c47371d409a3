"""Thermo Fisher Velox (.emd) files written for tests, laid out as Velox writes them: images
under /Data/Image/<uuid>/ with Data (height, width, frames) and Metadata (a zero-padded
column of JSON bytes per frame), beside the groups Velox adds. Checked once against an
independent reader (ncempy 1.16's ``io.emdVelox``, by hand, not a dependency): same pixels
and pixel size."""

from __future__ import annotations

import io
import json

import h5py
import numpy as np


def _metadata(metres_per_px: float, detector: str, frames: int) -> np.ndarray:
    text = json.dumps({
        "Acquisition": {"AcquisitionStartDatetime": {"DateTime": "1700000000"}},
        "BinaryResult": {"Detector": detector, "PixelUnitX": "m", "PixelUnitY": "m",
                         "PixelSize": {"width": f"{metres_per_px:.6e}",
                                       "height": f"{metres_per_px:.6e}"}},
        "Stage": {"AlphaTilt": "0"}, "Optics": {"AccelerationVoltage": "200000"}})
    column = np.zeros(len(text) + 64, dtype=np.uint8)
    column[:len(text)] = np.frombuffer(text.encode(), dtype=np.uint8)
    return np.repeat(column[:, None], frames, axis=1)


def write_velox(images: list[tuple[np.ndarray, str]], metres_per_px: float = 2.5e-10) -> bytes:
    """An .emd file of ``images``: (pixels (height, width[, frames]), detector) each."""
    out = io.BytesIO()
    with h5py.File(out, "w") as f:
        f.create_group("Version").attrs["version"] = "{\"format\": \"Velox\"}"
        f.create_group("Operations")
        f.create_group("Data/Spectrum")
        for k, (pixels, detector) in enumerate(images):
            stack = pixels if pixels.ndim == 3 else pixels[:, :, None]
            group = f.create_group(f"Data/Image/{k:032x}")
            group.create_dataset("Data", data=stack, chunks=(stack.shape[0], stack.shape[1], 1))
            group.create_dataset("Metadata",
                                 data=_metadata(metres_per_px, detector, stack.shape[2]))
    return out.getvalue()
