"""Thermo Fisher Velox files (.emd): the image and its pixel size, the largest of a STEM
acquisition's detector images; anything else a clear refusal."""

import numpy as np
import pytest
from helpers.velox_files import write_velox

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.images import read_micrograph
from nrstudio.core.project.attachments import IMAGE_SUFFIXES

COUNTS = np.random.default_rng(4).integers(100, 4000, (120, 90)).astype(np.uint16)


def test_the_image_and_its_pixel_size_are_read():
    image = read_micrograph(write_velox([(COUNTS, "BM-Ceta")], 3.125e-10), "grid.emd")
    assert image.pixels.shape == (120, 90) and image.nm_per_px == 0.3125
    np.testing.assert_allclose(image.pixels, COUNTS / COUNTS.max(), rtol=1e-6)
    assert ".emd" in IMAGE_SUFFIXES


def test_the_largest_detector_image_is_the_micrograph():
    small = np.zeros((30, 20), np.float32)
    image = read_micrograph(write_velox([(small, "DF4"), (COUNTS.astype(np.float32), "HAADF")]),
                            "stem.emd")
    assert image.pixels.shape == (120, 90)


@pytest.mark.parametrize("data, message", [
    (write_velox([(np.zeros((40, 30, 3), np.uint16), "BM-Ceta")]), "a series of 3 frames"),
    (write_velox([]), "holds no Velox image"),
    (b"\x89HDF\r\n\x1a\n" + b"\x00" * 64, "not a readable EMD"),
    (write_velox([(COUNTS, "BM-Ceta")])[:2000], "not a readable EMD|damaged EMD"),
])
def test_what_is_no_single_micrograph_is_named(data, message):
    with pytest.raises(DataError, match=message):
        read_micrograph(data, "run.emd")
