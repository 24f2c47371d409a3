"""Thermo Fisher Velox files (``.emd``), the images of current Talos, Spectra and Krios
microscopes, read as the micrograph and its pixel size.

An HDF5 file: each image is a group under ``/Data/Image/`` holding ``Data`` (height, width,
frames) and ``Metadata``, a column of bytes per frame spelling a JSON document whose
``BinaryResult`` gives ``PixelSize`` (``width`` and ``height``, as text) in ``PixelUnitX``
and ``PixelUnitY`` (metres; ``1/m`` for a diffraction pattern, refused). STEM acquisitions
hold one image per detector (HAADF, BF, DF2, DF4): the largest is taken, the HAADF one of
equal ones. An ``.emd`` file with no Velox image is read as Berkeley EMD
(:mod:`nrstudio.core.micrographs.berkeley_emd`).
"""

from __future__ import annotations

import io
import json

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.berkeley_emd import read_berkeley_emd
from nrstudio.core.micrographs.microscope_files import (
    MicroscopeImage,
    check_pixel_count,
    refuse_diffraction,
    square_pixels,
)
from nrstudio.core.units import length_in_nm


def read_velox_emd(data: bytes, name: str = "image", max_pixels: int = 10**8) -> MicroscopeImage:
    """Decode the image of a Velox ``.emd`` file (or a Berkeley EMD one). Raises DataError,
    naming the file, for anything else: no image (spectra only), a diffraction pattern, a
    series of frames, pixels that are not square, a damaged file, and an image over
    ``max_pixels`` before its pixels are read."""
    import h5py

    try:
        handle = h5py.File(io.BytesIO(data), "r")
    except (OSError, ValueError):
        raise DataError(f"{name}: not a readable EMD (HDF5) file") from None
    with handle:
        try:
            images = handle.get("Data/Image")
            groups = [g for g in images.values() if isinstance(g, h5py.Group)
                      and isinstance(g.get("Data"), h5py.Dataset)] if images is not None else []
            if not groups:
                return read_berkeley_emd(handle, name, max_pixels)
            # Of equal images (one per STEM detector), the HAADF one: it shows heavy
            # nanocrystals bright on a dark support. HDF5 orders them by a random id.
            group = max(groups, key=lambda g: (int(np.prod(g["Data"].shape[:2])),
                                               _detector(g) == "HAADF"))
            dataset = group["Data"]
            shape = dataset.shape
            if len(shape) not in (2, 3) or min(shape) < 1:
                raise DataError(f"{name}: an image of shape {shape} is not a micrograph")
            height, width = shape[:2]
            frames = shape[2] if len(shape) == 3 else 1
            if frames > 1:
                raise DataError(f"{name}: a series of {frames} frames is not a single "
                                "micrograph; export one frame (or their sum) from Velox")
            check_pixel_count(name, (width, height), max_pixels)
            if dataset.dtype.kind not in "uif":
                raise DataError(f"{name}: pixels of type {dataset.dtype} are not a micrograph")
            pixels = dataset[:, :, 0] if len(shape) == 3 else dataset[()]
            metadata = _metadata(group)
        except DataError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{name}: a damaged EMD file ({type(exc).__name__})") from None
    result = metadata.get("BinaryResult", {}) if isinstance(metadata, dict) else {}
    unit = str(result.get("PixelUnitX", "")) if isinstance(result, dict) else ""
    refuse_diffraction(name, unit)
    width, height = _pixel_size(result, "width"), _pixel_size(result, "height")
    if width is not None and height is not None:
        square_pixels(name, width, height, "Velox")
    return MicroscopeImage(np.asarray(pixels), width)


def _detector(group) -> str:
    """The detector of an image (HAADF, BF, DF2, BM-Ceta …), "" when not stated."""
    metadata = _metadata(group)
    result = metadata.get("BinaryResult", {}) if isinstance(metadata, dict) else {}
    return str(result.get("Detector", "")) if isinstance(result, dict) else ""


def _metadata(group) -> object:
    """The first frame's metadata as parsed JSON ({} when there is none or it is not JSON)."""
    stored = group.get("Metadata")
    if stored is None or stored.ndim != 2 or stored.shape[1] < 1:
        return {}
    column = np.asarray(stored[:, 0], dtype=np.uint8)
    text = column[column > 0].tobytes().decode("utf-8", "replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return {}


def _pixel_size(result: object, side: str) -> float | None:
    """The pixel's ``side`` ("width" or "height") in nm; None when not a length."""
    if not isinstance(result, dict):
        return None
    size = result.get("PixelSize")
    unit = str(result.get("PixelUnitX" if side == "width" else "PixelUnitY", ""))
    nm = length_in_nm(unit) if unit else None
    written = size.get(side) if isinstance(size, dict) else None
    try:
        width = float(written) if isinstance(written, str | int | float) else None
    except ValueError:
        return None
    if width is None or nm is None or not np.isfinite(width) or width <= 0:
        return None
    return float(f"{width * nm:.12g}")
