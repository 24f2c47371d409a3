"""FEI / Thermo Fisher TIA series files (``.ser``), the images older Tecnai and Titan
microscopes save, read as the micrograph and its pixel size.

A little-endian header (byte order, series id 0x0197, version: 0x0210 has 4-byte offsets,
0x0220 8-byte ones; the data type, 0x4122 for images; the number of elements; where the table
of element offsets is), then each element: the x and y calibration (offset and step in
metres per pixel), the pixel type and the size, then the pixels, x fastest, the bottom row
first. The companion
``.emi`` file holds only metadata and is not needed.
"""

from __future__ import annotations

import struct

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.microscope_files import (
    MicroscopeImage,
    check_pixel_count,
    square_pixels,
)

_SERIES_ID = 0x0197
_IMAGE = 0x4122
_SPECTRUM = 0x4120
_PIXEL_TYPES = {1: "<u1", 2: "<u2", 3: "<u4", 4: "<i1", 5: "<i2", 6: "<i4", 7: "<f4",
                8: "<f8"}


def _unpack(fmt: str, data: bytes, at: int, name: str) -> tuple:
    try:
        return struct.unpack_from(fmt, data, at)
    except struct.error:
        raise DataError(f"{name}: the file ends early (a truncated TIA series?)") from None


def read_tia_series(data: bytes, name: str = "image", max_pixels: int = 10**8) -> MicroscopeImage:
    """Decode the image of a ``.ser`` file. Raises DataError, naming the file, for anything
    that is not a single image (a spectrum, a series of several frames, a damaged file), and
    for an image over ``max_pixels`` before its pixels are read."""
    order, series, version = _unpack("<HHH", data, 0, name)
    if order != 0x4949 or series != _SERIES_ID:
        raise DataError(f"{name}: not a TIA series file (.ser)")
    if version not in (0x0210, 0x0220):
        raise DataError(f"{name}: TIA series version {version:#06x} is not supported")
    offset = "<i" if version == 0x0210 else "<q"
    kind, _, _, valid = _unpack("<iiii", data, 6, name)
    (table,) = _unpack(offset, data, 22, name)
    if kind == _SPECTRUM:
        raise DataError(f"{name}: a spectrum, not an image")
    if kind != _IMAGE:
        raise DataError(f"{name}: TIA data type {kind:#06x} is not an image")
    if valid < 1:
        raise DataError(f"{name}: the series holds no image")
    if valid > 1:
        raise DataError(f"{name}: a series of {valid} images is not a single micrograph; "
                        "export one frame from TIA")
    (at,) = _unpack(offset, data, table, name)
    _, delta_x, _, _, delta_y, _, code, width, height = _unpack("<ddiddihii", data, at, name)
    if width <= 0 or height <= 0:
        raise DataError(f"{name}: an image of {width} x {height} pixels")
    check_pixel_count(name, (width, height), max_pixels)
    if code not in _PIXEL_TYPES:
        raise DataError(f"{name}: complex or unknown pixels (TIA type {code}) are not a "
                        "micrograph")
    dtype = np.dtype(_PIXEL_TYPES[code])
    start = at + struct.calcsize("<ddiddihii")
    if start + width * height * dtype.itemsize > len(data):
        raise DataError(f"{name}: the file ends inside the image (truncated?)")
    # TIA stores the rows from the bottom of the image up (as ncempy reads them too).
    pixels = np.frombuffer(data, dtype, width * height, start).reshape(height, width)[::-1]
    # The step is in metres per pixel; kept to the digits a double holds of it.
    nm = float(f"{delta_x * 1e9:.12g}") if delta_x > 0 and np.isfinite(delta_x) else None
    if nm is not None and delta_y > 0 and np.isfinite(delta_y):
        square_pixels(name, nm, delta_y * 1e9, "TIA")
    return MicroscopeImage(pixels, nm)
