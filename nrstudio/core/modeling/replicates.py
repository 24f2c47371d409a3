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

Label = str | tuple[str | None, ...] | None


def condition_units(x: np.ndarray, labels: Sequence[Label] | None = None) -> np.ndarray:
    """(n,) int: the synthesis each row of ``x`` (n, c) stands for, numbered 0, 1, … in order
    of first appearance, so that a table without replicates gets 0..n-1 (its rows, as
    before). Rows are one when every input is equal (NaN equal to NaN), or when they share a
    label (a run or batch): ``labels`` (n,) holds each row's label, or a tuple of its labels
    in several columns (rows that share any one of them are one synthesis); None for none."""
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

    def join(i: int, key: tuple[object, ...], first_of: dict[tuple[object, ...], int]) -> None:
        if key in first_of:
            parent[root(i)] = root(first_of[key])
        else:
            first_of[key] = i

    first_of: dict[tuple[object, ...], int] = {}
    for i, key in enumerate(np.asarray(inverse).ravel().tolist()):
        join(i, ("conditions", key), first_of)
        entry = labels[i] if labels is not None else None
        for k, label in enumerate(entry if isinstance(entry, tuple) else (entry,)):
            if label is not None:
                join(i, ("label", k, label), first_of)
    roots = [root(i) for i in range(n)]
    number: dict[int, int] = {}
    return np.array([number.setdefault(r, len(number)) for r in roots], dtype=np.int64)


def count_conditions(x: np.ndarray, labels: Sequence[Label] | None = None) -> int:
    """How many different syntheses the rows of ``x`` (n, c) hold (see
    :func:`condition_units`)."""
    units = condition_units(x, labels)
    return int(units.max()) + 1 if len(units) else 0
