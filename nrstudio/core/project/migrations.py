"""Conversions of older project-file formats to the current one.

``MIGRATIONS[v]`` turns the members (name -> bytes, checksums already verified) of a format-v
file into format v+1. Each format change adds one function here and a fixture file saved by
the old version under ``tests/fixtures/`` (``project-v<N>.nrproj``), loaded by the tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable

Migration = Callable[[dict[str, bytes]], dict[str, bytes]]


def v1_to_v2(members: dict[str, bytes]) -> dict[str, bytes]:
    """Format 2 gives every column a ``non_negative`` flag (null: decided from its name and
    unit, as format 1 always did) and allows the column kind "category"."""
    out = dict(members)
    doc = json.loads(members["project.json"])
    for column in doc.get("columns", []):
        if isinstance(column, dict):
            column.setdefault("non_negative", None)
    out["project.json"] = json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return out


MIGRATIONS: dict[int, Migration] = {1: v1_to_v2}
