"""Thermo Fisher Velox files (``.emd``), the images of current Talos, Spectra and Krios
microscopes, read as the micrograph and its pixel size.

An HDF5 file: each image is a group under ``/Data/Image/`` holding ``Data`` (height, width,
frames) and ``Metadata``, a column of bytes per frame spelling a JSON document whose
``BinaryResult`` gives ``PixelSize`` (``width``, as text) in ``PixelUnitX`` (metres). STEM
acquisitions hold one image per detector (HAADF, BF, ...): the largest is taken, the first
of equal ones.
"""

from __future__ import annotations

import io
import json

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.microscope_files import MicroscopeImage
from nrstudio.core.units import length_in_nm


def read_velox_emd(data: bytes, name: str = "image", max_pixels: int = 10**8) -> MicroscopeImage:
    """Decode the image of a Velox ``.emd`` file. Raises DataError, naming the file, for
    anything else: no Velox image (a Berkeley EMD file, spectra only), a series of frames, a
    damaged file, and an image over ``max_pixels`` before its pixels are read."""
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
                raise DataError(f"{name}: the EMD file holds no Velox image (Berkeley EMD "
                                "files and spectra are not read)")
            group = max(groups, key=lambda g: int(np.prod(g["Data"].shape[:2])))
            dataset = group["Data"]
            shape = dataset.shape
            if len(shape) not in (2, 3) or min(shape) < 1:
                raise DataError(f"{name}: an image of shape {shape} is not a micrograph")
            height, width = shape[:2]
            frames = shape[2] if len(shape) == 3 else 1
            if frames > 1:
                raise DataError(f"{name}: a series of {frames} frames is not a single "
                                "micrograph; export one frame (or their sum) from Velox")
            if height * width > max_pixels:
                raise DataError(f"{name}: {width} x {height} pixels is larger than the "
                                f"{max_pixels // 1_000_000} megapixels NR Studio reads")
            if dataset.dtype.kind not in "uif":
                raise DataError(f"{name}: pixels of type {dataset.dtype} are not a micrograph")
            pixels = dataset[:, :, 0] if len(shape) == 3 else dataset[()]
            metadata = _metadata(group)
        except DataError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{name}: a damaged EMD file ({type(exc).__name__})") from None
    result = metadata.get("BinaryResult", {}) if isinstance(metadata, dict) else {}
    return MicroscopeImage(np.asarray(pixels), _pixel_size(result))


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


def _pixel_size(result: object) -> float | None:
    if not isinstance(result, dict):
        return None
    size, unit = result.get("PixelSize"), str(result.get("PixelUnitX", ""))
    nm = length_in_nm(unit) if unit else None
    written = size.get("width") if isinstance(size, dict) else None
    try:
        width = float(written) if isinstance(written, str | int | float) else None
    except ValueError:
        return None
    if width is None or nm is None or not np.isfinite(width) or width <= 0:
        return None
    return float(f"{width * nm:.12g}")
