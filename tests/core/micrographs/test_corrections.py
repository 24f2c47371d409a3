"""Hand corrections of a measurement: toggling, drawing, counting, storing."""

import pytest

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.corrections import corrected_count, draw_rod, toggle_rod
from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement
from nrstudio.core.project.sections import SECTIONS


def measurement():
    rods = [Rod(1, 50.0, 50.0, 0.0, 40.0, 8.0, True, "accepted"),
            Rod(2, 80.0, 80.0, 30.0, 90.0, 9.0, False, "in a bundle"),
            Rod(3, 20.0, 120.0, 90.0, 44.0, 8.0, True, "accepted")]
    return RodMeasurement(rods, 0.5, (200, 200))


def test_reject_accept_and_back():
    m = measurement()
    rejected = toggle_rod(m, 1)
    assert rejected.summary().count == 1 and corrected_count(rejected) == 1
    assert rejected.rods[0].reason == "rejected by hand" and m.rods[0].accepted  # a copy
    accepted = toggle_rod(rejected, 2)
    assert accepted.summary().count == 2 and corrected_count(accepted) == 2
    assert accepted.rods[1].reason == "accepted by hand (the method: in a bundle)"
    # Toggling again restores the method's verdict and reason: no longer a correction.
    back = toggle_rod(toggle_rod(accepted, 1), 2)
    assert [(r.accepted, r.reason) for r in back.rods] == [(r.accepted, r.reason) for r in m.rods]
    assert corrected_count(back) == 0
    with pytest.raises(DataError, match="no rod 9"):
        toggle_rod(m, 9)


def test_draw_a_missed_rod():
    m = draw_rod(measurement(), (10.0, 100.0), (10.0, 20.0), 4.0)  # vertical, 80 px
    rod = m.rods[-1]
    assert rod.id == 4 and rod.accepted and rod.by_hand and rod.auto_accepted is None
    assert rod.length_px == pytest.approx(80.0) and rod.width_px == pytest.approx(8.0)
    assert rod.angle_deg == pytest.approx(90.0) and (rod.row, rod.col) == (60.0, 10.0)
    assert m.summary().count == 3 and corrected_count(m) == 1
    assert max(m.lengths_nm()) == pytest.approx(40.0)  # 80 px at 0.5 nm/px
    # A drawn rod clicked again is removed.
    assert len(toggle_rod(m, 4).rods) == 3
    for start, end, width, words in (((10, 10), (11, 10), 4.0, "too close"),
                                     ((10, 10), (400, 10), 4.0, "on the image"),
                                     ((10, 10), (60, 10), 0.0, "above zero")):
        with pytest.raises(DataError, match=words):
            draw_rod(measurement(), start, end, width)


def test_corrections_survive_storage():
    m = draw_rod(toggle_rod(measurement(), 2), (10.0, 100.0), (10.0, 20.0), 4.0)
    back = SECTIONS["measurement"].load(SECTIONS["measurement"].dump(m))
    assert [(r.accepted, r.reason, r.by_hand, r.auto_accepted) for r in back.rods] == \
        [(r.accepted, r.reason, r.by_hand, r.auto_accepted) for r in m.rods]
    assert corrected_count(back) == 2


def test_corrections_survive_a_new_scale():
    # set_scale rewrites the stored measurement; written without its version it was read
    # back as version 1 and migrated, which cleared every by-hand flag.
    from nrstudio.core.project.attachments import measurement_of, set_scale
    from nrstudio.core.project.sections import write_image_section
    from nrstudio.core.project_model import AttachedImage

    m = draw_rod(toggle_rod(measurement(), 2), (10.0, 100.0), (10.0, 20.0), 4.0)
    image = AttachedImage("i1", "S1", "a.png", b"", 0.5, {})
    write_image_section(image, "measurement", m)
    set_scale(image, 0.25, "typed by the user")
    back = measurement_of(image)
    assert back is not None and back.nm_per_px == 0.25
    assert [(r.accepted, r.by_hand, r.auto_accepted) for r in back.rods] == \
        [(r.accepted, r.by_hand, r.auto_accepted) for r in m.rods]
    assert corrected_count(back) == 2


def test_image_and_project_sections_are_not_confused():
    from nrstudio.core.project.sections import read_image_section, read_section
    from nrstudio.core.project_model import AttachedImage, Project

    with pytest.raises(ValueError, match="belongs to an image"):
        read_section(Project.__new__(Project), "measurement")
    with pytest.raises(ValueError, match="belongs to the project"):
        read_image_section(AttachedImage("i1", "S1", "a.png", b"", 0.5, {}), "run")
