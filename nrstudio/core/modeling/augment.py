"""SMOTE-REG: synthetic minority over-sampling for regression (the paper's Algorithms 1 and 2).

Every subset of T original samples is treated in turn as the "minority". New rows are drawn
on the segments between a minority sample and one of its k nearest minority neighbours (in
z-scored input space), inputs and targets interpolated with the same lambda:
``x_new = x + lam * (x_nb - x)``, ``y_new = y + lam * (y_nb - y)``, ``lam ~ U(0, 1)``.
With T=2, k=1 and "balance" (n - 2T new rows per subset) the paper's 28 rows become
28 + C(28, 2) * 24 = 9,100 rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import Dataset, Origin, Role
from nrstudio.core.errors import DataError
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.settings import MAX_SEED, check_ranges, setting


@dataclass
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


@dataclass
class AugmentPlan:
    """What a run will make, known before running (for the GUI's live preview)."""

    n_originals: int
    n_subsets_total: int
    n_subsets_used: int
    rows_per_subset: int

    @property
    def capped(self) -> bool:
        return self.n_subsets_used < self.n_subsets_total

    @property
    def n_synthetic(self) -> int:
        return self.n_subsets_used * self.rows_per_subset

    @property
    def n_rows(self) -> int:
        return self.n_originals + self.n_synthetic


def plan_smote_reg(n_originals: int, settings: SmoteRegSettings) -> AugmentPlan:
    settings.check(n_originals)
    total = math.comb(n_originals, settings.minority)
    return AugmentPlan(n_originals, total, min(total, settings.subset_cap),
                       settings.rows_per_subset(n_originals))


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
    """All C(n, t) index subsets, or a seeded random sample of ``plan.n_subsets_used``."""
    if not plan.capped:
        if t == 2:  # the common case, without a Python loop
            i, j = np.triu_indices(n, k=1)
            return np.column_stack([i, j])
        from itertools import combinations

        return np.array(list(combinations(range(n), t)), dtype=np.int64).reshape(-1, t)
    chosen: set[tuple[int, ...]] = set()
    while len(chosen) < plan.n_subsets_used:
        need = plan.n_subsets_used - len(chosen)
        draws = np.sort(rng.random((2 * need + 8, n)).argsort(axis=1)[:, :t], axis=1)
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
) -> SmoteRegArrays:
    """SMOTE-REG on arrays: x (n, d) inputs, y (n, t) targets of the original rows."""
    rep = Reporter(progress, cancel)
    n = len(x)
    plan = plan_smote_reg(n, settings)
    rng = np.random.default_rng(settings.seed)
    subsets = _subsets(n, settings.minority, plan, rng)
    rep.report(0.2, "subsets")
    m = plan.rows_per_subset
    if m == 0 or len(subsets) == 0:
        empty = np.empty((0, 2), dtype=np.int64)
        return SmoteRegArrays(np.empty((0, x.shape[1])), np.empty((0, y.shape[1])), empty,
                              np.empty(0), plan)
    scale = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    t, k = settings.minority, settings.neighbors
    # Distances inside every subset: (S, T, T); a sample is never its own neighbour.
    zs = z[subsets]
    dist = ((zs[:, :, None, :] - zs[:, None, :, :]) ** 2).sum(-1)
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
    y_new = y[base] + lam[:, None] * (y[nb] - y[base])
    rep.report(1.0, "done")
    return SmoteRegArrays(x_new, y_new, np.column_stack([base, nb]), lam, plan)


@dataclass
class AugmentResult:
    dataset: Dataset  # originals (incl. validation experiments) first, then synthetic rows
    plan: AugmentPlan
    n_duplicates_dropped: int

    @property
    def capped_message(self) -> str:
        p = self.plan
        if not p.capped:
            return ""
        return (f"{p.n_subsets_total:,} subsets of {p.n_originals} samples exceed the cap; a seeded"
                f" random sample of {p.n_subsets_used:,} subsets was used")


def augment_smote_reg(
    dataset: Dataset,
    settings: SmoteRegSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> AugmentResult:
    """Add SMOTE-REG rows to a dataset.

    Parents are the training rows (original, not validation experiments, every input and
    target set); earlier synthetic rows are discarded first. Synthetic rows get sample ids
    ``S<number>``, their parents' ids in ``parent_1``/``parent_2``, and empty text columns.
    """
    settings = settings or SmoteRegSettings()
    rep = Reporter(progress, cancel)
    base = dataset.copy()
    keep = base.is_original
    base.table = base.table[keep].reset_index(drop=True)
    base.rows = base.rows[keep].reset_index(drop=True)
    if not base.inputs or not base.targets:
        raise DataError("mark at least one input and one target column before augmenting")
    parents_mask = base.training_mask() & ~np.isnan(base.values(base.inputs)).any(axis=1)
    idx = np.flatnonzero(parents_mask)
    x = base.values(base.inputs, idx)
    y = base.values(base.targets, idx)
    arrays = smote_reg_arrays(x, y, settings, rep.sub(0.0, 0.7).report, cancel)
    rep.report(0.7, "building the table")
    ids = np.array(base.sample_ids(), dtype=object)[idx]
    new = np.column_stack([arrays.x, arrays.y])
    # Exact duplicates (lam of exactly 0 or 1, or parents with equal values) add nothing.
    orig_vals = np.column_stack([x, y])
    _, first = np.unique(np.vstack([orig_vals, new]), axis=0, return_index=True)
    keep_new = np.zeros(len(new), dtype=bool)
    keep_new[first[first >= len(orig_vals)] - len(orig_vals)] = True
    keep_new_idx = np.flatnonzero(keep_new)
    dropped = len(new) - len(keep_new_idx)

    cols = {}
    id_col = base.sample_id_column
    n_new = len(keep_new_idx)
    for c in base.columns:
        if c.name == id_col:
            cols[c.name] = [f"S{k + 1}" for k in range(n_new)]
        elif c.role == Role.INPUT:
            cols[c.name] = arrays.x[keep_new_idx, base.inputs.index(c.name)].tolist()
        elif c.role == Role.TARGET:
            cols[c.name] = arrays.y[keep_new_idx, base.targets.index(c.name)].tolist()
        else:
            cols[c.name] = [float("nan")] * n_new  # notes etc. are not interpolated
    syn_table = pd.DataFrame(cols, columns=[c.name for c in base.columns], dtype=object)
    syn_rows = pd.DataFrame({
        "origin": [Origin.SYNTHETIC.value] * n_new,
        "validation_experiment": [False] * n_new,
        "parent_1": list(ids[arrays.parents[keep_new_idx, 0]]),
        "parent_2": list(ids[arrays.parents[keep_new_idx, 1]]),
    })
    out = Dataset(pd.concat([base.table, syn_table], ignore_index=True), base.columns,
                  pd.concat([base.rows, syn_rows], ignore_index=True))
    rep.report(1.0, f"{len(out):,} rows")
    return AugmentResult(out, arrays.plan, dropped)
