"""Opening a project file's zip and reading its members without trusting it: names, sizes,
compression ratios (zip bombs), the manifest's schema and every member's SHA-256."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import jsonschema

from nrstudio import __version__
from nrstudio.core.errors import ProjectFileError
from nrstudio.core.progress import Reporter
from nrstudio.core.project import schema as project_schema


class Limits:
    """Bounds on what a project file may make the loader read, per kind of member: each is
    well above what the app itself writes (an augmented table of 100,000 rows is about 10 MB,
    an evaluation result a few MB) and small enough that opening any file stays within about
    a gigabyte. Bytes are counted as they are inflated, never taken from a header."""

    max_members = 10_000
    max_json_bytes = 16 * 1024**2  # manifest.json, project.json
    max_result_bytes = 64 * 1024**2  # results/*.json
    max_table_bytes = 128 * 1024**2  # dataset/*.csv
    max_model_bytes = 64 * 1024**2  # models/*.safetensors (the app's are kilobytes)
    max_image_bytes = 200 * 1024**2  # images/*: as attaching allows
    max_total_bytes = 4 * 1024**3
    # All members together may unpack to this plus twice the file's size on disk: a project
    # of many micrographs (which do not compress) opens, while a small file cannot inflate
    # into gigabytes through members each under its own limit.
    base_total_bytes = 512 * 1024**2
    max_ratio = 200.0  # uncompressed / compressed, checked above ratio_floor_bytes
    # Row flags of a large table compress 400:1 and more, legitimately; the per-kind limits
    # above bound what any member can inflate to, so the ratio is judged on big ones only.
    ratio_floor_bytes = 16 * 1024**2

    @classmethod
    def for_member(cls, name: str) -> int:
        """The most bytes member ``name`` may unpack to."""
        if name.startswith("results/"):
            return cls.max_result_bytes
        if name.startswith("dataset/"):
            return cls.max_table_bytes
        if name.startswith("models/"):
            return cls.max_model_bytes
        if name.startswith("images/"):
            return cls.max_image_bytes
        return cls.max_json_bytes


_SAFE_NAME = re.compile(r"(project\.json|(dataset|models|results|images)/[A-Za-z0-9_.-]{1,120})")
TABLE, ROWS, PROJECT, MANIFEST = (
    "dataset/table.csv", "dataset/rows.csv", "project.json", "manifest.json"
)


def _check_names(infos: list[zipfile.ZipInfo], limits: type[Limits]) -> None:
    if len(infos) > limits.max_members:
        raise ProjectFileError(f"damaged project file: {len(infos)} members (too many)")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        shown = "".join(ch if ch.isprintable() else "?" for ch in name[:80])
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
            raise ProjectFileError(f"unsafe project file: absolute member name '{shown}'")
        if ".." in re.split(r"[/\\]", name) or "\\" in name:
            raise ProjectFileError(f"unsafe project file: member name '{shown}' leaves the folder")
        if name != MANIFEST and not _SAFE_NAME.fullmatch(name):  # also no trailing newline
            raise ProjectFileError(f"damaged project file: unexpected member '{shown}'")
        if name in seen:
            raise ProjectFileError(f"damaged project file: member '{shown}' appears twice")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise ProjectFileError(f"unsupported project file: member '{name}' is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ProjectFileError(f"unsupported project file: member '{name}' compression")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise ProjectFileError(
                f"refused: member '{name}' is compressed {ratio:.0f}:1 (a zip bomb?)")
        if info.file_size > limits.for_member(name):
            raise ProjectFileError(f"refused: member '{name}' would unpack to "
                                   f"{info.file_size / 2**20:.0f} MB, more than "
                                   f"{limits.for_member(name) / 2**20:.0f} MB")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ProjectFileError("refused: the project would unpack to more than the limit")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int,
                 budget: list[int] | None = None) -> bytes:
    """Read at most ``limit`` and at most the declared size, counting the bytes as they are
    inflated: a lying header cannot make it unpack more. ``budget`` ([bytes left]) bounds
    all members together."""
    cap = min(limit, info.file_size)
    chunks, size = [], 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                raise ProjectFileError(f"refused: member '{info.filename}' is larger than declared")
            if budget is not None:
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise ProjectFileError("refused: the project would unpack to more than "
                                           "the limit")
            chunks.append(chunk)
    return b"".join(chunks)


class _NotFinite(ValueError):
    pass


def _reject_constant(name: str) -> float:
    raise _NotFinite(name)


def _finite_float(text: str) -> float:
    # 1e999 parses to infinity, which could never be saved again: refused where it stands.
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def parse_json(data: bytes, member: str, schema: dict[str, Any] | None) -> Any:
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=_reject_constant,
                         parse_float=_finite_float)
    except _NotFinite as exc:
        raise ProjectFileError(f"damaged project file: '{member}' holds the number {exc}, "
                               "which is not finite") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProjectFileError(f"damaged project file: '{member}' is not valid JSON") from None
    if schema is not None:
        try:
            jsonschema.validate(doc, schema)
        except jsonschema.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "top level"
            raise ProjectFileError(
                f"damaged project file: '{member}' at {where}: {exc.message[:120]}") from None
    return doc


def read_members(
    path: str | os.PathLike[str], newest: int, limits: type[Limits] = Limits,
    rep: Reporter | None = None
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Open, check and return (manifest, members) of a project file, all checksums verified.
    ``newest``: the newest format this version reads; a newer file is refused."""
    rep = rep or Reporter()
    p = Path(path)
    try:
        zf = zipfile.ZipFile(p)
    except FileNotFoundError:
        raise ProjectFileError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ProjectFileError(f"{p}: is a folder, not a project file") from None
    except PermissionError:
        raise ProjectFileError(f"{p}: permission denied") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise ProjectFileError(f"{p.name} is not an NR Studio project or is damaged (not a zip)") from None
    with zf:
        try:
            infos = zf.infolist()
            _check_names(infos, limits)
            by_name = {i.filename: i for i in infos}
            if MANIFEST not in by_name:
                raise ProjectFileError(f"{p.name} is not an NR Studio project (no manifest)")
            manifest = parse_json(_read_member(zf, by_name[MANIFEST], limits.max_json_bytes),
                                   MANIFEST, project_schema.MANIFEST)
            version = manifest["format_version"]
            if type(version) is not int:  # 1.0 passes the schema's "integer"
                raise ProjectFileError(f"damaged project file: format_version {version!r} is "
                                       "not a whole number")
            if version > newest:
                raise ProjectFileError(
                    f"{p.name} was made by a newer NR Studio ({manifest['app_version']}, format "
                    f"{version}); this version ({__version__}) reads formats up to {newest}")
            listed = set(manifest["members"])
            present = set(by_name) - {MANIFEST}
            if listed - present:
                raise ProjectFileError(
                    f"damaged project file: member '{sorted(listed - present)[0]}' is missing")
            if present - listed:
                raise ProjectFileError(
                    f"damaged project file: member '{sorted(present - listed)[0]}' is not listed")
            members: dict[str, bytes] = {}
            total = sum(by_name[n].file_size for n in listed) or 1
            done = 0
            budget = [min(limits.max_total_bytes,
                          limits.base_total_bytes + 2 * p.stat().st_size)]
            for name in sorted(listed):
                expect = manifest["members"][name]
                data = _read_member(zf, by_name[name], limits.for_member(name), budget)
                if len(data) != expect["size"] or hashlib.sha256(data).hexdigest() != expect["sha256"]:
                    raise ProjectFileError(f"damaged project file: checksum of '{name}' is wrong")
                members[name] = data
                done += len(data)
                rep.report(0.8 * done / total, "reading")
        except ProjectFileError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                NotImplementedError, RuntimeError) as exc:
            raise ProjectFileError(
                f"{p.name} is damaged ({type(exc).__name__}: {str(exc)[:80]})") from None
    return manifest, members
