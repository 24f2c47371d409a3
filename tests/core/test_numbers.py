import math

import pytest

from nrstudio.core.numbers import readable, readable_bound, readable_spread


@pytest.mark.parametrize(("value", "text"), [
    (23590.4, "23600"), (0.4791, "0.479"), (96.07, "96.1"), (0.5, "0.5"), (0.0, "0"),
    (-12.34, "-12.3"), (7.65e4, "76500"), (1e-6, "1.00e-06"), (3.2e9, "3.20e+09"),
    (5.0, "5"), (math.nan, "—"), (math.inf, "—")])
def test_readable_writes_plain_decimals_in_the_lab_range(value, text):
    assert readable(value) == text


def test_spread_has_two_digits_and_no_exponent():
    assert readable_spread(7.65e4, 2.5e5) == "76500 ± 250000"
    assert readable_spread(5.894, 0.81) == "5.89 ± 0.81"
    assert readable_spread(1.0, math.nan) == "1"


@pytest.mark.parametrize(("value", "upward", "text"), [
    (0.0770582, False, "0.077"), (25971.5, True, "26000"), (176.49, True, "177"),
    (4960.0, True, "4960"), (150.0, False, "150"), (0.23, True, "0.23"),
    (-3.456, False, "-3.46"), (-3.456, True, "-3.45"), (0.0, False, "0")])
def test_a_bound_is_rounded_outwards_so_the_range_still_holds_it(value, upward, text):
    assert readable_bound(value, upward) == text
    bound = float(text)
    assert (bound >= value) if upward else (bound <= value)
