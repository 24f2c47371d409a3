"""A text condition with too many levels (a precursor named in hundreds of ways) kept as
its most frequent levels, the rest pooled as "other", instead of dropped in silence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from nrstudio.core.data.column_guessing import category_cells, has_too_many_levels
from nrstudio.core.data.dataset import (
    MAX_CATEGORY_LEVELS,
    Dataset,
    Kind,
    Role,
    format_cell,
    is_missing,
)

OTHER_LEVEL = "other"


@dataclass(frozen=True)
class FrequentLevels:
    """The ``kept`` levels (most frequent first) and how many of the ``rows_filled`` rows
    with a value they cover."""

    kept: tuple[str, ...]
    rows_covered: int
    rows_filled: int
    levels: int  # how many different levels the column has

    def describe(self) -> str:
        share = 100 * self.rows_covered / max(self.rows_filled, 1)
        return (f"keep its {len(self.kept)} most frequent of {self.levels} levels "
                f"({self.rows_covered} of {self.rows_filled} rows, {share:.0f}%); "
                f"the rest become '{OTHER_LEVEL}'")


def frequent_levels(cells: Sequence[object], limit: int = MAX_CATEGORY_LEVELS - 1
                    ) -> FrequentLevels:
    """The ``limit`` most frequent levels of a text column (one level is left for "other");
    ties go to the level met first, so the choice does not depend on the hash seed."""
    texts = [format_cell(c).strip() for c in cells if not is_missing(c)]
    counts = Counter(texts)
    first = {t: i for i, t in reversed(list(enumerate(texts)))}
    ranked = sorted(counts, key=lambda t: (-counts[t], first[t]))
    kept = tuple(ranked[:limit])
    return FrequentLevels(kept, sum(counts[t] for t in kept), len(texts), len(counts))


def pool_rare_levels(dataset: Dataset, name: str, kept: Sequence[str]) -> int:
    """Replace, in place, every filled cell of column ``name`` whose level is not ``kept``
    by "other"; returns how many cells changed. Empty cells stay empty."""
    keep = set(kept)
    cells = dataset.table[name].tolist()
    changed = 0
    for i, c in enumerate(cells):
        if not is_missing(c) and format_cell(c).strip() not in keep:
            cells[i] = OTHER_LEVEL
            changed += 1
    dataset.table[name] = cells
    return changed


def too_many_levels(dataset: Dataset) -> list[str]:
    """Text columns left out of the models only for having more levels than a category may
    (the import dialog's test, :func:`has_too_many_levels`)."""
    conditions = category_cells(dataset)
    return [c.name for c in dataset.columns
            if has_too_many_levels(c, dataset.table[c.name].tolist(), conditions)]


def keep_frequent_levels(dataset: Dataset, name: str) -> FrequentLevels:
    """Make text column ``name`` a category input of its most frequent levels, the rest
    pooled as "other", in place; returns what was kept."""
    col = dataset.column(name)
    offer = frequent_levels(dataset.table[name].tolist())
    dataset.columns[dataset.columns.index(col)] = replace(col, role=Role.INPUT,
                                                          kind=Kind.CATEGORY)
    pool_rare_levels(dataset, name, offer.kept)
    return offer
