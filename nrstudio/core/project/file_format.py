"""Reading and writing ``.nrproj`` project files (format described in docs/project-format.md).

Loading trusts nothing in the file until it is checked: member names, sizes and compression
ratios (zip bombs), SHA-256 checksums, JSON schemas, format version. Nothing from the file is
executed: JSON, CSV and safetensors are data-only formats, and pickle is never used. Saving is
atomic (see :func:`nrstudio.core.atomic.atomic_write`) and keeps the previous file as ``.bak``.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import math
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nrstudio import __version__
from nrstudio.core.atomic import atomic_write
from nrstudio.core.data.dataset import Column, Dataset, Kind, Origin, Role, format_cell, parse_number
from nrstudio.core.data.table_io import MAX_TABLE_CELLS, MAX_TABLE_ROWS
from nrstudio.core.errors import Cancelled, DataError, ProjectFileError
from nrstudio.core.micrographs.images import check_scale
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.project import schema as project_schema
from nrstudio.core.project.members import (
    MANIFEST,
    PROJECT,
    ROWS,
    TABLE,
    Limits,
    parse_json,
    read_members,
)
from nrstudio.core.project.migrations import MIGRATIONS
from nrstudio.core.project.sections import check_sections
from nrstudio.core.project_model import AttachedImage, Project, StoredModel, now_iso

FORMAT_VERSION = 2
MAX_PROJECT_ROWS, MAX_PROJECT_CELLS = MAX_TABLE_ROWS, MAX_TABLE_CELLS
SUFFIX = ".nrproj"
BACKUP_SUFFIX = ".bak"


# ---- saving ----------------------------------------------------------------------------
def _json_bytes(obj: Any) -> bytes:
    try:
        return json.dumps(obj, indent=1, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ProjectFileError(f"cannot save: a setting or result is not storable ({exc})") from None


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def _image_member(index: int, filename: str) -> str:
    ext = Path(filename).suffix.lower().lstrip(".")
    ext = ext if re.fullmatch(r"[a-z0-9]{1,5}", ext) else "bin"
    return f"images/i{index:04d}.{ext}"


def project_members(project: Project) -> dict[str, bytes]:
    """Every member but the manifest, as bytes (format v1)."""
    from safetensors.numpy import save as save_tensors

    ds = project.dataset
    members: dict[str, bytes] = {}
    members[TABLE] = _csv_bytes(
        [c.name for c in ds.columns],
        [[format_cell(v) for v in row] for row in ds.table.itertuples(index=False, name=None)],
    )
    members[ROWS] = _csv_bytes(
        ["origin", "validation_experiment", "parent_1", "parent_2"],
        [[str(o), "true" if v else "false", str(p1), str(p2)]
         for o, v, p1, p2 in ds.rows[["origin", "validation_experiment", "parent_1",
                                     "parent_2"]].itertuples(index=False, name=None)],
    )
    models, results, images = [], [], []
    for k, model in enumerate(project.models.values()):
        member = f"models/m{k:04d}.safetensors"
        tensors = {n: np.ascontiguousarray(a) for n, a in model.tensors.items()}
        members[member] = save_tensors(tensors) if tensors else save_tensors({})
        models.append({"name": model.name, "member": member, "meta": model.meta})
    for k, (name, doc) in enumerate(project.results.items()):
        member = f"results/r{k:04d}.json"
        members[member] = _json_bytes(doc)
        results.append({"name": name, "member": member})
    for k, image in enumerate(project.images):
        member = _image_member(k, image.filename)
        members[member] = bytes(image.data)
        images.append({"id": image.id, "sample_id": image.sample_id, "filename": image.filename,
                       "member": member, "nm_per_px": image.nm_per_px, "meta": image.meta})
    doc = {
        "notes": project.notes,
        "settings": project.settings,
        "columns": [{"name": c.name, "role": c.role.value, "unit": c.unit, "kind": c.kind.value,
                     "non_negative": c.non_negative} for c in ds.columns],
        "models": models,
        "results": results,
        "images": images,
    }
    members[PROJECT] = _json_bytes(doc)
    return members


def _user_reason(exc: OSError) -> str:
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EACCES: "permission denied (is the folder read-only?)",
        errno.EPERM: "permission denied",
        errno.EROFS: "the folder is on a read-only disk",
        errno.ENOENT: "the folder does not exist",
        errno.EBUSY: "the file is locked by another program",
    }
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))


def save_project(
    project: Project,
    path: str | os.PathLike[str],
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> None:
    """Save atomically to ``path``, keeping the previous file as ``path.bak``.

    Raises ProjectFileError with the reason (disk full, read-only folder, ...); the file on
    disk is then unchanged and ``project`` is untouched.
    """
    rep = Reporter(progress, cancel)
    target = Path(path)
    # The mode bits too: root may write anywhere, but a file made read-only is meant so.
    if target.exists() and (not os.access(target, os.W_OK)
                            or not target.stat().st_mode & 0o222):
        raise ProjectFileError(f"cannot save {target.name}: the file is read-only; save it "
                               "under another name with Save As")
    rows, cols = project.dataset.table.shape
    if rows > MAX_PROJECT_ROWS or rows * max(cols, 1) > MAX_PROJECT_CELLS:
        raise ProjectFileError(f"cannot save {target.name}: the table has {rows:,} rows of "
                               f"{cols} columns, more than a project holds ({MAX_PROJECT_ROWS:,} "
                               f"rows, {MAX_PROJECT_CELLS:,} cells); clear synthetic rows or "
                               "augment with fewer rows per subset")
    rep.report(0.0, "collecting project data")
    members = project_members(project)
    modified = now_iso()
    manifest = {
        "format": "nrproj",
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "created": project.created,
        "modified": modified,
        "members": {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                    for name, data in sorted(members.items())},
    }
    total = sum(len(d) for d in members.values()) or 1

    def write(fh: Any) -> None:
        done = 0
        with zipfile.ZipFile(fh, "w") as zf:
            zf.writestr(MANIFEST, _json_bytes(manifest), zipfile.ZIP_DEFLATED)
            for name, data in sorted(members.items()):
                # Images and weights hardly compress; storing them saves time.
                method = (zipfile.ZIP_STORED if name.startswith(("images/", "models/"))
                          else zipfile.ZIP_DEFLATED)
                zf.writestr(name, data, method)
                done += len(data)
                rep.report(0.05 + 0.85 * done / total, "writing")

    def verify(tmp: Path) -> None:
        with zipfile.ZipFile(tmp) as zf:
            bad = zf.testzip()
        if bad is not None:
            raise ProjectFileError(f"cannot save {target.name}: written copy failed its check")

    try:
        atomic_write(target, write, backup_suffix=BACKUP_SUFFIX, verify=verify)
    except OSError as exc:
        raise ProjectFileError(
            f"cannot save {target.name}: {_user_reason(exc)}; nothing was overwritten"
        ) from None
    project.modified = modified
    project.app_version = __version__
    rep.report(1.0, "saved")


def load_project(
    path: str | os.PathLike[str],
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    limits: type[Limits] = Limits,
) -> Project:
    """Load and check a project file. Every failure is a ProjectFileError with one line."""
    try:
        return _load_project(path, Reporter(progress, cancel), limits)
    except (ProjectFileError, Cancelled):
        raise
    except MemoryError:
        raise ProjectFileError(f"{Path(path).name} is too large to open") from None
    except Exception as exc:  # a defect or an unforeseen damage: still one line, never a crash
        raise ProjectFileError(f"{Path(path).name} is damaged ({type(exc).__name__}: "
                               f"{str(exc)[:80]})") from None


def _load_project(path: str | os.PathLike[str], rep: Reporter, limits: type[Limits]) -> Project:
    manifest, members = read_members(path, FORMAT_VERSION, limits, rep)
    version = manifest["format_version"]
    for v in range(version, FORMAT_VERSION):
        if v not in MIGRATIONS:
            raise ProjectFileError(f"format {version} files cannot be converted by this version")
        members = MIGRATIONS[v](members)
    try:
        project = _build_project(members)
    except ProjectFileError:
        raise
    except Exception as exc:  # a field of the wrong type deep inside; still only data
        raise ProjectFileError(f"damaged project file ({type(exc).__name__}: {str(exc)[:80]})") from None
    project.created = manifest["created"]
    project.modified = manifest["modified"]
    project.app_version = manifest["app_version"]
    project.path = Path(path)
    rep.report(1.0, "loaded")
    return project


def _need(members: dict[str, bytes], name: str) -> bytes:
    if name not in members:
        raise ProjectFileError(f"damaged project file: member '{name}' is missing")
    return members[name]


def _read_csv(data: bytes, member: str) -> list[list[str]]:
    try:
        rows = []
        for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
            rows.append(row)
            if len(rows) > MAX_PROJECT_ROWS + 1:  # refused below, before reading it all
                break
    except (UnicodeDecodeError, csv.Error):
        raise ProjectFileError(f"damaged project file: '{member}' is not a readable table") from None
    if not rows:
        raise ProjectFileError(f"damaged project file: '{member}' has no header")
    return rows


def _build_project(members: dict[str, bytes]) -> Project:
    from safetensors import SafetensorError
    from safetensors.numpy import load as load_tensors

    doc = parse_json(_need(members, PROJECT), PROJECT, project_schema.PROJECT)
    columns = [Column(c["name"], Role(c["role"]), c["unit"], Kind(c["kind"]), c["non_negative"])
               for c in doc["columns"]]
    table_rows = _read_csv(_need(members, TABLE), TABLE)
    if table_rows[0] != [c.name for c in columns] and not (not columns and table_rows[0] == []):
        raise ProjectFileError("damaged project file: table header does not match the columns")
    body = table_rows[1:]
    if len(body) > MAX_PROJECT_ROWS or len(body) * max(len(columns), 1) > MAX_PROJECT_CELLS:
        raise ProjectFileError(f"refused: the table has {len(body):,} rows of {len(columns)} "
                               f"columns; NR Studio holds at most {MAX_PROJECT_ROWS:,} rows and "
                               f"{MAX_PROJECT_CELLS:,} cells")
    for k, row in enumerate(body):
        if len(row) != len(columns):
            raise ProjectFileError(f"damaged project file: table line {k + 2} has {len(row)} fields")
    data: dict[str, list[object]] = {}
    for j, col in enumerate(columns):
        cells: list[object] = []
        for row in body:
            text = row[j]
            if text == "":
                cells.append(math.nan)
            elif col.kind == Kind.NUMBER and (value := parse_number(text)) is not None:
                cells.append(value)
            else:
                cells.append(text)
        data[col.name] = cells
    table = pd.DataFrame(data, columns=[c.name for c in columns], dtype=object)
    if not columns:
        table = pd.DataFrame(index=range(len(body)), dtype=object)

    meta_rows = _read_csv(_need(members, ROWS), ROWS)
    if meta_rows[0] != ["origin", "validation_experiment", "parent_1", "parent_2"]:
        raise ProjectFileError("damaged project file: row metadata header is wrong")
    if len(meta_rows) - 1 != len(body):
        raise ProjectFileError("damaged project file: row metadata and table differ in length")
    origin, flag, p1, p2 = [], [], [], []
    for k, row in enumerate(meta_rows[1:]):
        if (len(row) != 4 or row[0] not in (Origin.ORIGINAL.value, Origin.SYNTHETIC.value)
                or row[1] not in ("true", "false")):
            raise ProjectFileError(f"damaged project file: row metadata line {k + 2} is invalid")
        origin.append(row[0])
        flag.append(row[1] == "true")
        p1.append(row[2])
        p2.append(row[3])
    rows = pd.DataFrame({"origin": origin, "validation_experiment": flag,
                         "parent_1": p1, "parent_2": p2})
    dataset = Dataset(table, columns, rows)

    models: dict[str, StoredModel] = {}
    for entry in doc["models"]:
        raw = _need(members, entry["member"])
        try:
            tensors = dict(load_tensors(raw))
        except (SafetensorError, ValueError, OSError):
            raise ProjectFileError(
                f"damaged project file: weights of model '{entry['name']}' are not safetensors"
            ) from None
        models[entry["name"]] = StoredModel(entry["name"], entry["meta"], tensors)
    results = {e["name"]: parse_json(_need(members, e["member"]), e["member"], None)
               for e in doc["results"]}
    images = [AttachedImage(e["id"], e["sample_id"], e["filename"], _need(members, e["member"]),
                            e["nm_per_px"], e["meta"]) for e in doc["images"]]
    for image in images:
        if image.nm_per_px is not None:
            try:
                check_scale(image.nm_per_px, f"image '{image.filename}': nm per pixel")
            except DataError as exc:
                raise ProjectFileError(f"damaged project file: {exc}") from None
    project = Project(dataset, doc["notes"], doc["settings"], results, models, images)
    try:
        check_sections(project)
    except DataError as exc:
        raise ProjectFileError(f"damaged project file: {exc}") from None
    return project
