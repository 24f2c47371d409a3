"""Crowded micrographs (issue 16): dense carpets, bundles of long rods crossing each other,
rafts. Drawn with known sizes; seed 8 was not looked at while the rules were changed (seeds 0-7
were, in benchmarks/bench_micrographs.py)."""

from __future__ import annotations

import numpy as np
import pytest

from nrstudio.core.micrographs.rod_model import RodSettings
from nrstudio.core.micrographs.rods import NOISE_FLOOR, dark_fraction, measure_rods
from nrstudio.core.micrographs.selection import check_selection
from nrstudio.core.micrographs.synthetic import (
    make_bundle_micrograph,
    make_carpet_micrograph,
    make_rafts_of_rods_micrograph,
)


def _errors(g, m):
    s = m.summary()
    return s.length_mean / g.lengths_px.mean() - 1, s.width_mean / g.widths_px.mean() - 1


@pytest.mark.slow
def test_a_dense_carpet_is_measured_by_its_outlines():
    g = make_carpet_micrograph(8)
    assert (g.pixels < 0.62).mean() > 0.5  # rods cover more than half of the image
    assert dark_fraction(g.pixels) > 100 * NOISE_FLOOR  # not taken for an empty image
    m = measure_rods(g.pixels, 1.0)
    assert m.method == "outline"  # tracing joins rods lying end to end here
    assert m.summary().count >= 50
    length_err, width_err = _errors(g, m)
    assert abs(length_err) < 0.10
    # The width reads 8-10% narrow on carpets of cylinders: 7% from where the edge rule
    # places a blurred cylinder's edges, the rest because rods wider than the mean touch
    # their neighbours more often and are left out (docs/micrographs.md).
    assert -0.10 < width_err < 0.0
    assert check_selection(m).warning == ""


def test_the_film_level_inside_a_carpet_is_read_from_the_nearest_free_film():
    from nrstudio.core.micrographs.outlines import film_level

    smoothed = np.full((400, 400), 0.72, dtype=np.float32)
    dark = np.zeros(smoothed.shape, dtype=bool)
    dark[20:380, 20:380] = True  # a carpet: no free film within a window of its middle
    smoothed[dark] = 0.45
    level = film_level(smoothed, dark, np.zeros_like(smoothed), window_px=60, margin_px=4)
    assert level[200, 200] == pytest.approx(0.72, abs=1e-3)  # not the fallback (0)
    assert level[5, 200] == pytest.approx(0.72, abs=1e-3)
    none_free = film_level(smoothed, np.ones_like(dark), np.full_like(smoothed, 0.6), 60, 4)
    assert none_free[200, 200] == pytest.approx(0.6)  # no film anywhere: the fallback


@pytest.mark.slow
def test_tracing_on_a_carpet_joins_rods_and_says_so():
    from nrstudio.core.micrographs.outlines import outline_rods
    from nrstudio.core.micrographs.traced_rods import traced_rods
    from nrstudio.core.progress import Reporter

    g = make_carpet_micrograph(8)
    s = RodSettings()
    outlined = outline_rods(g.pixels, s, [], Reporter(None, None))
    found = traced_rods(g.pixels, outlined, s, [], Reporter(None, None))
    assert found.gapped_share > 0.75
    traced = np.mean([r.length_px for r in found.rods if r.accepted])
    assert traced > 1.5 * g.lengths_px.mean()  # why the automatic choice must not take it


@pytest.mark.slow
@pytest.mark.parametrize("make", [make_bundle_micrograph, make_rafts_of_rods_micrograph])
def test_bundles_and_rafts_of_long_rods_are_traced_within_ten_percent(make):
    g = make(8)
    m = measure_rods(g.pixels, 1.0)
    assert m.method == "trace"
    assert m.summary().count >= 10
    length_err, width_err = _errors(g, m)
    assert abs(length_err) < 0.10 and abs(width_err) < 0.10
    assert check_selection(m).warning == ""


@pytest.mark.slow
def test_a_traced_rod_whose_rod_goes_on_is_not_measured_short():
    """In a tight raft the line filter fades where a neighbour runs alongside, and a trace can
    stop while its rod goes on. The image past each end must show free film; without that
    check (continuation 1.0 switches it off) pieces shorter than any rod drawn are accepted
    and the mean reads 12-13% short."""
    g = make_bundle_micrograph(9)
    shortest = g.lengths_px.min()
    checked = measure_rods(g.pixels, 1.0, RodSettings(method="trace"))
    unchecked = measure_rods(g.pixels, 1.0, RodSettings(method="trace", max_continuation=1.0))
    assert min(r.length_px for r in checked.rods if r.accepted) > 0.95 * shortest
    assert min(r.length_px for r in unchecked.rods if r.accepted) < 0.8 * shortest
    assert abs(_errors(g, checked)[0]) < 0.05 < abs(_errors(g, unchecked)[0])


def _cross_profile(centres: list[float], width: float, darkest: float = 0.5,
                   film: float = 0.72, step: float = 0.25) -> np.ndarray:
    """A blurred cross profile (grey, one value per ``step`` px) of cylinders of ``width`` px
    at ``centres`` (px), on a film of level ``film``, ``darkest`` on an axis; one width to
    each side of 0, as a rod's cross section is sampled."""
    from scipy.ndimage import gaussian_filter1d

    x = np.arange(-3 * width, 3 * width + step / 2, step)
    profile = np.full(len(x), film)
    for c in centres:
        t = np.sqrt(np.clip(1 - (2 * (x - c) / width) ** 2, 0, None))
        profile = np.minimum(profile, profile - t * (profile - darkest))
    blurred = gaussian_filter1d(profile, 1.2 / step)
    return blurred[np.abs(x) <= width + step / 2]


def test_a_rod_pressed_against_a_neighbour_reads_as_wide_as_a_free_one():
    from nrstudio.core.micrographs.profiles import feature_extent

    step, width = 0.25, 12.0
    mid = len(_cross_profile([0.0], width)) // 2
    q = int(0.3 * width / step)

    def measured(profile: np.ndarray) -> float:
        edges = feature_extent(profile, mid - q, mid + q + 1, 0.4, film=0.72)
        assert edges is not None
        return (edges[1] - edges[0]) * step

    free = measured(_cross_profile([0.0], width))
    # A neighbour 1.04 widths away, as in a tight bundle: the gap between them stays below the
    # film's edge level, so that side's edge is mirrored from the free side (measured from
    # the gap's top it read 9% narrow).
    pressed = measured(_cross_profile([0.0, 1.04 * width], width))
    assert pressed == pytest.approx(free, rel=0.01)
    # Pressed on both sides, there is no free side to mirror from: it still reads narrow.
    both = measured(_cross_profile([-1.04 * width, 0.0, 1.04 * width], width))
    assert both < 0.9 * free
