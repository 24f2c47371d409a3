"""Thermo Fisher Velox files (.emd): the image and its pixel size, the largest of a STEM
acquisition's detector images; anything else a clear refusal."""

import numpy as np
import pytest
from helpers.velox_files import write_berkeley_emd, write_velox

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


def test_of_a_stem_acquisitions_equal_images_the_haadf_one_is_read():
    """Four detectors' 128 x 128 images, as a real Velox STEM file holds them; HDF5 lists
    them by a random id, so the first was any detector's."""
    others = np.full((120, 90), 7, np.uint16)
    data = write_velox([(others, "BF"), (COUNTS, "HAADF"), (others, "DF2"), (others, "DF4")])
    np.testing.assert_allclose(read_micrograph(data, "stem.emd").pixels,
                               COUNTS / COUNTS.max(), rtol=1e-6)


def test_a_berkeley_emd_image_is_read_with_its_pixel_size():
    """NCEM's format (a real file of it was refused: 'holds no Velox image')."""
    image = read_micrograph(write_berkeley_emd(COUNTS, 0.01224652, "n_m"), "acq.emd")
    assert image.pixels.shape == (120, 90) and image.nm_per_px == 0.01224652
    np.testing.assert_allclose(image.pixels, COUNTS / COUNTS.max(), rtol=1e-6)
    assert read_micrograph(write_berkeley_emd(COUNTS, 0.5, "[n_m]"), "a.emd").nm_per_px == 0.5
    assert read_micrograph(write_berkeley_emd(COUNTS, 1.0, "pixels"), "a.emd").nm_per_px is None


@pytest.mark.parametrize("data, message", [
    (write_velox([(np.zeros((40, 30, 3), np.uint16), "BM-Ceta")]), "a series of 3 frames"),
    (write_velox([]), "holds no image \\(neither Velox nor Berkeley EMD\\)"),
    # A real Ceta diffraction pattern (in 1/m) was read as an uncalibrated image.
    (write_velox([(COUNTS, "BM-Ceta")], 1.1e8, "1/m"), "a diffraction pattern \\(calibrated "
                                                       "in 1/m\\)"),
    (write_velox([(COUNTS, "HAADF")], 2e-10, height=4e-10), "its pixels are not square"),
    (write_berkeley_emd(COUNTS, 0.05, "1/n_m"), "a diffraction pattern \\(calibrated in 1/nm"),
    (write_berkeley_emd(np.zeros((4, 30, 20), np.uint16)), "data of shape 4 x 30 x 20"),
    (b"\x89HDF\r\n\x1a\n" + b"\x00" * 64, "not a readable EMD"),
    (write_velox([(COUNTS, "BM-Ceta")])[:2000], "not a readable EMD|damaged EMD"),
])
def test_what_is_no_single_micrograph_is_named(data, message):
    with pytest.raises(DataError, match=message):
        read_micrograph(data, "run.emd")
