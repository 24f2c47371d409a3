"""The Measure tab's measurement side: the method, Measure rods (a background job), the
summary, histograms and rod table of the stored measurement, *Use these values* (undoable),
and the exports."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.corrections import corrected_count
from nrstudio.core.micrographs.images import Micrograph
from nrstudio.core.micrographs.measure import (
    METHOD_NAMES,
    ImageAnalysis,
    Scale,
    analyse_micrograph,
    render_overlay,
)
from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement, RodSettings
from nrstudio.core.micrographs.selection import check_selection, whole_objects_nm, why_no_rods
from nrstudio.core.project.attachments import as_stored, store_measurement, write_summary
from nrstudio.core.project_model import AttachedImage
from nrstudio.core.settings import replace_settings
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.in_turns import InTurns
from nrstudio.gui.app.jobs import JobContext, JobRunner
from nrstudio.gui.app.plots import copy_plot, plain_axes, plot_toolbar, save_table_dialog
from nrstudio.gui.app.settings_form import SettingsForm
from nrstudio.gui.app.undo import SnapshotCommand
from nrstudio.gui.app.wheel_guard import guard_wheel
from nrstudio.gui.app.widgets import disable_while_busy
from nrstudio.gui.micrographs.decoded_measurements import DecodedMeasurements
from nrstudio.gui.micrographs.hand_corrections import CorrectionTools
from nrstudio.gui.micrographs.micrograph_view import MicrographView
from nrstudio.gui.micrographs.rod_table import RodTableModel

METHOD_CHOICES = (("auto", "Automatic"), ("outline", "Outlines (short rods)"),
                  ("trace", "Centre lines (long rods, rafts)"))



BAR_COLOUR = (60, 130, 200)  # the accepted rods' bars
OUTLINE_COLOUR = (90, 90, 90)  # every whole object found


def show_key(plot: pg.PlotItem, key: list[tuple[tuple[int, ...], str, str]]) -> None:
    """Name the series of a histogram on one line above it: (colour, symbol, words) each.
    A legend inside a plot about 100 px tall covered the bars and the axis below them."""
    entries = [f"<span style='color:rgb{tuple(colour)}'>{symbol}</span>&nbsp;{html.escape(words)}"
               for colour, symbol, words in key]
    plot.setTitle("&nbsp;&nbsp;&nbsp;".join(entries), size="8pt", color="#202020")


ROD_RULES = ("dark_rods", "min_aspect")


def _remembered_rules(settings: QSettings) -> RodSettings:
    """The rules last chosen on this computer (QSettings keeps them as text); the default
    for a value that is unreadable or out of its declared range."""
    default = RodSettings()
    dark = str(settings.value("rod_dark_rods", default.dark_rods)).lower() not in ("false", "0")
    try:
        aspect = float(settings.value("rod_min_aspect", default.min_aspect))  # type: ignore[arg-type]
        return replace_settings(default, {"dark_rods": dark, "min_aspect": aspect})
    except (TypeError, ValueError, DataError):
        return replace(default, dark_rods=dark)


class MeasurementPanel(QWidget):
    def __init__(self, doc: ProjectDocument, jobs: JobRunner, settings: QSettings,
                 view: MicrographView, pixels: Callable[[AttachedImage], Micrograph | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.histograms_ahead = InTurns(self)
        self.doc, self.jobs, self.view, self.pixels = doc, jobs, view, pixels
        self.image: AttachedImage | None = None
        self._rod_id: int | None = None  # the rod whose numbers rod_info shows
        self.measure_button = QPushButton("Measure rods")
        self.measure_button.clicked.connect(self.measure)
        self.method = guard_wheel(QComboBox())
        for key, label in METHOD_CHOICES:
            self.method.addItem(label, key)
        self.method.setToolTip(
            "Outlines judge each dark region and suit short rods, alone or in bundles.\n"
            "Centre lines follow each rod through crossings and rafts and suit long thin rods.\n"
            "Automatic runs both and traces centre lines only where the outlines are pieces of\n"
            "long rods, or too few.")
        chosen = self.method.findData(str(settings.value("rod_method", "auto")))
        self.method.setCurrentIndex(max(chosen, 0))
        self.method.currentIndexChanged.connect(
            lambda _: settings.setValue("rod_method", self.method.currentData()))
        # The two rules a user's images may need changed: rods bright on a dark background
        # (dark-field TEM, HAADF STEM), and round objects (cores, dots) measured as well.
        self.rule_form = SettingsForm(RodSettings, ROD_RULES, _remembered_rules(settings),
                                      horizontal=True)
        self.rule_form.changed.connect(lambda: self._remember_rules(settings))
        self.show_rejected = QCheckBox("Show rejected objects (red)")
        self.show_rejected.setChecked(True)
        self.show_rejected.toggled.connect(lambda _: self.refresh())
        self.compare = QCheckBox("Overlay the other measured images")
        self.compare.setToolTip("Draw the length and width distributions of every other "
                                "measured image over this one's (as densities), to compare "
                                "samples")
        self.compare.toggled.connect(lambda _: self.refresh())
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.rod_info = QLabel("Click a rod to see its numbers.")
        self.rod_info.setWordWrap(True)
        self.use_button = QPushButton("Use these values")
        self.use_button.setToolTip("Write mean length, mean width and their ratio into this "
                                   "sample's row, and the SD of length and width and the "
                                   "number of rods into their own columns (Undo reverts it).")
        self.use_button.clicked.connect(self.use_values)
        export_csv = QPushButton("Rods CSV…")
        export_csv.clicked.connect(self.export_rods)
        export_png = QPushButton("Overlay PNG…")
        export_png.clicked.connect(self.export_overlay)
        self.copy_view = QPushButton("Copy view")
        self.copy_view.setToolTip("Copy the micrograph as shown, with its outlines, to the "
                                  "clipboard")
        self.copy_view.clicked.connect(lambda: copy_plot(self.view.scene()))
        self.hists = pg.GraphicsLayoutWidget()
        self.hists.setMinimumHeight(450)  # three plots with room for their bars (the page scrolls)
        self._plots: list[pg.PlotItem] = []
        self.decoded = DecodedMeasurements()
        self.rod_table = RodTableModel()
        self.table = QTableView()
        self.table.setModel(self.rod_table)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._table_selected())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        measure_row = QHBoxLayout()
        measure_row.addWidget(self.measure_button)
        measure_row.addWidget(QLabel("Method"))
        measure_row.addWidget(self.method, 1)
        layout.addLayout(measure_row)
        rules_row = QHBoxLayout()
        rules_row.addWidget(self.rule_form)
        rules_row.addStretch(1)
        layout.addLayout(rules_row)
        layout.addWidget(self.show_rejected)
        layout.addWidget(self.compare)
        self.corrections = CorrectionTools(doc, view, lambda: (self.image, self.measurement()),
                                           self.refresh)
        layout.addWidget(self.corrections)
        layout.addWidget(self.summary)
        layout.addWidget(self.rod_info)
        row = QHBoxLayout()
        row.addWidget(self.use_button)
        row.addWidget(export_csv)
        row.addWidget(export_png)
        row.addStretch(1)
        layout.addLayout(row)
        # Copy view sits with the figure buttons: four buttons in the row above made the page
        # wider than a 1366 px screen.
        layout.addLayout(plot_toolbar(self, self.hists.scene, "rod-histograms.png",
                                      self.copy_view))
        layout.addWidget(self.hists, 2)
        layout.addWidget(self.table, 1)
        disable_while_busy(jobs, self.measure_button)
        view.rod_clicked.connect(self._rod_clicked)

    def _remember_rules(self, settings: QSettings) -> None:
        for name, value in self.rule_form.values().items():
            settings.setValue(f"rod_{name}", value)

    def show_image(self, image: AttachedImage | None) -> None:
        if image is not self.image:
            self._rod_id = None
        self.image = image
        self.measure_button.setEnabled(image is not None and not self.jobs.busy)
        self.refresh()

    # ---- measuring -------------------------------------------------------------------------
    def measure(self) -> bool:
        im = self.image
        m = self.pixels(im) if im else None
        if im is None or m is None:
            return False
        if im.nm_per_px is None:
            QMessageBox.information(self, "Scale needed", "Set the scale first: rods are "
                                    "measured in nm.")
            return False
        scale = Scale(im.nm_per_px, str(im.meta.get("scale_source", "")))
        rod_settings = RodSettings(method=str(self.method.currentData()),
                                   **self.rule_form.values())

        def work(ctx: JobContext) -> ImageAnalysis:
            analysis = analyse_micrograph(m, im.filename, scale, rod_settings, ctx.progress,
                                          ctx.cancelled)
            return replace(analysis, measurement=as_stored(analysis.measurement))

        def done(analysis: ImageAnalysis, _settings: RodSettings) -> None:
            if im in self.doc.project.images:  # not removed meanwhile
                if self.image is im:
                    self._rod_id = None  # a new measurement numbers its rods afresh
                store_measurement(im, analysis)
                self.decoded.remember(im, analysis.measurement)
                self.doc.mark_changed()
            if self.image is im:
                self.refresh()

        return self.jobs.start(f"Measuring rods in {im.filename}", work, done,
                               settings=rod_settings)

    def measurement(self) -> RodMeasurement | None:
        return self.decoded.get(self.image) if self.image else None

    # ---- showing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        m = self.measurement()
        self.view.set_rods(m, self.show_rejected.isChecked())
        plots = self._empty_histograms(made=m is not None)
        self.rod_table.set_measurement(m)
        self.use_button.setEnabled(bool(m and m.accepted()))
        if m is None:
            self.summary.setText("Not measured yet." if self.image else "")
            return
        self.summary.setText(summary_html(m))
        if self._rod_id is not None:  # the rod last clicked, as it is now (after an undo)
            self._rod_clicked(next((r for r in m.rods if r.id == self._rod_id), None))
        lengths, widths = m.lengths_nm(), m.widths_nm()
        all_l, all_w = whole_objects_nm(m)
        found = (all_l, all_w, all_l / np.where(all_w > 0, all_w, np.nan))
        for k, (plot, values) in enumerate(zip(plots, (lengths, widths, lengths / widths
                                                       if len(widths) else widths),
                                               strict=True)):
            others = self._others(k) if self.compare.isChecked() else []
            if not len(values):
                continue
            plot.showAxis("left")
            pooled = np.concatenate([values, *[v for _, v in others]])
            edges = np.histogram_bin_edges(pooled, bins=min(30, max(5, len(values) // 4)))
            counts, _ = np.histogram(values, bins=edges, density=bool(others))
            plot.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts,
                                         brush=BAR_COLOUR, pen=None))
            key = []  # (colour, symbol, words) of each series, for the first plot's key
            whole = found[k][np.isfinite(found[k])]
            if not others and len(whole) > len(values):
                # Every whole object found, as an outline over the accepted rods' bars: a
                # selection that favours some sizes shows as bars that do not follow it.
                every, _ = np.histogram(whole, bins=edges)
                plot.addItem(pg.PlotDataItem(edges, every, stepMode="center",
                                             pen=pg.mkPen(OUTLINE_COLOUR, width=1.5)))
                key = [(BAR_COLOUR, "■", "accepted rods"),
                       (OUTLINE_COLOUR, "━", f"all {len(whole)} whole objects found")]
            if others:
                plot.setLabel("left", "density")
                key = [(BAR_COLOUR, "■",
                        f"{self.image.sample_id if self.image else ''} (this)")]
                for j, (label, v) in enumerate(others):
                    dens, _ = np.histogram(v, bins=edges, density=True)
                    colour = pg.intColor(j, max(len(others), 3))
                    plot.addItem(pg.PlotDataItem(edges, dens, stepMode="center",
                                                 pen=pg.mkPen(colour, width=2)))
                    key.append((colour.getRgb()[:3], "━", label))
            if k == 0 and key:
                show_key(plot, key)

    HISTOGRAMS = ("length (nm)", "width (nm)", "aspect ratio")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if len(self._plots) < len(self.HISTOGRAMS) and not self.histograms_ahead.running:
            self.histograms_ahead.start(self._histograms_ahead())

    def _histograms_ahead(self) -> Iterator[None]:
        """Make the empty histogram plots, one per turn of the event loop. Making a plot
        takes about 30 ms on the GUI thread; the three at once, as a measurement landed,
        held the window for 90-130 ms. One per turn, from the panel's first showing, keeps
        each pause short."""
        while len(self._plots) < len(self.HISTOGRAMS):
            yield
            if len(self._plots) < len(self.HISTOGRAMS):  # a measurement may have made them
                self._add_histogram()

    def _add_histogram(self) -> None:
        plot = self.hists.addPlot(row=len(self._plots), col=0)
        plain_axes(plot)
        plot.setLabel("bottom", self.HISTOGRAMS[len(self._plots)])
        plot.setMouseEnabled(False, False)
        plot.hideAxis("left")  # shown with the first bars (see _empty_histograms)
        self._plots.append(plot)

    def _empty_histograms(self, made: bool) -> list[pg.PlotItem]:
        """The length, width and aspect-ratio plots, emptied; ``made``: make those not made
        yet (a measurement is to be shown). They are refilled, never made again. (Plots made
        hidden and shown later kept no height, so they are always shown.)"""
        while made and len(self._plots) < len(self.HISTOGRAMS):
            self._add_histogram()
        for plot in self._plots:
            plot.clear()
            plot.setLabel("left", None)
            # Counts appear with the bars: an empty plot's 0-1 ticks crowd into its height.
            plot.hideAxis("left")
            plot.setTitle(None)  # the key of the series shown
        return self._plots

    def _others(self, k: int) -> list[tuple[str, np.ndarray]]:
        """(label, values) of histogram ``k`` (0 length, 1 width, 2 aspect ratio) for every
        other measured image of the project."""
        out = []
        for image in self.doc.project.images:
            if image is self.image:
                continue
            m = self.decoded.get(image)
            if m is None or not m.accepted():
                continue
            lengths, widths = m.lengths_nm(), m.widths_nm()
            values = (lengths, widths, lengths / widths)[k]
            out.append((f"{image.sample_id}: {image.filename}", values))
        return out

    def _rod_clicked(self, rod: Rod | None) -> None:
        m = self.measurement()
        self._rod_id = rod.id if rod is not None else None
        if rod is None or m is None:
            self.rod_info.setText("Click a rod to see its numbers.")
            return
        # As it is now: a click in correction mode has just accepted or rejected it.
        rod = next((r for r in m.rods if r.id == rod.id), rod)
        self.rod_info.setText(
            f"Rod {rod.id}: length {rod.length_px * m.nm_per_px:.1f} nm, width "
            f"{rod.width_px * m.nm_per_px:.2f} nm, aspect ratio {rod.aspect_ratio():.1f}, "
            f"{rod.reason}.")

    def _table_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        rod = self.rod_table.rod(rows[0].row())
        self.view.highlight(rod)
        self._rod_clicked(rod)

    # ---- into the table and out to files --------------------------------------------------------
    def use_values(self) -> bool:
        m = self.measurement()
        if self.image is None or m is None:
            return False
        sample, summary, written = self.image.sample_id, m.summary(), []

        def change(ds) -> None:  # type: ignore[no-untyped-def]
            written[:] = write_summary(ds, sample, summary)

        try:
            command = SnapshotCommand(self.doc, f"Use measured sizes for sample {sample}",
                                      change)
        except DataError as exc:
            QMessageBox.warning(self, "Nothing written", str(exc))
            return False
        self.doc.undo_stack.push(command)
        self._rod_id = None  # this message, not a rod, until the next click
        self.rod_info.setText(f"Written to sample {sample}: {', '.join(written)}. The SD and "
                              "count columns can be made targets (polydispersity). Edit ▸ "
                              "Undo reverts it.")
        return True

    def export_rods(self) -> None:
        m = self.measurement()
        if m is not None and self.image is not None:
            save_table_dialog(self, pd.DataFrame(m.rows()),
                              f"{Path(self.image.filename).stem}-rods.csv")

    def export_overlay(self) -> None:
        m = self.measurement()
        px = self.pixels(self.image) if self.image else None
        if m is None or px is None or self.image is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Save overlay", f"{Path(self.image.filename).stem}-overlay.png",
            "PNG image (*.png)")
        if name:
            analysis = ImageAnalysis(self.image.filename, px, Scale(m.nm_per_px, ""), None, m)
            try:
                render_overlay(analysis, Path(name))
            except OSError as exc:
                QMessageBox.warning(self, "Not saved", f"{name}: {exc.strerror or exc}")


def summary_html(m: RodMeasurement) -> str:
    """The measurement's summary line by line (rich text)."""
    s = m.summary()
    if s.count == 0:
        return ("<span style='color:#b35900'><b>No rods measured.</b> "
                + html.escape(why_no_rods(m)) + "</span>")
    sem = (f" (mean ± {s.length_sem:.1f} SE)" if s.count > 1 else "",
           f" (mean ± {s.width_sem:.2f} SE)" if s.count > 1 else "")
    return (f"<b>{s.count}</b> {_noun(s.count, 'rod')} accepted, {s.rejected} "
            f"{_noun(s.rejected, 'object')} rejected<br>"
            f"length <b>{s.length_mean:.1f} ± {s.length_std:.1f}</b> nm{sem[0]}<br>"
            f"width <b>{s.width_mean:.2f} ± {s.width_std:.2f}</b> nm{sem[1]}<br>"
            f"aspect ratio {s.aspect_ratio_mean:.1f} ± {s.aspect_ratio_std:.1f} "
            f"(of the means: <b>{s.aspect_ratio_of_means:.1f}</b>)<br>"
            f"measured by {METHOD_NAMES[m.method]}"
            + (" (chosen automatically)" if m.settings.method == "auto" else "")
            + ("<br><i>Fewer than 30 rods: treat the means with care.</i>"
               if s.count < 30 else "")
            + _selection_html(m))


def _noun(n: int, singular: str) -> str:
    return singular if n == 1 else singular + "s"


def _selection_html(m: RodMeasurement) -> str:
    """Rejections by reason and, when the accepted rods look like a biased sample, why."""
    check = check_selection(m)
    corrected = corrected_count(m)
    out = f"<br>{corrected} {_noun(corrected, 'rod')} corrected by hand" if corrected else ""
    if check.rejected_by_reason:
        out += "<br><small>rejected: " + html.escape(check.reasons_text()) + "</small>"
    if check.warning:
        out += ("<br><span style='color:#b35900'><b>⚠ " + html.escape(check.warning)
                + "</b></span>")
    return out
