"""SMOTE-REG: synthetic minority over-sampling for regression (the paper's Algorithms 1 and 2).

Every subset of T original samples is treated in turn as the "minority". New rows are drawn
on the segments between a minority sample and one of its k nearest minority neighbours (in
z-scored input space), inputs and targets interpolated with the same lambda:
``x_new = x + lam * (x_nb - x)``, ``y_new = y + lam * (y_nb - y)``, ``lam ~ U(0, 1)``.
With T=2, k=1 and "balance" (n - 2T new rows per subset) the paper's 28 rows become
28 + C(28, 2) * 24 = 9,100 rows.

Category conditions are never interpolated: as in SMOTE-NC, a synthetic row takes the level
of the parent it lies nearer to (lam < 0.5: the base sample), and two samples that differ in
a category are that much further apart when neighbours are chosen (one z-scored standard
deviation per differing category, SMOTE-NC's median-spread penalty in z units).

The row budget (10,000 by default) bounds the augmented set whatever the number of
originals: the paper's setting is used while it fits, and beyond it the synthetic rows are
spread over the subsets (fewer per subset, then one per subset of a random sample).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import Dataset, Origin
from nrstudio.core.errors import DataError
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.settings import MAX_SEED, check_ranges, setting


@dataclass(frozen=True)
class SmoteRegSettings:
    """SMOTE-REG's parameters. ``per_subset`` None and ``percent`` None = "balance" (n - 2T new
    rows per subset, as the paper's scripts); ``percent`` is used when given."""

    minority: int = setting(2, low=2, high=50, label="Minority size T",
                            help="Each subset of T original samples is treated in turn as the "
                                 "minority.")
    neighbors: int = setting(1, low=1, high=49, label="Neighbours k",
                             help="New rows lie between a sample and one of its k nearest "
                                  "neighbours in the subset (at most T − 1).")
    per_subset: int | None = setting(None, low=0, high=100_000, label="Rows per subset",
                                     unit="rows", none_label="balance: n − 2T (the paper's)",
                                     help="New rows made from each subset.")
    percent: float | None = setting(None, low=0, high=1_000_000, low_open=True,
                                    label="Algorithm 1's N", unit="%", decimals=0,
                                    none_label="not used",
                                    help="New rows per minority sample = N/100, so T·N/100 "
                                         "per subset.")
    seed: int = setting(0, low=0, high=MAX_SEED, label="Random seed",
                        help="The same seed gives the same rows.")
    subset_cap: int = setting(20_000, low=1, high=10_000_000, label="Subset cap",
                              unit="subsets", step=1000,
                              help="Above this many subsets a seeded random sample of this "
                                   "many subsets is used.")
    budget: int | None = setting(10_000, low=10, high=10_000_000, label="Row budget",
                                 unit="rows", step=1000, none_label="no limit",
                                 help="At most this many rows (originals + synthetic). The "
                                      "settings above are used while they fit; beyond, the "
                                      "synthetic rows are spread over the subsets.")

    def check(self, n: int) -> None:
        check_ranges(self, "SMOTE-REG")
        if n < 2:
            raise DataError(f"SMOTE-REG needs at least 2 original rows; there are {n}")
        if not 2 <= self.minority <= n:
            raise DataError(f"minority size T must be between 2 and {n} (the originals)")
        if not 1 <= self.neighbors <= self.minority - 1:
            raise DataError(f"neighbours k must be between 1 and T-1 = {self.minority - 1}")

    def rows_per_subset(self, n: int) -> int:
        if self.percent is not None:
            return round(self.minority * self.percent / 100.0)
        if self.per_subset is not None:
            return self.per_subset
        return max(n - 2 * self.minority, 0)


# Above this many originals augmentation is unlikely to add information the models lack.
LARGE_TABLE = 500


def memory_limit() -> int:
    """Bytes one augmentation (or one run) may plan to hold: half the machine's memory,
    at most 8 GiB; 4 GiB where the total cannot be read."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 4 * 1024**3
    return int(min(total // 2, 8 * 1024**3))


@dataclass
class AugmentPlan:
    """What a run will make, known before running (for the GUI's live preview).
    ``budgeted``: the row budget lowered the rows per subset or the subsets used."""

    n_originals: int
    n_subsets_total: int
    n_subsets_used: int
    rows_per_subset: int
    budgeted: bool = False
    minority: int = 2

    @property
    def capped(self) -> bool:
        return self.n_subsets_used < self.n_subsets_total

    def bytes_needed(self, n_columns: int) -> int:
        """Peak bytes of :func:`smote_reg_arrays` for ``n_columns`` conditions + targets:
        the neighbour search (S, T, T, d), the index arrays and the interpolated rows."""
        t, m = self.minority, self.n_synthetic
        search = self.n_subsets_used * t * t * max(n_columns, 1) * 8 * 2
        rows = m * (6 * 8 + 4 * n_columns * 8)
        return int(search + rows + self.n_subsets_used * t * 8)

    def check_memory(self, n_columns: int) -> None:
        """Refuse before anything is allocated when the plan would not fit in memory."""
        need, limit = self.bytes_needed(n_columns), memory_limit()
        if need > limit:
            raise DataError(
                f"SMOTE-REG would need about {need / 1024**3:.1f} GB for {self.n_rows:,} rows "
                f"(at most {limit / 1024**3:.1f} GB here); lower the row budget, the rows per "
                "subset or the subset cap")

    @property
    def note(self) -> str:
        """A plain sentence about the budget and large tables ("" when there is none)."""
        if self.n_originals >= LARGE_TABLE or (self.budgeted and self.n_synthetic == 0):
            return (f"{self.n_originals:,} original samples: a table this large does not need "
                    "augmentation; compare the baselines trained on the originals alone")
        if self.budgeted:
            return (f"the row budget limits the augmented set to {self.n_rows:,} rows "
                    f"({self.rows_per_subset} per subset from {self.n_subsets_used:,} subsets)")
        return ""

    @property
    def n_synthetic(self) -> int:
        return self.n_subsets_used * self.rows_per_subset

    @property
    def n_rows(self) -> int:
        return self.n_originals + self.n_synthetic


def plan_smote_reg(n_originals: int, settings: SmoteRegSettings) -> AugmentPlan:
    settings.check(n_originals)
    total = math.comb(n_originals, settings.minority)
    used = min(total, settings.subset_cap)
    per = settings.rows_per_subset(n_originals)
    budget = settings.budget
    if budget is None or n_originals + used * per <= budget:
        return AugmentPlan(n_originals, total, used, per, False, settings.minority)
    room = max(budget - n_originals, 0)
    if room == 0:
        return AugmentPlan(n_originals, total, 0, 0, True, settings.minority)
    if room >= used:
        return AugmentPlan(n_originals, total, used, min(per, room // used), True,
                           settings.minority)
    return AugmentPlan(n_originals, total, room, 1, True, settings.minority)


def plan_for_dataset(dataset: Dataset, settings: SmoteRegSettings) -> AugmentPlan:
    """The plan for the target with the most training rows (targets are augmented on their
    own rows), before anything runs; DataError when the settings do not fit those rows."""
    from nrstudio.core.data.training_rows import rows_per_target

    try:
        n = max((len(tr.rows) for tr in rows_per_target(dataset)), default=0)
    except DataError:
        n = 0
    if n == 0:  # no target yet: plan on the training candidates, as the user sees them
        n = int((dataset.is_original & ~dataset.is_validation).sum())
    return plan_smote_reg(n, settings)


def check_plan_fits(plan: AugmentPlan, n_columns: int) -> None:
    """Refuse a plan that makes more rows than a project holds, or more than memory holds."""
    from nrstudio.core.data.table_io import MAX_TABLE_ROWS

    if plan.n_rows > MAX_TABLE_ROWS:
        raise DataError(f"that makes {plan.n_rows:,} rows: too many rows to train on; a project "
                        f"holds at most {MAX_TABLE_ROWS:,}; use fewer rows per subset, a lower "
                        "subset cap or a row budget")
    plan.check_memory(n_columns)


@dataclass
class SmoteRegArrays:
    """Synthetic rows only. x: (m, d), y: (m, t), parents: (m, 2) indices into the originals
    (base sample, neighbour), lam: (m,)."""

    x: np.ndarray
    y: np.ndarray
    parents: np.ndarray
    lam: np.ndarray
    plan: AugmentPlan


def _subsets(n: int, t: int, plan: AugmentPlan, rng: np.random.Generator) -> np.ndarray:
    """All C(n, t) index subsets, or a seeded random sample of ``plan.n_subsets_used``
    (drawn in blocks of about two million numbers, whatever n is)."""
    if not plan.capped:
        if t == 2:  # the common case, without a Python loop
            i, j = np.triu_indices(n, k=1)
            return np.column_stack([i, j])
        from itertools import combinations

        return np.array(list(combinations(range(n), t)), dtype=np.int64).reshape(-1, t)
    chosen: set[tuple[int, ...]] = set()
    while len(chosen) < plan.n_subsets_used:
        need = plan.n_subsets_used - len(chosen)
        block = max(1, min(2 * need + 8, 2_000_000 // n))
        draws = np.sort(rng.random((block, n)).argsort(axis=1)[:, :t], axis=1)
        for row in map(tuple, draws):
            chosen.add(row)
            if len(chosen) == plan.n_subsets_used:
                break
    return np.array(sorted(chosen), dtype=np.int64)


def smote_reg_arrays(
    x: np.ndarray,
    y: np.ndarray,
    settings: SmoteRegSettings,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    categorical: Sequence[int] = (),
) -> SmoteRegArrays:
    """SMOTE-REG on arrays: x (n, d) conditions, y (n, t) targets of the original rows;
    ``categorical``: the columns of x that hold category codes (never interpolated)."""
    rep = Reporter(progress, cancel)
    n = len(x)
    plan = plan_smote_reg(n, settings)
    plan.check_memory(x.shape[1] + y.shape[1])
    rng = np.random.default_rng(settings.seed)
    subsets = _subsets(n, settings.minority, plan, rng)
    rep.report(0.2, "subsets")
    m = plan.rows_per_subset
    if m == 0 or len(subsets) == 0:
        empty = np.empty((0, 2), dtype=np.int64)
        return SmoteRegArrays(np.empty((0, x.shape[1])), np.empty((0, y.shape[1])), empty,
                              np.empty(0), plan)
    cats = sorted(set(categorical))
    numeric = [j for j in range(x.shape[1]) if j not in cats]
    xn = x[:, numeric] if cats else x
    scale = xn.std(axis=0)
    z = (xn - xn.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    t, k = settings.minority, settings.neighbors
    # Distances inside every subset: (S, T, T); a sample is never its own neighbour.
    zs = z[subsets]
    dist = ((zs[:, :, None, :] - zs[:, None, :, :]) ** 2).sum(-1)
    if cats:
        cs = x[:, cats][subsets]
        dist += (cs[:, :, None, :] != cs[:, None, :, :]).sum(-1)
    dist[:, np.arange(t), np.arange(t)] = np.inf
    neighbours = np.argsort(dist, axis=2, kind="stable")[:, :, :k]  # (S, T, k) positions
    rep.report(0.4, "neighbours")
    s_idx = np.repeat(np.arange(len(subsets)), m)
    base_pos = rng.integers(0, t, size=s_idx.size)
    nb_pos = neighbours[s_idx, base_pos, rng.integers(0, k, size=s_idx.size)]
    base = subsets[s_idx, base_pos]
    nb = subsets[s_idx, nb_pos]
    lam = rng.random(s_idx.size)
    rep.report(0.7, "interpolating")
    x_new = x[base] + lam[:, None] * (x[nb] - x[base])
    if cats:
        x_new[:, cats] = np.where(lam[:, None] < 0.5, x[base][:, cats], x[nb][:, cats])
    y_new = y[base] + lam[:, None] * (y[nb] - y[base])
    rep.report(1.0, "done")
    return SmoteRegArrays(x_new, y_new, np.column_stack([base, nb]), lam, plan)


@dataclass
class AugmentResult:
    """dataset: originals (incl. validation experiments) first, then synthetic rows. plans:
    one per group of targets measured on the same rows (one for a complete table); a
    synthetic row of a group has that group's targets and no value for the others."""

    dataset: Dataset
    plans: list[AugmentPlan]
    n_duplicates_dropped: int
    groups: list[list[str]] = field(default_factory=list)

    @property
    def plan(self) -> AugmentPlan:
        return self.plans[0]

    @property
    def n_synthetic(self) -> int:
        return int((~self.dataset.is_original).sum())

    @property
    def capped_message(self) -> str:
        out = []
        for p in self.plans:
            if p.capped and not p.budgeted:
                out.append(f"{p.n_subsets_total:,} subsets of {p.n_originals} samples exceed "
                           f"the cap; a seeded random sample of {p.n_subsets_used:,} subsets "
                           "was used")
            elif p.note:
                out.append(p.note)
        return "; ".join(out)


def augment_smote_reg(
    dataset: Dataset,
    settings: SmoteRegSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> AugmentResult:
    """Add SMOTE-REG rows to a dataset.

    Parents are the training rows of each group of targets (see
    :mod:`nrstudio.core.modeling.training_data`); earlier synthetic rows are discarded first.
    Synthetic rows get sample ids ``S<number>``, their parents' ids in
    ``parent_1``/``parent_2``, the base parent's value of inputs left out of the models
    (constant ones), and empty text columns.
    """
    from nrstudio.core.modeling.training_data import training_data

    settings = settings or SmoteRegSettings()
    rep = Reporter(progress, cancel)
    base = dataset.copy()
    keep = base.is_original
    base.table = base.table[keep].reset_index(drop=True)
    base.rows = base.rows[keep].reset_index(drop=True)
    if not base.inputs or not base.targets:
        raise DataError("mark at least one input and one target column before augmenting")
    data = training_data(base)
    space = data.space
    left_out = set(data.left_out)
    row_of_id = {sid: i for i, sid in enumerate(base.sample_ids())}
    groups = data.groups()
    tables, metas, plans, names = [], [], [], []
    dropped = 0
    n_made = 0
    prefix = synthetic_prefix(base.sample_ids())
    for gi, group in enumerate(groups):
        x = data.x[group.rows]
        y = data.y[np.ix_(np.asarray(group.rows), np.asarray(group.targets))]
        sub = rep.sub(0.7 * gi / len(groups), 0.7 * (gi + 1) / len(groups))
        arrays = smote_reg_arrays(x, y, settings, sub.report, cancel, space.categorical)
        plans.append(arrays.plan)
        names.append([data.targets[t] for t in group.targets])
        new = np.column_stack([arrays.x, arrays.y])
        # Exact duplicates (lam of exactly 0 or 1, or parents with equal values) add nothing.
        orig_vals = np.column_stack([x, y])
        _, first = np.unique(np.vstack([orig_vals, new]), axis=0, return_index=True)
        keep_new = np.zeros(len(new), dtype=bool)
        keep_new[first[first >= len(orig_vals)] - len(orig_vals)] = True
        kept = np.flatnonzero(keep_new)
        dropped += len(new) - len(kept)
        ids = np.array(data.ids, dtype=object)[group.rows]
        base_rows = [row_of_id[i] for i in ids[arrays.parents[kept, 0]]]
        tables.append(_synthetic_table(base, data, group.targets, arrays, kept, base_rows,
                                       left_out, n_made, prefix))
        metas.append(pd.DataFrame({
            "origin": [Origin.SYNTHETIC.value] * len(kept),
            "validation_experiment": [False] * len(kept),
            "parent_1": list(ids[arrays.parents[kept, 0]]),
            "parent_2": list(ids[arrays.parents[kept, 1]]),
        }))
        n_made += len(kept)
    rep.report(0.7, "building the table")
    out = Dataset(pd.concat([base.table, *tables], ignore_index=True), base.columns,
                  pd.concat([base.rows, *metas], ignore_index=True))
    rep.report(1.0, f"{len(out):,} rows")
    return AugmentResult(out, plans, dropped, names)


def synthetic_prefix(ids: list[str]) -> str:
    """The prefix of synthetic rows' ids: ``syn-`` (``syn-1``, ``syn-2`` …), or a longer one
    when a real sample is already named like that, so that no id can collide."""
    taken = {str(i).strip().lower() for i in ids}
    for prefix in ("syn-", "synthetic-", "smote-syn-"):
        if not any(t.startswith(prefix) for t in taken):
            return prefix
    k = 2
    while any(t.startswith(f"syn{k}-") for t in taken):
        k += 1
    return f"syn{k}-"


def _synthetic_table(base: Dataset, data, targets: list[int],
                     arrays: SmoteRegArrays, kept: np.ndarray, base_rows: list[int],
                     left_out: set[str], first_number: int, prefix: str = "syn-"
                     ) -> pd.DataFrame:
    """The table cells of one group's kept synthetic rows."""
    space = data.space
    n_new = len(kept)
    id_col = base.sample_id_column
    target_names = [data.targets[t] for t in targets]
    cols: dict[str, list[object]] = {}
    for c in base.columns:
        if c.name == id_col:
            cols[c.name] = [f"{prefix}{first_number + k + 1}" for k in range(n_new)]
        elif c.name in space.inputs:
            codes = arrays.x[kept, space.inputs.index(c.name)]
            cols[c.name] = ([space.level_text(c.name, v) for v in codes]
                            if c.name in space.levels else codes.tolist())
        elif c.name in target_names:
            cols[c.name] = arrays.y[kept, target_names.index(c.name)].tolist()
        elif c.name in data.restated:  # in step with its source, as in every original row
            same = data.restated[c.name]
            source = arrays.x[kept, space.inputs.index(same.source)]
            cols[c.name] = [same.value(float(v)) for v in source]
        elif c.name in left_out:
            cells = base.table[c.name].tolist()
            cols[c.name] = [cells[r] for r in base_rows]
        else:
            cols[c.name] = [float("nan")] * n_new  # notes etc. are not interpolated
    return pd.DataFrame(cols, columns=[c.name for c in base.columns], dtype=object)
