"""Validation of a dataset before training: every finding names its row and column.

Errors block training (a model cannot be fitted honestly); warnings are shown but do not.
Row numbers are 1-based, as a user sees them in the table (:mod:`nrstudio.core.data.findings`).
"""

from __future__ import annotations

import numpy as np

from nrstudio.core.data.cell_hints import cell_hint
from nrstudio.core.data.column_guessing import runs_as_columns
from nrstudio.core.data.dataset import (
    MAX_CATEGORY_LEVELS,
    Column,
    Dataset,
    Role,
    cannot_be_negative,
    format_cell,
    format_number,
    is_missing,
    parse_number,
    parse_numbers,
    same_text,
)
from nrstudio.core.data.derived_columns import derivation
from nrstudio.core.data.editing import PLANNED_COLUMN, planned_rows
from nrstudio.core.data.findings import MAX_REPEAT_FINDINGS, Finding, Severity, ValidationReport
from nrstudio.core.data.header_words import find_rod_size, names_given_quantity
from nrstudio.core.data.training_rows import (
    category_levels,
    choose_inputs,
    row_list,
    rows_per_target,
)

AR_TOLERANCE = 0.05
MAX_MAGNITUDE = 1e12  # no condition or size in any unit comes near; 1e300 breaks the models
MIN_TRAINING_ROWS = 5


def must_be_non_negative(name: str, unit: str) -> bool:
    """The default for a column without an explicit flag (see Column.positive_only)."""
    return cannot_be_negative(name, unit)


def _find(dataset: Dataset, which: str) -> str | None:
    i = find_rod_size(dataset.targets, which)
    return None if i is None else dataset.targets[i]


# Where a role is set, in the window and on the command line.
_WHERE_ROLES = (": in the import dialog, or with a right-click on a column's header on the "
                "Data page (--target / --input on the command line)")


def validate_dataset(dataset: Dataset) -> ValidationReport:
    """Check cells and consistency. See the module docstring for severities."""
    report = ValidationReport()
    add = report.findings.append
    inputs, targets = dataset.inputs, dataset.targets
    runs = runs_as_columns([c.name for c in dataset.columns if c.role != Role.IGNORED])
    if runs:
        shown = ", ".join(f"'{r}'" for r in runs[:2]) + f", …, '{runs[-1]}'"
        add(Finding(Severity.WARNING, f"{len(runs)} columns each name a run or a sample "
                    f"({shown}): one run per column, where NR Studio reads one synthesis (or "
                    "aliquot) per row with its conditions and outcomes in columns. Transpose "
                    "the table, or stack those columns into one beside a column that says "
                    "which run each row is", None, runs[0]))
    if not inputs:
        add(Finding(Severity.ERROR, "no input column: mark at least one column as input"
                    + _WHERE_ROLES))
    if not targets:
        # Most tables put what was measured last: name that column, as a question, unless
        # it names something weighed, poured or set (a planning sheet has no outcome).
        last = [c for c in dataset.columns if c.role == Role.INPUT and not c.is_category][-1:]
        hint = (f"; the last number column, '{last[0].name}', often is one"
                if len(inputs) > 1 and last and not names_given_quantity(last[0].name,
                                                                          last[0].unit)
                and not runs else "")
        add(Finding(Severity.ERROR, "no target column: mark at least one column as target "
                    f"(a measured size or any outcome to predict{hint})" + _WHERE_ROLES))

    trains = dataset.is_original & ~dataset.is_validation
    waiting = _waiting_rows(dataset, trains)
    numbers = [c for c in dataset.columns
               if c.role in (Role.INPUT, Role.TARGET) and not c.is_category]
    cells = {c.name: dataset.table[c.name].tolist() for c in numbers}
    parsed = {name: parse_numbers(column) for name, column in cells.items()}
    unmeasured = trains & ~waiting & _no_target(dataset, parsed)
    values: dict[str, np.ndarray] = {}
    for col in dataset.columns:
        if col.role not in (Role.INPUT, Role.TARGET):
            continue
        if col.is_category:
            report.findings.extend(_check_category(dataset, col, trains))
            continue
        # A row with no target at all is said once below, not per cell.
        said = trains & ~waiting & ~unmeasured if col.role == Role.TARGET else trains
        arr, findings = _column_values(cells[col.name], parsed[col.name], col, said)
        report.findings.extend(findings)
        values[col.name] = arr
    _check_duplicates(dataset, inputs, targets, values, report)
    _check_aspect_ratio(dataset, values, report)
    _check_sample_ids(dataset, report)
    _check_degenerate(dataset, values, trains, report)
    _check_inputs_from_outcomes(dataset, values, trains, report)
    for w in np.flatnonzero(waiting):
        add(Finding(Severity.WARNING, "planned, waiting for its measured values: left out of "
                    "training for the targets still empty", int(w) + 1))
    unmeasured_rows = [int(i) for i in np.flatnonzero(unmeasured)]
    hint = (f"(a synthesis still to make? write yes in a column named '{PLANNED_COLUMN}': "
            "suggestions then count it as planned and keep away from it)")
    if len(unmeasured_rows) > MAX_REPEAT_FINDINGS:  # one line, every row still marked
        add(Finding.about_rows(Severity.WARNING, f"no target measured in "
                               f"{len(unmeasured_rows)} rows ({row_list(unmeasured_rows)}): "
                               f"left out of training {hint}", unmeasured_rows))
    else:
        for i in unmeasured_rows:
            add(Finding(Severity.WARNING, f"no target measured: left out of training {hint}",
                        i + 1))
    if not report.has_errors:
        _check_rows_per_target(dataset, report, waiting | unmeasured)
    n_train = int((dataset.is_original & ~dataset.is_validation).sum())
    if targets and n_train < MIN_TRAINING_ROWS:
        add(Finding(Severity.ERROR,
                    f"only {n_train} original rows for training; at least {MIN_TRAINING_ROWS}"))
    return report


def _check_category(dataset: Dataset, col: Column, trains: np.ndarray) -> list[Finding]:
    """A category is an input with at most MAX_CATEGORY_LEVELS levels; a level seen in one
    training row only cannot be learnt (a warning)."""
    if col.role == Role.TARGET:
        return [Finding(Severity.ERROR, "a category cannot be a target: the models predict "
                        "numbers; make it an input, or ignore it", None, col.name)]
    levels = category_levels(dataset.table[col.name].to_numpy()[trains].tolist())
    counts: dict[str, int] = {}
    for lv in levels:
        counts[lv] = counts.get(lv, 0) + 1
    if len(counts) > MAX_CATEGORY_LEVELS:
        return [Finding(Severity.ERROR, f"{len(counts)} different levels; a category may have "
                        f"at most {MAX_CATEGORY_LEVELS} (is it a label? set its role to "
                        "ignored)", None, col.name)]
    out = []
    alike = _levels_alike(counts)
    for level, other in alike:
        out.append(Finding(Severity.WARNING, f"level '{level}' differs from '{other}' only in "
                           "capitals or spaces: the same condition? The models take them as "
                           "two; edit the cells to merge them", None, col.name))
    said = {level for pair in alike for level in pair}  # merged, they may be enough
    rare = sorted(lv for lv, k in counts.items() if k == 1 and lv not in said)
    if rare and len(counts) > 1:
        many = len(rare) > 1
        out.append(Finding(Severity.WARNING, f"level{'s' if many else ''} "
                           f"{', '.join(repr(r) for r in rare[:8])} "
                           f"occur{'' if many else 's'} in one training row "
                           "only: the models cannot learn their effect", None, col.name))
    return out


def _levels_alike(counts: dict[str, int]) -> list[tuple[str, str]]:
    """(level, the most frequent spelling) for levels equal but for capitals and spaces
    (``ctab`` beside ``CTAB``, ``oleic  acid`` beside ``Oleic acid``); counts: training rows
    per level."""
    groups: dict[str, list[str]] = {}
    for level in counts:
        groups.setdefault(same_text(level), []).append(level)
    out: list[tuple[str, str]] = []
    for spellings in groups.values():
        main = max(spellings, key=lambda lv: counts[lv])  # the first on a tie
        out.extend((lv, main) for lv in spellings if lv != main)
    return out


def _no_target(dataset: Dataset, parsed: dict[str, tuple[np.ndarray, list[int]]]
               ) -> np.ndarray:
    """(n,) bool: rows with every target empty, when there are targets; ``parsed``: the
    numbers and unreadable cells of each number column (:func:`parse_numbers`)."""
    targets = [name for name in dataset.targets if name in parsed]
    if not targets:
        return np.zeros(len(dataset), dtype=bool)
    empty = np.ones(len(dataset), dtype=bool)
    for name in targets:
        arr, bad = parsed[name]
        empty &= np.isnan(arr)
        empty[bad] = False  # text that is not a number is an error of its own
    return empty


def _waiting_rows(dataset: Dataset, trains: np.ndarray) -> np.ndarray:
    """(n,) bool: the planned rows (:func:`~nrstudio.core.data.editing.planned_rows`) with
    a target still empty: experiments not measured yet."""
    planned = planned_rows(dataset) & trains
    if not planned.any() or not dataset.targets:
        return np.zeros(len(dataset), dtype=bool)
    rows = np.flatnonzero(planned)  # a few rows: not the synthetic thousands
    empty = np.zeros(len(dataset), dtype=bool)
    for name in dataset.targets:
        cells = dataset.table[name].to_numpy()[rows]
        empty[rows] |= np.array([is_missing(c) for c in cells], dtype=bool)
    return planned & empty


def _check_rows_per_target(dataset: Dataset, report: ValidationReport,
                           said: np.ndarray) -> None:
    """Say which rows each target leaves out, and why (a target trains on its own rows);
    ``said``: rows already named once (planned rows waiting for their values, rows with no
    target at all)."""
    if not dataset.inputs or not dataset.targets:
        return
    for tr in rows_per_target(dataset):
        no_value = [r for r in tr.no_value if not said[r]]
        if not no_value and not tr.missing_input:
            continue
        why = []
        if no_value:
            why.append(f"{row_list(no_value)} (no value)")
        if tr.missing_input:
            why.append(f"{row_list(tr.missing_input)} (an input is missing)")
        # Many empty cells of the target are named here only, and marked in the table
        # (a few are named cell by cell as well).
        marked = no_value if len(no_value) > MAX_REPEAT_FINDINGS else []
        report.findings.append(Finding.about_rows(
            Severity.WARNING, f"trains on {len(tr.rows)} rows; leaves out " + "; ".join(why),
            marked, tr.target))
        if len(tr.rows) < 3:
            report.findings.append(Finding(
                Severity.ERROR, f"only {len(tr.rows)} rows have this target and every input; "
                "at least 3 are needed", None, tr.target))


def _column_values(cells: list[object], parsed: tuple[np.ndarray, list[int]], col: Column,
                   trains: np.ndarray) -> tuple[np.ndarray, list[Finding]]:
    """The numbers of one input or target column (NaN where missing or not a number) and its
    findings in row order; ``parsed``: its :func:`parse_numbers`."""
    n = len(cells)
    arr, bad = parsed
    problems = _unreadable(cells, bad, col)
    missing = [int(r) for r in np.flatnonzero(np.isnan(arr) & ~np.isin(np.arange(n),
                                                                        list(problems)))
               if trains[r]]
    what, why = (("input", "of training") if col.role == Role.INPUT
                 else ("target", "of training for it"))
    if len(missing) > MAX_REPEAT_FINDINGS and col.role == Role.TARGET:
        pass  # said once by the target's own line, which marks its cells (rows per target)
    elif len(missing) > MAX_REPEAT_FINDINGS:
        # A literature table with a few hundred gaps per column gets one finding a column,
        # every empty cell still marked in the table.
        problems[missing[0]] = Finding.about_rows(
            Severity.WARNING, f"missing {what} in {len(missing)} rows ({row_list(missing)}): "
            f"they are left out {why}", missing, col.name)
    else:
        for r in missing:
            problems[r] = Finding(Severity.WARNING, f"missing {what}: the row is left out "
                                  f"{why}", r + 1, col.name)
    with np.errstate(invalid="ignore"):
        huge = np.flatnonzero(np.abs(arr) > MAX_MAGNITUDE)
    for i in huge:
        problems[int(i)] = Finding(Severity.ERROR, f"{arr[i]:g} is too large to be a "
                                   "synthesis condition or a size (a typo?)", int(i) + 1,
                                   col.name)
    if col.positive_only:
        with np.errstate(invalid="ignore"):
            for i in np.flatnonzero(arr < 0):
                problems[int(i)] = Finding(
                    Severity.ERROR, f"{arr[i]:g} is negative: amounts and sizes cannot be",
                    int(i) + 1, col.name)
    return arr, [problems[i] for i in sorted(problems)]


def _unreadable(cells: list[object], bad: list[int], col: Column) -> dict[int, Finding]:
    """One error per cell that is not a number, by row (0-based); the same text in more than
    MAX_REPEAT_FINDINGS cells of the column (a mark such as ``*`` that a literature table
    uses for "not reported") is one error naming its rows, each cell still marked."""
    by_text: dict[str, list[int]] = {}
    for i in bad:
        by_text.setdefault(format_cell(cells[i]).strip(), []).append(i)
    problems: dict[int, Finding] = {}
    for rows in by_text.values():
        what = _not_a_number(cells[rows[0]], col.unit)
        if len(rows) > MAX_REPEAT_FINDINGS:
            problems[rows[0]] = Finding.about_rows(
                Severity.ERROR, f"{what}, in {len(rows)} rows ({row_list(rows)}); if it "
                "means 'not measured', add it to 'Read as no value' when importing",
                rows, col.name)
        else:
            problems.update({i: Finding(Severity.ERROR, what, i + 1, col.name) for i in rows})
    return problems


def _not_a_number(cell: object, unit: str = "") -> str:
    """What is wrong with a cell that should hold a number, with the likely fix."""
    text = format_cell(cell).strip()
    comma = parse_number(text, decimal_comma=True)
    if comma is not None and "," in text:
        return (f"'{text}' is not a number here (a decimal comma? the rest of the table "
                f"uses a point: write {format_number(comma)})")
    return cell_hint(text, unit) or f"'{text}' is not a number"


def _check_sample_ids(dataset: Dataset, report: ValidationReport) -> None:
    """Every original sample needs its own id: measurements, micrographs and predictions are
    matched to samples by it."""
    col = dataset.sample_id_column
    if col is None:
        return
    first: dict[str, int] = {}
    repeats: list[tuple[int, str]] = []  # (row, id) of every id that an earlier row has
    cells = dataset.table[col].tolist()
    for row in np.flatnonzero(dataset.is_original).tolist():
        cell = cells[row]
        if is_missing(cell):
            continue
        key = format_cell(cell).strip()
        if key in first:
            repeats.append((row, key))
        else:
            first[key] = row
    if len(repeats) > MAX_REPEAT_FINDINGS:
        # A column of group numbers (1, 1, 1, 2, …) under an 'ID' header gave one error per
        # row: 1,598 for a 1,599-row table.
        named = ", ".join(f"{r + 1} as {first[key] + 1}" for r, key in repeats[:8])
        report.findings.append(Finding.about_rows(
            Severity.ERROR, f"{len(repeats)} rows repeat the sample id of an earlier row "
            f"(rows {named}{' and more' if len(repeats) > 8 else ''}): give every sample its "
            "own id, or make this column an input or ignored if it is no sample id",
            [r for r, _ in repeats], col))
        return
    for i, key in repeats:
        report.findings.append(Finding(
            Severity.ERROR, f"sample id '{key}' is also the id of row {first[key] + 1}; "
            "give every sample its own id", i + 1, col))


def _check_degenerate(dataset: Dataset, values: dict[str, np.ndarray], trains: np.ndarray,
                      report: ValidationReport) -> None:
    """A target with no value to learn from blocks training; an input that does not vary
    over the training rows cannot explain anything and is left out of models (a warning)."""
    for name in dataset.targets:
        if name not in values:
            continue
        v = values[name][trains]
        if len(v) and not np.isfinite(v).any():
            report.findings.append(Finding(
                Severity.ERROR, "this target has no value in any training row", None, name))
    choice = choose_inputs(dataset)
    for name, reason in choice.left_out.items():
        same = choice.restated.get(name)
        why = (f"{reason}; it is left out of the models and explanations, which use "
               f"'{same.source}', and a planned row keeps it in step" if same else
               f"{reason}: it cannot explain differences between samples, and is left out "
               "of the models and explanations")
        report.findings.append(Finding(Severity.WARNING, why, None, name))


def _check_inputs_from_outcomes(dataset: Dataset, values: dict[str, np.ndarray],
                                trains: np.ndarray, report: ValidationReport) -> None:
    """An input computed from a target (:mod:`~nrstudio.core.data.derived_columns`) leaks
    the answer into every model: said, with the relation, wherever the user made it one."""
    outcomes = {t: values[t][trains] for t in dataset.targets if t in values}
    for name in dataset.inputs:
        if name in values and outcomes:
            found = derivation(name, values[name][trains], outcomes)
            if found is not None:
                report.findings.append(Finding(
                    Severity.WARNING, f"{found.words(name)}: make it a target, or ignore it",
                    None, name))


def _check_duplicates(dataset: Dataset, inputs: list[str], targets: list[str],
                      values: dict[str, np.ndarray], report: ValidationReport) -> None:
    if not inputs or not targets:
        return
    numeric_inputs = [c for c in inputs if c in values]
    if not numeric_inputs or not all(t in values for t in targets):
        return
    x = np.column_stack([values[c] for c in numeric_inputs])
    y = np.column_stack([values[c] for c in targets])
    originals = np.flatnonzero(dataset.is_original)
    # The levels of the original rows only: after SMOTE-REG the table holds ~20,000 synthetic
    # rows, and reading their cells took most of a landing result's 60-70 ms of checks.
    levels = [dict(zip(originals.tolist(),
                       category_levels(dataset.table[c].to_numpy()[originals].tolist()),
                       strict=True))
              for c in inputs if c not in values]
    seen: dict[tuple[object, ...], int] = {}
    repeats: list[tuple[int, int, list[str]]] = []  # (row, earlier row, targets that differ)
    for i in originals.tolist():
        if np.isnan(x[i]).any():
            continue
        key = tuple(x[i]) + tuple(lv[i] for lv in levels)
        if key in seen:
            j = seen[key]
            differ = [t for k, t in enumerate(targets)
                      if not np.isnan(y[i, k]) and not np.isnan(y[j, k]) and y[i, k] != y[j, k]]
            if differ:
                repeats.append((int(i), j, differ))
        else:
            seen[key] = int(i)
    if len(repeats) > MAX_REPEAT_FINDINGS:
        # A table of replicates (Luber's 289 syntheses hold 60) gets one finding, not a
        # list that buries the others.
        shown = ", ".join(f"{i + 1} as {j + 1}" for i, j, _ in repeats[:8])
        more = f" and {len(repeats) - 8} more" if len(repeats) > 8 else ""
        report.findings.append(Finding.about_rows(
            Severity.WARNING,
            f"{len(repeats)} rows have the same inputs as an earlier row but different "
            f"targets, {len(seen)} different conditions in {len(originals)} rows: replicate "
            "syntheses (each kept for training, and held out together when models are "
            f"judged) or typos? (rows {shown}{more})",
            [i for i, _, _ in repeats], inputs[0]))
        return
    for i, j, differ in repeats:
        report.findings.append(Finding(
            Severity.WARNING,
            f"same inputs as row {j + 1} but different targets ({', '.join(differ)}):"
            " replicate syntheses (held out together when models are judged) or a typo?",
            i + 1, inputs[0]))


def _check_aspect_ratio(dataset: Dataset, values: dict[str, np.ndarray],
                        report: ValidationReport) -> None:
    length, width = _find(dataset, "length"), _find(dataset, "width")
    ratio = _find(dataset, "aspect")
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
