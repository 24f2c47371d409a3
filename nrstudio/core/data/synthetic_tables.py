"""Synthesis tables with a known answer, for tests and benchmarks: what a lab's own
spreadsheet looks like, not what the paper's does.

A table has a sample-id column without an English header, number inputs with units written
in every common way (``(nm)``, ``[mg]``, ``_min``, `` K``), text conditions with several
levels (one of them ``None`` for an absent reagent), a constant column, every missing-value
marker, and outcomes that are a known smooth function of a few inputs and of the levels plus
noise. The outcomes can be written to a second file joined by the id.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import MISSING_MARKERS

LIGANDS = ("oleic acid", "oleylamine", "TOPO", "None")
SOLVENTS = ("ODE", "toluene", "squalane")
METALS = ("CdO", "Cd(OAc)2", "CdCl2")
ID_HEADER = "Amostra"
TARGETS = ("Length (nm)", "Width_nm", "Emission peak [nm]")


@dataclass
class SynthesisTable:
    """``conditions``: id + inputs (+ targets unless split); ``outcomes``: id + targets when
    they are kept in a second file, else None. ``truth`` (n, 3): the noise-free targets."""

    conditions: pd.DataFrame
    outcomes: pd.DataFrame | None
    truth: np.ndarray
    numeric_inputs: list[str]
    category_inputs: list[str]
    constant_input: str

    def csv(self, which: str = "conditions") -> bytes:
        frame = self.conditions if which == "conditions" else self.outcomes
        assert frame is not None
        buf = io.StringIO()
        frame.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue().encode("utf-8")


_UNIT_STYLES = ("{} (nm)", "{} [mg]", "{}_min", "{} mL", "{} (mmol)", "{} [K]")


def make_synthesis_table(n_rows: int = 250, n_numeric: int = 20, n_categories: int = 5,
                         seed: int = 0, markers: bool = True, split_outcomes: bool = False,
                         noise: float = 0.03, many_levels: int = 0) -> SynthesisTable:
    """A table of ``n_rows`` syntheses: ``n_numeric`` number inputs (the first four drive the
    outcomes, the rest are distractors), ``n_categories`` text conditions (the first two
    drive them), one constant input; ``markers`` scatters every missing-value marker over
    distractor inputs, text conditions and the targets. ``many_levels``: the distractor
    text conditions (from the third on) take up to that many levels (made-up reagent
    names), as literature-mined tables do."""
    if n_numeric < 4:
        raise ValueError("the outcomes depend on four number inputs: n_numeric >= 4")
    rng = np.random.default_rng(seed)
    numeric = [_UNIT_STYLES[j % len(_UNIT_STYLES)].format(f"Condition {j + 1}")
               for j in range(n_numeric)]
    x = rng.uniform(0.0, 1.0, (n_rows, n_numeric))
    cats = [f"Reagent {k + 1}" for k in range(n_categories)]
    pools = [LIGANDS, SOLVENTS, METALS]
    levels = [[pools[k % 3][i] for i in rng.integers(0, len(pools[k % 3]), n_rows)]
              for k in range(n_categories)]
    for k in range(2, n_categories) if many_levels else ():
        names = [f"{pools[k % 3][0]} lot {chr(65 + k)}{j + 1}" for j in range(many_levels)]
        levels[k] = [names[i] for i in rng.integers(0, many_levels, n_rows)]
    effect_1 = {lv: e for lv, e in zip(LIGANDS, (1.0, 0.6, 0.3, 0.0), strict=True)}
    effect_2 = {lv: e for lv, e in zip(SOLVENTS, (0.0, 0.5, 1.0), strict=True)}
    c1 = np.array([effect_1.get(v, 0.0) for v in levels[0]]) if n_categories > 0 else 0.0
    c2 = np.array([effect_2.get(v, 0.0) for v in levels[1]]) if n_categories > 1 else 0.0
    length = 30 + 40 * x[:, 0] + 20 * x[:, 1] ** 2 + 15 * c1
    width = 4 + 2 * x[:, 2] + 1.5 * c2 + np.sin(3 * x[:, 0])
    emission = 520 + 60 * x[:, 3] - 25 * x[:, 2] + 10 * c1 * x[:, 1]
    truth = np.column_stack([length, width, emission])
    y = truth * (1 + noise * rng.standard_normal(truth.shape))
    ids = [f"NR-{k + 1:03d}" for k in range(n_rows)]
    frame = pd.DataFrame({ID_HEADER: ids})
    for j, name in enumerate(numeric):
        frame[name] = np.round(10 + 90 * x[:, j], 3).astype(object)
    for k, name in enumerate(cats):
        frame[name] = levels[k]
    frame["Stirring (rpm)"] = 500
    for t, name in enumerate(TARGETS):
        frame[name] = np.round(y[:, t], 3).astype(object)
    if markers:
        _scatter_markers(frame, numeric[4:7], TARGETS, rng)
    outcomes = None
    if split_outcomes:
        outcomes = frame[[ID_HEADER, *TARGETS]].sample(frac=1.0, random_state=seed)
        frame = frame.drop(columns=list(TARGETS))
    return SynthesisTable(frame, outcomes, truth, numeric, cats, "Stirring (rpm)")


def _scatter_markers(frame: pd.DataFrame, distractors: list[str], targets: tuple[str, ...],
                     rng: np.random.Generator) -> None:
    """Every marker at least once among a few distractor inputs and among the targets
    (about 3% of those cells); blank cells too. Text conditions already hold "None"."""
    n = len(frame)
    marks = [*MISSING_MARKERS, ""]
    for names in (distractors, list(targets)):
        for name in names:
            for i in rng.choice(n, size=max(1, n // 30), replace=False):
                frame.at[int(i), name] = marks[int(rng.integers(0, len(marks)))]
        for k, mark in enumerate(marks):  # each marker somewhere in this group of columns
            if names:
                frame.at[int(rng.integers(0, n)), names[k % len(names)]] = mark
