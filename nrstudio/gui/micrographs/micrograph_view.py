"""A micrograph viewer (pyqtgraph): zoom and pan with the mouse, contrast from a histogram,
rod outlines (accepted in green, rejected in red), click a rod for its numbers, and a line
tool to set the scale from a known distance."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal

from nrstudio.core.micrographs.measure import ACCEPTED_RGB, REJECTED_RGB, rod_corners
from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement
from nrstudio.gui.app.plots import plain_axes

MAX_DISPLAY_SIDE = 4096  # larger images are shown downsampled; measuring uses all pixels


def _outline_path(rods: list[Rod]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y and connect arrays drawing every rod's box as one path (fast for thousands)."""
    if not rods:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool)
    boxes = np.stack([rod_corners(r.row, r.col, r.angle_deg, r.length_px, r.width_px)
                      for r in rods])
    closed = np.concatenate([boxes, boxes[:, :1]], axis=1)  # (n, 5, 2)
    connect = np.ones((len(rods), 5), dtype=bool)
    connect[:, -1] = False
    # +0.5: pixel centres, as ImageItem draws pixel (r, c) over [c, c+1] x [r, r+1].
    return closed[..., 0].ravel() + 0.5, closed[..., 1].ravel() + 0.5, connect.ravel()


class _ImageBox(pg.ViewBox):
    """The view box: a left drag pans, except in draw mode, where it draws a rod from where
    the drag starts to where it ends (the view stays put)."""

    def __init__(self, view: MicrographView) -> None:
        super().__init__(lockAspect=True, invertY=True)
        self.view = view

    def mouseDragEvent(self, ev, axis=None) -> None:  # type: ignore[no-untyped-def]
        if self.view.mode != "draw" or ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        start = self.mapSceneToView(ev.buttonDownScenePos(Qt.MouseButton.LeftButton))
        here = self.mapSceneToView(ev.scenePos())
        self.view.drag_rod((start.x(), start.y()), (here.x(), here.y()), ev.isFinish())


class MicrographView(pg.GraphicsLayoutWidget):
    """Shows one grey image; ``rod_clicked(Rod | None)`` on a click; ``line_changed(px)``
    while the scale line is being drawn. In ``mode`` "correct" a click on a rod emits
    ``toggle_requested(rod id)``; in "draw" two clicks emit ``rod_drawn((x0, y0), (x1, y1))``
    (image pixels: x = column, y = row)."""

    rod_clicked = Signal(object)
    line_changed = Signal(float)
    toggle_requested = Signal(int)
    rod_drawn = Signal(object, object)

    def __init__(self) -> None:
        super().__init__()
        self.mode = "inspect"  # "inspect", "correct" or "draw"
        self.box = _ImageBox(self)
        self.addItem(self.box)
        self.box.setMenuEnabled(False)
        self.image = pg.ImageItem()
        self.box.addItem(self.image)
        self.hist = pg.HistogramLUTItem(image=self.image)
        self.hist.setMaximumWidth(110)
        plain_axes(self.hist)
        self.addItem(self.hist)
        pens = {True: pg.mkPen(ACCEPTED_RGB, width=2), False: pg.mkPen(REJECTED_RGB, width=1)}
        self.outlines = {ok: pg.PlotCurveItem(pen=pens[ok]) for ok in (True, False)}
        for item in self.outlines.values():
            # Drawn as separate line segments: Qt's stroking of one 2-px path with 2,000
            # boxes (joins and all) took 140-220 ms per paint, the segments about 10 ms.
            item.setSegmentedLineMode("on")
            # The view fits the image, never the rods: the last image's outlines, still drawn
            # when the next image is shown, stretched its range (a 1024-px image after a
            # 2044-px one filled a corner of the view).
            self.box.addItem(item, ignoreBounds=True)
        self.chosen = pg.PlotCurveItem(pen=pg.mkPen((30, 120, 255), width=3))
        self.box.addItem(self.chosen, ignoreBounds=True)
        self.line: pg.LineSegmentROI | None = None
        self.measurement: RodMeasurement | None = None
        self.scale = 1  # display downsampling factor
        self._pixels: np.ndarray | None = None  # the image shown
        self.first_end: tuple[float, float] | None = None
        self.end_mark = pg.ScatterPlotItem(size=10, brush=pg.mkBrush(255, 200, 0),
                                           pen=pg.mkPen("k"))
        self.box.addItem(self.end_mark, ignoreBounds=True)
        self.drawn = pg.PlotCurveItem(pen=pg.mkPen((255, 200, 0), width=2))
        self.box.addItem(self.drawn, ignoreBounds=True)  # drawing must not move the view
        self.scene().sigMouseClicked.connect(self._click)

    # ---- content -------------------------------------------------------------------------
    def show_image(self, pixels: np.ndarray | None) -> None:
        self.clear_line()
        if pixels is not None and pixels is self._pixels:
            return  # the same image again (the table changed): its levels and view stay
        self._pixels = pixels
        if pixels is None:
            self.image.clear()
            self.set_rods(None)
            return
        self.scale = int(np.ceil(max(pixels.shape) / MAX_DISPLAY_SIDE))
        shown = pixels[::self.scale, ::self.scale] if self.scale > 1 else pixels
        self.image.setImage(shown, autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(0, 0, pixels.shape[1], pixels.shape[0])
        lo, hi = np.percentile(shown[::4, ::4], [0.5, 99.5])
        self.hist.setLevels(float(lo), float(hi))
        self.box.autoRange(padding=0.01)

    def set_rods(self, measurement: RodMeasurement | None, show_rejected: bool = True) -> None:
        self.measurement = measurement
        rods = measurement.rods if measurement else []
        for ok, item in self.outlines.items():
            subset = [r for r in rods if r.accepted == ok] if (ok or show_rejected) else []
            x, y, connect = _outline_path(subset)
            item.setData(x, y, connect=connect)
        self.chosen.setData([], [])

    def highlight(self, rod: Rod | None) -> None:
        if rod is None:
            self.chosen.setData([], [])
            return
        x, y, connect = _outline_path([rod])
        self.chosen.setData(x, y, connect=connect)

    # ---- clicks ----------------------------------------------------------------------------
    def rod_at(self, x: float, y: float) -> Rod | None:
        """The rod whose box contains image point (x=col, y=row), the nearest centre first."""
        if self.measurement is None:
            return None
        best, best_d = None, np.inf
        for r in self.measurement.rods:
            ar, ac = r.axis
            dx, dy = x - 0.5 - r.col, y - 0.5 - r.row
            along = dy * ar + dx * ac
            across = dx * ar - dy * ac
            if abs(along) <= r.length_px / 2 + 2 and abs(across) <= r.width_px / 2 + 2:
                d = along * along + across * across
                if d < best_d:
                    best, best_d = r, d
        return best

    def _click(self, event) -> None:  # type: ignore[no-untyped-def]
        # An enum, not the int 1: comparing with 1 was always unequal, so clicks did nothing.
        if self.line is not None or event.button() != Qt.MouseButton.LeftButton:
            return
        p = self.box.mapSceneToView(event.scenePos())
        self.click_at(p.x(), p.y())

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.first_end = None
        self.end_mark.setData([], [])

    def click_at(self, x: float, y: float) -> None:
        """A left click at image point (x=col, y=row), as the current mode reads it."""
        if self.mode == "draw":
            if self.first_end is None:
                self.first_end = (x, y)
                self.end_mark.setData([x], [y])
                return
            start, self.first_end = self.first_end, None
            self.end_mark.setData([], [])
            self.rod_drawn.emit(start, (x, y))
            return
        rod = self.rod_at(x, y)
        self.highlight(rod)
        if self.mode == "correct" and rod is not None:
            self.toggle_requested.emit(rod.id)  # first, so that what is shown is the new verdict
        self.rod_clicked.emit(rod)

    def drag_rod(self, start: tuple[float, float], end: tuple[float, float],
                 finished: bool) -> None:
        """Draw mode, a drag from ``start`` to ``end`` (image points): shown while it
        lasts, a rod when it ends (a drag of under 2 px is taken as a click)."""
        self.first_end = None
        self.end_mark.setData([], [])
        if not finished:
            self.drawn.setData([start[0], end[0]], [start[1], end[1]])
            return
        self.drawn.setData([], [])
        if np.hypot(end[0] - start[0], end[1] - start[1]) >= 2:
            self.rod_drawn.emit(start, end)

    # ---- scale line ------------------------------------------------------------------------
    def start_line(self) -> None:
        """Put a two-handle line across the middle of the view for the user to drag over a
        known distance."""
        self.clear_line()
        (x0, x1), (y0, y1) = self.box.viewRange()
        cx, cy, span = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 4
        self.line = pg.LineSegmentROI([QPointF(cx - span, cy), QPointF(cx + span, cy)],
                                      pen=pg.mkPen((255, 200, 0), width=3))
        self.box.addItem(self.line)
        self.line.sigRegionChanged.connect(lambda _: self.line_changed.emit(self.line_length()))
        self.line_changed.emit(self.line_length())

    def line_length(self) -> float:
        """Length of the scale line in image pixels (0 without a line)."""
        if self.line is None:
            return 0.0
        a, b = (self.line.mapToParent(h["item"].pos()) for h in self.line.handles)
        return float(np.hypot(b.x() - a.x(), b.y() - a.y()))

    def clear_line(self) -> None:
        if self.line is not None:
            self.box.removeItem(self.line)
            self.line = None
