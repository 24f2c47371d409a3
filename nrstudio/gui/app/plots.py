"""Plot helpers on pyqtgraph: colours, a diverging colour map, export to PNG and SVG."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph import exporters
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

pg.setConfigOptions(antialias=True, background="w", foreground="k", imageAxisOrder="row-major")

ORIGINAL = "#cc3311"  # red: measured samples (as the paper's Figure 2)
SYNTHETIC = "#4477aa"  # blue: SMOTE-REG rows
VALIDATION = "#228833"  # green: validation experiments
POSITIVE = "#cc3311"
NEGATIVE = "#3366cc"


def plain_axes(plot: pg.PlotItem | pg.PlotWidget | pg.HistogramLUTItem) -> None:
    """Tick labels in the data's own numbers. Unasked, pyqtgraph rescales an axis without a
    unit whose values stay below 1: a PLQY of 0-0.9 read 0-900 and an AgNO3 amount of
    0.02-0.12 mM read 20-120 "(x0.001)". Our labels carry their unit in the text. A plot's
    four axes (a colour bar is a plot too), or the one axis of an image's level histogram."""
    if isinstance(plot, pg.HistogramLUTItem):
        plot.axis.enableAutoSIPrefix(False)
        return
    item = plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot
    for side in ("left", "bottom", "right", "top"):
        item.getAxis(side).enableAutoSIPrefix(False)


def diverging_colormap() -> pg.ColorMap:
    """Blue - white - red, for weights centred at zero."""
    return pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)])


def export_scene(scene: object, path: str | Path) -> Path:
    """Write a plot's scene as PNG (at twice the screen size) or SVG, by the file suffix."""
    p = Path(path)
    if p.suffix.lower() == ".svg":
        # Qt's own SVG generator: pyqtgraph's SVG exporter cannot parse what Qt 6.11 writes.
        from PySide6.QtCore import QRectF, QSize
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        rect = scene.itemsBoundingRect() if not scene.views() else QRectF(
            scene.views()[0].viewport().rect())
        gen = QSvgGenerator()
        gen.setFileName(str(p))
        gen.setSize(QSize(int(rect.width()), int(rect.height())))
        gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        gen.setTitle("NR Studio plot")
        # Same resolution as the screen, or raster items (heat maps) scale unlike the axes.
        gen.setResolution(scene.views()[0].logicalDpiX() if scene.views() else 96)
        painter = QPainter(gen)
        try:
            scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        finally:
            painter.end()
        if not p.is_file() or p.stat().st_size == 0:
            raise OSError(f"could not write {p}")
    else:
        if p.suffix.lower() != ".png":
            p = p.with_suffix(".png")
        _image_exporter(scene).export(str(p))
    return p


def _image_exporter(scene: object) -> exporters.ImageExporter:
    """pyqtgraph's raster exporter at twice the screen size (at least 800 px wide)."""
    exporter = exporters.ImageExporter(scene)
    width = int(exporter.parameters()["width"])
    exporter.parameters()["width"] = max(width * 2, 800)
    return exporter


def ask_export(parent: QWidget, scene: object, name: str) -> Path | None:
    """Ask for a file name and export the plot there; reports failures in a dialog."""
    path, _ = QFileDialog.getSaveFileName(parent, "Export plot", name,
                                          "PNG image (*.png);;SVG drawing (*.svg)")
    if not path:
        return None
    try:
        return export_scene(scene, path)
    except Exception as exc:  # exporters raise assorted errors on unwritable paths
        QMessageBox.critical(parent, "Not exported", f"{path}: {exc}")
        return None


def copy_plot(scene: object) -> None:
    """Put the plot on the clipboard as an image (paste into a slide or a lab notebook), as
    sharp as the PNG export."""
    _image_exporter(scene).export(copy=True)


def plot_buttons(parent: QWidget, scene: Callable[[], object], name: str) -> list[QPushButton]:
    """"Copy image" and "Export PNG/SVG…" for one plot; ``scene`` gives its current scene."""
    copy = QPushButton("Copy image")
    copy.setToolTip("Copy the plot to the clipboard as an image")
    copy.clicked.connect(lambda: copy_plot(scene()))
    export = QPushButton("Export PNG/SVG…")
    export.setToolTip("Write the plot as a PNG image or an SVG drawing")
    export.clicked.connect(lambda: ask_export(parent, scene(), name))
    return [copy, export]


def plot_toolbar(parent: QWidget, scene: Callable[[], object], name: str,
                 *controls: QWidget | str) -> QHBoxLayout:
    """A row above a plot: ``controls`` on the left (a string becomes its label), then the
    plot's Copy and Export buttons on the right."""
    row = QHBoxLayout()
    for control in controls:
        row.addWidget(QLabel(control) if isinstance(control, str) else control)
    row.addStretch(1)
    for b in plot_buttons(parent, scene, name):
        row.addWidget(b)
    return row


def with_plot_buttons(parent: QWidget, plot: QWidget, name: str) -> QWidget:
    """``plot`` under a row with its Copy and Export buttons."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(plot_toolbar(parent, plot.scene, name))  # type: ignore[attr-defined]
    layout.addWidget(plot, 1)
    return box


def save_table_dialog(parent: QWidget, frame: object, name: str, path: str | None = None) -> bool:
    """Write a pandas table as CSV or XLSX (by suffix), asking for the path unless given;
    failures are reported in a dialog. True when written."""
    if path is None:
        path, _ = QFileDialog.getSaveFileName(parent, "Export table", name,
                                              "CSV (*.csv);;Excel workbook (*.xlsx)")
        if not path:
            return False
    from nrstudio.core.data.exports import write_table
    from nrstudio.core.errors import DataError

    try:
        write_table(frame, path)  # type: ignore[arg-type]
    except DataError as exc:
        QMessageBox.critical(parent, "Not exported", str(exc))
        return False
    return True


def symmetric_limit(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    lim = float(finite.max()) if finite.size else 1.0
    return lim if lim > 0 else 1.0

