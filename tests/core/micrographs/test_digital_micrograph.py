"""Gatan DigitalMicrograph files (.dm3, .dm4), the raw format of most TEM cameras: the
micrograph (not the thumbnail before it) and its calibrated pixel size; anything else a
clear refusal."""

import re
import subprocess
import sys

import numpy as np
import pytest
from helpers.dm_files import write_dm

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.images import read_micrograph
from nrstudio.core.micrographs.synthetic import make_micrograph
from nrstudio.core.project.attachments import IMAGE_SUFFIXES

RNG = np.random.default_rng(5)
COUNTS = RNG.integers(100, 4000, (300, 200)).astype(np.uint16)


@pytest.mark.parametrize("version", [3, 4])
def test_the_micrograph_and_its_pixel_size_are_read(version):
    small = RNG.integers(0, 9, (20, 30)).astype(np.uint16)  # a second, smaller image
    image = read_micrograph(write_dm(version, COUNTS, 0.3125, "nm", 10, [small]),
                            f"rods.dm{version}")
    assert image.pixels.shape == (300, 200) and image.bit_depth == 16
    assert image.nm_per_px == 0.3125
    np.testing.assert_allclose(image.pixels, COUNTS / COUNTS.max(), rtol=1e-6)
    assert f".dm{version}" in IMAGE_SUFFIXES


@pytest.mark.parametrize("pixels, data_type", [
    (RNG.random((90, 120)).astype(np.float32), 2),
    (RNG.integers(-300, 900, (90, 120)).astype(np.int16), 1),  # dark-subtracted counts
    (RNG.integers(0, 256, (90, 120)).astype(np.uint8), 6),
])
def test_pixel_types_are_spread_over_the_grey_range(pixels, data_type):
    image = read_micrograph(write_dm(4, pixels, 2.1, "Å", data_type), "frame.dm4")
    assert image.nm_per_px == pytest.approx(0.21)
    assert image.pixels.min() >= 0 and image.pixels.max() == pytest.approx(1.0)
    order = np.argsort(pixels, axis=None)  # the grey keeps the counts' order
    assert np.all(np.diff(image.pixels.reshape(-1)[order]) >= 0)


def test_a_scale_in_micrometres_is_read_in_nanometres_to_the_digits_stored():
    assert read_micrograph(write_dm(3, COUNTS, 0.0021, "µm"), "a.dm3").nm_per_px == 2.1


def test_an_uncalibrated_image_has_no_pixel_size():
    assert read_micrograph(write_dm(3, COUNTS, 1.0, ""), "a.dm3").nm_per_px is None


@pytest.mark.parametrize("pixels, unit, message", [
    (COUNTS, "1/nm", "a diffraction pattern \\(calibrated in 1/nm\\), not an image of rods"),
    (np.zeros((3, 40, 50), np.uint16), "nm", "an image of 3 dimensions .* not a single"),
    # An EELS spectrum: 2,048 channels (in eV) behind a larger picture of it, as in a real
    # file (ncempy's 08_carbon.dm3), whose picture was read as a 384 x 181 micrograph.
    (RNG.random((1, 2048)).astype(np.float32), "eV",
     "holds a spectrum or a profile \\(2048 values, in eV\\), not an image of rods"),
])
def test_what_is_no_micrograph_is_named(pixels, unit, message):
    with pytest.raises(DataError, match=message):
        read_micrograph(write_dm(4, pixels, 0.05, unit, 2, thumbnail=(181, 384)), "x.dm4")


@pytest.mark.parametrize("version", [3, 4])
def test_the_data_not_its_thumbnail_when_both_are_the_same_size(version):
    """A real test file (ncempy's dmTest_float32_nonSquare_diffPixelSize) holds a 128 x 64
    float32 image behind a 128 x 64 RGB thumbnail: the thumbnail was read."""
    pixels = RNG.random((64, 128)).astype(np.float32)
    image = read_micrograph(write_dm(version, pixels, 0.5, "nm", 2, thumbnail=(64, 128)),
                            f"same.dm{version}")
    assert image.bit_depth == 32 and image.nm_per_px == 0.5
    np.testing.assert_allclose(image.pixels, (pixels - pixels.min()) / np.ptp(pixels),
                               rtol=1e-5, atol=1e-6)


def test_pixels_that_are_not_square_are_refused():
    """Calibrated 1 nm wide and 2 Å high (as that real test file is): a rod's length in nm
    would depend on its direction."""
    with pytest.raises(DataError, match=re.escape("its pixels are not square (1 nm wide, "
                                                  "0.2 nm high)")):
        read_micrograph(write_dm(3, COUNTS, 1.0, "nm", 10, scale_y=2.0, unit_y="Å"), "ns.dm3")
    # the same pixel size written in two units is square
    square = read_micrograph(write_dm(3, COUNTS, 1.0, "nm", 10, scale_y=10.0, unit_y="Å"),
                             "sq.dm3")
    assert square.nm_per_px == 1.0


@pytest.mark.parametrize("version", [3, 4])
def test_a_damaged_file_is_refused_with_its_name_never_a_crash(version):
    data = write_dm(version, COUNTS[:40, :30], 0.5, "nm")
    rng = np.random.default_rng(version)
    damaged = [data[:n] for n in range(0, len(data), 37)]
    for _ in range(200):  # bytes changed in the tag structure before the pixels
        spoiled = bytearray(data)
        for at in rng.integers(0, 1200, 3):
            spoiled[at] = int(rng.integers(0, 256))
        damaged.append(bytes(spoiled))
    for blob in damaged:
        try:
            read_micrograph(blob, "broken.dm3")
        except DataError as exc:
            assert "broken.dm3" in str(exc)


def test_measure_uses_the_files_calibration(tmp_path):
    """`nrstudio measure` on a DM4 file: no scale option needed, the rods come out in nm as
    the same image does as a PNG with its pixel size given."""
    from PIL import Image

    rods = make_micrograph(seed=3, shape=(500, 700), n_rods=25, bar_px=None)
    counts = (rods.pixels * 3000).astype(np.uint16)
    (tmp_path / "rods.dm4").write_bytes(write_dm(4, counts, 0.8, "nm"))
    Image.fromarray((rods.pixels * 255).astype(np.uint8)).save(tmp_path / "rods.png")
    for name, extra in (("rods.dm4", []), ("rods.png", ["--nm-per-px", "0.8"])):
        out = tmp_path / name.replace(".", "-")
        done = subprocess.run([sys.executable, "-m", "nrstudio.cli", "measure",
                               str(tmp_path / name), "--out", str(out), *extra],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    dm_rows = (tmp_path / "rods-dm4" / "summary.csv").read_text().splitlines()
    png_rows = (tmp_path / "rods-png" / "summary.csv").read_text().splitlines()
    assert "pixel size in the file" in dm_rows[1]
    dm_length = float(dm_rows[1].split(",")[dm_rows[0].split(",").index("length_mean_nm")])
    png_length = float(png_rows[1].split(",")[png_rows[0].split(",").index("length_mean_nm")])
    assert dm_length == pytest.approx(png_length, rel=0.05)
    assert dm_length == pytest.approx(0.8 * np.mean(rods.lengths_px), rel=0.15)


def test_a_dm4_attached_to_a_sample_is_saved_and_read_back_with_its_scale(tmp_path):
    from helpers.paths import EXAMPLE

    from nrstudio.core.project.attachments import attach_image
    from nrstudio.core.project.file_format import load_project, save_project

    project = load_project(EXAMPLE)
    sample = project.dataset.sample_ids()[0]
    data = write_dm(4, COUNTS, 0.3125, "nm")
    attached = attach_image(project, sample, "rods.dm4", data)
    assert attached.nm_per_px == 0.3125
    save_project(project, tmp_path / "with-dm.nrproj")
    [back] = [i for i in load_project(tmp_path / "with-dm.nrproj").images
              if i.filename == "rods.dm4"]
    assert back.data == data and back.nm_per_px == 0.3125 and back.sample_id == sample
    assert read_micrograph(back.data, back.filename).pixels.shape == (300, 200)
