"""Rods that the outlines merged with a neighbour and tracing took apart (issue 29): in a
carpet a long rod meets others more often than a short one, so outlines kept whole are a
sample tilted towards short rods."""

from __future__ import annotations

import numpy as np
import pytest

from nrstudio.core.micrographs.rod_model import ACCEPTED, Rod
from nrstudio.core.micrographs.rods import (
    AGREEMENT,
    measure_rods,
    traces_agree,
    with_rods_traced_apart,
)
from nrstudio.core.micrographs.synthetic import make_crossed_long_rods_micrograph
from nrstudio.core.micrographs.traced_rods import TracedRods


def _rod(id_: int, row: float, col: float, angle: float, length: float, accepted: bool = True,
         reason: str = ACCEPTED) -> Rod:
    return Rod(id_, row, col, angle, length, 10.0, accepted, reason)


def test_a_rod_traced_inside_a_rejected_outline_is_added_once_with_a_new_id():
    outlined = [_rod(1, 100, 100, 0, 100),  # accepted, lying along the x axis
                _rod(2, 400, 400, 30, 300, False, "uneven width (touching or crossing)")]
    traced = [_rod(1, 102, 110, 3, 104),  # the same rod as outline 1, found again
              _rod(2, 400, 380, 30, 140),  # one rod of the rejected blob
              _rod(3, 700, 700, 90, 120, False, "bent (the trace left its rod)"),
              _rod(4, 100, 100, 90, 100)]  # crossing outline 1 at right angles: another rod
    kept = with_rods_traced_apart(outlined, traced)
    assert [r.id for r in kept] == [1, 2, 3, 4]
    assert kept[:2] == outlined
    assert (kept[2].row, kept[2].col, kept[2].length_px) == (400, 380, 140)
    assert kept[3].angle_deg == 90
    assert all(r.accepted and r.reason == ACCEPTED for r in kept[2:])


def test_nothing_is_added_where_the_outlines_accepted_nothing():
    outlined = [_rod(1, 50, 50, 0, 40, False, "necked (rods end to end)")]
    assert with_rods_traced_apart(outlined, [_rod(1, 50, 50, 0, 80)]) == outlined


@pytest.mark.parametrize(("trace_length", "gapped", "agree"), [
    (100.0, 0.2, True), (100.0 * AGREEMENT * 0.98, 0.2, True),
    (100.0 * AGREEMENT * 1.1, 0.2, False),  # traces running over rods end to end
    (100.0 / AGREEMENT / 1.1, 0.2, False),
    (100.0, 0.9, False),  # nearly every trace has a gap along it: a carpet of short rods
    (100.0, float("nan"), False)])
def test_traces_are_added_only_when_both_methods_see_the_same_rods(trace_length, gapped,
                                                                   agree):
    outlined = [_rod(k, 10 * k, 10, 0, 100.0) for k in range(1, 21)]
    traced = [_rod(k, 10 * k, 10, 0, trace_length) for k in range(1, 21)]
    assert traces_agree(outlined, TracedRods(traced, gapped)) is agree


@pytest.mark.parametrize("seed", [0, 7])
def test_long_rods_that_cross_others_are_measured_too(seed):
    # On the code before, only the lone (shorter) half was kept: -10.7% to -11.5% in length.
    g = make_crossed_long_rods_micrograph(seed)
    m = measure_rods(g.pixels, 1.0)
    assert m.method == "outline"
    s = m.summary()
    assert s.count > 0.6 * len(g.lengths_px)
    assert abs(s.length_mean / g.lengths_px.mean() - 1) < 0.05
    ids = [r.id for r in m.rods]
    assert len(set(ids)) == len(ids)
    assert np.isfinite(s.width_mean)
