"""Rods many pixels wide (gold rods 11 nm wide at 0.15 nm per pixel: about 70 px) are found
on a shrunk copy, the methods' pixel rules then fitting them, and measured in full-resolution
pixels; rods of the development micrographs' size are found at full resolution as before."""

import numpy as np
import pytest
from scipy import ndimage as ndi

from nrstudio.core.micrographs.rods import measure_rods
from nrstudio.core.micrographs.synthetic import draw_rod, make_micrograph
from nrstudio.core.micrographs.working_scale import working_factor


def test_rods_a_dozen_pixels_wide_are_found_at_full_resolution():
    g = make_micrograph(2, shape=(600, 800), n_rods=40, bar_px=None)
    assert working_factor(g.pixels) == 1


def test_wide_rods_on_a_fibrous_film_are_measured_not_the_fibres():
    """A real gold-rod micrograph (2,044 px, rods about 70 px wide on a lacy carbon film) gave
    rods of 19 nm x 3 nm or 3.5 nm x 1.4 nm at full resolution: the film's short fibres,
    many and rod-shaped at that scale, set the typical width and the real rods were rejected
    as too wide. Here the same: 400 faint fibres of 18-40 x 6-9 px among wide rods (at full
    resolution: 456 'rods' of 4 nm x 1.2 nm)."""
    g = make_micrograph(5, shape=(1400, 1800), n_rods=25, length=(320.0, 30.0),
                        width=(70.0, 5.0), bar_px=None, touching=0)
    img = g.pixels.astype(np.float64)
    rng = np.random.default_rng(1)
    for _ in range(400):
        draw_rod(img, rng.uniform(0, 1800), rng.uniform(0, 1400), rng.uniform(18, 40),
                 rng.uniform(6, 9), rng.uniform(0, np.pi), 0.55)
    img = np.clip(ndi.gaussian_filter(img, 1.0), 0, 1).astype(np.float32)
    assert working_factor(img) >= 4
    m = measure_rods(img, 0.15)
    s = m.summary()
    assert s.count >= 8
    assert s.length_mean == pytest.approx(0.15 * g.lengths_px.mean(), rel=0.15)
    assert s.width_mean == pytest.approx(0.15 * g.widths_px.mean(), rel=0.15)
    # put back in full-resolution pixels, over the whole image
    centres = np.array([(r.row, r.col) for r in m.accepted()])
    assert centres[:, 0].max() > 700 and centres[:, 1].max() > 900
    assert m.image_shape == (1400, 1800)
