"""A design campaign: the rounds of proposals a user turned into planned syntheses, and how
close the measured ones came.

A round is recorded when candidates or suggestions are added as planned rows (the Design
page's *Add selected as planned experiment*): its date, whether it came from *Find
conditions* or *Suggest next experiments*, what was wanted then (windows, a target as high
or low as possible) and the sample ids of the rows it added. Nothing else is stored: whether
a row was measured, and what it gave, is read from the table each time, so a result typed
into a planned row (and a retrain) is all it takes to follow the campaign.

:func:`campaign_status` turns the rounds and the table into one line per round (planned,
measured, inside every window, the best distance to the windows in tolerances, the best so
far) and sentences that compare the campaign with a random order of the table's own
measured syntheses, where the table allows that comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.errors import DataError
from nrstudio.core.project_model import now_iso
from nrstudio.core.strict_json import texts


@dataclass(frozen=True)
class Aim:
    """What a round wanted of one target: a window ``value ± tolerance`` (target units), or
    the target as high (``highest`` True) or as low as possible."""

    target: str
    value: float | None = None
    tolerance: float | None = None
    highest: bool | None = None

    @property
    def is_window(self) -> bool:
        return self.value is not None and self.tolerance is not None

    @classmethod
    def of(cls, want: Any) -> Aim:
        """From a design :class:`~nrstudio.core.modeling.design.Want` or a suggestion's
        :class:`~nrstudio.core.modeling.suggest.Optimise`."""
        if hasattr(want, "value"):
            return cls(want.target, float(want.value), float(want.tolerance))
        return cls(want.target, highest=bool(want.highest))

    @property
    def label(self) -> str:
        if self.is_window:
            return f"{self.target} = {self.value:g} ± {self.tolerance:g}"
        return f"{self.target} as {'high' if self.highest else 'low'} as possible"

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "value": self.value, "tolerance": self.tolerance,
                "highest": self.highest}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Aim:
        target = doc["target"]
        if not isinstance(target, str):
            raise DataError("an aim's target is not text")
        value, tolerance, highest = doc.get("value"), doc.get("tolerance"), doc.get("highest")
        for name, v in (("value", value), ("tolerance", tolerance)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                  or not math.isfinite(v)):
                raise DataError(f"aim {target!r}: {name} is not a number")
        if highest is not None and not isinstance(highest, bool):
            raise DataError(f"aim {target!r}: highest is not true or false")
        aim = cls(target, None if value is None else float(value),
                  None if tolerance is None else float(tolerance), highest)
        if not aim.is_window and highest is None:
            raise DataError(f"aim {target!r} has neither a window nor a direction")
        if aim.is_window and aim.tolerance is not None and aim.tolerance <= 0:
            raise DataError(f"aim {target!r}: the tolerance must be above 0")
        return aim


@dataclass
class CampaignRound:
    """One click on *Add as planned*: ``kind`` "design" or "suggest"; ``samples`` the sample
    ids of the planned rows it added."""

    kind: str
    aims: list[Aim]
    samples: list[str]
    made: str = field(default_factory=now_iso)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "made": self.made, "samples": list(self.samples),
                "aims": [a.to_json() for a in self.aims]}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> CampaignRound:
        kind = doc["kind"]
        if kind not in ("design", "suggest"):
            raise DataError(f"unknown campaign round kind {str(kind)[:40]!r}")
        made = doc.get("made", "")
        if not isinstance(made, str):
            raise DataError("made is not a date")
        if not isinstance(doc["aims"], list) or not all(isinstance(a, dict)
                                                        for a in doc["aims"]):
            raise DataError("aims is not a list of objects")
        return cls(kind, [Aim.from_json(a) for a in doc["aims"]],
                   texts(doc["samples"], "samples"), made)


@dataclass
class Campaign:
    """The results section ``campaign``: every round, oldest first."""

    rounds: list[CampaignRound] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"rounds": [r.to_json() for r in self.rounds]}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Campaign:
        if not isinstance(doc["rounds"], list) or not all(isinstance(r, dict)
                                                          for r in doc["rounds"]):
            raise DataError("rounds is not a list of objects")
        return cls([CampaignRound.from_json(r) for r in doc["rounds"]])


@dataclass
class RoundStatus:
    """One round read against the table: ``best_distance`` is the smallest distance of a
    measured row to the round's windows, in tolerances (0: inside every window; NaN when
    nothing is measured or the round had no window); ``best_value`` per target wanted as
    high or low as possible, the best measured value."""

    number: int
    made: str
    kind: str
    aims: str
    planned: int
    measured: int
    in_window: int
    best_distance: float
    best_so_far: float
    best_value: dict[str, float]
    missing: int  # planned rows no longer in the table (undone or deleted)


COLUMN_HELP = {
    "from": "Find conditions or Suggest next experiments",
    "inside": "measured rows inside every window",
    "closest": "the measured row closest to the windows, in tolerances beyond their edges",
    "closest so far": "the closest of this round and every round before it",
    "best value": "the best measured value of a target pushed up or down",
}


@dataclass
class CampaignStatus:
    rounds: list[RoundStatus]
    summary: list[str]

    def to_frame(self) -> pd.DataFrame:
        """One row per round, as the Design page and the report show it."""
        rows = []
        for r in self.rounds:
            best = ", ".join(f"{t} {v:.4g}" for t, v in r.best_value.items()
                             if math.isfinite(v))
            # Short headers: the page shows them beside the form (COLUMN_HELP says more).
            rows.append({"round": r.number, "made": r.made[:16].replace("T", " "),
                         "from": "Find" if r.kind == "design" else "Suggest",
                         "wanted": r.aims, "planned": r.planned, "measured": r.measured,
                         "inside": r.in_window, "closest": _distance_text(r.best_distance),
                         "closest so far": _distance_text(r.best_so_far),
                         "best value": best})
        return pd.DataFrame(rows)


def _distance_text(d: float) -> str:
    if not math.isfinite(d):
        return "-"
    return "inside" if d == 0 else f"{d:.2g} outside"


def window_distance(values: dict[str, float], aims: list[Aim]) -> float:
    """Distance of one synthesis to every window of ``aims``, in tolerances: the largest
    amount by which a target misses its window (0 inside all); NaN when a window's target
    is not measured or there is no window."""
    windows = [a for a in aims if a.is_window]
    if not windows:
        return math.nan
    worst = 0.0
    for a in windows:
        y = values.get(a.target, math.nan)
        if not math.isfinite(y):
            return math.nan
        assert a.value is not None and a.tolerance is not None
        worst = max(worst, max(abs(y - a.value) - a.tolerance, 0.0) / a.tolerance)
    return worst


@dataclass
class _Table:
    """The table's sample ids and the campaign's targets as arrays, read once: the status
    is redrawn after every edit, on the GUI thread."""

    ids: list[str]  # of the original rows, which alone hold a campaign's experiments
    rows: list[int]  # their rows in the table
    where: dict[str, int]  # sample id -> row
    columns: dict[str, np.ndarray]  # target -> (n,) values of every row, NaN where missing

    @classmethod
    def of(cls, dataset: Dataset, campaign: Campaign) -> _Table:
        rows = np.flatnonzero(dataset.is_original)  # not the synthetic ones
        ids = dataset.sample_ids(rows)
        names = {a.target for r in campaign.rounds for a in r.aims}
        present = [t for t in sorted(names) if t in dataset.table.columns]
        values = dataset.values(present) if present else np.empty((len(dataset), 0))
        return cls(ids, rows.tolist(), dict(zip(ids, rows.tolist(), strict=True)),
                   {t: values[:, k] for k, t in enumerate(present)})

    def row(self, row: int, targets: list[str]) -> dict[str, float]:
        return {t: float(self.columns[t][row]) for t in targets if t in self.columns}


def campaign_status(campaign: Campaign, dataset: Dataset) -> CampaignStatus:
    """Every round read against the table's current values (see the module doc)."""
    table = _Table.of(dataset, campaign)
    where = table.where
    statuses: list[RoundStatus] = []
    best_so_far = math.nan
    for k, rnd in enumerate(campaign.rounds, start=1):
        targets = [a.target for a in rnd.aims]
        rows = [where[s] for s in rnd.samples if s in where]
        distances, n_measured = [], 0
        best_value: dict[str, float] = {}
        for r in rows:
            values = table.row(r, targets)
            if not any(math.isfinite(v) for v in values.values()):
                continue
            n_measured += 1
            d = window_distance(values, rnd.aims)
            distances.append(d)
            for a in rnd.aims:
                v = values.get(a.target, math.nan)
                if a.highest is not None and math.isfinite(v):
                    old = best_value.get(a.target, math.nan)
                    better = (not math.isfinite(old) or (v > old if a.highest else v < old))
                    best_value[a.target] = v if better else old
        finite = [d for d in distances if math.isfinite(d)]
        best = min(finite) if finite else math.nan
        if math.isfinite(best):
            best_so_far = best if not math.isfinite(best_so_far) else min(best_so_far, best)
        statuses.append(RoundStatus(k, rnd.made, rnd.kind, "; ".join(a.label for a in rnd.aims),
                                    len(rnd.samples), n_measured,
                                    sum(1 for d in finite if d == 0), best, best_so_far,
                                    best_value, len(rnd.samples) - len(rows)))
    return CampaignStatus(statuses, _summary(campaign, dataset, table, statuses))


def _summary(campaign: Campaign, dataset: Dataset, table: _Table,
             statuses: list[RoundStatus]) -> list[str]:
    """Sentences: how many experiments the campaign needed to land in its newest windows,
    against a random order of the table's own measured syntheses."""
    if not campaign.rounds:
        return ["No round yet: add candidates or suggestions as planned experiments, type "
                "in what they gave, and the campaign follows here."]
    out = []
    missing = sum(s.missing for s in statuses)
    if missing:
        out.append(f"{missing} planned row(s) of the campaign are no longer in the table "
                   "(undone or deleted); they are not counted.")
    aims = campaign.rounds[-1].aims
    windows = [a for a in aims if a.is_window]
    if not windows:
        return [*out, "The newest round pushes a target up or down without a window: see "
                      "the best value per round."]
    # The campaign's experiments under these windows, in the order they were planned.
    where = table.where
    mine: set[str] = {s for r in campaign.rounds for s in r.samples}
    tried, first_hit = 0, None
    for rnd in campaign.rounds:
        if [a for a in rnd.aims if a.is_window] != windows:
            continue
        for s in rnd.samples:
            if s not in where:
                continue
            d = window_distance(table.row(where[s], [a.target for a in windows]), windows)
            if not math.isfinite(d):
                continue
            tried += 1
            if d == 0 and first_hit is None:
                first_hit = tried
    labels = "; ".join(a.label for a in windows)
    # The table's own syntheses, measured and not from the campaign, as the random pool.
    pool = [r for s, r in zip(table.ids, table.rows, strict=True) if s not in mine]
    distances = [window_distance(table.row(i, [a.target for a in windows]), windows)
                 for i in pool]
    measured = [d for d in distances if math.isfinite(d)]
    n, hits = len(measured), sum(1 for d in measured if d == 0)
    if first_hit is not None:
        out.append(f"The campaign reached {labels} with experiment {first_hit} of {tried} "
                   "measured.")
    elif tried:
        out.append(f"After {tried} measured experiment(s) the campaign has not reached "
                   f"{labels} yet.")
    else:
        out.append(f"No planned experiment for {labels} is measured yet: type in what they "
                   "gave on the Data page and train again.")
    if n < 2:
        out.append("The table has too few measured syntheses of its own to compare with a "
                   "random order.")
    elif hits == 0:
        out.append(f"None of the table's {n} measured syntheses lies inside these windows, "
                   "so no random order of them would reach them.")
    else:
        expected = (n + 1) / (hits + 1)  # picks until the first hit, without replacement
        line = (f"A random order of the table's {n} measured syntheses ({hits} inside) "
                f"needs {expected:.1f} experiments on average to land inside")
        if first_hit is not None and first_hit <= expected:
            line += f": the campaign needed {expected / first_hit:.1f}× fewer."
        elif first_hit is not None:
            line += f": the campaign needed {first_hit / expected:.1f}× more."
        else:
            line += "."
        out.append(line)
    return out
