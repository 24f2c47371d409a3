"""Berkeley EMD files (``.emd``, version 0.2: NCEM's format, written by its microscopes'
software and by ncempy, py4DSTEM and others), read as the micrograph and its pixel size.

An HDF5 file whose data groups carry the attribute ``emd_group_type = 1``; each holds
``data`` (an array) and ``dim1``, ``dim2``, … (the coordinates along each axis, whose
``units`` attribute is written with underscores between letters: ``n_m`` for nm, ``[n_m]``
in some writers, ``1/n_m`` for a diffraction pattern). The pixel size is the step between
the first two coordinates. The largest image is taken; a stack or a spectrum is refused.
"""

from __future__ import annotations

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.microscope_files import (
    MicroscopeImage,
    check_pixel_count,
    refuse_diffraction,
    square_pixels,
)
from nrstudio.core.units import length_in_nm


def read_berkeley_emd(handle, name: str, max_pixels: int) -> MicroscopeImage:
    """The image of an open Berkeley EMD file (an ``h5py.File``). DataError, naming the file,
    for anything that is not one image: no data group, a stack or a spectrum, a diffraction
    pattern, pixels that are not square, an image over ``max_pixels``."""
    import h5py

    groups: list[h5py.Group] = []

    def visit(_: str, item: object) -> None:
        if (isinstance(item, h5py.Group) and item.attrs.get("emd_group_type") == 1
                and isinstance(item.get("data"), h5py.Dataset)):
            groups.append(item)

    handle.visititems(visit)
    if not groups:
        raise DataError(f"{name}: the EMD file holds no image (neither Velox nor Berkeley "
                        "EMD)")
    group = max(groups, key=lambda g: int(np.prod(g["data"].shape)))
    dataset = group["data"]
    axes = [k for k, n in enumerate(dataset.shape) if n > 1]
    if len(axes) != 2:
        sizes = " x ".join(str(n) for n in dataset.shape)
        raise DataError(f"{name}: data of shape {sizes} (a stack, a series or a spectrum) is "
                        "not a single micrograph")
    height, width = (dataset.shape[k] for k in axes)
    check_pixel_count(name, (width, height), max_pixels)
    if dataset.dtype.kind not in "uif":
        raise DataError(f"{name}: pixels of type {dataset.dtype} are not a micrograph")
    y, y_unit = _step(group, axes[0])
    x, x_unit = _step(group, axes[1])
    for unit in (x_unit, y_unit):
        refuse_diffraction(name, unit)
    if x is not None and y is not None:
        square_pixels(name, x, y, "the software that wrote it")
    pixels = np.asarray(dataset[()]).reshape(height, width)
    return MicroscopeImage(pixels, x)


def _step(group, axis: int) -> tuple[float | None, str]:
    """Axis ``axis``'s pixel size in nm (None when not a length) and its unit, read plainly
    (``n_m`` as ``nm``)."""
    dim = group.get(f"dim{axis + 1}")
    if dim is None or dim.ndim != 1 or dim.shape[0] < 2:
        return None, ""
    written = dim.attrs.get("units", b"")
    text = written.decode("utf-8", "replace") if isinstance(written, bytes) else str(written)
    unit = text.strip().strip("[]").replace("_", "")
    step = float(dim[1]) - float(dim[0])
    nm = length_in_nm(unit) if unit else None
    if nm is None or not np.isfinite(step) or step <= 0:
        return None, unit
    return float(f"{step * nm:.7g}"), unit
