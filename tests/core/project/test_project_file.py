import errno
import math
import os
import pickle
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from helpers.paths import REPO
from helpers.projects import rewrite, rich_project

from nrstudio.core.errors import ProjectFileError
from nrstudio.core.project import file_format as project_file
from nrstudio.core.project.file_format import load_project, save_project

FIXTURES = REPO / "tests" / "fixtures"


def same_cells(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def assert_same_project(p, q):
    a, b = p.dataset, q.dataset
    assert a.columns == b.columns
    assert a.table.shape == b.table.shape
    for i in range(len(a)):
        for j in range(len(a.columns)):
            assert same_cells(a.table.iat[i, j], b.table.iat[i, j]), (i, j)
    assert a.rows.to_dict("list") == b.rows.to_dict("list")
    assert (p.notes, p.settings, p.results) == (q.notes, q.settings, q.results)
    assert list(p.models) == list(q.models)
    for name, m in p.models.items():
        assert q.models[name].meta == m.meta
        for t, arr in m.tensors.items():
            got = q.models[name].tensors[t]
            assert got.dtype == arr.dtype and np.array_equal(got, arr)
    assert [(i.id, i.sample_id, i.filename, i.data, i.nm_per_px, i.meta) for i in p.images] == \
           [(i.id, i.sample_id, i.filename, i.data, i.nm_per_px, i.meta) for i in q.images]


def test_round_trip_keeps_everything(tmp_path):
    p = rich_project()
    path = tmp_path / "work.nrproj"
    save_project(p, path)
    q = load_project(path)
    assert_same_project(p, q)
    assert q.dataset.table.iat[2, 1] == "6O"  # the typo is data, kept as typed
    assert q.dataset.is_validation.tolist() == [False, True, False, False]
    assert q.created == p.created and q.path == path


def test_second_save_keeps_a_backup(tmp_path):
    p = rich_project()
    path = tmp_path / "work.nrproj"
    save_project(p, path)
    p.notes = "changed"
    save_project(p, path)
    assert load_project(path).notes == "changed"
    assert load_project(Path(str(path) + ".bak")).notes == "Notes ✓\nsecond line"
    assert sorted(os.listdir(tmp_path)) == ["work.nrproj", "work.nrproj.bak"]


def test_failed_save_reports_why_and_changes_nothing(tmp_path, monkeypatch):
    p = rich_project()
    path = tmp_path / "work.nrproj"
    save_project(p, path)
    before = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("nrstudio.core.atomic.os.fsync", full)
    p.notes = "new"
    with pytest.raises(ProjectFileError, match="disk is full; nothing was overwritten"):
        save_project(p, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["work.nrproj"]  # no temp file left behind


def test_save_into_missing_folder(tmp_path):
    with pytest.raises(ProjectFileError, match="folder does not exist"):
        save_project(rich_project(), tmp_path / "no" / "such.nrproj")


# ---- hostile and damaged files -------------------------------------------------------
@pytest.fixture
def good(tmp_path) -> Path:
    path = tmp_path / "good.nrproj"
    save_project(rich_project(image_bytes=os.urandom(5000)), path)
    return path


def load_fails(path: Path, match: str) -> None:
    folder = path.parent
    before = {f: f.stat().st_mtime_ns for f in folder.iterdir()}
    with pytest.raises(ProjectFileError, match=match) as info:
        load_project(path)
    assert "\n" not in str(info.value)
    assert {f: f.stat().st_mtime_ns for f in folder.iterdir()} == before  # nothing written


def test_truncated_zip(good):
    bad = good.with_name("cut.nrproj")
    data = good.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        bad.write_bytes(data[:cut])
        load_fails(bad, "damaged|not an NR Studio project")


def test_not_a_zip(tmp_path):
    path = tmp_path / "text.nrproj"
    path.write_text("hello")
    load_fails(path, "not an NR Studio project")


def test_flipped_byte_in_stored_member_fails_crc(good):
    data = bytearray(good.read_bytes())
    pos = data.index(b"safetensors") + 200  # inside the stored weights or image
    data[pos] ^= 0xFF
    bad = good.with_name("flip.nrproj")
    bad.write_bytes(bytes(data))
    load_fails(bad, "damaged")


def test_changed_member_with_valid_zip_fails_checksum(good, tmp_path):
    bad = tmp_path / "sum.nrproj"

    def edit(m):
        m["dataset/table.csv"] = m["dataset/table.csv"].replace(b"76", b"77")

    rewrite(good, bad, edit, fix_checksums=False)
    load_fails(bad, "checksum of 'dataset/table.csv' is wrong")


def test_missing_member(good, tmp_path):
    bad = tmp_path / "missing.nrproj"
    rewrite(good, bad, lambda m: m.pop("dataset/rows.csv"), fix_checksums=False)
    load_fails(bad, "member 'dataset/rows.csv' is missing")


@pytest.mark.parametrize("name,match", [("../evil", "leaves the folder"),
                                        ("images/../../evil", "leaves the folder"),
                                        ("/etc/evil", "absolute member name"),
                                        ("C:/evil", "absolute member name"),
                                        ("images\\..\\evil", "leaves the folder")])
def test_unsafe_member_names(good, tmp_path, name, match):
    bad = tmp_path / "evil.nrproj"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        info = zipfile.ZipInfo("x")
        info.filename = name  # bypass the normalisation ZipInfo() applies
        dst.writestr(info, b"owned")
    load_fails(bad, match)
    assert not (tmp_path.parent / "evil").exists()


def test_zip_bomb_of_one_gigabyte(tmp_path):
    """A member that inflates to 1 GiB from about 1 MB is refused before it is read."""
    bad = tmp_path / "bomb.nrproj"
    size = 1024**3
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(1 << 24)
    chunks = [comp.compress(zeros) for _ in range(size // len(zeros))] + [comp.flush()]
    raw = b"".join(chunks)
    crc = 0
    for _ in range(size // len(zeros)):
        crc = zlib.crc32(zeros, crc)
    # Build the archive by hand: zipfile cannot write pre-compressed data.
    _write_raw_member_zip(bad, "images/i0000.tif", raw, size, crc)
    assert bad.stat().st_size < 2 * 1024**2
    load_fails(bad, r"compressed \d+:1 \(a zip bomb\?\)")


def _write_raw_member_zip(path: Path, name: str, raw: bytes, size: int, crc: int) -> None:
    import struct

    fname = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0, crc, len(raw),
                        0xFFFFFFFF if size >= 2**32 else size, len(fname), 0) + fname
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0, crc, len(raw),
                          size, len(fname), 0, 0, 0, 0, 0, 0) + fname
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(raw), 0)
    path.write_bytes(local + raw + central + end)


class _Touch:
    """Unpickling this creates a file: proof that pickle was (not) used."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


@pytest.mark.parametrize("member", ["models/m0000.safetensors", "results/r0000.json",
                                    "project.json"])
def test_pickle_member_is_never_unpickled(good, tmp_path, member):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Touch(str(marker)))
    bad = tmp_path / "pickle.nrproj"

    def edit(m):
        m[member] = payload

    rewrite(good, bad, edit)
    with pytest.raises(ProjectFileError):
        load_project(bad)
    assert not marker.exists()
    pickle.loads(payload)  # the payload is live: unpickling it would have made the file
    assert marker.exists()


def test_newer_format_version(good, tmp_path):
    bad = tmp_path / "future.nrproj"

    def newer(m):
        m["format_version"] = project_file.FORMAT_VERSION + 1
        m["app_version"] = "9.0.0"

    rewrite(good, bad, edit_manifest=newer)
    load_fails(bad, r"made by a newer NR Studio \(9\.0\.0")


def test_schema_violation(good, tmp_path):
    bad = tmp_path / "schema.nrproj"

    def edit(m):
        m["project.json"] = m["project.json"].replace(b'"target"', b'"oracle"')

    rewrite(good, bad, edit)
    load_fails(bad, "'project.json' at columns/3/role")


def test_nan_in_json_is_refused(good, tmp_path):
    bad = tmp_path / "nan.nrproj"
    rewrite(good, bad, lambda m: m.update({"results/r0000.json": b'{"r2": NaN}'}))
    load_fails(bad, r"'results/r0000.json' holds the number NaN, which is not finite")


# ---- versions ------------------------------------------------------------------------
def test_v1_fixture_loads():
    """A file written by format 1 (tests/fixtures/project-v1.nrproj) stays readable."""
    q = load_project(FIXTURES / "project-v1.nrproj")
    assert_same_project(rich_project(), q)
    assert all(c.non_negative is None for c in q.dataset.columns)  # v1 -> v2 migration


def test_migration_chain_is_applied(monkeypatch):
    """When the format moves on, older files go through MIGRATIONS in order."""
    calls = []

    current = project_file.FORMAT_VERSION

    def to_next(members):
        calls.append(current)
        members = dict(members)
        members["project.json"] = members["project.json"].replace(b"Notes", b"Migrated")
        return members

    monkeypatch.setattr(project_file, "FORMAT_VERSION", current + 1)
    monkeypatch.setitem(project_file.MIGRATIONS, current, to_next)
    q = load_project(FIXTURES / "project-v1.nrproj")  # v1 -> ... -> current -> current + 1
    assert calls == [current] and q.notes.startswith("Migrated")
    monkeypatch.delitem(project_file.MIGRATIONS, current)
    with pytest.raises(ProjectFileError, match="cannot be converted"):
        load_project(FIXTURES / "project-v1.nrproj")
