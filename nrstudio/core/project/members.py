"""Opening a project file's zip and reading its members without trusting it: names, sizes,
compression ratios (zip bombs), the manifest's schema and every member's SHA-256."""

from __future__ import annotations

import hashlib
import json
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
    """Bounds on what a project file may make the loader read; tests shrink them."""

    max_members = 10_000
    max_member_bytes = 2 * 1024**3
    max_total_bytes = 8 * 1024**3
    max_json_bytes = 64 * 1024**2
    max_ratio = 200.0  # uncompressed / compressed, checked above ratio_floor_bytes
    ratio_floor_bytes = 1024**2


_SAFE_NAME = re.compile(r"^(project\.json|(dataset|models|results|images)/[A-Za-z0-9_.-]{1,120})$")
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
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
            raise ProjectFileError(f"unsafe project file: absolute member name '{name[:80]}'")
        if ".." in re.split(r"[/\\]", name) or "\\" in name:
            raise ProjectFileError(f"unsafe project file: member name '{name[:80]}' leaves the folder")
        if name != MANIFEST and not _SAFE_NAME.match(name):
            raise ProjectFileError(f"damaged project file: unexpected member '{name[:80]}'")
        if name in seen:
            raise ProjectFileError(f"damaged project file: member '{name}' appears twice")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise ProjectFileError(f"unsupported project file: member '{name}' is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ProjectFileError(f"unsupported project file: member '{name}' compression")
        if info.file_size > limits.max_member_bytes:
            raise ProjectFileError(f"refused: member '{name}' would unpack to {info.file_size} bytes")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise ProjectFileError(
                f"refused: member '{name}' is compressed {ratio:.0f}:1 (a zip bomb?)")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ProjectFileError("refused: the project would unpack to more than the limit")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Read at most ``limit`` and at most the declared size: a lying header cannot inflate it."""
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
            chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def parse_json(data: bytes, member: str, schema: dict[str, Any] | None) -> Any:
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
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
            for name in sorted(listed):
                expect = manifest["members"][name]
                data = _read_member(zf, by_name[name], limits.max_member_bytes)
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
