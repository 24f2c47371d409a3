"""Replicates: rows of a table run at the same conditions.

A flow reactor or a careful lab runs each set of conditions several times, and a table then
holds every measurement as its own row. A replicate of a held-out synthesis is not a new
synthesis: if it stays in training, a model that merely remembers each condition's mean
looks as good as one that has learned how conditions act (on a public silver-nanoparticle
table of 3,295 rows at 164 conditions a random forest scored R² 0.94 with rows held out at
random and 0.83 with whole conditions held out). The leakage-free protocol therefore holds
out all the rows of a condition together, and its early stopping does the same.

Rows that share a run or batch label (aliquots taken from one flask over time, under a
*Synthesis* or *Batch* header that many rows share) are one synthesis too, though their
reaction times differ: a held-out aliquot predicted from its flask's other aliquots says
little about a new flask.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def condition_units(x: np.ndarray, labels: Sequence[str | None] | None = None) -> np.ndarray:
    """(n,) int: the synthesis each row of ``x`` (n, c) stands for, numbered 0, 1, … in order
    of first appearance, so that a table without replicates gets 0..n-1 (its rows, as
    before). Rows are one when every input is equal (NaN equal to NaN), or when they share a
    ``labels`` entry (n,) other than None (a run or batch)."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.where(np.isnan(x), np.inf, x) if np.issubdtype(x.dtype, np.floating) else x
    _, inverse = np.unique(keys, axis=0, return_inverse=True)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, key: tuple[str, object], first_of: dict[tuple[str, object], int]) -> None:
        if key in first_of:
            parent[root(i)] = root(first_of[key])
        else:
            first_of[key] = i

    first_of: dict[tuple[str, object], int] = {}
    for i, key in enumerate(np.asarray(inverse).ravel().tolist()):
        join(i, ("conditions", key), first_of)
        if labels is not None and labels[i] is not None:
            join(i, ("label", labels[i]), first_of)
    roots = [root(i) for i in range(n)]
    number: dict[int, int] = {}
    return np.array([number.setdefault(r, len(number)) for r in roots], dtype=np.int64)


def count_conditions(x: np.ndarray, labels: Sequence[str | None] | None = None) -> int:
    """How many different syntheses the rows of ``x`` (n, c) hold (see
    :func:`condition_units`)."""
    units = condition_units(x, labels)
    return int(units.max()) + 1 if len(units) else 0
