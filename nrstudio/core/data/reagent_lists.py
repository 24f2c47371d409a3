"""A list of reagents written across repeated pairs of columns, as literature-mined synthesis
tables write it (*amount*, *reagent*, *amount (2)*, *reagent (2)*, … with ``0.5``, ``OLA``,
``2``, ``ODE``): spread into one amount column per reagent.

An amount means nothing without the reagent beside it, and an empty slot means "no further
reagent", not "not measured". Read column by column, such a table gave inputs that were
missing in nearly every row (a 3,508-row table kept 6 rows for training) and reagents that
were text of hundreds of levels. Spread, each reagent is one number input: its amount in
that synthesis, 0 where the row does not list it.

- **Found** by the headers: two names each repeated in two or more columns (numbered or
  not: the readers number repeated headers), one over numbers and one over text (names),
  with as many columns each, the k-th amount paired with the k-th reagent, the amounts in
  no unit of a temperature, a time or a length; and by the cells: a slot without a reagent
  has no amount.
- A reagent is named as most rows write it; capitals and spaces are not told apart
  (``oa`` and ``OA`` are one reagent).
- **Spread**: one column per reagent (named as written, with the amount's unit), in order
  of how many rows list it; a reagent listed twice in a row gets the sum; an amount that is
  not a number stays as written, so validation names it where it stands; a listed reagent
  with an empty amount is an unknown amount (empty), not 0.
- Each decision is noted for the import dialog (:attr:`RawTable.notes`).
- A file of planned syntheses or candidates read the same way names only the reagents its
  own rows list; a reagent of the models that it never lists is 0 in every row
  (:func:`with_unlisted_reagents`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nrstudio.core.data.column_guessing import rarely_listed
from nrstudio.core.data.dataset import (
    Column,
    Dataset,
    Kind,
    Role,
    format_cell,
    is_missing,
    is_missing_marker,
    parse_number,
    same_text,
)
from nrstudio.core.data.header_words import header_stem, split_unit
from nrstudio.core.data.table_roles import RawTable
from nrstudio.core.units import kind_of

_NUMBERED = re.compile(r"^(?P<base>.*?\D)[\s_#.-]*\(?(?P<k>\d{1,2})\)?$")
_INNER_NUMBER = re.compile(r"(?:^|(?<=[\s_]))#?\(?\d{1,2}\)?(?=[\s_])")
_SHARE = 0.8  # of a column's filled cells that must be numbers (amounts) or names (reagents)
_EMPTY_SLOTS = 0.95  # of the slots without a reagent that must have no amount either
MIN_SLOTS = 2
# Numbered temperatures or times beside numbered names (a precursor and its injection
# temperature, step by step) are steps of a procedure, not amounts of reagents.
_NOT_AMOUNTS = ("a temperature", "a time", "a length")


@dataclass(frozen=True)
class ReagentList:
    """The columns of one list: ``amounts[k]`` holds the amount of the reagent named in
    ``reagents[k]`` (0-based column positions), in ``unit``."""

    amounts: list[int]
    reagents: list[int]
    unit: str


def spread_reagent_lists(raw: RawTable) -> RawTable:
    """``raw`` with every reagent list (:func:`find_reagent_lists`) spread into one amount
    column per reagent, in place of the list's columns; each spread noted."""
    for found in reversed(find_reagent_lists(raw)):  # from the right: positions stay valid
        _spread(raw, found)
    return raw


def _base(header: str) -> tuple[str, str]:
    """A header without its slot number, at its end or standing alone within it
    (``reactants (3)``, ``Reagent3`` → ``reactants``, ``reagent``; ``Precursor 2 amount`` →
    ``precursor amount``), lower case, and its unit."""
    stem, unit = split_unit(header)
    m = _NUMBERED.match(stem.strip())
    base = _INNER_NUMBER.sub(" ", m["base"] if m else stem)
    return " ".join(base.split()).lower(), unit


def _kind(cells: list[object], comma: bool) -> str:
    """"numbers", "names" or "" (mixed, or empty) for a column's cells."""
    filled = [c for c in cells if not _blank(c)]
    if not filled:
        return ""
    numbers = sum(parse_number(c, comma) is not None for c in filled)
    if numbers >= _SHARE * len(filled):
        return "numbers"
    if len(filled) - numbers >= _SHARE * len(filled):
        return "names"
    return ""


def find_reagent_lists(raw: RawTable) -> list[ReagentList]:
    """The reagent lists of ``raw``, left to right (see the module docstring)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for j, header in enumerate(raw.header):
        groups.setdefault(_base(header), []).append(j)
    slotted = {key: cols for key, cols in groups.items() if len(cols) >= MIN_SLOTS}
    if len(slotted) < 2:
        return []
    kinds = {j: _kind([row[j] for row in raw.cells], raw.decimal_comma) for cols in slotted.values()
             for j in cols}
    out, used = [], set()
    for (base, unit), amounts in slotted.items():
        if (base in used or kind_of(unit) in _NOT_AMOUNTS
                or not all(kinds[j] in ("numbers", "") for j in amounts)):
            continue
        # Of the series of names that fit, the one beside the amounts (a table may list
        # precursors with their amounts and solvents with their volumes).
        fits = [(sum(abs(a - r) for a, r in zip(amounts, reagents, strict=True)), other,
                 reagents)
                for (other, _), reagents in slotted.items()
                if other != base and other not in used and len(reagents) == len(amounts)
                and all(kinds[j] in ("names", "") for j in reagents)
                and "names" in {kinds[j] for j in reagents}
                and _slots_agree(raw, amounts, reagents)]
        if fits:
            _, other, reagents = min(fits)
            out.append(ReagentList(amounts, reagents, unit))
            used |= {base, other}
    return sorted(out, key=lambda r: min(r.amounts + r.reagents))


def _slots_agree(raw: RawTable, amounts: list[int], reagents: list[int]) -> bool:
    """Whether a slot without a reagent has no amount either, almost always: then the two
    groups of columns are one list, not two unrelated series of columns."""
    empty = with_amount = 0
    for row in raw.cells:
        for a, r in zip(amounts, reagents, strict=True):
            if _blank(row[r]):
                empty += 1
                with_amount += not _blank(row[a]) and parse_number(row[a], raw.decimal_comma) != 0
    return with_amount <= (1 - _EMPTY_SLOTS) * empty


def _blank(cell: object) -> bool:
    return is_missing(cell) or is_missing_marker(cell)


def _spread(raw: RawTable, found: ReagentList) -> None:
    spellings: dict[str, dict[str, int]] = {}  # key (case and spaces ignored) -> counts
    listed: dict[str, int] = {}  # key -> rows that list it
    per_row: list[dict[str, object]] = []
    orphans: list[int] = []
    for i, row in enumerate(raw.cells):
        amounts: dict[str, object] = {}
        for a, r in zip(found.amounts, found.reagents, strict=True):
            if _blank(row[r]):
                if not _blank(row[a]) and parse_number(row[a], raw.decimal_comma) != 0:
                    orphans.append(raw.line_numbers[i])
                continue
            name = " ".join(format_cell(row[r]).split())
            key = same_text(name)
            spelt = spellings.setdefault(key, {})
            spelt[name] = spelt.get(name, 0) + 1
            amounts[key] = _added(amounts.get(key, 0.0), row[a], raw.decimal_comma)
        per_row.append(amounts)
        for key in amounts:
            listed[key] = listed.get(key, 0) + 1
    # Each reagent under its most frequent spelling (the first written on a tie).
    names = {key: max(spelt, key=lambda n: spelt[n]) for key, spelt in spellings.items()}
    order = sorted(names, key=lambda k: (-listed[k], names[k]))
    taken = {h for j, h in enumerate(raw.header)
             if j not in found.amounts and j not in found.reagents}
    headers = []
    for key in order:
        header = f"{names[key]} ({found.unit})" if found.unit else names[key]
        if header in taken:  # a reagent named like another column of the table
            header = f"{names[key]} (list)" + (f" ({found.unit})" if found.unit else "")
        taken.add(header)
        headers.append(header)
    gone = sorted(found.amounts + found.reagents)
    first = gone[0]
    described = (f"columns {first + 1}-{gone[-1] + 1} ('{raw.header[found.amounts[0]]}', "
                 f"'{raw.header[found.reagents[0]]}', … {len(found.amounts)} pairs)")
    # The readers' notes on numbering the list's repeated headers are moot once it is spread.
    spread = {f"renamed to '{raw.header[j]}'" for j in gone}
    raw.notes[:] = [n for n in raw.notes if not any(n.endswith(s) for s in spread)]
    keep = [j for j in range(len(raw.header)) if j not in set(gone)]
    at = sum(j < first for j in keep)
    raw.header = ([raw.header[j] for j in keep[:at]] + headers
                  + [raw.header[j] for j in keep[at:]])
    raw.amounts |= set(headers)
    for i, row in enumerate(raw.cells):
        values = [per_row[i].get(key, 0.0) for key in order]
        raw.cells[i] = [row[j] for j in keep[:at]] + values + [row[j] for j in keep[at:]]
    rare = sum(rarely_listed(listed[k], len(raw.cells)) for k in order)
    raw.notes.append(
        f"{described} read as a list of reagents and spread into one amount column per "
        f"reagent ({len(order)} reagents{', in ' + found.unit if found.unit else ''}; 0 where "
        f"a row does not list it)"
        + (f"; {rare} reagents listed in too few rows to learn from are left out of the "
           "models (one click makes any an input)" if rare else ""))
    if orphans:
        lines = ", ".join(str(n) for n in orphans[:8]) + (" …" if len(orphans) > 8 else "")
        raw.notes.append(f"{len(orphans)} amounts of that list name no reagent and are left "
                         f"out ({raw.line_word}s {lines})")


def with_unlisted_reagents(dataset: Dataset, names: Sequence[str]) -> Dataset:
    """``dataset`` (a table of planned syntheses or candidates, read with a list of
    reagents) with a column of zeros for each of ``names`` (the models' inputs) that it
    lacks and that reads as an amount of that list (same unit): a reagent that no row of
    the list names is used in none of them. Unchanged when it has no list."""
    if not dataset.listed:
        return dataset
    units = {split_unit(n)[1] for n in dataset.listed}
    have = {header_stem(c.name) for c in dataset.columns}
    add = [n for n in names if split_unit(n)[1] in units and header_stem(n) not in have]
    if not add:
        return dataset
    out = dataset.copy()
    for name in add:
        out.table[name] = 0.0
        out.columns.append(Column(name, Role.INPUT, split_unit(name)[1], Kind.NUMBER))
    return Dataset(out.table, out.columns, out.rows, out.listed | set(add))


def unused_reagents(dataset: Dataset, names: Sequence[str]) -> list[list[str]]:
    """Per row of ``dataset``: the reagents of its list that the row uses (an amount other
    than 0) and that are none of ``names`` (the models' inputs): their effect is not
    predicted. Empty lists when it has no list."""
    known = {header_stem(n) for n in names}
    extra = [c for c in dataset.listed if header_stem(c) not in known]
    out: list[list[str]] = [[] for _ in range(len(dataset))]
    for name in sorted(extra):
        values = dataset.values([name])[:, 0]
        for i in np.flatnonzero(np.isfinite(values) & (values != 0)):
            out[int(i)].append(split_unit(name)[0])
    return out


def _added(total: object, cell: object, comma: bool) -> object:
    """``total`` plus the amount in ``cell``: empty (None) when either is unknown, the
    cell's text when it is not a number (validation then names it)."""
    if not isinstance(total, float):  # a text, or an unknown amount
        return total
    if _blank(cell):
        return None
    value = parse_number(cell, comma)
    if value is None:
        return format_cell(cell)
    return float(total) + value
