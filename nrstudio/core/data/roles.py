"""Roles given by name (the command line's ``--target``, ``--input``, ``--category``,
``--id``) instead of guessed, and a listing of every column with the role it got."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from nrstudio.core.data.column_guessing import category_cells, ignored_reason
from nrstudio.core.data.dataset import (
    MISSING_MARKERS,
    Column,
    Dataset,
    Kind,
    Role,
    format_cell,
    is_missing,
    split_unit,
)
from nrstudio.core.data.table_roles import RawTable, dataset_from_raw
from nrstudio.core.errors import DataError


@dataclass
class RoleChoice:
    """Column names per role. With ``inputs`` or ``categories`` given, every column not
    named is ignored; with ``targets`` given, guessed targets not named are ignored."""

    targets: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.targets or self.inputs or self.categories or self.ids)


def resolve_name(name: str, columns: Sequence[str]) -> str:
    """The column a user named: the exact header, else the only one equal ignoring case,
    else the only one equal ignoring case and its unit ("core amount" for "Core amount
    (nmol)"). Never a column that merely contains the text: that is offered in the error as
    a suggestion ("did you mean 'Average Length (nm)'?"), never used, since a join or a role
    on the wrong column silently changes the data. DataError listing the columns
    otherwise."""
    if name in columns:
        return name
    for key in (lambda c: c.strip().lower(), lambda c: split_unit(c)[0].strip().lower()):
        hits = [c for c in columns if key(c) == key(name)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise DataError(f"'{name}' names several columns: {', '.join(hits)}; give the "
                            "exact header")
    text = name.strip().lower()
    near = [c for c in columns if text and (text in c.lower() or c.lower() in text)]
    hint = f" Did you mean {' or '.join(repr(c) for c in near[:3])}?" if near else ""
    raise DataError(f"no column '{name}'.{hint} The columns are: {', '.join(columns)}")


def _chosen(choice: RoleChoice, names: Sequence[str]) -> dict[str, tuple[Role, Kind | None]]:
    chosen: dict[str, tuple[Role, Kind | None]] = {}
    for role, kind, given in ((Role.TARGET, Kind.NUMBER, choice.targets),
                              (Role.INPUT, Kind.NUMBER, choice.inputs),
                              (Role.INPUT, Kind.CATEGORY, choice.categories),
                              (Role.SAMPLE_ID, Kind.TEXT, choice.ids)):
        for raw_name in given:
            name = resolve_name(raw_name, names)
            if name in chosen:
                raise DataError(f"column '{name}' is given two roles")
            chosen[name] = (role, kind)
    if len(choice.ids) > 1:
        raise DataError("give one sample-id column (--id)")
    return chosen


def apply_roles(dataset: Dataset, choice: RoleChoice) -> Dataset:
    """A copy of ``dataset`` with the named roles (see RoleChoice)."""
    if choice.empty:
        return dataset
    out = dataset.copy()
    names = [c.name for c in out.columns]
    chosen = _chosen(choice, names)
    exclusive = bool(choice.inputs or choice.categories)
    for k, col in enumerate(out.columns):
        if col.name in chosen:
            role, kind = chosen[col.name]
            out.columns[k] = replace(col, role=role, kind=kind or col.kind)
        elif (col.role == Role.INPUT and exclusive) or (col.role == Role.TARGET
                                                         and choice.targets):
            out.columns[k] = replace(col, role=Role.IGNORED)
        elif choice.ids and col.role == Role.SAMPLE_ID:
            out.columns[k] = replace(col, role=Role.IGNORED, kind=Kind.TEXT)
    for c in out.columns:
        if c.is_category:  # cells of a category are text, as the user wrote them
            out.table[c.name] = [float("nan") if is_missing(v) else format_cell(v)
                                 for v in out.table[c.name].tolist()]
    return out


def dataset_with_roles(raw: RawTable, choice: RoleChoice,
                       missing: Sequence[str] = MISSING_MARKERS) -> Dataset:
    """The dataset of a raw table with the named roles and the others guessed."""
    guessed = dataset_from_raw(raw, None, missing)
    if choice.empty:
        return guessed
    chosen = _chosen(choice, [c.name for c in guessed.columns])
    overrides = {}
    for col in guessed.columns:
        if col.name in chosen:
            role, kind = chosen[col.name]
            overrides[col.name] = Column(col.name, role, "" if role == Role.SAMPLE_ID else
                                         col.unit, kind or col.kind)
    typed = dataset_from_raw(raw, overrides, missing)
    return apply_roles(typed, choice)


def describe_columns(dataset: Dataset) -> list[str]:
    """One line per column: name, role, kind, unit, and why an ignored one is ignored or an
    input is left out of the models."""
    from nrstudio.core.data.training_rows import choose_inputs

    left_out = choose_inputs(dataset).left_out
    lines = []
    conditions = category_cells(dataset)
    for c in dataset.columns:
        role = c.role.value + (" (category)" if c.is_category else "")
        why = ignored_reason(c, dataset.table[c.name].tolist(), conditions)
        extra = (f" - ignored: {why}" if why else
                 f" - left out of the models: {left_out[c.name]}" if c.name in left_out else "")
        lines.append(f"  {c.name:<32} {role:<20} {c.unit or '':<6}{extra}")
    return lines
