"""Two files, one table: columns of a second table joined to the first by sample id (the
outcomes are often kept apart from the conditions)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from nrstudio.core.data.dataset import Dataset, Role, format_cell, is_missing
from nrstudio.core.data.roles import resolve_name
from nrstudio.core.errors import DataError


@dataclass
class MergeResult:
    """The joined dataset (every row of the first table, in its order) and the ids found in
    only one of the two tables."""

    dataset: Dataset
    added: list[str]
    only_first: list[str]
    only_second: list[str]

    def summary(self) -> str:
        text = f"{len(self.added)} columns added ({', '.join(self.added)})"
        if self.only_first:
            text += (f"; {len(self.only_first)} ids only in the first table: "
                     f"{', '.join(self.only_first[:10])}{' ...' if len(self.only_first) > 10 else ''}")
        if self.only_second:
            text += (f"; {len(self.only_second)} ids only in the second table (not added): "
                     f"{', '.join(self.only_second[:10])}"
                     f"{' ...' if len(self.only_second) > 10 else ''}")
        return text


def _keys(dataset: Dataset, column: str, which: str) -> list[str]:
    keys = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(dataset.table[column].tolist()):
        if is_missing(cell):
            raise DataError(f"{which} table, row {i + 1}: no id in column '{column}'")
        key = format_cell(cell).strip()
        if key in seen:
            raise DataError(f"{which} table: id '{key}' is in rows {seen[key] + 1} and {i + 1}; "
                            "ids must be unique to join")
        seen[key] = i
        keys.append(key)
    return keys


def merge_columns(first: Dataset, second: Dataset, on: str, on_second: str | None = None
                  ) -> MergeResult:
    """Add every column of ``second`` except its id to ``first``, matching rows by the id
    column ``on`` (``on_second`` in the second table, the same name by default). Columns keep
    the role guessed or set in ``second``; a name already in ``first`` gets " (2)"."""
    on = resolve_name(on, [c.name for c in first.columns])
    on_second = resolve_name(on_second or on, [c.name for c in second.columns])
    left = _keys(first, on, "first")
    right = _keys(second, on_second, "second")
    row_of = {k: i for i, k in enumerate(right)}
    out = first.copy()
    taken = {c.name for c in out.columns}
    added = []
    for col in second.columns:
        if col.name == on_second:
            continue
        name, k = col.name, 2
        while name in taken:
            name = f"{col.name} ({k})"
            k += 1
        taken.add(name)
        cells = second.table[col.name].tolist()
        values = [cells[row_of[key]] if key in row_of else float("nan") for key in left]
        role = Role.IGNORED if col.role == Role.SAMPLE_ID else col.role
        out.columns.append(replace(col, name=name, role=role))
        out.table[name] = pd.Series(values, dtype=object)
        added.append(name)
    in_left = set(left)
    return MergeResult(Dataset(out.table, out.columns, out.rows), added,
                       [k for k in left if k not in row_of],
                       [k for k in right if k not in in_left])
