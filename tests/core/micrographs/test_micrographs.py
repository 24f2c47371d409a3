import io

import numpy as np
import pytest
from helpers.paths import SHARED_DATA

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.images import detect_scale_bar, read_micrograph
from nrstudio.core.micrographs.synthetic import make_micrograph

DEV = SHARED_DATA / "tem-dev"
KNOWN_BARS = {"01": 499, "12": 249, "19": 499, "28": 499}  # from shared/data/README.md


@pytest.mark.parametrize("seed,corner,polarity,length", [
    (0, "lower left", "dark", 150), (1, "lower right", "dark", 97),
    (2, "upper right", "bright", 211), (3, "upper left", "dark", 60)])
def test_scale_bar_found_on_generated_images(seed, corner, polarity, length):
    m = make_micrograph(seed, bar_px=length, bar_corner=corner, bar_polarity=polarity)
    bar = detect_scale_bar(m.pixels)
    assert bar is not None
    assert bar.length_px == length and bar.corner == corner and bar.polarity == polarity


def test_no_bar_is_not_invented_from_rods():
    m = make_micrograph(4, bar_px=None, n_rods=120)
    assert detect_scale_bar(m.pixels) is None


@pytest.mark.skipif(not DEV.is_dir(), reason=f"reference micrographs not present at {DEV}")
@pytest.mark.parametrize("name", sorted(KNOWN_BARS))
def test_scale_bar_on_the_real_micrographs(name):
    m = read_micrograph((DEV / f"{name}.jpg").read_bytes(), f"{name}.jpg")
    assert m.pixels.shape == (2564, 3500) and m.pixels.dtype == np.float32
    bar = detect_scale_bar(m.pixels)
    assert bar is not None and bar.corner == "lower left"
    assert abs(bar.length_px - KNOWN_BARS[name]) <= 1


def _tiff_bytes(arr, **kwargs):
    import tifffile

    buf = io.BytesIO()
    tifffile.imwrite(buf, arr, **kwargs)
    return buf.getvalue()


def test_16_bit_tiff_with_pixel_size():
    arr = (np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 7)
    data = _tiff_bytes(arr, imagej=True, resolution=(1 / 0.4, 1 / 0.4), metadata={"unit": "nm"})
    m = read_micrograph(data, "a.tif")
    assert m.bit_depth == 16 and m.pixels.shape == (48, 64)
    assert m.nm_per_px == pytest.approx(0.4)
    assert m.pixels.max() == pytest.approx(1.0) and m.pixels.min() == 0.0
    um = _tiff_bytes(arr, imagej=True, resolution=(1 / 0.0004, 1 / 0.0004), metadata={"unit": "um"})
    assert read_micrograph(um, "b.tif").nm_per_px == pytest.approx(0.4)


def test_rgb_encoded_grey_becomes_grey_and_colour_uses_luminance():
    from PIL import Image

    grey = (np.random.default_rng(0).random((20, 30)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(np.dstack([grey] * 3)).save(buf, "PNG")
    m = read_micrograph(buf.getvalue(), "g.png")
    assert m.pixels.shape == (20, 30)
    np.testing.assert_allclose(m.pixels, grey / 255.0, atol=1e-6)
    colour = np.zeros((4, 4, 3), dtype=np.uint8)
    colour[..., 1] = 255
    buf = io.BytesIO()
    Image.fromarray(colour).save(buf, "PNG")
    assert read_micrograph(buf.getvalue(), "c.png").pixels[0, 0] == pytest.approx(0.7154)


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"II*\x00broken tiff"])
def test_unreadable_bytes_are_a_data_error(data):
    with pytest.raises(DataError, match="not a readable image"):
        read_micrograph(data, "x.tif")
