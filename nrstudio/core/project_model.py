"""A user's whole work: dataset, settings, trained models, results and attached micrographs."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from nrstudio.core.data.dataset import Dataset

JSONValue = Any  # a value that json.dumps accepts (dict, list, str, float, int, bool, None)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class AttachedImage:
    """A micrograph attached to a sample, kept as its original file bytes."""

    id: str
    sample_id: str
    filename: str
    data: bytes
    nm_per_px: float | None = None
    meta: dict[str, JSONValue] = field(default_factory=dict)


@dataclass
class StoredModel:
    """A trained model: JSON description (architecture, scalers, training settings, metrics)
    and named float arrays (weights). Loading it never runs code from the file."""

    name: str
    meta: dict[str, JSONValue]
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Project:
    dataset: Dataset
    notes: str = ""
    settings: dict[str, JSONValue] = field(default_factory=dict)
    results: dict[str, JSONValue] = field(default_factory=dict)
    models: dict[str, StoredModel] = field(default_factory=dict)
    images: list[AttachedImage] = field(default_factory=list)
    created: str = field(default_factory=now_iso)
    modified: str = field(default_factory=now_iso)
    app_version: str = ""
    path: Path | None = None  # where it was loaded from; not stored (the GUI tracks its own)

    def snapshot(self) -> Project:
        """A copy that later edits of this project do not change, cheap enough to take on the
        GUI thread (to save it in a worker): the table is copied, settings deeply, results
        and models by reference (they are replaced as a whole, never edited), images with
        their own meta."""
        return Project(self.dataset.copy(), self.notes, copy.deepcopy(self.settings),
                       dict(self.results), dict(self.models),
                       [replace(im, meta=copy.deepcopy(im.meta)) for im in self.images],
                       self.created, self.modified, self.app_version, self.path)
