"""A table of spectra is not a table of syntheses. A spectrometer's or a plotting program's
export puts the wavelength (or wavenumber, energy, Raman shift, 2θ) down the first column in
even steps and one spectrum in each column beside it: read as syntheses, its 151
wavelengths were 151 "samples", the wavelength an outcome and each run's spectrum an input
(a CdSe course's emission export). Such a table is refused with what it holds and what the
app needs instead; a synthesis table whose first column is a wanted peak position is not one
(its values are not an even ladder over dozens of rows).
"""

from __future__ import annotations

import numpy as np

from nrstudio.core.data.dataset import parse_number
from nrstudio.core.data.header_words import split_unit
from nrstudio.core.data.table_roles import RawTable

MIN_POINTS = 50  # a spectrum's points; a synthesis table rarely ladders a column this long
_AXIS_WORDS = ("wavelength", "wavenumber", "wave number", "raman shift", "shift", "2theta",
               "2θ", "two theta", "energy", "lambda", "λ", "frequency", "binding")
_AXIS_UNITS = {"nm", "cm-1", "cm⁻¹", "1/cm", "ev", "°", "deg", "ppm", "thz"}


def _names_axis(header: str) -> bool:
    name, unit = split_unit(header)
    low = name.lower()
    return any(w in low for w in _AXIS_WORDS) or (unit.lower() in _AXIS_UNITS and not low)


def _even_ladder(values: list[float | None]) -> bool:
    """Whether the values rise (or fall) in steps within a factor of 3 of each other."""
    if any(v is None for v in values):
        return False
    steps = np.diff(np.asarray(values, dtype=float))
    if not (np.all(steps > 0) or np.all(steps < 0)):
        return False
    size = np.abs(steps)
    typical = float(np.median(size))
    return bool(size.max() <= 3 * typical and size.min() >= typical / 3)


def spectra_layout(raw: RawTable) -> str:
    """How ``raw`` reads as spectra (the axis column, its range and the spectra beside it),
    or "" when it does not."""
    if len(raw.cells) < MIN_POINTS or len(raw.header) < 2 or not _names_axis(raw.header[0]):
        return ""
    axis = [parse_number(row[0], raw.decimal_comma) if row else None for row in raw.cells]
    if not _even_ladder(axis):
        return ""
    numeric = []
    for j in range(1, len(raw.header)):
        cells = [row[j] for row in raw.cells if j < len(row)]
        filled = [c for c in cells if str(c).strip() not in ("", "nan")]
        if filled and all(parse_number(c, raw.decimal_comma) is not None for c in filled):
            numeric.append(raw.header[j])
    if len(numeric) < len(raw.header) - 1:
        return ""  # a text column beside the ladder: a table of syntheses after all
    shown = ", ".join(f"'{n}'" for n in numeric[:3]) + (", …" if len(numeric) > 3 else "")
    first, last = axis[0], axis[-1]
    return (f"its first column, '{raw.header[0]}', runs from {first:g} to {last:g} in even "
            f"steps over {len(axis)} rows, and each of the {len(numeric)} columns beside it "
            f"({shown}) is a spectrum")
