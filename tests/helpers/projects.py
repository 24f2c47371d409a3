"""Helpers to build rich projects and to tamper with project files in tests."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from nrstudio.core.data.dataset import Column, Dataset, Kind, Role
from nrstudio.core.project_model import AttachedImage, Project, StoredModel

COLS = [
    Column("Sample", Role.SAMPLE_ID, "", Kind.TEXT),
    Column("Core amount (nmol)", Role.INPUT, "nmol"),
    Column("S amount (mg)", Role.INPUT, "mg"),
    Column("Average Length (nm)", Role.TARGET, "nm"),
    Column("Comment", Role.IGNORED, "", Kind.TEXT),
]


def rich_project(image_bytes: bytes = b"\x89PNG fake image bytes") -> Project:
    rows = [
        ["s1", 15.0, 110.0, 76.0, "first, with a comma"],
        ["s2", 0.1 + 0.2, 1e-300, float("nan"), 'quote " and newline\nhere'],
        ["s3", "6O", 145.0, 21.5, "ünïcode µm"],
        ["syn", 16.25, 111.0, 70.0, float("nan")],
    ]
    ds = Dataset.from_records(COLS, rows, validation=[False, True, False, False])
    ds.rows.loc[3, "origin"] = "synthetic"
    ds.rows.loc[3, "parent_1"] = "s1"
    ds.rows.loc[3, "parent_2"] = "s3"
    model = StoredModel("mlp length", {"layers": [3, 64, 1], "scaler": {"mean": [1.5]}},
                        {"w0": np.arange(6, dtype=np.float32).reshape(2, 3),
                         "b0": np.array([1.5, -2.0]), "steps": np.array([3], dtype=np.int64)})
    return Project(
        ds, notes="Notes ✓\nsecond line", settings={"seed": 7, "targets": ["a"]},
        results={"cv": {"r2": [0.5, 0.25], "nested": {"ok": True, "none": None}}},
        models={model.name: model},
        images=[AttachedImage("img1", "s1", "rods 01.tif", image_bytes, 0.4008,
                              {"scale_bar_px": 499})],
    )


def rewrite(src: Path, dst: Path,
            edit: Callable[[dict[str, bytes]], None] | None = None,
            edit_manifest: Callable[[dict], None] | None = None,
            fix_checksums: bool = True) -> None:
    """Copy a project file, changing members and/or the manifest."""
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members.pop("manifest.json"))
    if edit:
        edit(members)
    if fix_checksums:
        manifest["members"] = {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                               for n, d in members.items()}
    if edit_manifest:
        edit_manifest(manifest)
    with zipfile.ZipFile(dst, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for n, d in members.items():
            zf.writestr(n, d)
