"""FEI TIA series files (.ser) written for tests, laid out as TIA writes them: a header with
one dimension descriptor, the offset tables, a 2-D element with its calibration, and a
time tag. Checked once against an independent reader (ncempy 1.16's ``io.ser``, by hand, not
a dependency): same shapes, pixels and pixel sizes for both versions."""

from __future__ import annotations

import struct

import numpy as np

_CODES = {np.dtype("uint8"): 1, np.dtype("uint16"): 2, np.dtype("uint32"): 3,
          np.dtype("int8"): 4, np.dtype("int16"): 5, np.dtype("int32"): 6,
          np.dtype("float32"): 7, np.dtype("float64"): 8}


def write_ser(frames: list[np.ndarray], metres_per_px: float, version: int = 0x0220,
              kind: int = 0x4122, metres_high: float | None = None) -> bytes:
    """A .ser file of ``frames`` (each (height, width)), calibrated in metres per pixel
    (``metres_high``: the pixels' height, when it differs)."""
    offset = "<i" if version == 0x0210 else "<q"
    size = struct.calcsize(offset)
    description, units = b"Number", b""
    head = struct.pack("<HHH", 0x4949, 0x0197, version)
    head += struct.pack("<iiii", kind, 0x4152, len(frames), len(frames))
    dims = struct.pack("<i", len(frames)) + struct.pack("<dd", 0.0, 1.0)
    dims += struct.pack("<ii", 0, len(description)) + description
    dims += struct.pack("<i", len(units)) + units
    table_at = len(head) + size + 4 + len(dims)
    head += struct.pack(offset, table_at) + struct.pack("<i", 1) + dims
    elements_at = table_at + 2 * size * len(frames)
    elements, offsets = b"", []
    for frame in frames:
        offsets.append(elements_at + len(elements))
        height, width = frame.shape
        elements += struct.pack("<ddiddihii", 0.0, metres_per_px, 0, 0.0,
                                metres_high or metres_per_px, 0,
                                _CODES[frame.dtype], width, height)
        # the bottom row first, as TIA stores an image
        elements += frame[::-1].astype(frame.dtype.newbyteorder("<")).tobytes()
    tags_at = elements_at + len(elements)
    tags = b"".join(struct.pack("<hi", 0x4152, 1_700_000_000 + k) for k in range(len(frames)))
    table = b"".join(struct.pack(offset, o) for o in offsets)
    table += b"".join(struct.pack(offset, tags_at + 6 * k) for k in range(len(frames)))
    return head + table + elements + tags
