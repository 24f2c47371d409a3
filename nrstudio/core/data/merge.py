"""Two files, one table: columns of a second table joined to the first by sample id (the
outcomes are often kept apart from the conditions), or looked up by a condition's name (a
table of the antisolvents' polarity, dielectric constant and viscosity, one row each, added to
every synthesis that used that antisolvent).

A join by a column whose values repeat in the first table is a lookup: each row takes the
second table's row of its value (matched without regard to capitals and spaces), a row with no
value or an unknown one gets empty cells, and the columns added describe the condition, so
they are inputs, never targets (a property table's *Length* or *dipole moment* is no outcome
of a synthesis), and may be negative where their values are."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import Dataset, Kind, Role, format_cell, is_missing, same_text
from nrstudio.core.data.roles import resolve_name
from nrstudio.core.errors import DataError


@dataclass
class MergeResult:
    """The joined dataset (every row of the first table, in its order) and the ids found in
    only one of the two tables; ``lookup``: joined by a condition whose values repeat
    (see the module docstring), ``made_inputs``: the columns a lookup made inputs, guessed
    targets in the second table."""

    dataset: Dataset
    added: list[str]
    only_first: list[str]
    only_second: list[str]
    lookup: bool = False
    made_inputs: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{len(self.added)} columns added ({', '.join(self.added)})"
        if self.lookup:
            text += ("; looked up by each row's value, as properties of that condition (inputs"
                     + (f": {', '.join(self.made_inputs)} too, guessed targets in the second "
                        "table" if self.made_inputs else "") + ")")
        if self.only_first:
            text += (f"; {len(self.only_first)} ids only in the first table: "
                     f"{', '.join(self.only_first[:10])}{' ...' if len(self.only_first) > 10 else ''}")
        if self.only_second:
            text += (f"; {len(self.only_second)} ids only in the second table (not added): "
                     f"{', '.join(self.only_second[:10])}"
                     f"{' ...' if len(self.only_second) > 10 else ''}")
        return text


def _keys(dataset: Dataset, column: str, which: str, unique: bool = True) -> list[str]:
    """The join's key of every row (""  for none, allowed unless ``unique``); DataError for
    a missing or repeated one when the keys must be unique."""
    keys = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(dataset.table[column].tolist()):
        if is_missing(cell):
            if unique:
                raise DataError(f"{which} table, row {i + 1}: no id in column '{column}'")
            keys.append("")
            continue
        key = format_cell(cell).strip()
        if unique and same_text(key) in seen:
            raise DataError(f"{which} table: id '{key}' is in rows {seen[same_text(key)] + 1} and "
                            f"{i + 1}; ids must be unique to join")
        seen.setdefault(same_text(key), i)
        keys.append(key)
    return keys


def merge_columns(first: Dataset, second: Dataset, on: str, on_second: str | None = None
                  ) -> MergeResult:
    """Add every column of ``second`` except its id to ``first``, matching rows by the id
    column ``on`` (``on_second`` in the second table, the same name by default). Columns keep
    the role guessed or set in ``second`` (but see the module docstring for a lookup); a name
    already in ``first`` gets " (2)"."""
    on = resolve_name(on, [c.name for c in first.columns])
    on_second = resolve_name(on_second or on, [c.name for c in second.columns])
    left = _keys(first, on, "first", unique=False)
    # A value that repeats: a condition to look up, not an id (empty cells aside: two
    # samples without an id are an error of a join by id, as one is).
    named = [same_text(k) for k in left if k]
    lookup = len(set(named)) < len(named)
    if not lookup and "" in left:
        raise DataError(f"first table, row {left.index('') + 1}: no id in column '{on}'")
    right = _keys(second, on_second, "second")
    row_of = {same_text(k): i for i, k in enumerate(right)}
    out = first.copy()
    taken = {c.name for c in out.columns}
    added: list[str] = []
    made_inputs: list[str] = []
    for col in second.columns:
        if col.name == on_second:
            continue
        name, k = col.name, 2
        while name in taken:
            name = f"{col.name} ({k})"
            k += 1
        taken.add(name)
        cells = second.table[col.name].tolist()
        values = [cells[row_of[same_text(key)]] if same_text(key) in row_of else float("nan")
                  for key in left]
        role = Role.IGNORED if col.role == Role.SAMPLE_ID else col.role
        column = replace(col, name=name, role=role)
        if lookup and role == Role.TARGET:
            column.role = Role.INPUT
            made_inputs.append(name)
        if (lookup and col.kind == Kind.NUMBER
                and bool(np.nan_to_num(second.values([col.name]), nan=0.0).min() < 0)):
            column.non_negative = False  # a property that can be negative (a log, a charge)
        out.columns.append(column)
        out.table[name] = pd.Series(values, dtype=object)
        added.append(name)
    in_left = {same_text(k) for k in left}
    only_first = [k for k in left if same_text(k) not in row_of]
    return MergeResult(Dataset(out.table, out.columns, out.rows), added,
                       list(dict.fromkeys(only_first)) if lookup else only_first,
                       [k for k in right if same_text(k) not in in_left], lookup, made_inputs)
