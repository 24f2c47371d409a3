"""Hostile project files and degenerate data: each case is refused with one clear line, or
works within the limits, and nothing on disk is written or changed. Every file is made here
by a generator; none is shipped."""

import contextlib
import io
import json
import os
import random
import stat
import time
import zipfile

import numpy as np
import pytest
from helpers.paths import EXAMPLE
from helpers.projects import rewrite, rich_project
from PIL import Image

from nrstudio.core.atomic import remove_stale_temporaries
from nrstudio.core.errors import DataError, ProjectFileError
from nrstudio.core.micrographs.images import read_micrograph
from nrstudio.core.project.file_format import MAX_PROJECT_ROWS, load_project, save_project
from nrstudio.core.project_model import StoredModel


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.nrproj"
    save_project(rich_project(), path)
    return path


def refused(path, match):
    """The load is refused with one line matching ``match``, and the folder is unchanged."""
    before = {f: f.stat().st_mtime_ns for f in path.parent.iterdir()}
    t0 = time.perf_counter()
    with pytest.raises(ProjectFileError, match=match) as info:
        load_project(path)
    assert time.perf_counter() - t0 < 10  # refused at once, not after a long struggle
    assert "\n" not in str(info.value)
    assert {f: f.stat().st_mtime_ns for f in path.parent.iterdir()} == before


def edit_json(member):
    def edit(m, fn):
        doc = json.loads(m[member])
        fn(doc)
        m[member] = json.dumps(doc).encode()
    return edit


# ---- sizes -------------------------------------------------------------------------------------
def test_member_over_its_kind_limit_is_refused_before_reading(good, tmp_path):
    """A results member of 80 MB at a legal ratio (spaces compress 1000:1, so this one is
    made of varied digits) is refused from its declared size."""
    bad = tmp_path / "big.nrproj"
    blob = json.dumps({"r2": [random.Random(0).random() for _ in range(4_000_000)]}).encode()
    assert len(blob) > 64 * 1024**2
    rewrite(good, bad, lambda m: m.update({"results/r0000.json": blob}))
    refused(bad, r"results/r0000.json' would unpack to \d+ MB, more than 64 MB")


def test_a_header_that_understates_a_member_cannot_inflate_it(good, tmp_path):
    bad = tmp_path / "liar.nrproj"
    rewrite(good, bad)
    with zipfile.ZipFile(bad) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    target = infos["project.json"]
    data = bytearray(bad.read_bytes())
    # Patch the central directory's uncompressed size of project.json to 10 bytes.
    name = b"project.json"
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        assert pos >= 0
        n = int.from_bytes(data[pos + 28:pos + 30], "little")
        if bytes(data[pos + 46:pos + 46 + n]) == name:
            break
        pos += 4
    data[pos + 24:pos + 28] = (10).to_bytes(4, "little")
    bad.write_bytes(bytes(data))
    assert target.file_size > 10
    refused(bad, "larger than declared|checksum|damaged")


def test_a_table_of_too_many_rows_is_refused_before_parsing(good, tmp_path):
    bad = tmp_path / "rows.nrproj"
    cols = 5
    body = ("s,1,1,1,x\n" * (MAX_PROJECT_ROWS + 10)).encode()
    header = b"Sample,Core amount (nmol),S amount (mg),Average Length (nm),Comment\n"
    assert len(body.split(b",")) > cols

    def edit(m):
        m["dataset/table.csv"] = header + body
    rewrite(good, bad, edit)
    refused(bad, r"the table has 200,0\d\d rows of 5 columns; NR Studio holds at most 200,000 rows")


def test_json_made_of_empty_objects_is_handled_within_bounds(good, tmp_path):
    """4 MB of {} objects as a results member: refused or read quickly, never gigabytes."""
    import resource

    bad = tmp_path / "objects.nrproj"
    blob = ("[" + ",".join(["{}"] * 1_400_000) + "]").encode()
    rewrite(good, bad, lambda m: m.update({"results/r0000.json": blob}))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with contextlib.suppress(ProjectFileError):
        load_project(bad)
    assert time.perf_counter() - t0 < 10
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 1024


def test_an_evaluation_section_of_empty_objects_is_refused(good, tmp_path):
    bad = tmp_path / "eval.nrproj"

    def edit(m):
        doc = json.loads(m["project.json"])
        doc["results"].append({"name": "evaluation", "member": "results/r0001.json"})
        m["project.json"] = json.dumps(doc).encode()
        m["results/r0001.json"] = json.dumps({"metrics": [{}] * 1000,
                                              "predictions": {}}).encode()
    rewrite(good, bad, edit)
    t0 = time.perf_counter()
    try:
        project = load_project(bad)
    except ProjectFileError as exc:
        assert "evaluation" in str(exc)
    else:  # read as an (empty) evaluation: then it must be usable
        assert "evaluation" in project.results
    assert time.perf_counter() - t0 < 10


def test_an_image_larger_than_the_pixel_limit_is_refused_from_its_header(tmp_path):
    """A 28,000 x 28,000 PNG compresses to about 1 MB; its size is read before decoding."""
    img = Image.new("L", (28_000, 28_000))
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False, compress_level=9)
    data = buf.getvalue()
    assert len(data) < 5 * 1024**2
    t0 = time.perf_counter()
    with pytest.raises(DataError, match="28000 x 28000 pixels is larger than"):
        read_micrograph(data, "huge.png")
    assert time.perf_counter() - t0 < 5


def test_nan_pixels_of_a_float_tiff_read_as_film():
    import tifffile

    arr = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    arr[10:20, 10:20] = np.nan
    buf = io.BytesIO()
    tifffile.imwrite(buf, arr)
    m = read_micrograph(buf.getvalue(), "nan.tif")
    assert np.isfinite(m.pixels).all() and 0 <= m.pixels.min() <= m.pixels.max() <= 1
    buf = io.BytesIO()
    tifffile.imwrite(buf, np.full((40, 40), np.nan, np.float32))
    with pytest.raises(DataError, match="no pixel holds a finite value"):
        read_micrograph(buf.getvalue(), "all-nan.tif")


# ---- values ------------------------------------------------------------------------------------
@pytest.mark.parametrize("change,match", [
    (lambda d: d.update(notes=1e999), r"holds the number 1e999, which is not finite"),
    (lambda d: d["images"][0].update(nm_per_px=1e-4), r"nm per pixel of 0.0001 is outside"),
    (lambda d: d["images"][0].update(nm_per_px=1e-320), r"nm per pixel .* is outside"),
])
def test_values_no_version_could_have_written(good, tmp_path, change, match):
    bad = tmp_path / "value.nrproj"

    def edit(m):
        text = m["project.json"].decode()
        doc = json.loads(text)
        change(doc)
        m["project.json"] = json.dumps(doc).replace("Infinity", "1e999").encode()
    rewrite(good, bad, edit)
    refused(bad, match)


def test_a_float_format_version_is_refused_in_one_line(good, tmp_path):
    bad = tmp_path / "v.nrproj"
    rewrite(good, bad, edit_manifest=lambda man: man.update(format_version=1.0))
    refused(bad, r"format_version 1.0 is not a whole number")


def test_a_member_name_with_a_trailing_newline_is_refused(good, tmp_path):
    bad = tmp_path / "nl.nrproj"

    def edit(m):
        m["results/r0000.json\n"] = m.pop("results/r0000.json")
    rewrite(good, bad, edit)
    refused(bad, "unexpected member")


def _stored_network(domain_x):
    from nrstudio.core.modeling.network_settings import NetworkSettings
    from nrstudio.core.modeling.networks import NetworkStack

    m, d = 3, domain_x.shape[1] if domain_x.ndim == 2 else 3
    stack = NetworkStack([np.zeros((m, 3, 4), np.float32), np.zeros((m, 4, 1), np.float32)],
                         [np.zeros((m, 1, 4), np.float32), np.zeros((m, 1, 1), np.float32)],
                         np.zeros((m, 3), np.float32), np.ones((m, 3), np.float32),
                         np.zeros(m, np.float32), np.ones(m, np.float32))
    from nrstudio.core.settings import settings_to_dict

    tensors = stack.to_tensors()
    tensors["domain_x"] = domain_x
    return StoredModel("final network ensemble", {
        "kind": "network_ensemble", "inputs": ["a", "b", "c"], "targets": ["t1", "t2", "t3"],
        "members": 1, "network": settings_to_dict(NetworkSettings(hidden=(4,))),
        "augment": {}, "sample_ids": []}, tensors), d


@pytest.mark.parametrize("domain,match", [
    (np.zeros((4, 5)), r"region has shape \(4, 5\)"),
    (np.zeros((0, 3)), r"needs at least one sample"),
    (np.full((4, 3), np.nan), r"missing or infinite"),
])
def test_damaged_stored_models_are_refused_with_a_reason(domain, match):
    from nrstudio.core.modeling.predict import EnsembleModel

    stored, _ = _stored_network(domain)
    with pytest.raises(DataError, match=match):
        EnsembleModel.from_stored(stored)


def test_a_large_stored_domain_needs_no_quadratic_memory():
    """40,000 training rows: nearest distances by k-d tree, seconds and megabytes."""
    from nrstudio.core.modeling.predict import Domain

    x = np.random.default_rng(0).random((40_000, 3))
    t0 = time.perf_counter()
    dom = Domain(x)
    d = dom.nearest_distance(x[:50] + 1e-3)
    assert time.perf_counter() - t0 < 10 and d.shape == (50,) and np.isfinite(d).all()


def test_zero_spreads_in_stored_networks_are_refused():
    from nrstudio.core.modeling.networks import NetworkStack

    stored, _ = _stored_network(np.zeros((4, 3)))
    stored.tensors["x_std"] = np.zeros((3, 3), np.float32)
    with pytest.raises(DataError, match="spread is zero"):
        NetworkStack.from_tensors(stored.tensors)


def test_cnn_settings_past_their_ranges_are_refused_before_allocating():
    from nrstudio.core.image_models.tile_cnn import ImageRegressor

    stored = StoredModel("image-cnn", {"kind": "tile_cnn", "target": "t", "y_mean": 0.0,
                                       "y_std": 1.0, "settings": {"channels": [4096, 4096]}},
                         {})
    with pytest.raises(DataError, match="channels must be between 1 and 256"):
        ImageRegressor.from_stored(stored)
    stored.meta["settings"] = {"tile_px": 0}
    with pytest.raises(DataError, match="tile side must be between 16 and 512"):
        ImageRegressor.from_stored(stored)


# ---- files on disk -------------------------------------------------------------------------------
def test_a_read_only_project_is_not_replaced(good):
    before = good.read_bytes()
    os.chmod(good, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        with pytest.raises(ProjectFileError, match="read-only; save it under another name"):
            save_project(load_project(good), good)
    finally:
        os.chmod(good, 0o644)
    assert good.read_bytes() == before


def test_temporaries_left_by_a_killed_save_are_cleaned_up(good):
    old = good.parent / f".{good.name}.abc123.tmp"
    fresh = good.parent / f".{good.name}.def456.tmp"
    old.write_bytes(b"half a zip")
    fresh.write_bytes(b"another program is saving")
    hour_ago = time.time() - 7200
    os.utime(old, (hour_ago, hour_ago))
    save_project(load_project(good), good)
    assert not old.exists() and fresh.exists()
    assert remove_stale_temporaries(good) == []


# ---- fuzzing the loader ----------------------------------------------------------------------------
def _mutations(members, rng):
    name = rng.choice(sorted(members))
    data = bytearray(members[name])
    kind = rng.randrange(5)
    if kind == 0 and data:  # flip bytes
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == 1:  # truncate
        data = data[:rng.randrange(len(data) + 1)]
    elif kind == 2:  # duplicate a slice
        a = rng.randrange(len(data) + 1)
        data = data[:a] + data[a:a + 200] * rng.randint(2, 50) + data[a:]
    elif kind == 3 and name.endswith(".json"):  # replace a number or string token
        text = data.decode("utf-8", "replace")
        for old, new in (("1", "1e999"), ("0.", "-0."), ('"', "'"), ("[", "{"), (":", ",")):
            if old in text and rng.random() < 0.5:
                text = text.replace(old, new, 1)
        data = bytearray(text.encode())
    else:  # drop the member
        members.pop(name)
        return
    members[name] = bytes(data)


def test_fuzzed_projects_load_or_are_refused_never_crash(tmp_path):
    """Random mutations of the example project's members (checksums fixed up, so the
    checks behind them are reached): every load gives a project or a ProjectFileError."""
    rng = random.Random(20261201)
    outcomes = {"loaded": 0, "refused": 0}
    for k in range(60):
        bad = tmp_path / f"fuzz{k}.nrproj"

        def edit(m):
            for _ in range(rng.randint(1, 3)):
                _mutations(m, rng)
        rewrite(EXAMPLE, bad, edit)
        t0 = time.perf_counter()
        try:
            load_project(bad)
            outcomes["loaded"] += 1
        except ProjectFileError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
        assert time.perf_counter() - t0 < 10
        bad.unlink()
    assert outcomes["refused"] > 10  # the mutations really damage files


def test_many_small_members_cannot_inflate_past_the_budget(good, tmp_path):
    """Forty members of 15 MB of zeros each stay under their own limit and under the ratio
    floor, but not under the budget of 512 MB plus twice the file's size."""
    bad = tmp_path / "many.nrproj"
    zeros = bytes(15 * 1024**2)

    def edit(m):
        for k in range(1, 41):
            m[f"images/i{k:04d}.tif"] = zeros
    stored = tmp_path / "stored.nrproj"
    rewrite(good, stored, edit)
    with zipfile.ZipFile(stored) as src, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    stored.unlink()
    assert bad.stat().st_size < 5 * 1024**2
    refused(bad, "the project would unpack to more than the limit")
