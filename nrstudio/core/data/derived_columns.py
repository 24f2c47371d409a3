"""Columns computed from an outcome: a band gap from an absorption peak (E = 1240 / λ), a
radius from a diameter, a size from a peak through a sizing curve. Used as an input, such a
column hands the models the answer: their leakage-free scores look excellent and mean
nothing. Its header may say nothing of it (a CdSe lab's table of ``Run``, ``Abs_peak_nm``,
``Eg_prime_eV`` and ``Radius_nm`` had its band gap guessed an input).

A column is taken as computed from an outcome when it is written with the digits of a
computer (a median of 7 significant digits or more, and more than the outcome has: a value
set by hand or measured is written with a few, and an exported formula keeps fifteen), and,
over the rows where it has a number (the outcome has one in each of them, and they hold at
least ``DERIVED_MIN_ROWS`` different outcome values), it is

- a simple function of the outcome to within half a percent of its spread:
  ``a + b·g(outcome)`` for g the outcome itself, its reciprocal, logarithm, square root,
  square or cube; or
- a smooth monotone function of it (within half a percent of a cubic in the outcome).

A derived column typed by hand (a radius written as 3.1 beside a diameter of 6.2) is not
found: it cannot be told from a table of conditions that follow a formula exactly, such as
a test table with x = 1, 2, 3 and y = 2x + 1, whose x must stay an input. A condition that a
measured outcome follows closely (a growth time and the peak it reached) is never exactly
one of those forms: the outcome scatters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nrstudio.core.data.training_rows import line_within

DERIVED_MIN_ROWS = 8
DERIVED_SPREAD = 0.005
COMPUTED_DIGITS = 7  # significant digits that only a computation writes

_FORMS: tuple[tuple[str, Callable[[np.ndarray], np.ndarray], bool], ...] = (
    # (how the relation reads, g, whether g needs positive values)
    ("{b} × {y}", lambda y: y, False),
    ("{b} / {y}", lambda y: 1.0 / y, True),
    ("{b} × ln {y}", np.log, True),
    ("{b} × √{y}", np.sqrt, True),
    ("{b} × {y}²", np.square, False),
    ("{b} × {y}³", lambda y: y ** 3, False),
)


@dataclass(frozen=True)
class Derivation:
    """A column that is a function of the outcome ``source``; ``relation`` reads it, for
    instance ``Eg = 1240 / Abs_peak`` or ``Radius = a smooth function of Abs_peak``."""

    source: str
    relation: str

    def words(self, name: str) -> str:
        return (f"'{name}' follows the outcome '{self.source}' exactly in every row "
                f"({self.relation}): it reads as computed from that outcome, and as an input "
                "it would hand the models the answer")


def _significant_digits(value: float) -> int:
    # the shortest text that reads back as the same number, as a spreadsheet or a script
    # wrote it (485.98, not 485.98000000000002)
    mantissa = repr(abs(float(value))).split("e")[0].replace(".", "").lstrip("0").rstrip("0")
    return len(mantissa)


def _digits(values: np.ndarray) -> np.ndarray:
    """Significant digits of (at most 200, evenly spread) values: formatting every cell of
    a literature table's columns took a second."""
    picked = values[np.linspace(0, len(values) - 1, min(len(values), 200)).astype(int)]
    return np.array([_significant_digits(v) for v in picked])


def _simple_form(x: np.ndarray, y: np.ndarray, name: str, source: str) -> str | None:
    for form, g, positive in _FORMS:
        if positive and (y <= 0).any():
            continue
        with np.errstate(all="ignore"):
            gy = g(y)
        if not np.isfinite(gy).all():
            continue
        fit = line_within(gy, x, DERIVED_SPREAD)
        if fit is not None and float(np.ptp(x)) > 0:
            slope, offset = fit
            sign = "-" if offset < 0 else "+"
            tail = f" {sign} {abs(offset):.4g}" if abs(offset) > 1e-9 * abs(x).max() else ""
            return f"{name} = " + form.format(b=f"{slope:.4g}", y=source) + tail
    return None


def _smooth_computed(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether x is a monotone function of y within a cubic's reach."""
    order = np.argsort(y, kind="stable")
    ys, xs = y[order], x[order]
    step = np.diff(xs)[np.diff(ys) > 0]
    if not (np.all(step > 0) or np.all(step < 0)):
        return False
    t = (y - y.mean()) / y.std()
    design = np.column_stack([np.ones_like(t), t, t * t, t ** 3])
    coef, *_ = np.linalg.lstsq(design, x, rcond=None)
    residual = x - design @ coef
    dx = x - x.mean()
    return float(residual @ residual) <= DERIVED_SPREAD ** 2 * float(dx @ dx)


def derivation(name: str, values: np.ndarray, outcomes: dict[str, np.ndarray]
               ) -> Derivation | None:
    """The first of ``outcomes`` (name -> (n,) numbers) that the column ``name`` with
    ``values`` (n,) is computed from (see the module docstring), else None."""
    has = np.isfinite(values)
    digits: float | None = None  # the column's, counted once it is needed
    for source, out in outcomes.items():
        if source == name:
            continue
        both = has & np.isfinite(out)
        if (has & ~both).any():
            continue  # a number where the outcome has none was not computed from it
        x, y = values[both], out[both]
        if len(np.unique(y)) < DERIVED_MIN_ROWS or len(np.unique(x)) < 3:
            continue
        if digits is None:
            digits = float(np.median(_digits(x)))
        if digits < COMPUTED_DIGITS or digits <= np.median(_digits(y)):
            continue
        relation = _simple_form(x, y, name, source)
        if relation is None and _smooth_computed(x, y):
            relation = f"{name} = a smooth monotone function of {source}"
        if relation is not None:
            return Derivation(source, relation)
    return None
