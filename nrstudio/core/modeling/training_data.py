"""The arrays every model of a run trains on, per target (see
:mod:`nrstudio.core.data.training_rows` for which rows and inputs)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nrstudio.core.data.column_guessing import why_ignored
from nrstudio.core.data.dataset import Dataset, Role, format_cell, is_missing
from nrstudio.core.data.training_rows import Restatement, choose_inputs, rows_per_target
from nrstudio.core.data.validation import validate_dataset
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.features import FeatureSpace
from nrstudio.core.modeling.replicates import Label, condition_units, count_conditions

MIN_ROWS_PER_TARGET = 3


@dataclass
class TargetGroup:
    """Targets measured on exactly the same rows: they share folds and augmentation.
    ``targets``: indices into TrainingData.targets; ``rows``: indices into TrainingData.x."""

    targets: list[int]
    rows: np.ndarray


@dataclass
class TrainingData:
    """x (n, c): conditions of every row that trains at least one target (table order);
    y (n, t): targets, NaN where a row does not train that target; ids (n,) sample ids;
    left_out: inputs not used, with the reason; restated: those of them that move in step
    with a used input; batches: per row, the run or batch label it shares with other rows
    (None: no such label; see :mod:`~nrstudio.core.modeling.replicates`), and the columns
    it was read from."""

    space: FeatureSpace
    targets: list[str]
    x: np.ndarray
    y: np.ndarray
    ids: list[str]
    left_out: dict[str, str]
    restated: dict[str, Restatement] = field(default_factory=dict)
    batches: list[tuple[str | None, ...]] | None = None
    batch_columns: list[str] = field(default_factory=list)

    def units(self, rows: np.ndarray | None = None) -> np.ndarray:
        """(len(rows),) the synthesis each of ``rows`` (all by default) stands for, numbered
        from 0: rows at the same conditions or of one run or batch are one
        (:func:`condition_units`)."""
        return condition_units(*self._conditions_and_labels(rows))

    def count_units(self, rows: np.ndarray | None = None) -> int:
        """How many syntheses ``rows`` (all by default) hold (see :meth:`units`)."""
        return count_conditions(*self._conditions_and_labels(rows))

    def _conditions_and_labels(self, rows: np.ndarray | None
                               ) -> tuple[np.ndarray, list[Label] | None]:
        rows = np.arange(len(self.x)) if rows is None else np.asarray(rows)
        return self.x[rows], None if self.batches is None else [self.batches[i] for i in rows]

    def groups(self) -> list[TargetGroup]:
        """Targets grouped by their rows, in target order of their first member."""
        out: list[TargetGroup] = []
        for t in range(len(self.targets)):
            rows = np.flatnonzero(np.isfinite(self.y[:, t]))
            for g in out:
                if np.array_equal(g.rows, rows):
                    g.targets.append(t)
                    break
            else:
                out.append(TargetGroup([t], rows))
        return out


def training_data(dataset: Dataset, targets: list[str] | None = None) -> TrainingData:
    """Refuse data with errors (naming the first), then collect the training arrays."""
    report = validate_dataset(dataset)
    if report.has_errors:
        first = report.errors[0]
        raise DataError(f"the data has {len(report.errors)} error(s) that block training; "
                        f"first: {first}")
    targets = list(targets or dataset.targets)
    unknown = [t for t in targets if t not in dataset.targets]
    if unknown:
        raise DataError(f"not a target column: {', '.join(unknown)}")
    choice = choose_inputs(dataset)
    if not choice.used:
        raise DataError("no input varies over the training rows: "
                        + "; ".join(f"'{k}': {v}" for k, v in choice.left_out.items()))
    per_target = rows_per_target(dataset, choice.used, targets)
    for tr in per_target:
        if len(tr.rows) < MIN_ROWS_PER_TARGET:
            raise DataError(f"target '{tr.target}' has {len(tr.rows)} training rows; at "
                            f"least {MIN_ROWS_PER_TARGET} are needed")
    rows = np.unique(np.concatenate([tr.rows for tr in per_target]))
    space = FeatureSpace.from_dataset(dataset, choice.used, rows)
    x = space.conditions(dataset, rows)
    y = np.full((len(rows), len(targets)), np.nan)
    for t, tr in enumerate(per_target):
        y[np.searchsorted(rows, tr.rows), t] = dataset.values([tr.target], tr.rows)[:, 0]
    all_ids = dataset.sample_ids()
    batch_columns, batches = batch_labels(dataset, rows, x)
    return TrainingData(space, targets, x, y, [all_ids[i] for i in rows], choice.left_out,
                        choice.restated, batches, batch_columns)


def batch_labels(dataset: Dataset, rows: np.ndarray, x: np.ndarray
                 ) -> tuple[list[str], list[tuple[str | None, ...]] | None]:
    """The ignored columns that name a run or batch many rows share (a *Synthesis* or *Batch*
    header: :func:`why_ignored` kind "shared") and group syntheses, and per row of ``rows``
    (conditions ``x``) its label in each of them (None where it has none): rows that share
    a label in any one column are one synthesis; ([], None) without such a column. A
    column groups when it has at least 3 labels and the rows of a label are alike: on
    average at most a third of the inputs (or one) vary among them, as the reaction time of
    aliquots from one flask, or the imputed cells of one sample's copies. A label that many
    different recipes share (a precursor lot) is no synthesis, and groups nothing."""
    columns = []
    for c in dataset.columns:
        if c.role != Role.IGNORED or why_ignored(c, dataset.table[c.name].tolist()).kind \
                != "shared":
            continue
        cells = [None if is_missing(v) else format_cell(v).strip()
                 for v in dataset.table[c.name].to_numpy()[rows].tolist()]
        if _groups_syntheses(cells, x):
            columns.append((c.name, cells))
    if not columns:
        return [], None
    labels = list(zip(*(cells for _, cells in columns), strict=True))
    return [name for name, _ in columns], labels


def _groups_syntheses(labels: list[str | None], x: np.ndarray) -> bool:
    """Whether rows sharing a label are one synthesis (see :func:`batch_labels`)."""
    rows_of: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        if label is not None:
            rows_of.setdefault(label, []).append(i)
    shared = [r for r in rows_of.values() if len(r) > 1]
    if len(rows_of) < 3 or not shared:
        return False
    varying = [sum(len(np.unique(x[r, j])) > 1 for j in range(x.shape[1])) for r in shared]
    return float(np.mean(varying)) <= max(1.0, x.shape[1] / 3)
