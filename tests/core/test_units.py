"""Units of one kind, converted: shared by the micrograph reader and the table's hints."""

import pytest

from nrstudio.core.units import convert, length_in_nm


def test_values_convert_within_a_kind_only():
    assert convert(1.0, "h", "min") == 60.0
    assert convert(250.0, "µL", "mL") == pytest.approx(0.25)
    assert convert(25.0, "°C", "K") == pytest.approx(298.15)
    assert convert(2.0, "mM", "M") == pytest.approx(0.002)
    assert convert(2.0, "mL", "mg") is None  # not one kind
    assert convert(2.0, "nm", "nm") is None  # nothing to convert
    assert convert(1.0, "M", "m") is None  # molar is no metre


def test_lengths_as_image_files_write_them():
    assert length_in_nm("Micron") == 1e3
    assert length_in_nm("UM") == 1e3
    assert length_in_nm("å") == 0.1
    assert length_in_nm("\\u00b5m") == 1e3
    assert length_in_nm("pixel") is None
