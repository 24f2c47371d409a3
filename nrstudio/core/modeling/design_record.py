"""The last design and the last batch of suggestions, as the tables the user saw: stored in
the project (results section ``design``), printed by the command line and read by the report.

A record holds formatted cells, not models: it says what was proposed and why, at the time it
was proposed, even after the models are trained again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.campaign import Aim
from nrstudio.core.project_model import now_iso
from nrstudio.core.strict_json import texts


@dataclass
class DesignRecord:
    """``kind``: "design" (candidates for wanted sizes) or "suggest" (next experiments);
    ``wants``: "target = value ± tolerance" lines; ``table``: one row per candidate with the
    inputs, each target's prediction and interval, the probability, the domain and why."""

    kind: str
    wants: list[str]
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    made: str = field(default_factory=now_iso)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "wants": list(self.wants), "made": self.made,
                "notes": list(self.notes), "columns": [str(c) for c in self.table.columns],
                "rows": [[str(v) for v in row] for row in self.table.itertuples(index=False)]}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> DesignRecord:
        kind = doc["kind"]
        if kind not in ("design", "suggest"):
            raise DataError(f"unknown design record kind {str(kind)[:40]!r}")
        columns = texts(doc["columns"], "columns")
        if not isinstance(doc["rows"], list):
            raise DataError("rows is not a list")
        rows = [texts(row, f"row {k + 1}") for k, row in enumerate(doc["rows"])]
        if any(len(r) != len(columns) for r in rows):
            raise DataError("a design row does not match its columns")
        made = doc.get("made", "")
        if not isinstance(made, str):
            raise DataError("made is not a date")
        return cls(kind, texts(doc["wants"], "wants"), pd.DataFrame(rows, columns=columns),
                   texts(doc.get("notes", []), "notes"), made)


@dataclass
class DesignRecords:
    """The results section: the newest record of each kind (None when never run)."""

    design: DesignRecord | None = None
    suggest: DesignRecord | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: (r.to_json() if r is not None else None)
                for k, r in (("design", self.design), ("suggest", self.suggest))}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> DesignRecords:
        return cls(*(DesignRecord.from_json(doc[k]) if doc.get(k) else None
                     for k in ("design", "suggest")))


def candidate_table(models, rows) -> pd.DataFrame:
    """Cells of design candidates or suggestions (``rows``: objects with conditions, mean,
    lower, upper, probability, out_of_domain and reason), as the CLI prints them."""
    space = models.space
    pct = round(100 * models.level)
    header = list(models.inputs)
    for t in models.targets:
        header += [f"{t} predicted", f"{t} lower {pct}%", f"{t} upper {pct}%"]
    header += ["probability of success", "domain", "why"]
    out = []
    for c in rows:
        cells: list[str] = [space.level_text(n, v) if n in space.levels else f"{v:.6g}"
                            for n, v in zip(models.inputs, c.conditions, strict=True)]
        for k in range(len(models.targets)):
            cells += [f"{c.mean[k]:.6g}", f"{c.lower[k]:.6g}", f"{c.upper[k]:.6g}"]
        cells += [f"{c.probability:.4f}", "out of domain" if c.out_of_domain else "in domain",
                  c.reason]
        out.append(cells)
    return pd.DataFrame(out, columns=header)


def want_lines(wants) -> list[str]:
    """Windows as ``target = value ± tolerance``; a target pushed up or down
    (:class:`~nrstudio.core.modeling.suggest.Optimise`) by its label."""
    return [Aim.of(w).label for w in wants]


def honesty_notes(result) -> list[str]:
    """Per target: the leakage-free error of its model, and whether it beats the mean."""
    out = []
    for target in result.targets:
        line = f"{target}: leakage-free MAE {result.mae.get(target, float('nan')):.3g} of its model"
        if not result.beats_mean.get(target, True):
            line += " - it does NOT beat predicting the mean: treat its numbers as guesses"
        out.append(line)
    return out


@dataclass(frozen=True)
class StoredCandidate:
    """A candidate read back from a stored record, with the attributes the Design page shows
    (``conditions`` in the models' encoding: numbers, and level codes for text inputs)."""

    conditions: np.ndarray
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    probability: float
    out_of_domain: bool
    reason: str


def stored_rows(models, record: DesignRecord) -> list[StoredCandidate]:
    """The rows of a stored design or suggestion record as candidates of ``models``; [] when
    the record was made with other inputs or targets, or a cell does not read back."""
    table = candidate_table(models, [])
    if list(record.table.columns) != list(table.columns):
        return []
    space, n_in = models.space, len(models.inputs)
    out = []
    try:
        for row in record.table.itertuples(index=False):
            cells = list(row)
            conditions = np.array([float(space.codes(n, [c])[0]) if n in space.levels
                                   else float(c) for n, c in zip(models.inputs, cells, strict=False)])
            numbers = np.array(cells[n_in:n_in + 3 * len(models.targets)], dtype=float)
            out.append(StoredCandidate(conditions, numbers[0::3], numbers[1::3], numbers[2::3],
                                       float(cells[-3]), cells[-2] == "out of domain",
                                       str(cells[-1])))
    except (ValueError, KeyError):
        return []
    return out
