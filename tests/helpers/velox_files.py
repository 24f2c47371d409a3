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


def _metadata(metres_per_px: float, detector: str, frames: int, unit: str = "m",
              height: float | None = None) -> np.ndarray:
    text = json.dumps({
        "Acquisition": {"AcquisitionStartDatetime": {"DateTime": "1700000000"}},
        "BinaryResult": {"Detector": detector, "PixelUnitX": unit, "PixelUnitY": unit,
                         "PixelSize": {"width": f"{metres_per_px:.6e}",
                                       "height": f"{height or metres_per_px:.6e}"}},
        "Stage": {"AlphaTilt": "0"}, "Optics": {"AccelerationVoltage": "200000"}})
    column = np.zeros(len(text) + 64, dtype=np.uint8)
    column[:len(text)] = np.frombuffer(text.encode(), dtype=np.uint8)
    return np.repeat(column[:, None], frames, axis=1)


def write_velox(images: list[tuple[np.ndarray, str]], metres_per_px: float = 2.5e-10,
                unit: str = "m", height: float | None = None) -> bytes:
    """An .emd file of ``images``: (pixels (height, width[, frames]), detector) each, with
    pixels ``metres_per_px`` wide (``height`` high, when it differs) in ``unit`` (``1/m``: a
    diffraction pattern)."""
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
                                 data=_metadata(metres_per_px, detector, stack.shape[2],
                                                unit, height))
    return out.getvalue()


def write_berkeley_emd(data: np.ndarray, step: float = 0.0125, unit: str = "n_m") -> bytes:
    """A Berkeley EMD (version 0.2) file, as NCEM's software writes it: ``data`` in a group
    marked ``emd_group_type = 1`` with ``dim1``, ``dim2``, … coordinates ``step`` apart in
    ``unit`` (underscores between letters), beside the groups it adds. Checked once against
    a real file of that format (ncempy's ``Acquisition_18.emd``, not in this repository)."""
    out = io.BytesIO()
    with h5py.File(out, "w") as f:
        f.attrs["version_major"], f.attrs["version_minor"] = np.int32(0), np.int32(2)
        for extra in ("comments", "microscope", "sample", "user"):
            f.create_group(extra)
        group = f.create_group("data/single")
        group.attrs["emd_group_type"] = np.int32(1)
        group.create_dataset("data", data=data)
        for k, n in enumerate(data.shape):
            dim = group.create_dataset(f"dim{k + 1}", data=(np.arange(n) * step).astype(
                np.float32))
            dim.attrs["name"] = np.bytes_("YX"[k] if k < 2 else "Z")
            dim.attrs["units"] = np.bytes_(unit)
    return out.getvalue()
