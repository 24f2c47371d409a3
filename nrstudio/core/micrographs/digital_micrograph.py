"""Gatan DigitalMicrograph files (``.dm3``, ``.dm4``): the raw format of most TEM cameras,
read as the micrograph they hold and its calibrated pixel size.

The file is a tree of named tags after a short header. Its structure (tag kinds, label
lengths, counts, the type codes of each value) is big-endian; the values themselves follow
the byte order the header names (little-endian on every camera PC). DM4 widens the counts
and sizes to 8 bytes and gives each tag its byte length. Each image of ``ImageList`` holds
``ImageData`` with ``Data`` (the pixels, x fastest), ``Dimensions`` (x, y[, z]) and
``Calibrations/Dimension`` (per axis: ``Scale`` per pixel in ``Units``). The first image is
often a small thumbnail (a screen grab of the display); the largest image is the micrograph.

Only what is needed is kept: every value is decoded except arrays, which are recorded as a
place in the file and read (as a numpy view) only for the chosen image's pixels.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.microscope_files import (
    MicroscopeImage,
    check_pixel_count,
    refuse_diffraction,
    square_pixels,
)
from nrstudio.core.units import length_in_nm

# Tag value type codes: size in bytes and numpy type (byte order added from the header).
_SIMPLE: dict[int, tuple[int, str]] = {
    2: (2, "i2"), 3: (4, "i4"), 4: (2, "u2"), 5: (4, "u4"), 6: (4, "f4"), 7: (8, "f8"),
    8: (1, "u1"), 9: (1, "i1"), 10: (1, "u1"), 11: (8, "i8"), 12: (8, "u8"),
}
_STRUCT, _STRING, _ARRAY = 15, 18, 20
_GROUP, _DATA, _END = 20, 21, 0
RGB_TYPE = 23  # DataType of packed RGBA pixels, as the thumbnail DigitalMicrograph saves
MAX_DEPTH = 64  # no real file nests tags this deep; a damaged one could recurse forever


@dataclass
class _Array:
    """An array value: where its elements start, how many, and their numpy type (or the
    struct's types, or None for an array of strings)."""

    offset: int
    count: int
    dtype: np.dtype


@dataclass
class _Group:
    """A tag group: its named tags (a label may repeat; an unnamed entry of a list gets
    its index as the label) in file order."""

    tags: list[tuple[str, object]] = field(default_factory=list)

    def get(self, label: str) -> object:
        return next((v for k, v in self.tags if k == label), None)

    def path(self, *labels: str) -> object:
        node: object = self
        for label in labels:
            if not isinstance(node, _Group):
                return None
            node = node.get(label)
        return node


class _Reader:
    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.name = data, name
        if len(data) < 16:
            raise DataError(f"{name}: too short for a DigitalMicrograph file")
        self.version = struct.unpack_from(">i", data, 0)[0]
        if self.version not in (3, 4):
            raise DataError(f"{name}: not a DigitalMicrograph 3 or 4 file (version "
                            f"{self.version})")
        self.wide = self.version == 4
        self.count_format = ">Q" if self.wide else ">I"
        self.count_size = 8 if self.wide else 4
        order_at = 12 if self.wide else 8
        self.order = "<" if struct.unpack_from(">i", data, order_at)[0] == 1 else ">"
        self.pos = order_at + 4

    def _take(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise DataError(f"{self.name}: the file ends inside a tag (truncated?)")
        value = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += size
        return value

    def _count(self) -> int:
        return self._take(self.count_format)

    def group(self, depth: int = 0) -> _Group:
        if depth > MAX_DEPTH:
            raise DataError(f"{self.name}: tags nested deeper than {MAX_DEPTH} levels")
        self.pos += 2  # sorted and open flags
        n = self._count()
        out = _Group()
        for index in range(n):
            kind = self._take(">B")
            if kind == _END:
                break
            label_length = self._take(">H")
            label = self.data[self.pos:self.pos + label_length].decode("latin-1")
            self.pos += label_length
            if self.wide:
                self.pos += 8  # the tag's byte length: not needed when reading in order
            if kind == _GROUP:
                value: object = self.group(depth + 1)
            elif kind == _DATA:
                value = self.value()
            else:
                raise DataError(f"{self.name}: unknown tag kind {kind} at byte {self.pos - 1}")
            out.tags.append((label or str(index), value))
        return out

    def value(self) -> object:
        if self.data[self.pos:self.pos + 4] != b"%%%%":
            raise DataError(f"{self.name}: a damaged tag at byte {self.pos}")
        self.pos += 4
        info = [self._count() for _ in range(self._count())]
        if not info:
            raise DataError(f"{self.name}: a tag without a type at byte {self.pos}")
        return self._decode(info)

    def _dtype(self, codes: list[int]) -> np.dtype:
        try:
            fields = [(f"f{i}", self.order + _SIMPLE[c][1]) for i, c in enumerate(codes)]
        except KeyError:
            raise DataError(f"{self.name}: an unknown value type in {codes}") from None
        return np.dtype(fields) if len(fields) > 1 else np.dtype(fields[0][1])

    def _decode(self, info: list[int]) -> object:
        code = info[0]
        if code in _SIMPLE:
            size, kind = _SIMPLE[code]
            value = np.frombuffer(self.data, self.order + kind, 1, self.pos)[0].item()
            self.pos += size
            return value
        if code == _STRING and len(info) >= 2:
            text = self.data[self.pos:self.pos + info[1]].decode("latin-1")
            self.pos += info[1]
            return text
        if code == _STRUCT and len(info) >= 3:
            codes = info[4::2][:info[2]]
            dtype = self._dtype(codes)
            record = np.frombuffer(self.data, dtype, 1, self.pos)[0]
            self.pos += dtype.itemsize
            return tuple(record.item()) if len(codes) > 1 else record.item()
        if code == _ARRAY and len(info) >= 3:
            element = info[1]
            if element == _STRUCT and len(info) >= 5:
                dtype = self._dtype(info[5::2][:info[3]])
            elif element in _SIMPLE:
                dtype = self._dtype([element])
            else:
                raise DataError(f"{self.name}: an array of type {element} is not supported")
            count = info[-1]
            array = _Array(self.pos, count, dtype)
            self.pos += count * dtype.itemsize
            if self.pos > len(self.data):
                raise DataError(f"{self.name}: the file ends inside an array (truncated?)")
            return array
        raise DataError(f"{self.name}: an unknown value type {info[:4]}")


def read_digital_micrograph(data: bytes, name: str = "image", max_pixels: int = 10**8
                            ) -> MicroscopeImage:
    """Decode a ``.dm3`` or ``.dm4`` file's largest image and its pixel size (None for an
    uncalibrated image). Raises DataError, naming the file, for anything that is not one, a
    diffraction pattern (calibrated in 1/nm) included, and for an image over ``max_pixels``
    before its pixels are read."""
    reader = _Reader(data, name)
    root = reader.group()
    images = root.get("ImageList")
    if not isinstance(images, _Group) or not images.tags:
        raise DataError(f"{name}: the DigitalMicrograph file holds no image")
    found: list[tuple[int, list[int], _Group]] = []
    for _, image in images.tags:
        image_data = image.get("ImageData") if isinstance(image, _Group) else None
        if not isinstance(image_data, _Group):
            continue
        dims_tag = image_data.get("Dimensions")
        if not isinstance(dims_tag, _Group) or not isinstance(image_data.get("Data"), _Array):
            continue
        dims = [int(v) for _, v in dims_tag.tags if isinstance(v, int)]
        found.append((int(np.prod(dims)) if dims else 0, dims, image_data))
    if not found:
        raise DataError(f"{name}: the DigitalMicrograph file holds no image")
    # DigitalMicrograph saves the picture it displays, as RGB, before the data. In real files
    # it can be as large as the data (a 128 x 64 image) or larger (a 2,048-channel spectrum's
    # 384 x 181 picture): taken by size, the thumbnail was read as the micrograph.
    if len(found) > 1 and found[0][2].get("DataType") == RGB_TYPE:
        found = found[1:]
    size, dims, image_data = max(found, key=lambda f: f[0])  # the first of equal ones
    check_pixel_count(name, tuple(dims), max_pixels)
    if len(dims) != 2:
        raise DataError(f"{name}: an image of {len(dims)} dimensions "
                        f"({' x '.join(map(str, dims))}: a stack or a spectrum) is not a single "
                        "micrograph; save one frame from DigitalMicrograph")
    if min(dims) == 1:
        unit = _axis(image_data, 0, data)[1]
        raise DataError(f"{name} holds a spectrum or a profile ({max(dims)} values"
                        + (f", in {unit}" if unit else "") + "), not an image of rods")
    array = image_data.get("Data")
    assert isinstance(array, _Array)
    if array.count != size:
        raise DataError(f"{name}: {array.count} values for {dims[0]} x {dims[1]} pixels")
    pixels = np.frombuffer(data, array.dtype, array.count, array.offset)
    data_type = image_data.get("DataType")
    if data_type == RGB_TYPE and array.dtype.itemsize == 4:  # RGB stored as packed 32-bit pixels
        pixels = pixels.view(reader.order + "u1").reshape(-1, 4)[:, :3]
        pixels = pixels.reshape(dims[1], dims[0], 3)
    elif array.dtype.names is not None:
        raise DataError(f"{name}: complex or packed pixels (DM data type {data_type}) are "
                        "not a micrograph")
    else:
        pixels = pixels.reshape(dims[1], dims[0])
    nm_per_px, unit = _calibration(image_data, data, name)
    if nm_per_px is None:
        refuse_diffraction(name, unit)
    return MicroscopeImage(pixels, nm_per_px)


def _text(value: object, data: bytes) -> str:
    """A DM string: an array of 16-bit characters (as units are stored), or a string tag."""
    if isinstance(value, str):
        return value
    if (isinstance(value, _Array) and value.dtype.kind == "u" and value.dtype.itemsize == 2
            and value.count <= 256):
        codes = np.frombuffer(data, value.dtype, value.count, value.offset)
        return "".join(map(chr, codes.tolist())).strip("\x00 ")
    return ""


def _axis(image_data: _Group, k: int, data: bytes) -> tuple[float | None, str]:
    """Axis ``k``'s pixel size in nm (None when not a length) and its unit as written."""
    axes = image_data.path("Calibrations", "Dimension")
    if not isinstance(axes, _Group) or len(axes.tags) <= k:
        return None, ""
    axis = axes.tags[k][1]
    if not isinstance(axis, _Group):
        return None, ""
    scale, unit = axis.get("Scale"), _text(axis.get("Units"), data)
    nm = length_in_nm(unit) if unit else None
    if not isinstance(scale, int | float) or nm is None or not scale > 0:
        return None, unit
    # The scale is stored as a 32-bit float: 0.0021 µm reads 0.0020999999; kept to the
    # digits it holds.
    return float(f"{float(scale) * nm:.7g}"), unit


def _calibration(image_data: _Group, data: bytes, name: str) -> tuple[float | None, str]:
    """The pixel size in nm (None when not a length) and the unit as written; DataError
    when the two axes give different lengths (pixels that are not square)."""
    x, unit = _axis(image_data, 0, data)
    y = _axis(image_data, 1, data)[0]
    if x is not None and y is not None:
        square_pixels(name, x, y, "DigitalMicrograph")
    return x, unit
