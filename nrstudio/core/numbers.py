"""Numbers as a chemist writes them: a few significant digits in plain decimals (``23600``,
``0.479``, ``250 ± 40``), never ``2.359e+04`` for a value a lab weighs or pipettes."""

from __future__ import annotations

import math
from collections.abc import Iterable

# Plain decimals between these magnitudes; beyond them scientific notation is the clearer.
_SMALLEST_PLAIN = -4
_LARGEST_PLAIN = 7


def readable(value: float, significant: int = 3) -> str:
    """``value`` rounded to ``significant`` digits, in plain decimals for
    1e-4 <= |value| < 1e7 (trailing zeros of the rounding kept out: ``0.5``, not ``0.500``);
    "—" for NaN or infinity."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if not _SMALLEST_PLAIN <= magnitude < _LARGEST_PLAIN:
        return f"{value:.{max(significant - 1, 0)}e}"
    decimals = significant - 1 - magnitude
    rounded = round(value, decimals)
    if decimals <= 0:
        return str(int(rounded))
    text = f"{rounded:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def readable_bound(value: float, upward: bool, significant: int = 3) -> str:
    """A bound of a range as :func:`readable` writes it, rounded outwards (down for a lower
    bound, up for an upper one) so the range written still holds ``value``: 0.0770582 as a
    lower bound is ``0.077``, 25971.5 as an upper one ``26000``."""
    if value is None or not math.isfinite(value) or value == 0:
        return readable(value, significant)
    magnitude = math.floor(math.log10(abs(value)))
    if not _SMALLEST_PLAIN <= magnitude < _LARGEST_PLAIN:
        return readable(value, significant)
    decimals = significant - 1 - magnitude
    scale = 10.0 ** decimals
    # the tolerance keeps a value already on the grid where it is (0.1 * 10 is 1.0000000001)
    scaled = value * scale
    near = round(scaled)
    if abs(scaled - near) < 1e-9 * max(1.0, abs(scaled)):
        scaled = near
    outward = math.ceil(scaled) if upward else math.floor(scaled)
    return readable(outward / scale, significant)


def readable_spread(mean: float, spread: float, significant: int = 3) -> str:
    """``mean ± spread`` with the spread to two digits (``76500 ± 250000``); the mean alone
    when the spread is not finite."""
    if not math.isfinite(mean):
        return "—"
    if spread is None or not math.isfinite(spread):
        return readable(mean, significant)
    return f"{readable(mean, significant)} ± {readable(spread, 2)}"


def decimals_of(values: Iterable[object], most: int = 6) -> int:
    """The decimals a column's numbers are written with: the fewest that hold every finite
    value (``[0.25, 1.5]`` -> 2), at most ``most``; 0 for no numbers."""
    out = 0
    for v in values:
        try:
            x = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if not math.isfinite(x):
            continue
        d = 0
        while d < most and abs(round(x, d) - x) > 1e-9 * max(1.0, abs(x)):
            d += 1
        out = max(out, d)
    return out


def round_to_step(value: float, step: float) -> float:
    """``value`` on the nearest multiple of ``step`` (> 0), written with the step's own
    decimals (0.1 steps give 0.3, not 0.30000000000000004)."""
    return round(round(value / step) * step, decimals_of([step]) + 1)
