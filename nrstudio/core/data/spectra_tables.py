"""A table of spectra is not a table of syntheses. Spectrometers and plotting programs
export them two ways:

- the wavelength (or wavenumber, energy, Raman shift, 2θ) down the first column in even
  steps and one spectrum in each column beside it (a CdSe course's emission export, read as
  151 "samples" with the wavelength an outcome and each run's spectrum an input; a Raman
  microscope's ``#Wave``, ``#Intensity`` text file);
- one spectrum per row under column headers that are the wavelengths themselves (a UV-Vis
  spectrophotometer's ``No.;Type;Name;Date/Time;Note;300.00;301.00;…`` export, read as
  four syntheses of 801 inputs).

Such a table is refused with what it holds and what the app needs instead, as is a single
spectrum in an instrument's text format (JCAMP-DX, or a JASCO-style ``XYDATA`` export). A synthesis
table whose first column is a wanted peak position is not one (its values are not an even
ladder over dozens of rows), nor one with numbered columns (a few, not dozens in a ladder).
"""

from __future__ import annotations

import re

import numpy as np

from nrstudio.core.data.dataset import parse_number
from nrstudio.core.data.header_words import split_unit
from nrstudio.core.data.table_roles import RawTable

MIN_POINTS = 50  # a spectrum's points; a synthesis table rarely ladders a column this long
_AXIS_WORDS = ("wavelength", "wavenumber", "wave number", "raman shift", "2theta", "2θ",
               "two theta", "lambda", "λ")
_AXIS_TOKENS = {"wave", "waves", "shift", "energy", "frequency", "binding", "wl"}
_AXIS_UNITS = {"nm", "cm-1", "cm⁻¹", "1/cm", "ev", "°", "deg", "ppm", "thz"}


# JCAMP-DX's labelled records, and the XYDATA line or header cell of a spectrometer's text
# export (JASCO and others) above the (wavelength, intensity) pairs.
_JCAMP = re.compile(r"^\s*##(TITLE|JCAMP-DX|XYDATA|XUNITS)\s*=", re.M)
_XYDATA = re.compile(r"^\s*XYDATA\s*([,;\t]|$)", re.M)


def spectrum_export(text: str) -> str:
    """What shows that a text file is a spectrum, "" when nothing does (its first 32,768
    characters are read: an instrument's header and its first data lines)."""
    head = text[:32768]
    if _JCAMP.search(head):
        return "JCAMP-DX records (##TITLE=, ##XYDATA=)"
    found = _XYDATA.search(head)
    if found:
        line = head.count("\n", 0, found.start()) + 1
        return f"'XYDATA' on line {line}, above wavelength and intensity pairs"
    return ""


def _names_axis(header: str) -> bool:
    name, unit = split_unit(header)
    low = name.lower().strip().lstrip("#").strip()
    tokens = {t for t in re.split(r"[^\w]+", low) if t}
    return (any(w in low for w in _AXIS_WORDS) or bool(tokens & _AXIS_TOKENS)
            or (unit.lower() in _AXIS_UNITS and not low))


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
    """How ``raw`` reads as spectra (the axis, its range and the spectra), or "" when it
    does not."""
    return _spectra_in_rows(raw) or _spectra_in_columns(raw)


def _spectra_in_rows(raw: RawTable) -> str:
    """Column headers that are an even ladder of numbers, dozens of them: one spectrum per
    row."""
    axis = [(h, v) for h in raw.header
            if (v := parse_number(h.strip(), raw.decimal_comma)) is not None]
    if len(axis) < MIN_POINTS or not _even_ladder([v for _, v in axis]):
        return ""
    first, last = axis[0][1], axis[-1][1]
    return (f"{len(axis)} of its column headers, from '{axis[0][0]}' to '{axis[-1][0]}', "
            f"are a wavelength (or another axis) from {first:g} to {last:g} in even steps, "
            f"and each of its {len(raw.cells)} rows is a spectrum")


def _spectra_in_columns(raw: RawTable) -> str:
    """A first column that is an even ladder over dozens of rows under an axis header, and
    only numbers beside it: one spectrum per column."""
    if len(raw.cells) < MIN_POINTS or len(raw.header) < 2 or not _names_axis(raw.header[0]):
        return ""
    axis = [parse_number(row[0], raw.decimal_comma) if row else None for row in raw.cells]
    if not _even_ladder(axis):
        return ""
    numeric, empty = [], 0
    for j in range(1, len(raw.header)):
        cells = [row[j] for row in raw.cells if j < len(row)]
        filled = [c for c in cells if str(c).strip() not in ("", "nan")]
        if not filled:
            empty += 1  # an empty column between the axis and the spectrum
        elif all(parse_number(c, raw.decimal_comma) is not None for c in filled):
            numeric.append(raw.header[j])
    if not numeric or len(numeric) + empty < len(raw.header) - 1:
        return ""  # a text column beside the ladder: a table of syntheses after all
    shown = ", ".join(f"'{n}'" for n in numeric[:3]) + (", …" if len(numeric) > 3 else "")
    first, last = axis[0], axis[-1]
    return (f"its first column, '{raw.header[0]}', runs from {first:g} to {last:g} in even "
            f"steps over {len(axis)} rows, and "
            + (f"the column beside it ({shown}) is a spectrum" if len(numeric) == 1 else
               f"each of the {len(numeric)} columns beside it ({shown}) is a spectrum"))
