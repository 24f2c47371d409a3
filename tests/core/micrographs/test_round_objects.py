"""Round particles (dots, spheres, the cores rods grow from) are not rods: a measurement
says so, and measures them when the least length/width is lowered to 1."""

from PIL import Image

from nrstudio.cli import main
from nrstudio.core.micrographs.rod_model import RodSettings
from nrstudio.core.micrographs.rods import measure_rods
from nrstudio.core.micrographs.selection import check_selection, why_no_rods
from nrstudio.core.micrographs.synthetic import make_micrograph


def _dots(seed: int = 3):
    # 18 x 15 px particles: length/width about 1.2.
    return make_micrograph(seed, shape=(500, 700), n_rods=70, length=(18.0, 1.5),
                           width=(15.0, 1.0), bar_px=None, touching=0)


def test_round_particles_are_named_and_measured_on_request():
    g = _dots()
    m = measure_rods(g.pixels, 1.0, RodSettings())
    check = check_selection(m)
    assert m.summary().count < 0.1 * len(m.rods)
    assert "too round for rods" in check.warning and "Least length/width to 1" in check.warning
    dots = measure_rods(g.pixels, 1.0, RodSettings(min_aspect=1.0))
    assert dots.summary().count >= 30
    assert 15 <= dots.summary().length_mean <= 20 and 12 <= dots.summary().width_mean <= 16
    assert check_selection(dots).warning == ""


def test_rods_are_not_called_round():
    g = make_micrograph(1, shape=(500, 700), n_rods=40, bar_px=None)
    m = measure_rods(g.pixels, 1.0, RodSettings())
    assert "round" not in check_selection(m).warning and "round" not in why_no_rods(m)


def test_the_command_line_sets_the_least_length_over_width(tmp_path, capsys):
    path = tmp_path / "dots.png"
    Image.fromarray((_dots().pixels.clip(0, 1) * 255).astype("uint8")).save(path)
    assert main(["measure", str(path), "--nm-per-px", "0.5", "--out", str(tmp_path / "a")]) == 0
    assert "too round for rods" in capsys.readouterr().out
    assert main(["measure", str(path), "--nm-per-px", "0.5", "--min-aspect", "1",
                 "--out", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "too round" not in out
    rods = int(out.split("dots.png: ")[1].split(" rods")[0])
    assert rods >= 30


def test_traces_through_a_grainy_film_never_replace_round_particles():
    # Dots on a grainy carbon film (a public TEM image): traces start at each dot and run on
    # through the grain, 93 'rods' of 24 nm where the outlines saw 47 round particles.
    from nrstudio.core.micrographs.rod_model import Rod
    from nrstudio.core.micrographs.rods import _prefer_tracing
    from nrstudio.core.micrographs.traced_rods import TracedRods

    def rod(k, length, width, accepted, reason):
        return Rod(k, 10.0 * k, 10.0, 0.0, length, width, accepted, reason)

    traces = TracedRods([rod(k, 48.0, 8.0, True, "accepted") for k in range(90)], 0.1)
    dots = [rod(k, 20.0, 16.0, False, "not rod-shaped (length/width 1.3)") for k in range(47)]
    dots += [rod(100 + k, 20.0, 16.0, False, "cut by the image border") for k in range(12)]
    assert not _prefer_tracing(dots, traces)
    # The same traces beside pieces of long rods (elongated, broken at crossings) win.
    pieces = [rod(k, 24.0, 8.0, k < 20, "accepted" if k < 20 else "in a bundle")
              for k in range(47)]
    assert _prefer_tracing(pieces, traces)
    # Round particles measured on request (least length/width 1) are still compact.
    measured = [rod(k, 20.0, 16.0, True, "accepted") for k in range(47)]
    assert not _prefer_tracing(measured, traces)
