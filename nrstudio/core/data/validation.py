"""Validation of a dataset before training: every finding names its row and column.

Errors block training (a model cannot be fitted honestly); warnings are shown but do not.
Row numbers are 1-based, as a user sees them in the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from nrstudio.core.data.dataset import (
    Column,
    Dataset,
    Role,
    find_name,
    format_cell,
    is_missing,
    parse_numbers,
)

AR_TOLERANCE = 0.05
MAX_MAGNITUDE = 1e12  # no condition or size in any unit comes near; 1e300 breaks the models
MIN_TRAINING_ROWS = 5
_NON_NEGATIVE_WORDS = ("amount", "mass", "volume", "length", "width", "aspect", "size",
                       "diameter", "thickness", "edge", "concentration", "time")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    message: str
    row: int | None = None  # 1-based; None for the whole table
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{self.severity.value}: {prefix}{self.message}"


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.WARNING]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def for_cell(self, row: int, column: str) -> list[Finding]:
        """Findings about one cell (1-based row), for highlighting in the table."""
        return [f for f in self.findings if f.row == row and f.column == column]


def must_be_non_negative(name: str, unit: str) -> bool:
    low = name.lower()
    return any(w in low for w in _NON_NEGATIVE_WORDS) or unit in ("nm", "mg", "g", "nmol",
                                                                    "mmol", "mol", "ml", "mL")


def _find(dataset: Dataset, *words: str) -> str | None:
    i = find_name(dataset.targets, *words)
    return None if i is None else dataset.targets[i]


def validate_dataset(dataset: Dataset) -> ValidationReport:
    """Check cells and consistency. See the module docstring for severities."""
    report = ValidationReport()
    add = report.findings.append
    inputs, targets = dataset.inputs, dataset.targets
    if not inputs:
        add(Finding(Severity.ERROR, "no input column: mark at least one column as input"))
    if not targets:
        add(Finding(Severity.ERROR, "no target column: mark at least one column as target"))

    numeric_cols = [c for c in dataset.columns if c.role in (Role.INPUT, Role.TARGET)]
    values: dict[str, np.ndarray] = {}
    trains = dataset.is_original & ~dataset.is_validation
    for col in numeric_cols:
        arr, findings = _column_values(dataset.table[col.name].tolist(), col, trains)
        report.findings.extend(findings)
        values[col.name] = arr
    _check_duplicates(dataset, inputs, targets, values, report)
    _check_aspect_ratio(dataset, values, report)
    _check_sample_ids(dataset, report)
    _check_degenerate(dataset, values, trains, report)
    n_train = int((dataset.is_original & ~dataset.is_validation).sum())
    if targets and n_train < MIN_TRAINING_ROWS:
        add(Finding(Severity.ERROR,
                    f"only {n_train} original rows for training; at least {MIN_TRAINING_ROWS}"))
    return report


def _column_values(cells: list[object], col: Column, trains: np.ndarray
                   ) -> tuple[np.ndarray, list[Finding]]:
    """The numbers of one input or target column (NaN where missing or not a number) and its
    findings in row order. Cells that are already floats (nearly all) are checked at once;
    only the others are parsed one by one."""
    n = len(cells)
    arr, bad = parse_numbers(cells)
    problems = {i: Finding(Severity.ERROR, f"'{cells[i]}' is not a number", i + 1, col.name)
                for i in bad}
    missing = np.isnan(arr) & ~np.isin(np.arange(n), list(problems))
    for i in np.flatnonzero(missing):
        if col.role == Role.INPUT:
            problems[int(i)] = Finding(Severity.ERROR, "missing input value", int(i) + 1,
                                       col.name)
        elif trains[i]:
            problems[int(i)] = Finding(Severity.WARNING,
                                       "missing target: the row is left out of training for it",
                                       int(i) + 1, col.name)
    with np.errstate(invalid="ignore"):
        huge = np.flatnonzero(np.abs(arr) > MAX_MAGNITUDE)
    for i in huge:
        problems[int(i)] = Finding(Severity.ERROR, f"{arr[i]:g} is too large to be a "
                                   "synthesis condition or a size (a typo?)", int(i) + 1,
                                   col.name)
    if must_be_non_negative(col.name, col.unit):
        with np.errstate(invalid="ignore"):
            for i in np.flatnonzero(arr < 0):
                problems[int(i)] = Finding(
                    Severity.ERROR, f"{arr[i]:g} is negative: amounts and sizes cannot be",
                    int(i) + 1, col.name)
    return arr, [problems[i] for i in sorted(problems)]


def _check_sample_ids(dataset: Dataset, report: ValidationReport) -> None:
    """Every original sample needs its own id: measurements, micrographs and predictions are
    matched to samples by it."""
    col = dataset.sample_id_column
    if col is None:
        return
    first: dict[str, int] = {}
    cells = dataset.table[col].tolist()
    for i in np.flatnonzero(dataset.is_original):
        cell = cells[i]
        if is_missing(cell):
            continue
        key = format_cell(cell).strip()
        if key in first:
            report.findings.append(Finding(
                Severity.ERROR, f"sample id '{key}' is also the id of row {first[key] + 1}; "
                "give every sample its own id", int(i) + 1, col))
        else:
            first[key] = int(i)


def _check_degenerate(dataset: Dataset, values: dict[str, np.ndarray], trains: np.ndarray,
                      report: ValidationReport) -> None:
    """A target with no value to learn from blocks training; an input that does not vary
    over the training rows cannot explain anything and is left out of models (a warning)."""
    for name in dataset.targets:
        v = values[name][trains]
        if len(v) and not np.isfinite(v).any():
            report.findings.append(Finding(
                Severity.ERROR, "this target has no value in any training row", None, name))
    for name in dataset.inputs:
        v = values[name][trains]
        v = v[np.isfinite(v)]
        if len(v) >= 2 and is_constant(v):
            report.findings.append(Finding(
                Severity.WARNING, f"the same value ({v[0]:g}) in every training row: it cannot "
                "explain differences between samples", None, name))


def is_constant(values: np.ndarray) -> bool:
    """True when a column's finite values (n,) do not vary beyond rounding noise."""
    spread = float(np.max(values) - np.min(values))
    return spread <= 1e-9 * max(float(np.max(np.abs(values))), 1.0)


def _check_duplicates(dataset: Dataset, inputs: list[str], targets: list[str],
                      values: dict[str, np.ndarray], report: ValidationReport) -> None:
    if not inputs or not targets:
        return
    x = np.column_stack([values[c] for c in inputs])
    y = np.column_stack([values[c] for c in targets])
    seen: dict[tuple[float, ...], int] = {}
    for i in np.flatnonzero(dataset.is_original):
        if np.isnan(x[i]).any():
            continue
        key = tuple(x[i])
        if key in seen:
            j = seen[key]
            differ = [t for k, t in enumerate(targets)
                      if not np.isnan(y[i, k]) and not np.isnan(y[j, k]) and y[i, k] != y[j, k]]
            if differ:
                report.findings.append(Finding(
                    Severity.WARNING,
                    f"same inputs as row {j + 1} but different targets ({', '.join(differ)}):"
                    " replicate syntheses or a typo?", int(i) + 1, inputs[0]))
        else:
            seen[key] = int(i)


def _check_aspect_ratio(dataset: Dataset, values: dict[str, np.ndarray],
                        report: ValidationReport) -> None:
    length, width = _find(dataset, "length"), _find(dataset, "width")
    ratio = _find(dataset, "aspect") or _find(dataset, "ratio")
    if not (length and width and ratio):
        return
    L, W, AR = values[length], values[width], values[ratio]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = L / W
        rel = np.abs(AR - expected) / expected
    for i in np.flatnonzero(np.isfinite(rel) & (rel > AR_TOLERANCE)):
        report.findings.append(Finding(
            Severity.WARNING,
            f"aspect ratio {AR[i]:g} differs from length/width = {expected[i]:.3g}"
            f" by {100 * rel[i]:.0f}% (more than {100 * AR_TOLERANCE:.0f}%)",
            int(i) + 1, ratio))
