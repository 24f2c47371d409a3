"""The warning that accepted rods are a biased sample of the rods on an image."""

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


def test_short_accepted_rods_among_longer_bundled_rods_are_flagged():
    rng = np.random.default_rng(0)
    short = rng.normal(27, 3, 60)  # what a dense carpet of ~44 nm rods lets through
    crowded = [(L, "in a bundle") for L in rng.normal(46, 5, 150)]
    crowded += [(L, f"not rod-shaped (length/width {L / 5:.1f})") for L in rng.normal(8, 2, 400)]
    check = check_selection(measurement(short, crowded))
    assert check.objects == 610 and check.accepted == 60 and check.touching == 150
    assert check.ks_p < 1e-6 and check.median_accepted_nm < 0.85 * check.median_touching_nm
    assert "probably do not represent" in check.warning and "150 whole rods" in check.warning
    assert check.rejected_by_reason == {"not rod-shaped": 400, "in a bundle": 150}
    assert check.reasons_text() == "not rod-shaped: 400; in a bundle: 150"


def test_a_crowded_but_representative_image_is_not_flagged():
    # As on the development micrographs: 10% accepted, bundled rods as long as accepted ones.
    rng = np.random.default_rng(1)
    lengths = rng.normal(40, 4, 110)
    rejected = [(L, "in a bundle") for L in rng.normal(39.5, 5, 570)]
    rejected += [(L, "fragment (under 40% of the median length)") for L in rng.normal(15, 4, 300)]
    rejected += [(L, "not rod-shaped (length/width 1.2)") for L in rng.normal(8, 2, 100)]
    check = check_selection(measurement(lengths, rejected))
    assert check.fraction < 0.15 and check.warning == ""


def test_few_bundled_rods_give_no_verdict():
    check = check_selection(measurement([20, 22, 25, 21, 23], [(60, "in a bundle")] * 10))
    assert check.warning == "" and check.touching == 10


def test_reason_kind_drops_the_numbers():
    assert reason_kind("fragment (under 40% of the median length)") == "fragment"
    assert reason_kind("in a bundle") == "in a bundle"
