"""Rod segmentation and measurement: synthetic micrographs with known rods, the four real
development micrographs against the paper's manual means, and the `measure` command."""

import csv

import numpy as np
import pytest
from helpers.paths import SHARED_DATA

from nrstudio.cli import main
from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.images import detect_scale_bar
from nrstudio.core.micrographs.measure import analyse_image, bar_exclusion
from nrstudio.core.micrographs.rod_model import RodMeasurement, RodSettings
from nrstudio.core.micrographs.rods import measure_rods
from nrstudio.core.micrographs.synthetic import make_micrograph, make_raft_micrograph

DEV = SHARED_DATA / "tem-dev"
# Manual (ImageJ) means from ../shared/data/paper/nanorods-28.csv and the bar lengths in nm.
MANUAL = {"01": (40.0, 4.9, 200), "12": (128.0, 4.2, 100), "19": (59.0, 3.9, 200),
          "28": (40.0, 4.0, 200)}


@pytest.mark.parametrize("seed,length,width", [(0, 60.0, 10.0), (1, 90.0, 12.0),
                                                (2, 40.0, 8.0)])
def test_synthetic_rods_measured_within_ten_percent(seed, length, width):
    g = make_micrograph(seed, shape=(1000, 1400), n_rods=110, length=(length, 0.1 * length),
                        width=(width, 0.05 * width), touching=10)
    bar = detect_scale_bar(g.pixels)
    m = measure_rods(g.pixels, 0.5, exclude=[bar_exclusion(bar)])
    s = m.summary()
    assert m.method == "outline"  # short rods: tracing sees nothing longer
    assert s.count >= 30
    assert s.length_mean == pytest.approx(0.5 * g.lengths_px.mean(), rel=0.10)
    assert s.width_mean == pytest.approx(0.5 * g.widths_px.mean(), rel=0.10)
    # The scale bar is not a rod, and every object has a reason.
    assert all(r.reason for r in m.rods)
    assert not any(bar.col_start <= r.col <= bar.col_end and abs(r.row - bar.row) < 10
                   for r in m.rods)


@pytest.mark.parametrize("seed", [0, 1])
def test_long_rods_with_dark_cores_in_rafts_are_traced(seed):
    # Faint rod bodies with a dark CdSe core each: outlines see only the cores and pieces
    # (rejected as pieces when the film past them is read right), so they keep pieces or a
    # handful of rods, and the automatic choice must switch to tracing centre lines, which
    # measures whole rods.
    g = make_raft_micrograph(seed, body=0.6, core=0.4)
    by_outline = measure_rods(g.pixels, 0.4, RodSettings(method="outline")).summary()
    assert (by_outline.count < 10
            or by_outline.length_mean < 0.5 * 0.4 * g.lengths_px.mean())
    m = measure_rods(g.pixels, 0.4)
    s = m.summary()
    assert m.method == "trace"
    assert s.count >= 30
    assert s.length_mean == pytest.approx(0.4 * g.lengths_px.mean(), rel=0.10)
    assert s.width_mean == pytest.approx(0.4 * g.widths_px.mean(), rel=0.10)


def test_rafts_the_outlines_cannot_take_apart_are_traced():
    # Evenly dark rods in tight rafts: the outline method measures the few rods it can isolate
    # correctly but keeps too few; tracing keeps many more, as accurately.
    g = make_raft_micrograph(0, body=0.55, core=None)
    by_outline = measure_rods(g.pixels, 0.4, RodSettings(method="outline")).summary()
    m = measure_rods(g.pixels, 0.4)
    s = m.summary()
    assert by_outline.count < 30 and m.method == "trace" and s.count >= 2 * by_outline.count
    assert s.length_mean == pytest.approx(0.4 * g.lengths_px.mean(), rel=0.10)
    assert s.width_mean == pytest.approx(0.4 * g.widths_px.mean(), rel=0.10)


def test_a_badly_guessed_width_is_corrected():
    # Dark cores make the outline method's width guess far too small (about 4 px against
    # 10.5): the width measured across the first traces must bring the scale right.
    g = make_raft_micrograph(1, body=0.62, core=0.35)
    m = measure_rods(g.pixels, 0.4, RodSettings(method="trace"))
    s = m.summary()
    assert s.count >= 30
    assert s.length_mean == pytest.approx(0.4 * g.lengths_px.mean(), rel=0.10)
    assert s.width_mean == pytest.approx(0.4 * g.widths_px.mean(), rel=0.10)


def test_traced_rods_end_to_end_are_not_one_long_rod():
    from nrstudio.core.micrographs.synthetic import draw_rod

    rng = np.random.default_rng(4)
    img = np.full((1300, 1700), 0.72)
    for k in range(16):  # 12 single rods of 240 px; 4 pairs of 200 px rods in line, 6 px apart
        cx, cy, a = 230 + 410 * (k % 4), 190 + 310 * (k // 4), rng.uniform(-0.3, 0.3)
        if k % 4 == 1:
            for side in (-1, 1):
                draw_rod(img, cx + side * 103 * np.cos(a), cy + side * 103 * np.sin(a), 200,
                         10.5, a, 0.55)
        else:
            draw_rod(img, cx, cy, 240, 10.5, a, 0.55)
    img = np.random.default_rng(5).poisson(img * 60) / 60
    m = measure_rods(img.astype(np.float32), 0.4, RodSettings(method="trace"))
    lengths = [r.length_px for r in m.accepted()]
    assert len(lengths) >= 8
    assert max(lengths) < 1.2 * 240  # a pair (406 px with its gap) is never one rod
    assert any(r.reason.startswith("two rods end to end") for r in m.rods)


def test_tracing_reports_progress_and_stops_on_cancel():
    from nrstudio.core.errors import Cancelled

    g = make_raft_micrograph(2, shape=(700, 900), n_rafts=4, n_crossing=3)
    seen: list[float] = []
    measure_rods(g.pixels, 0.4, RodSettings(method="trace"),
                 progress=lambda f, s: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0 and any(0.5 < f < 1.0 for f in seen)
    late: list[float] = []
    with pytest.raises(Cancelled):  # cancelled while tracing, after the outlines are done
        measure_rods(g.pixels, 0.4, RodSettings(method="trace"),
                     progress=lambda f, s: late.append(f), cancel=lambda: bool(late) and late[-1] > 0.6)
    assert late[-1] < 1.0


def test_touching_rods_are_rejected_not_merged():
    from nrstudio.core.micrographs.synthetic import draw_rod

    img = np.full((700, 1000), 0.75)
    for k in range(12):  # isolated rods on the left half, 80 x 10 px
        draw_rod(img, 80 + 110 * (k % 3), 60 + 100 * (k // 3), 80, 10, 0.3 * k, 0.3)
    for k in range(12):  # on the right, pairs lying side by side, touching
        cx, cy, a = 600 + 130 * (k % 3), 70 + 110 * (k // 3), 0.25 * k
        for side in (-4.0, 4.0):  # axes 8 px apart: the 10 px rods overlap
            draw_rod(img, cx - np.sin(a) * side, cy + np.cos(a) * side, 80, 10, a, 0.3)
    img = np.random.default_rng(0).poisson(img * 300) / 300
    m = measure_rods(img.astype(np.float32), 1.0)
    accepted = m.accepted()
    assert sum(r.col < 450 for r in accepted) >= 10
    # A pair never passes as one wide rod: either it is rejected, or the shallow dip between
    # the two lets the profile pick out one of them, measured as that one rod.
    assert any(r.col > 500 for r in m.rods)
    assert all(abs(r.width_px - 10) < 1.5 and abs(r.length_px - 80) < 6 for r in accepted)


def test_blank_and_bad_input():
    blank = np.full((200, 300), 0.7, dtype=np.float32)
    assert measure_rods(blank, 1.0).rods == []
    with pytest.raises(DataError, match="positive"):
        measure_rods(blank, 0.0)
    with pytest.raises(DataError, match="too small"):
        measure_rods(np.zeros((10, 10), np.float32), 1.0)
    with pytest.raises(DataError, match="method must be one of auto, outline, trace, not 'snake'"):
        measure_rods(blank, 1.0, RodSettings(method="snake"))


def test_measurement_json_round_trip_and_damage():
    g = make_micrograph(1, n_rods=30)
    m = measure_rods(g.pixels, 0.4, RodSettings(max_crowding=0.3))
    back = RodMeasurement.from_json(m.to_json())
    assert [r.accepted for r in back.rods] == [r.accepted for r in m.rods]
    assert back.settings.max_crowding == 0.3
    assert back.summary().count == m.summary().count
    assert back.summary().length_mean == pytest.approx(m.summary().length_mean, abs=1e-3)
    with pytest.raises(DataError, match="damaged"):
        RodMeasurement.from_json({"rods": {"id": [1]}, "nm_per_px": 1, "image_shape": [1, 1]})
    # The method travels with the rods; a measurement stored before tracing existed was made
    # by outlines, and an unknown method is damage.
    data = m.to_json()
    assert data["method"] == m.method
    traced = dict(data, method="trace")
    assert RodMeasurement.from_json(traced).method == "trace"
    del data["method"]
    assert RodMeasurement.from_json(data).method == "outline"
    with pytest.raises(DataError, match="damaged"):
        RodMeasurement.from_json(dict(data, method="auto"))


def test_progress_and_cancel():
    from nrstudio.core.errors import Cancelled

    g = make_micrograph(2)
    seen = []
    measure_rods(g.pixels, 1.0, progress=lambda f, s: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0
    with pytest.raises(Cancelled):
        measure_rods(g.pixels, 1.0, cancel=lambda: True)


def _dev(name):
    if not DEV.is_dir():
        pytest.skip(f"reference micrographs not present at {DEV}")
    return (DEV / f"{name}.jpg").read_bytes()


# 01, 19 and 28 hold short rods, isolated or in bundles: the outline method. 12 holds rafts of
# long thin rods that touch and cross: the automatic choice must trace centre lines there.
@pytest.mark.slow
@pytest.mark.parametrize("name,method", [("01", "outline"), ("12", "trace"), ("19", "outline"),
                                         ("28", "outline")])
def test_real_micrographs_within_ten_percent_of_manual(name, method):
    length, width, bar_nm = MANUAL[name]
    a = analyse_image(_dev(name), f"{name}.jpg", scale_bar_nm=bar_nm)
    s = a.measurement.summary()
    assert a.measurement.method == method
    assert s.count >= 30
    assert s.length_mean == pytest.approx(length, rel=0.10)
    assert s.width_mean == pytest.approx(width, rel=0.10)


def test_measure_command_writes_tables_and_overlays(tmp_path):
    from PIL import Image

    for seed in (0, 1):
        g = make_micrograph(seed, shape=(600, 900), n_rods=50, bar_px=200)
        Image.fromarray((g.pixels * 255).astype(np.uint8)).save(tmp_path / f"img{seed}.png")
    out = tmp_path / "out"
    code = main(["measure", str(tmp_path / "img0.png"), str(tmp_path / "img1.png"),
                 "--scale-bar-nm", "100", "--out", str(out)])
    assert code == 0
    rows = list(csv.DictReader((out / "img0" / "rods.csv").open()))
    assert set(rows[0]) >= {"rod", "length_nm", "width_nm", "aspect_ratio", "accepted", "reason"}
    summary = list(csv.DictReader((out / "summary.csv").open()))
    assert [r["image"] for r in summary] == ["img0.png", "img1.png"]
    assert [r["method"] for r in summary] == ["outlines", "outlines"]
    assert float(summary[0]["nm_per_px"]) == pytest.approx(0.5)
    accepted = [float(r["length_nm"]) for r in rows if r["accepted"] == "True"]
    assert float(summary[0]["length_mean_nm"]) == pytest.approx(np.mean(accepted), abs=1e-2)
    assert Image.open(out / "img1" / "overlay.png").size[0] > 0


def test_measure_command_method_option(tmp_path, capsys):
    from PIL import Image

    g = make_raft_micrograph(3, shape=(900, 1200), n_rafts=6, n_crossing=5)
    Image.fromarray((g.pixels * 255).astype(np.uint8)).save(tmp_path / "rafts.png")
    for method, name in (("trace", "centre-line tracing"), ("outline", "outlines")):
        out = tmp_path / method
        assert main(["measure", str(tmp_path / "rafts.png"), "--nm-per-px", "0.4",
                     "--method", method, "--out", str(out)]) == 0
        assert next(csv.DictReader((out / "summary.csv").open()))["method"] == name
    with pytest.raises(SystemExit):
        main(["measure", str(tmp_path / "rafts.png"), "--nm-per-px", "0.4", "--method",
              "guess", "--out", str(tmp_path / "x")])
    assert "invalid choice: 'guess'" in capsys.readouterr().err


def test_measure_command_refuses_without_scale(tmp_path, capsys):
    from PIL import Image

    g = make_micrograph(0, bar_px=None)
    Image.fromarray((g.pixels * 255).astype(np.uint8)).save(tmp_path / "a.png")
    assert main(["measure", str(tmp_path / "a.png"), "--out", str(tmp_path / "o")]) == 1
    assert "no scale" in capsys.readouterr().err
    assert main(["measure", str(tmp_path / "a.png"), "--scale-bar-nm", "50",
                 "--out", str(tmp_path / "o")]) == 1
    assert "no scale bar found" in capsys.readouterr().err
    assert main(["measure", str(tmp_path / "a.png"), "--nm-per-px", "-1",
                 "--out", str(tmp_path / "o")]) == 1
    assert "--nm-per-px must be a positive number" in capsys.readouterr().err
    (tmp_path / "blocked").write_text("a file where the output folder should go")
    assert main(["measure", str(tmp_path / "a.png"), "--nm-per-px", "1",
                 "--out", str(tmp_path / "blocked" / "o")]) == 1
    assert "cannot write to" in capsys.readouterr().err
    (tmp_path / "bad.png").write_bytes(b"not an image")
    assert main(["measure", str(tmp_path / "bad.png"), "--nm-per-px", "1",
                 "--out", str(tmp_path / "o")]) == 1
    assert "not a readable image" in capsys.readouterr().err


def test_measure_command_reads_the_pixel_size_of_a_16_bit_tiff(tmp_path):
    import tifffile

    g = make_micrograph(3, shape=(600, 900), n_rods=50, bar_px=None)
    arr = (g.pixels * 40000).astype(np.uint16)  # a detector that does not fill 16 bits
    tifffile.imwrite(tmp_path / "scan.tif", arr, imagej=True, resolution=(1 / 0.25, 1 / 0.25),
                     metadata={"unit": "nm"})
    out = tmp_path / "out"
    assert main(["measure", str(tmp_path / "scan.tif"), "--out", str(out)]) == 0
    row = next(csv.DictReader((out / "summary.csv").open()))
    assert float(row["nm_per_px"]) == pytest.approx(0.25)
    assert row["scale_source"] == "pixel size in the file"
    assert float(row["length_mean_nm"]) == pytest.approx(0.25 * g.lengths_px.mean(), rel=0.1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pure_noise_has_no_rods(seed):
    """Gaussian and uniform noise, the size of a real micrograph: nothing stands out from the
    noise, so nothing is measured (before, noise gave up to 26 'rods')."""
    rng = np.random.default_rng(seed)
    gauss = np.clip(0.6 + 0.1 * rng.standard_normal((1282, 1750)), 0, 1).astype(np.float32)
    for img in (gauss, rng.random((1000, 1400)).astype(np.float32)):
        m = measure_rods(img, 0.4)
        assert m.summary().count == 0 and m.rods == []


def test_sparse_rods_stand_out_from_the_noise():
    from nrstudio.core.micrographs.rods import NOISE_FLOOR, dark_fraction
    from nrstudio.core.micrographs.synthetic import make_micrograph

    g = make_micrograph(3, n_rods=5)
    assert dark_fraction(g.pixels) > 10 * NOISE_FLOOR
    assert measure_rods(g.pixels, 0.5).summary().count >= 1  # measured, not taken for noise


@pytest.mark.slow
@pytest.mark.parametrize("name", ["02", "04"])
def test_real_dense_carpets_are_measured_not_taken_for_noise(name):
    """02 and 04 cover most of the field: the commonest grey level is a rod, so nothing
    stands out below it (they gave 0 rods); their oriented texture says they are rods."""
    from nrstudio.core.micrographs.rods import TEXTURE_FLOOR, looks_like_noise, oriented_texture

    length, width, bar_nm = CARPETS[name]
    a = analyse_image(_dev(name), f"{name}.jpg", scale_bar_nm=bar_nm)
    assert oriented_texture(a.image.pixels) > TEXTURE_FLOOR
    assert not looks_like_noise(a.image.pixels)
    s = a.measurement.summary()
    assert s.count >= 30
    # 04's short rods are within 10%; 02's long rods are measured short by the outline
    # method the automatic choice keeps (a stated limit): within 20% there.
    rel = 0.10 if name == "04" else 0.20
    assert s.length_mean == pytest.approx(length, rel=rel)
    assert s.width_mean == pytest.approx(width, rel=0.10)


CARPETS = {"02": (76.0, 4.4, 200.0), "04": (21.0, 4.9, 200.0)}  # shared/data/README.md


@pytest.mark.parametrize("seed", [0, 1])
def test_noise_has_no_orientation_and_rods_have(seed):
    from nrstudio.core.micrographs.rods import TEXTURE_FLOOR, oriented_texture
    from nrstudio.core.micrographs.synthetic import make_carpet_micrograph

    rng = np.random.default_rng(seed)
    noise = np.clip(0.6 + 0.1 * rng.standard_normal((900, 1200)), 0, 1).astype(np.float32)
    assert oriented_texture(noise) < TEXTURE_FLOOR
    carpet = make_carpet_micrograph(seed, shape=(600, 800))
    assert oriented_texture(carpet.pixels) > TEXTURE_FLOOR


def test_no_rods_is_never_silent(tmp_path, capsys):
    """An image with nothing to measure: the summary says why and what to try, and the
    command ends non-zero; the files are still written."""
    from PIL import Image

    from nrstudio.core.micrographs.selection import why_no_rods

    rng = np.random.default_rng(5)
    noise = np.clip(0.6 + 0.1 * rng.standard_normal((500, 700)), 0, 1)
    m = measure_rods(noise.astype(np.float32), 0.4)
    assert m.rods == [] and "No dark objects" in why_no_rods(m) and "draw" in why_no_rods(m)
    Image.fromarray((noise * 255).astype(np.uint8)).save(tmp_path / "noise.png")
    out = tmp_path / "out"
    code = main(["measure", str(tmp_path / "noise.png"), "--nm-per-px", "0.4", "--out", str(out)])
    assert code == 4
    err = capsys.readouterr().err
    assert "noise.png: no rods measured" in err and "Try another method" in err
    row = next(csv.DictReader((out / "summary.csv").open()))
    assert row["rods_accepted"] == "0" and row["no_rods_because"].startswith("No dark objects")


def test_every_object_rejected_names_the_reasons():
    from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement
    from nrstudio.core.micrographs.selection import why_no_rods

    rods = [Rod(k, 10.0, 10.0, 0.0, 20.0, 5.0, False, "cut by the image border")
            for k in range(3)]
    text = why_no_rods(RodMeasurement(rods, 0.4, (100, 100)))
    assert text.startswith("Every one of the 3 objects found was rejected")
    assert ": 3" in text


def test_summary_gives_the_standard_error_of_the_means():
    from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement

    rods = [Rod(k, 10.0, 10.0, 0.0, 20.0 + k, 5.0, True, "") for k in range(9)]
    s = RodMeasurement(rods, 1.0, (100, 100)).summary()
    assert s.length_sem == pytest.approx(s.length_std / 3.0)
    assert s.width_sem == pytest.approx(0.0)


@pytest.mark.parametrize("field, value, message", [
    ("nm_per_px", -0.4, "nm_per_px: expected a positive number"),
    ("nm_per_px", "0.4", "nm_per_px: expected a finite number"),
    ("length_px", "nan", "length_px: expected a finite number"),
    ("length_px", "1e999", "length_px: expected a finite number"),
    ("accepted", "false", "accepted: expected true or false"),
])
def test_a_stored_measurement_is_read_strictly(field, value, message):
    from nrstudio.core.errors import DataError
    from nrstudio.core.micrographs.rod_model import RodMeasurement

    g = make_micrograph(1, shape=(400, 600), n_rods=20)
    doc = measure_rods(g.pixels, 0.5).to_json()
    RodMeasurement.from_json(doc)  # as stored, it loads
    if field == "nm_per_px":
        doc["nm_per_px"] = value
    else:
        doc["rods"][field][0] = value
    with pytest.raises(DataError, match=message):
        RodMeasurement.from_json(doc)


def test_whole_objects_are_the_accepted_and_the_whole_rejected():
    from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement
    from nrstudio.core.micrographs.selection import whole_objects_nm

    rods = [Rod(0, 5, 5, 0, 40, 4, True, ""), Rod(1, 5, 5, 0, 60, 4, False, "in a bundle"),
            Rod(2, 5, 5, 0, 10, 4, False, "cut by the image border")]
    lengths, widths = whole_objects_nm(RodMeasurement(rods, 0.5, (100, 100)))
    assert sorted(lengths) == [20.0, 30.0] and list(widths) == [2.0, 2.0]


def test_measure_command_takes_a_folder_and_skips_what_it_cannot_measure(tmp_path, capsys):
    """A microscope folder holds micrographs, a diffraction pattern and notes: the
    micrographs are measured, the pattern named and skipped (exit 4), the notes not read."""
    from helpers.dm_files import write_dm
    from PIL import Image

    folder = tmp_path / "session"
    folder.mkdir()
    for seed in (0, 1):
        g = make_micrograph(seed, shape=(500, 700), n_rods=30, bar_px=200)
        Image.fromarray((g.pixels * 255).astype(np.uint8)).save(folder / f"img{seed}.png")
    (folder / "saed.dm4").write_bytes(write_dm(4, np.zeros((64, 64), np.uint16), 0.01, "1/nm"))
    (folder / "notes.txt").write_text("grid 3, 200 kV")
    out = tmp_path / "out"
    assert main(["measure", str(folder), "--scale-bar-nm", "100", "--out", str(out)]) == 4
    summary = list(csv.DictReader((out / "summary.csv").open()))
    assert [r["image"] for r in summary] == ["img0.png", "img1.png"]
    assert "saed.dm4 skipped: saed.dm4 is a diffraction pattern" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["measure", str(empty), "--nm-per-px", "1", "--out", str(out)]) == 1
    assert "no micrographs in the folder" in capsys.readouterr().err


def test_bright_rods_of_a_haadf_image_are_measured_with_dark_rods_off(tmp_path):
    """HAADF STEM shows rods bright on a dark support (as real Velox STEM files do): the
    command line now has the setting (--no-dark-rods), and an image with nothing dark in it
    says to turn it off."""
    from PIL import Image

    from nrstudio.core.micrographs.selection import why_no_rods

    g = make_micrograph(4, shape=(600, 900), n_rods=40, bar_px=None)
    Image.fromarray(((1.0 - g.pixels) * 255).astype(np.uint8)).save(tmp_path / "haadf.png")
    out = tmp_path / "out"
    assert main(["measure", str(tmp_path / "haadf.png"), "--nm-per-px", "0.5",
                 "--no-dark-rods", "--out", str(out)]) == 0
    summary = next(csv.DictReader((out / "summary.csv").open()))
    assert int(summary["rods_accepted"]) >= 20
    empty = RodMeasurement([], 0.5, (600, 900))
    assert "need Dark rods off" in why_no_rods(empty)
    empty.settings = RodSettings(dark_rods=False)
    assert why_no_rods(empty).startswith("No bright objects were found")
