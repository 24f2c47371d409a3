"""The LIME tab's result side: the explained region with its superpixels shown three ways
(the top superpixels for and against, the weight heat map with a colour bar, the boundaries),
the prediction and where the weight lies in words, a warning when it lies on the film or the
scale bar, and PNG/SVG and CSV exports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.image_models.lime_images import (
    ImageExplanation,
    SuperpixelContents,
    shares_of_attention,
    superpixel_boundaries,
)
from nrstudio.gui.app.plots import (
    ask_export,
    copy_plot,
    diverging_colormap,
    plain_axes,
    save_table_dialog,
    symmetric_limit,
)
from nrstudio.gui.app.widgets import button_row, narrow_combo

FOR_RGBA = (40, 200, 60, 150)
AGAINST_RGBA = (220, 40, 200, 150)
BOUNDARY_RGBA = (255, 210, 0, 255)
TOP, HEAT_MAP, BOUNDARIES = 0, 1, 2


class LimeResultView(QWidget):
    """Shows ``region`` (h, w), its ``segments`` and, once there is one, the ``explanation``
    with what its superpixels show (``contents``, computed off the GUI thread). Each draw
    reads the region's grey levels and the superpixel boundaries from a cache: a change of
    output, mode or top K only recolours the overlay."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.region: np.ndarray | None = None
        self.segments: np.ndarray | None = None
        self.explanation: ImageExplanation | None = None
        self.contents: SuperpixelContents | None = None
        self._levels: tuple[np.ndarray | None, tuple[float, float]] = (None, (0.0, 1.0))
        self._boundaries: tuple[np.ndarray | None, np.ndarray] = (None, np.zeros((0, 0), bool))
        self.mode = QComboBox()
        self.mode.addItems(["Top superpixels for and against", "Weight heat map",
                            "Superpixel boundaries"])
        narrow_combo(self.mode, 12)
        self.mode.currentIndexChanged.connect(lambda _: self.draw())
        self.output = QComboBox()
        self.output.currentIndexChanged.connect(lambda _: self.draw())
        self.top_k = QSpinBox(minimum=1, maximum=50, value=5)
        self.top_k.valueChanged.connect(lambda _: self.draw())
        self.opacity = QSlider()
        self.opacity.setOrientation(pg.QtCore.Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(60)
        self.opacity.setMinimumWidth(110)
        self.opacity.valueChanged.connect(lambda v: self.overlay.setOpacity(v / 100))
        # Two rows: in one, the bar's width (about 570 px) left the micrograph beside it no
        # room at all in a 1366 px wide window.
        bar = QGridLayout()
        for i, (label, w) in enumerate((("Show", self.mode), ("output", self.output),
                                        ("top K", self.top_k), ("opacity", self.opacity))):
            bar.addWidget(QLabel(label), i // 2, 2 * (i % 2))
            bar.addWidget(w, i // 2, 2 * (i % 2) + 1)
        bar.setColumnStretch(1, 1)
        bar.setColumnStretch(3, 1)
        self.result = pg.GraphicsLayoutWidget()
        self.rbox = self.result.addViewBox(lockAspect=True, invertY=True)
        self.base = pg.ImageItem()
        self.overlay = pg.ImageItem()
        self.overlay.setOpacity(0.6)
        self.rbox.addItem(self.base)
        self.rbox.addItem(self.overlay)
        self.colorbar = pg.ColorBarItem(colorMap=diverging_colormap(), interactive=False,
                                        values=(-1, 1), label="weight")
        plain_axes(self.colorbar)
        self.result.addItem(self.colorbar)
        self.summary = QLabel("Choose a region and press Explain.")
        self.summary.setWordWrap(True)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b35900; font-weight: bold")
        exports = button_row([("Copy image", lambda: copy_plot(self.result.scene())),
                              ("PNG/SVG…", lambda: ask_export(self, self.result.scene(),
                                                             "lime-superpixels.png")),
                              ("Weights CSV…", self.export_csv)])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.result, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.warning)
        layout.addLayout(exports)

    def show_preview(self, region: np.ndarray, segments: np.ndarray) -> None:
        """Superpixels of a region not explained yet."""
        self.region, self.segments = region, segments
        self.explanation, self.contents = None, None
        self._show(BOUNDARIES)

    def show_explanation(self, region: np.ndarray, explanation: ImageExplanation,
                         contents: SuperpixelContents) -> None:
        self.region, self.segments = region, explanation.segments
        self.explanation, self.contents = explanation, contents
        self._show(TOP)

    def _show(self, mode: int) -> None:
        """The explanation's outputs listed and ``mode`` chosen, then one draw: each box
        changed with its signals on drew once more (a result was drawn twice)."""
        e = self.explanation
        with QSignalBlocker(self.output), QSignalBlocker(self.mode):
            self.output.clear()
            for k in e.explained if e is not None else []:
                self.output.addItem(e.labels[k], k)
            self.mode.setCurrentIndex(mode)
        self.draw()

    def _grey_levels(self, region: np.ndarray) -> tuple[float, float]:
        if self._levels[0] is not region:
            low, high = np.percentile(region, [0.5, 99.5])
            self._levels = (region, (float(low), float(high)))
        return self._levels[1]

    def _boundary_pixels(self, segments: np.ndarray) -> np.ndarray:
        if self._boundaries[0] is not segments:
            self._boundaries = (segments, superpixel_boundaries(segments))
        return self._boundaries[1]

    def _overlay_rgba(self, rgba: np.ndarray) -> None:
        self.overlay.setLookupTable(None)
        self.overlay.setImage(rgba, autoLevels=False, levels=(0, 255))
        self.overlay.setOpacity(1.0)

    def draw(self) -> None:
        region = self.region
        if region is None:
            return
        self.base.setImage(region, autoLevels=False, levels=self._grey_levels(region))
        self.rbox.autoRange(padding=0.01)
        mode = self.mode.currentIndex()
        self.colorbar.setVisible(False)
        self.warning.setText("")
        e = self.explanation
        if mode == BOUNDARIES or e is None:
            if self.segments is not None and self.segments.shape == region.shape:
                rgba = np.zeros((*region.shape, 4), np.uint8)
                rgba[self._boundary_pixels(self.segments)] = BOUNDARY_RGBA
                self._overlay_rgba(rgba)
            if e is None:
                self.summary.setText("Superpixel preview. Press Explain this region.")
                return
        k = self.output.currentData()
        if k is None:
            k = e.explained[0]
        if mode == TOP:
            rgba = np.zeros((*region.shape, 4), np.uint8)
            for ids, colour in ((e.top(k, self.top_k.value(), True), FOR_RGBA),
                                (e.top(k, self.top_k.value(), False), AGAINST_RGBA)):
                rgba[np.isin(e.segments, ids)] = colour
            rgba[self._boundary_pixels(e.segments)] = (255, 255, 255, 90)
            self._overlay_rgba(rgba)
        elif mode == HEAT_MAP:
            lim = symmetric_limit(e.weights[k])
            self.overlay.setImage(e.weight_map(k), autoLevels=False, levels=(-lim, lim))
            self.overlay.setLookupTable(diverging_colormap().getLookupTable(nPts=256))
            self.overlay.setOpacity(self.opacity.value() / 100)
            self.colorbar.setLevels((-lim, lim))
            self.colorbar.setVisible(True)
        assert self.contents is not None
        shares = shares_of_attention(e.weights[k], self.contents)
        legend = {TOP: f"Green: the {self.top_k.value()} superpixels that raise it most; "
                       "magenta: those that lower it most.",
                  HEAT_MAP: "Red raises it, blue lowers it (weight = change of the output "
                            "when the superpixel is shown rather than hidden).",
                  BOUNDARIES: "Yellow: superpixel boundaries."}[mode]
        self.summary.setText(
            f"Prediction {e.labels[k]}: {e.prediction[k]:.4g}. {legend} Local fit R² "
            f"{e.score:.2f}. Weight on rods {shares.rods:.0%}, on empty film {shares.film:.0%}"
            f", on the scale bar {shares.scale_bar:.0%}.")
        self.warning.setText(shares.warning)

    def export_csv(self) -> None:
        e = self.explanation
        if e is None:
            return
        k = self.output.currentData()
        save_table_dialog(self, pd.DataFrame(e.rows(e.explained[0] if k is None else k)),
                          "lime-superpixels.csv")
