"""Which inputs and which rows can train a model of each target.

- An input is used unless it does not vary over the training rows (a constant number, or one
  level of a category in every row): such a column cannot explain a difference between
  samples, and left in it breaks LIME's standardisation.
- A number input that moves in step with an earlier used one over the training rows (an
  affine function of it to within 1% of its spread: a volume and its volume fraction, a
  temperature in °C and in K, reagents always scaled together) is left out too: the data
  cannot tell their effects apart, and kept twice it splits an explanation's weight between
  two names for one condition. Its relation is kept (:class:`Restatement`), so that a planned
  row or a synthetic one holds the value that goes with its source.
- A row trains a target when it is an original sample, not a validation experiment, has a
  value of that target, and has every used number input. A missing category cell is the
  level "(none)" (an absent reagent), not a missing value.
Each target has its own rows: a row without a width still teaches the length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nrstudio.core.data.dataset import Dataset, Role, format_cell, is_missing, parse_numbers

MISSING_LEVEL = "(none)"


def is_constant(values: np.ndarray) -> bool:
    """True when a column's finite values (n,) do not vary beyond rounding noise (a relative
    spread of one part in a million)."""
    spread = float(np.max(values) - np.min(values))
    return spread <= 1e-6 * max(float(np.max(np.abs(values))), 1e-12)


def category_levels(cells: list[object]) -> list[str]:
    """The texts of a category column's cells, missing cells as ``MISSING_LEVEL``."""
    return [MISSING_LEVEL if is_missing(c) else format_cell(c).strip() for c in cells]


def training_candidates(dataset: Dataset) -> np.ndarray:
    """(n_rows,) bool: original rows that are not validation experiments."""
    return dataset.is_original & ~dataset.is_validation


# A restating column's residuals from its affine fit, at most this share of its spread.
RESTATED_SPREAD = 0.01
# Fewer rows than this line up by chance too often: in simulated campaigns on Luber's table
# (bench_real_pool.py), 5 was enough for the first dozen rows to 'restate' inputs that the
# rest of the pool varies on their own, and finding the top PLQY took 7 picks instead of 5.
RESTATED_MIN_ROWS = 20


@dataclass(frozen=True)
class Restatement:
    """A number input that moves in step with ``source`` over the training rows: its value
    is ``offset + slope * source`` (in the two columns' own units)."""

    source: str
    slope: float
    offset: float

    def value(self, source_value: float | np.ndarray) -> float | np.ndarray:
        """The value (or values) that goes with the source's."""
        return self.offset + self.slope * source_value

    def words(self, name: str) -> str:
        sign = "-" if self.offset < 0 else "+"
        offset = f" {sign} {abs(self.offset):.4g}" if abs(self.offset) > 1e-12 else ""
        return (f"moves in step with '{self.source}' in every training row ({name} = "
                f"{self.slope:.4g} × {self.source}{offset}): the data cannot tell their "
                "effects apart")


@dataclass
class InputChoice:
    """The inputs a model uses (dataset order) and the ones left out, with the reason;
    ``restated``: the left-out inputs that move in step with a used one."""

    used: list[str]
    left_out: dict[str, str] = field(default_factory=dict)
    restated: dict[str, Restatement] = field(default_factory=dict)


def restatement(values: np.ndarray, sources: dict[str, np.ndarray]) -> Restatement | None:
    """The first of ``sources`` (name -> (n,) numbers) that ``values`` (n,) is an affine
    function of, where both have a number (see the module docstring), else None."""
    has = np.isfinite(values)
    for name, src in sources.items():
        both = has & np.isfinite(src)
        # A row where only this column has a number holds what the source cannot say.
        if both.sum() < RESTATED_MIN_ROWS or (has & ~both).any():
            continue
        x, y = src[both], values[both]
        if is_constant(x):
            continue
        line = line_within(x, y, RESTATED_SPREAD)
        if line is not None:
            return Restatement(name, *line)
    return None


def line_within(x: np.ndarray, y: np.ndarray, share: float) -> tuple[float, float] | None:
    """(slope, offset) of the least-squares line y ≈ offset + slope·x of two (n,) arrays when
    its residuals stay within ``share`` of y's spread (their sum of squares within share² of
    y's about its mean), else None; None when x does not vary. In closed form: a polyfit per
    pair of inputs took 50 ms of the checks on a 3,500-row table of 25 numbers."""
    dx, dy = x - x.mean(), y - y.mean()
    sxx, sxy, syy = float(dx @ dx), float(dx @ dy), float(dy @ dy)
    if sxx <= 0:
        return None
    if max(syy - sxy * sxy / sxx, 0.0) > share ** 2 * syy:
        return None
    slope = sxy / sxx
    return slope, float(y.mean() - slope * x.mean())


def choose_inputs(dataset: Dataset) -> InputChoice:
    """Leave out inputs that do not vary over the training rows, or move in step with an
    earlier used one (see the module docstring)."""
    trains = training_candidates(dataset)
    choice = InputChoice([])
    used_numbers: dict[str, np.ndarray] = {}
    for name in dataset.inputs:
        col = dataset.column(name)
        cells = dataset.table[name].to_numpy()[trains].tolist()
        if col.is_category:
            levels = set(category_levels(cells))
            if len(levels) == 1 and len(cells) >= 2:
                choice.left_out[name] = (f"the same level ('{next(iter(levels))}') in every "
                                         "training row")
                continue
        else:
            v, _ = parse_numbers(cells)
            finite = v[np.isfinite(v)]
            if len(finite) >= 2 and is_constant(finite):
                choice.left_out[name] = f"the same value ({finite[0]:g}) in every training row"
                continue
            same = restatement(v, used_numbers)
            if same is not None:
                choice.restated[name] = same
                choice.left_out[name] = same.words(name)
                continue
            used_numbers[name] = v
        choice.used.append(name)
    return choice


@dataclass
class TargetRows:
    """The rows (0-based dataset indices) that train one target, and the training candidates
    it leaves out: without a value of the target, or with a number input missing."""

    target: str
    rows: np.ndarray
    no_value: list[int]
    missing_input: list[int]


def numeric_inputs_complete(dataset: Dataset, inputs: list[str],
                            rows: np.ndarray | None = None) -> np.ndarray:
    """(n_rows,) bool: every used number input has a value (text typos count as missing;
    validation reports them). ``rows``: read only these row positions; the result is then
    (len(rows),)."""
    ok = np.ones(len(dataset) if rows is None else len(rows), dtype=bool)
    for name in inputs:
        if dataset.column(name).is_category:
            continue
        ok &= np.isfinite(_numbers(dataset, name, rows))
    return ok


def _numbers(dataset: Dataset, name: str, rows: np.ndarray | None) -> np.ndarray:
    cells = dataset.table[name].to_numpy()
    return parse_numbers((cells if rows is None else cells[rows]).tolist())[0]


def rows_per_target(dataset: Dataset, inputs: list[str] | None = None,
                    targets: list[str] | None = None) -> list[TargetRows]:
    """For every target (all of the dataset's by default), its training rows."""
    inputs = choose_inputs(dataset).used if inputs is None else inputs
    trains = training_candidates(dataset)
    # Only the candidate rows are read: after SMOTE-REG the table holds ~20,000 synthetic
    # rows, and reading all of them took most of the checks' time as the result landed.
    candidates = np.flatnonzero(trains)
    complete = np.zeros(len(dataset), dtype=bool)
    complete[candidates] = numeric_inputs_complete(dataset, inputs, candidates)
    out = []
    for name in targets if targets is not None else dataset.names(Role.TARGET):
        has = np.zeros(len(dataset), dtype=bool)
        has[candidates] = np.isfinite(_numbers(dataset, name, candidates))
        out.append(TargetRows(
            name, np.flatnonzero(trains & has & complete),
            [int(i) for i in np.flatnonzero(trains & ~has)],
            [int(i) for i in np.flatnonzero(trains & has & ~complete)]))
    return out


def row_list(rows: list[int], limit: int = 12) -> str:
    """'rows 3, 5, 9' (1-based) with '… and N more' beyond ``limit``."""
    shown = ", ".join(str(r + 1) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"
