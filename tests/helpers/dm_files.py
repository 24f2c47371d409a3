"""Gatan DigitalMicrograph (.dm3/.dm4) files written for tests, laid out as DigitalMicrograph
writes them: a thumbnail image before the micrograph, calibrations per axis with units as
16-bit characters, structs, arrays of structs, strings and nested groups around them.

The layout was checked once against an independent reader (ncempy 1.16's ``io.dm``, by hand,
not a dependency): same shapes, pixel values and scales for the DM3 and DM4 files below."""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

_CODES = {np.dtype("int16"): 2, np.dtype("int32"): 3, np.dtype("uint16"): 4,
          np.dtype("uint32"): 5, np.dtype("float32"): 6, np.dtype("float64"): 7,
          np.dtype("bool"): 8, np.dtype("int8"): 9, np.dtype("uint8"): 10,
          np.dtype("int64"): 11, np.dtype("uint64"): 12}


@dataclass
class Struct:
    """A struct value: its fields as numpy scalars."""

    fields: tuple


@dataclass
class StructArray:
    """An array of structs with fields of ``dtypes``."""

    rows: list[tuple]
    dtypes: tuple


def _units(text: str) -> np.ndarray:
    return np.array([ord(c) for c in text], dtype=np.uint16)


class _Writer:
    def __init__(self, version: int) -> None:
        self.wide = version == 4

    def count(self, n: int) -> bytes:
        return struct.pack(">Q" if self.wide else ">I", n)

    def group(self, entries: list[tuple[str, object]]) -> bytes:
        out = b"\x00\x01" + self.count(len(entries))
        for label, value in entries:
            name = label.encode("latin-1")
            if isinstance(value, list):
                kind, body = 20, self.group(value)
            else:
                kind, body = 21, self.data(value)
            head = struct.pack(">BH", kind, len(name)) + name
            if self.wide:
                head += struct.pack(">Q", len(body))
            out += head + body
        return out

    def data(self, value: object) -> bytes:
        if isinstance(value, Struct):
            info = [15, 0, len(value.fields)]
            for f in value.fields:
                info += [0, _CODES[np.asarray(f).dtype]]
            payload = b"".join(np.asarray(f).astype(np.asarray(f).dtype.newbyteorder("<"))
                               .tobytes() for f in value.fields)
        elif isinstance(value, StructArray):
            info = [20, 15, 0, len(value.dtypes)]
            for d in value.dtypes:
                info += [0, _CODES[np.dtype(d)]]
            info.append(len(value.rows))
            record = np.dtype([(f"f{i}", np.dtype(d).newbyteorder("<"))
                               for i, d in enumerate(value.dtypes)])
            payload = np.array(value.rows, dtype=record).tobytes()
        elif isinstance(value, str):
            info, payload = [18, len(value)], value.encode("latin-1")
        elif isinstance(value, np.ndarray):
            info = [20, _CODES[value.dtype], value.size]
            payload = value.astype(value.dtype.newbyteorder("<")).tobytes()
        else:
            scalar = np.asarray(value)
            if scalar.dtype == np.dtype("int64") and isinstance(value, int):
                scalar = scalar.astype(np.int32)
            info = [_CODES[scalar.dtype]]
            payload = scalar.astype(scalar.dtype.newbyteorder("<")).tobytes()
        return b"%%%%" + self.count(len(info)) + b"".join(self.count(i) for i in info) + payload


def _image(pixels: np.ndarray, scale: float, unit: str, data_type: int,
           scale_y: float | None = None, unit_y: str | None = None) -> list:
    dims = list(reversed(pixels.shape))  # x fastest: width, height[, frames]
    axis = [("Origin", np.float32(0.0)), ("Scale", np.float32(scale)), ("Units", _units(unit))]
    axis_y = [("Origin", np.float32(0.0)),
              ("Scale", np.float32(scale if scale_y is None else scale_y)),
              ("Units", _units(unit if unit_y is None else unit_y))]
    return [("ImageData", [
        ("Calibrations", [
            ("Brightness", [("Origin", np.float32(0)), ("Scale", np.float32(1)),
                            ("Units", _units("Counts"))]),
            ("Dimension", [("", axis), ("", axis_y)]),
            ("DisplayCalibratedUnits", True)]),
        ("Data", pixels.reshape(-1)),
        ("DataType", np.int32(data_type)),
        ("Dimensions", [("", np.uint32(d)) for d in dims]),
        ("PixelDepth", np.uint32(pixels.dtype.itemsize))]),
        ("ImageTags", [("Microscope Info", [("Voltage", 200000.0),
                                            ("Operator", _units("someone")),
                                            ("Indicated Magnification", np.float32(40000))])]),
        ("Name", _units("micrograph")),
        ("UniqueID", Struct((np.int32(1), np.int32(2), np.int32(3), np.int32(4))))]


def write_dm(version: int, pixels: np.ndarray, scale: float = 0.25, unit: str = "nm",
             data_type: int = 10, extra_images: list[np.ndarray] | None = None,
             thumbnail: tuple[int, int] = (48, 64), scale_y: float | None = None,
             unit_y: str | None = None) -> bytes:
    """A DM3 or DM4 file (``version``) holding the RGB thumbnail DigitalMicrograph saves
    first (``thumbnail``: its height and width; as large as the data, or larger, in real
    files), then ``pixels`` with ``scale`` ``unit`` per pixel (``scale_y``, ``unit_y``: the
    second axis's, when they differ; DM ``data_type``: 10 uint16, 2 float32, 6 uint8...),
    then ``extra_images`` (smaller ones, as a second workspace image would be)."""
    grey = (np.arange(thumbnail[0] * thumbnail[1]) % 251).astype(np.uint32)
    thumb = (grey | grey << 8 | grey << 16 | np.uint32(0xFF) << 24).astype(np.int32)
    images = [("", _image(thumb.reshape(thumbnail), 1.0, "", 23)),
              ("", _image(pixels, scale, unit, data_type, scale_y, unit_y))]
    for extra in extra_images or []:
        images.append(("", _image(extra, scale, unit, data_type)))
    writer = _Writer(version)
    root = writer.group([
        ("ApplicationBounds", StructArray([(0, 0, 1024, 1280)], ("int32",) * 4)),
        ("DocumentObjectList", [("", [("AnnotationType", np.int32(20)),
                                      ("Rectangle", Struct(tuple(np.float32(v)
                                                                 for v in (0, 0, 48, 64))))])]),
        ("ImageList", images),
        ("Image Behavior", [("ViewDisplayID", np.uint32(8))]),
        ("InImageMode", True)])
    head = struct.pack(">i", version)
    head += struct.pack(">Q" if version == 4 else ">I", len(root) + 8)
    head += struct.pack(">i", 1)  # values little-endian
    return head + root + b"\x00" * 8
