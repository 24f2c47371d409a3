"""The micrograph tools under real mouse events, sent to the viewer's viewport at a rod's
position on screen (not handler calls), at the fitted view and zoomed in."""


import pytest

pytest.importorskip("PySide6", reason="GUI tests need PySide6")
from helpers.gui import Dialogs, make_window
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from nrstudio.core.micrographs.corrections import corrected_count
from nrstudio.core.project.attachments import measurement_of

pytestmark = pytest.mark.gui


@pytest.fixture
def measured(qtbot, tmp_path, example, monkeypatch):
    Dialogs(monkeypatch, answer=QMessageBox.StandardButton.Yes)
    w = make_window(qtbot, tmp_path, example)
    w.resize(1366, 768)
    w.show()
    w.show_page("Micrographs")
    page = w.micrographs_page.measure
    page.strip.sample.setCurrentIndex(page.strip.sample.findText("1"))
    page.wait_for_image()
    with qtbot.waitSignal(w.jobs.idle, timeout=60_000):
        assert page.panel.measure()
    qtbot.waitExposed(page.view)
    yield w, page
    w.micrographs_page.shutdown()


def _on_screen(view, x: float, y: float) -> QPoint:
    """Viewport pixel of image point (x = column, y = row)."""
    return view.mapFromScene(view.box.mapViewToScene(QPointF(x, y)))


def _click(qtbot, view, x: float, y: float) -> None:
    pos = _on_screen(view, x, y)
    assert view.viewport().rect().contains(pos)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     pos)
    qtbot.wait(20)


def _drag(qtbot, view, a: tuple[float, float], b: tuple[float, float]) -> None:
    port = view.viewport()
    p0, p1 = _on_screen(view, *a), _on_screen(view, *b)
    QTest.mousePress(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p0)
    for k in range(1, 11):
        QTest.mouseMove(port, p0 + (p1 - p0) * (k / 10))
        qtbot.wait(5)
    QTest.mouseRelease(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p1)
    qtbot.wait(20)


@pytest.mark.parametrize("zoom", [1.0, 0.2])
def test_click_select_and_reject_a_rod_with_the_mouse(qtbot, measured, zoom):
    _, page = measured
    view, panel = page.view, page.panel
    m0 = measurement_of(page.current)
    rod = max(m0.accepted(), key=lambda r: r.length_px * r.width_px)
    x, y = rod.col + 0.5, rod.row + 0.5
    if zoom != 1.0:
        view.box.scaleBy((zoom, zoom), center=QPointF(x, y))
        qtbot.wait(20)
    _click(qtbot, view, x, y)
    assert panel.rod_info.text().startswith(f"Rod {rod.id}:")  # inspect: selected only
    assert measurement_of(page.current).summary().count == m0.summary().count
    panel.corrections.correct.setChecked(True)
    _click(qtbot, view, x, y)
    m1 = measurement_of(page.current)
    assert m1.summary().count == m0.summary().count - 1 and corrected_count(m1) == 1


@pytest.mark.parametrize("zoom", [1.0, 0.3])
def test_draw_a_missed_rod_by_dragging_or_two_clicks(qtbot, measured, monkeypatch, zoom):
    _, page = measured
    view, panel = page.view, page.panel
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (4.5, True))
    m0 = measurement_of(page.current)
    h, wd = m0.image_shape
    length_px = 60 / m0.nm_per_px
    a = (wd * 0.3, h * 0.3)
    b = (a[0] + length_px, a[1])
    if zoom != 1.0:
        view.box.scaleBy((zoom, zoom), center=QPointF((a[0] + b[0]) / 2, a[1]))
        qtbot.wait(20)
    panel.corrections.draw.setChecked(True)
    before = view.box.viewRange()
    _drag(qtbot, view, a, b)
    after = view.box.viewRange()
    # Draw mode never pans: the view's centre stays (its height may follow the layout when
    # the summary beside it grows, with the aspect ratio locked).
    for axis in (0, 1):
        assert sum(after[axis]) / 2 == pytest.approx(sum(before[axis]) / 2, abs=1.0)
    m1 = measurement_of(page.current)
    assert len(m1.rods) == len(m0.rods) + 1 and corrected_count(m1) == 1
    tol = 3 * max(1.0, (before[0][1] - before[0][0]) / view.viewport().width())  # a pixel
    assert m1.rods[-1].length_px == pytest.approx(length_px, abs=tol)
    # Two clicks draw too.
    _click(qtbot, view, a[0], a[1] + 40)
    _click(qtbot, view, b[0], b[1] + 40)
    m2 = measurement_of(page.current)
    assert len(m2.rods) == len(m0.rods) + 2


def test_the_next_image_fills_the_view_whatever_the_last_images_rods(qtbot):
    """A 1024-px image shown after a measured 2044-px one sat small in a corner of the view:
    the last image's outlines, still drawn, stretched the fitted range (seen with real clicks,
    a real Berkeley EMD after a real gold-rod JPEG)."""
    import numpy as np

    from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement
    from nrstudio.gui.micrographs.micrograph_view import MicrographView

    view = MicrographView()
    qtbot.addWidget(view)
    view.resize(600, 600)
    view.show()
    qtbot.waitExposed(view)
    view.show_image(np.full((2044, 2044), 0.8, np.float32))
    rods = [Rod(1, 1900.0, 1900.0, 30.0, 300.0, 70.0, True, "")]
    view.set_rods(RodMeasurement(rods, 0.15, (2044, 2044)))
    view.show_image(np.full((1024, 1024), 0.8, np.float32))
    (x0, x1), (y0, y1) = view.box.viewRange()
    assert x1 - x0 < 1.2 * 1024 or y1 - y0 < 1.2 * 1024  # fitted to this image
    assert x1 < 1300 and y1 < 1300


def test_the_micrograph_is_whole_in_a_1366_by_768_window(measured):
    """The tools and histograms beside the image scroll on their own: when the whole page
    scrolled, the micrograph, stretched as tall as they were, had its middle below the
    window's edge (seen with real clicks)."""
    from PySide6.QtWidgets import QScrollArea

    w, page = measured
    frame = w.stack.currentWidget().findChild(QScrollArea)
    assert frame.verticalScrollBar().maximum() == 0  # the page itself does not scroll
    view = page.view
    top = view.mapTo(w, QPoint(0, 0)).y()
    assert top >= 0 and top + view.height() <= w.height()
