"""The pixel size a microscope's software writes into its TIFF files (FEI / Thermo Fisher,
Olympus SIS / EMSIS cameras, Zeiss SEM) is the micrograph's scale, as ImageJ's is."""

import io
import struct

import numpy as np
import pytest
import tifffile

from nrstudio.core.micrographs.images import read_micrograph

PIXELS = (np.random.default_rng(2).random((64, 80)) * 60000).astype(np.uint16)


def _tiff(extratags, resolution=None) -> bytes:
    out = io.BytesIO()
    tifffile.imwrite(out, PIXELS, extratags=extratags, resolution=resolution)
    return out.getvalue()


def _sis_tiff(calibration: float, exponent: int) -> bytes:
    """An Olympus SIS block: a header, one entry pointing (by file offset) at the general
    data, which holds the x and y calibration times 10**exponent metres."""
    header = struct.pack("<4s6xhhhhh6x32sH", b"SIS0", 30, 10, 5, 2, 124, b"Veleta", 1)
    general = struct.pack("<10xhdd8xd2x34s32s", exponent, calibration, calibration, 40000.0,
                          b"Veleta", b"TEM")
    blob = header + struct.pack("<hhI", 1, 1, 0) + general
    data = bytearray(_tiff([(33560, "B", len(blob), blob, True)]))
    at = data.index(b"SIS0")
    struct.pack_into("<I", data, at + len(header) + 4, at + len(header) + 8)
    return bytes(data)


FEI = ("[User]\r\nDate=01/02/2024\r\n[Beam]\r\nHV=200000\r\n[Scan]\r\n"
       "PixelWidth=1.25e-009\r\nPixelHeight=1.25e-009\r\n")
ZEISS = "\r\n0\r\nAP_PIXEL_SIZE\r\nPixel Size = 2.5 nm\r\nAP_WD\r\nWD = 5.0 mm\r\n"


@pytest.mark.parametrize("data, nm_per_px", [
    (_tiff([(34682, "s", 0, FEI, True)]), 1.25),
    (_tiff([(34118, "s", 0, ZEISS, True)]), 2.5),
    (_tiff([(34118, "s", 0, ZEISS.replace("2.5 nm", "0.75 um"), True)]), 750.0),
    (_sis_tiff(0.52, -9), 0.52),
    # The instrument's value wins over a resolution a viewer may have written since.
    (_tiff([(34682, "s", 0, FEI, True)], resolution=(72, 72)), 1.25),
])
def test_a_microscopes_pixel_size_is_the_scale(data, nm_per_px):
    image = read_micrograph(data, "grid.tif")
    assert image.nm_per_px == pytest.approx(nm_per_px, rel=1e-9)
    assert image.pixels.shape == (64, 80) and image.bit_depth == 16


def test_without_a_length_there_is_no_scale():
    assert read_micrograph(_tiff([], resolution=(72, 72)), "plain.tif").nm_per_px is None
    no_width = FEI.replace("PixelWidth=1.25e-009\r\n", "")
    assert read_micrograph(_tiff([(34682, "s", 0, no_width, True)]), "f.tif").nm_per_px is None


def test_a_file_is_read_as_what_it_holds_whatever_its_ending():
    from PIL import Image

    png = io.BytesIO()
    Image.fromarray((PIXELS // 256).astype(np.uint8)).save(png, format="PNG")
    assert read_micrograph(png.getvalue(), "renamed.tif").pixels.shape == (64, 80)
    assert read_micrograph(_tiff([]), "renamed.jpg").bit_depth == 16
