"""Conversions of older project-file formats to the current one.

``MIGRATIONS[v]`` turns the members (name -> bytes, checksums already verified) of a format-v
file into format v+1. Each format change adds one function here and a fixture file saved by
the old version under ``tests/fixtures/`` (``project-v<N>.nrproj``), loaded by the tests.
Format 1 is the first released format, so there is nothing to convert yet.
"""

from __future__ import annotations

from collections.abc import Callable

Migration = Callable[[dict[str, bytes]], dict[str, bytes]]

MIGRATIONS: dict[int, Migration] = {}
