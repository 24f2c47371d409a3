"""One LIME heat map of the Explain page (samples x inputs, one target) with its colour bar,
the grey of its flagged rows and the outline of the selected sample's row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsRectItem

from nrstudio.gui.app.plots import diverging_colormap, plain_axes, symmetric_limit


@dataclass
class HeatMap:
    """The items of one heat map. Made once (about 20 ms of the GUI thread each, a colour bar
    being a plot of its own) and filled again for every new order, selection or result."""

    plot: pg.PlotItem
    image: pg.ImageItem
    bar: pg.ColorBarItem
    mark: pg.PlotCurveItem
    shades: list[QGraphicsRectItem] = field(default_factory=list)

    @classmethod
    def make(cls) -> HeatMap:
        cmap = diverging_colormap()
        plot = pg.PlotItem()
        plain_axes(plot)
        plot.invertY(True)
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        plot.getAxis("bottom").setStyle(hideOverlappingLabels=False)
        image = pg.ImageItem(np.zeros((1, 1)))
        image.setColorMap(cmap)
        plot.addItem(image)
        mark = pg.PlotCurveItem(pen=pg.mkPen("k", width=2))
        mark.setZValue(10)  # over the grey of a flagged row
        plot.addItem(mark)
        bar = pg.ColorBarItem(values=(-1, 1), colorMap=cmap, interactive=False, width=12,
                              colorMapMenu=False)
        plain_axes(bar)  # weights of a PLQY are hundredths, not "(x0.001)" thousands
        bar.setImageItem(image)
        return cls(plot, image, bar, mark)

    def fill(self, title: str, weights: np.ndarray, row_ticks: list[tuple[float, str]],
             input_ticks: list[tuple[float, str]], flagged_rows: Sequence[int]) -> None:
        """Show ``weights`` (rows in display order x inputs), coloured symmetrically about 0.
        ``row_ticks``/``input_ticks``: (position, label) on the left and bottom axes;
        ``flagged_rows``: display rows greyed out."""
        n_rows, n_inputs = weights.shape
        lim = symmetric_limit(weights)
        self.plot.setTitle(title)
        self.image.setImage(weights, levels=(-lim, lim))
        self.bar.setLevels((-lim, lim))
        self.plot.getAxis("left").setTicks([row_ticks])
        self.plot.getAxis("bottom").setTicks([input_ticks])
        for shade in self.shades:
            self.plot.removeItem(shade)
        self.shades = []
        for row in flagged_rows:
            # Plain grey: a pattern brush scales with the view and reads as black bands.
            shade = QGraphicsRectItem(0, float(row), n_inputs, 1.0)
            shade.setBrush(pg.mkBrush(200, 200, 200, 235))
            shade.setPen(pg.mkPen(None))
            self.plot.addItem(shade)
            self.shades.append(shade)
        self.plot.setXRange(0, n_inputs, padding=0)
        self.plot.setYRange(0, n_rows, padding=0)

    def empty(self) -> None:
        """No weights shown (the title stays)."""
        self.image.setImage(np.zeros((1, 1)), levels=(-1, 1))
        self.plot.getAxis("left").setTicks([[]])
        self.plot.getAxis("bottom").setTicks([[]])
        for shade in self.shades:
            self.plot.removeItem(shade)
        self.shades = []
        self.mark.setData([], [])

    def mark_row(self, row: int | None, n_inputs: int) -> None:
        """Outline display row ``row`` (none when None)."""
        if row is None:
            self.mark.setData([], [])
        else:
            self.mark.setData([0, n_inputs, n_inputs, 0, 0], [row, row, row + 1, row + 1, row])
