"""The conditions a model sees, and how category conditions become numbers.

Two spaces:
- **conditions** (n, c): one column per used input, in table order. A number input holds its
  value; a category input holds the index of its level in ``levels[name]`` (``-1`` for a
  level never seen in training). SMOTE-REG, LIME and the applicability domain work here, so
  that a condition is one column: a synthetic row takes one parent's level, and LIME gives
  one weight per condition.
- **features** (n, f): what the networks and the baselines are fitted on. Each category
  becomes one-hot columns, one per level, in place. One-hot rather than ordinal codes because
  ligands or solvents have no order, and a code would tell every model that "TOP" lies
  between "OA" and "OLA"; rather than target encoding because with a few dozen rows the
  level means would leak each sample's own target into its features. An unseen level is all
  zeros: the model then predicts as for "none of the known levels".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nrstudio.core.data.dataset import MAX_CATEGORY_LEVELS, Dataset, parse_numbers
from nrstudio.core.data.training_rows import category_levels
from nrstudio.core.errors import DataError

UNSEEN = -1.0


@dataclass
class FeatureSpace:
    """``inputs``: the conditions, table order; ``levels``: for each category input its
    levels (sorted text) as seen in the training rows."""

    inputs: list[str]
    levels: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, levels in self.levels.items():
            if name not in self.inputs:
                raise DataError(f"category '{name}' is not one of the model's inputs")
            if not levels or len(levels) > MAX_CATEGORY_LEVELS:
                raise DataError(f"category '{name}' has {len(levels)} levels; between 1 and "
                                f"{MAX_CATEGORY_LEVELS} are supported")

    @classmethod
    def from_dataset(cls, dataset: Dataset, inputs: Sequence[str], rows: np.ndarray
                     ) -> FeatureSpace:
        """The space of ``inputs`` with category levels taken from ``rows`` (the training
        rows; a level seen only elsewhere is "unseen")."""
        levels = {}
        for name in inputs:
            if dataset.column(name).is_category:
                cells = dataset.table[name].to_numpy()[rows].tolist()
                levels[name] = sorted(set(category_levels(cells)))
        return cls(list(inputs), levels)

    # ---- shape ---------------------------------------------------------------------------
    @property
    def categorical(self) -> list[int]:
        """Indices (in conditions) of the category inputs."""
        return [j for j, name in enumerate(self.inputs) if name in self.levels]

    @property
    def n_features(self) -> int:
        return sum(len(self.levels[n]) if n in self.levels else 1 for n in self.inputs)

    @property
    def feature_names(self) -> list[str]:
        """Names of the encoded columns: ``Ligand = OA`` for a level."""
        out = []
        for name in self.inputs:
            out += [f"{name} = {lv}" for lv in self.levels[name]] if name in self.levels else [name]
        return out

    # ---- conversions ---------------------------------------------------------------------
    def conditions(self, dataset: Dataset, rows: np.ndarray | None = None,
                   columns: dict[str, str] | None = None) -> np.ndarray:
        """(n, c) conditions of ``rows`` of a dataset (all rows by default); ``columns`` maps
        an input to the dataset column that holds it (the same name by default). Number
        cells that are missing give NaN; text in a number column raises DataError."""
        idx = np.arange(len(dataset)) if rows is None else np.asarray(rows)
        out = np.empty((len(idx), len(self.inputs)))
        for j, name in enumerate(self.inputs):
            col = (columns or {}).get(name, name)
            cells = dataset.table[col].to_numpy()[idx].tolist()
            if name in self.levels:
                out[:, j] = self.codes(name, category_levels(cells))
            else:
                out[:, j], bad = parse_numbers(cells)
                if bad:
                    k = bad[0]
                    raise DataError(f"row {idx[k] + 1}, column '{col}': '{cells[k]}' is not "
                                    "a number")
        return out

    def codes(self, name: str, texts: Sequence[str]) -> np.ndarray:
        """Level indices of texts of one category input; ``UNSEEN`` for an unknown level."""
        index = {lv: float(k) for k, lv in enumerate(self.levels[name])}
        return np.array([index.get(t.strip(), UNSEEN) for t in texts], dtype=np.float64)

    def level_text(self, name: str, code: float) -> str:
        """The level of a code; '(unseen level)' for UNSEEN."""
        k = int(code)
        return self.levels[name][k] if 0 <= k < len(self.levels[name]) else "(unseen level)"

    def encode(self, conditions: np.ndarray) -> np.ndarray:
        """(n, c) conditions -> (n, f) features (one-hot categories, in place). Without
        categories the conditions are returned as they are."""
        x = np.atleast_2d(np.asarray(conditions, dtype=np.float64))
        if x.shape[1] != len(self.inputs):
            raise DataError(f"expected {len(self.inputs)} conditions, got {x.shape[1]}")
        if not self.levels:
            return x
        parts = []
        for j, name in enumerate(self.inputs):
            if name in self.levels:
                n_levels = len(self.levels[name])
                codes = x[:, j]
                hot = (codes[:, None] == np.arange(n_levels)[None, :]).astype(np.float64)
                hot[~np.isfinite(codes)] = np.nan
                parts.append(hot)
            else:
                parts.append(x[:, j:j + 1])
        return np.hstack(parts)

    def unseen(self, conditions: np.ndarray) -> list[list[str]]:
        """Per row, the category inputs whose level was never seen in training."""
        x = np.atleast_2d(conditions)
        cats = self.categorical
        return [[self.inputs[j] for j in cats if row[j] == UNSEEN] for row in x]

    # ---- storage ---------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {"inputs": list(self.inputs), "levels": {k: list(v) for k, v in self.levels.items()}}

    @classmethod
    def from_json(cls, doc: dict) -> FeatureSpace:
        try:
            levels = {str(k): [str(x) for x in v] for k, v in dict(doc.get("levels", {})).items()}
            return cls([str(x) for x in doc["inputs"]], levels)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"stored input description is damaged ({exc})") from None
