"""The warning that accepted rods are a biased sample of the objects on an image."""

import numpy as np

from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement
from nrstudio.core.micrographs.selection import check_selection, reason_kind


def measurement(accepted_lengths, rejected):
    """Rods in px at 1 nm/px; ``rejected``: (length, reason) pairs."""
    rods = [Rod(k, 10.0, 10.0, 0.0, float(L), 5.0, True, "accepted")
            for k, L in enumerate(accepted_lengths)]
    rods += [Rod(100 + k, 10.0, 10.0, 0.0, float(L), 5.0, False, why)
             for k, (L, why) in enumerate(rejected)]
    return RodMeasurement(rods, 1.0, (500, 500))


def test_short_accepted_rods_among_long_rejected_objects_are_flagged():
    rng = np.random.default_rng(0)
    short = rng.normal(27, 3, 60)  # what a dense carpet of ~44 nm rods lets through
    crowded = [(L, "in a bundle") for L in rng.normal(46, 5, 150)]
    crowded += [(L, f"not rod-shaped (length/width {L / 5:.1f})") for L in rng.normal(80, 10, 40)]
    check = check_selection(measurement(short, crowded))
    assert check.objects == 250 and check.accepted == 60
    assert check.fraction < 0.25 and check.ks_p < 1e-6
    assert check.median_accepted_nm < 0.85 * check.median_all_nm
    assert "probably do not represent" in check.warning and "in a bundle" in check.warning
    assert check.rejected_by_reason == {"in a bundle": 150, "not rod-shaped": 40}
    assert check.reasons_text() == "in a bundle: 150; not rod-shaped: 40"


def test_a_representative_sample_is_not_flagged():
    rng = np.random.default_rng(1)
    lengths = rng.normal(44, 4, 200)
    rejected = [(L, "cut by the image border") for L in rng.normal(44, 4, 30)]
    check = check_selection(measurement(lengths, rejected))
    assert check.warning == ""
    assert check.fraction > 0.8


def test_few_objects_give_no_verdict():
    check = check_selection(measurement([20, 22, 25], [(60, "in a bundle")] * 10))
    assert check.warning == "" and check.objects == 13


def test_reason_kind_drops_the_numbers():
    assert reason_kind("fragment (under 40% of the median length)") == "fragment"
    assert reason_kind("in a bundle") == "in a bundle"
