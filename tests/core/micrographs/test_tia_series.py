"""FEI / Thermo Fisher TIA series files (.ser), as older Tecnai and Titan microscopes save
them: the image the right way up, its pixel size from the calibration; anything else a
clear refusal."""

import numpy as np
import pytest
from helpers.tia_files import write_ser

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.images import read_micrograph
from nrstudio.core.project.attachments import IMAGE_SUFFIXES

COUNTS = np.random.default_rng(8).integers(100, 4000, (120, 90)).astype(np.uint16)


@pytest.mark.parametrize("version", [0x0210, 0x0220])
def test_the_image_and_its_pixel_size_are_read(version):
    image = read_micrograph(write_ser([COUNTS], 3.125e-10, version), "grid.ser")
    assert image.pixels.shape == (120, 90) and image.bit_depth == 16
    assert image.nm_per_px == 0.3125
    # the top row is the top row: TIA stores the bottom row first
    np.testing.assert_allclose(image.pixels, COUNTS / COUNTS.max(), rtol=1e-6)
    assert ".ser" in IMAGE_SUFFIXES


@pytest.mark.parametrize("data, message", [
    (write_ser([COUNTS, COUNTS], 3e-10), "a series of 2 images is not a single micrograph"),
    (write_ser([COUNTS], 3e-10, kind=0x4120), "a spectrum, not an image"),
    (write_ser([COUNTS], 3e-10)[:400], "ends inside the image"),
    (b"II\x97\x01\x20\x02" + b"\x00" * 4, "ends early"),
    (b"not a series file at all", "not a TIA series file"),
    (write_ser([COUNTS], 3e-10, metres_high=6e-10), "its pixels are not square \\(0.3 nm "
                                                    "wide, 0.6 nm high\\)"),
])
def test_what_is_no_single_image_is_named(data, message):
    with pytest.raises(DataError, match=message):
        read_micrograph(data, "run.ser")


def test_an_uncalibrated_image_has_no_pixel_size():
    assert read_micrograph(write_ser([COUNTS], 0.0), "a.ser").nm_per_px is None
