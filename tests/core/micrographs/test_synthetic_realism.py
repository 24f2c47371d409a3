"""The packed synthetic carpet looks like the real dense carpets (tem-dev 02 and 04) where
the older synthetic carpet did not, by the numbers of image_statistics. The real images are
not shipped; their figures, measured once above their scale bars, are kept here."""

import pytest

from nrstudio.core.micrographs.image_statistics import image_statistics
from nrstudio.core.micrographs.rods import NOISE_FLOOR, looks_like_noise
from nrstudio.core.micrographs.synthetic import (
    make_carpet_micrograph,
    make_packed_carpet_micrograph,
)

# tem-dev 02 and 04 (benchmarks/bench_micrographs.py prints them when the images are present)
REAL_CARPETS = {
    "mode_position": (0.576, 0.612),
    "noise_to_contrast": (0.090, 0.094),
    "noise_grain": (0.294, 0.452),
    "dark_share": (0.0, 0.0),
}


def within(value: float, real: tuple[float, float], factor: float) -> bool:
    lo, hi = real
    return lo / factor <= value <= hi * factor


@pytest.fixture(scope="module")
def packed():
    return image_statistics(make_packed_carpet_micrograph(0, shape=(800, 1000)).pixels)


def test_the_packed_carpet_defeats_the_first_noise_guard_as_real_carpets_did(packed):
    # nothing stands out below the commonest grey: the first guard called 02 and 04 noise
    assert packed.dark_share < NOISE_FLOOR
    assert not looks_like_noise(make_packed_carpet_micrograph(0, shape=(800, 1000)).pixels)


def test_the_packed_carpet_is_near_the_real_ones_where_the_older_one_was_far(packed):
    older = image_statistics(make_carpet_micrograph(0).pixels)
    for name in ("noise_to_contrast", "noise_grain"):
        assert within(getattr(packed, name), REAL_CARPETS[name], 1.5), name
        assert not within(getattr(older, name), REAL_CARPETS[name], 1.5), name
    # the commonest grey is a rod's, not the film's
    assert packed.mode_position < 0.7 < older.mode_position
    assert older.dark_share > 100 * NOISE_FLOOR
