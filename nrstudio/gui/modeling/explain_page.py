"""Explain page: the paper's Figure 4 made interactive (LIME weight heat maps per target),
a bar chart per sample with stability error bars, and explanations of new points."""

from __future__ import annotations

import html
import math
from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.explanation_readability import advice_when_flagged, readability
from nrstudio.core.modeling.explanations import MIN_FIDELITY, SLOPE_TOLERANCE, Explanations
from nrstudio.core.modeling.final_models import FinalModels
from nrstudio.core.modeling.model_choice import SHORT_NAMES
from nrstudio.core.project.sections import read_section, stored_document, write_section
from nrstudio.core.settings import replace_settings
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.in_turns import InTurns
from nrstudio.gui.app.jobs import JobContext, JobRunner
from nrstudio.gui.app.plots import (
    NEGATIVE,
    POSITIVE,
    ask_export,
    copy_plot,
    plain_axes,
    save_table_dialog,
)
from nrstudio.gui.app.settings_form import SettingsForm
from nrstudio.gui.app.widgets import button_row, disable_while_busy
from nrstudio.gui.modeling.explanation_detail import UNITS_NOTE, detail_text, short_name
from nrstudio.gui.modeling.lime_heatmap_plot import HeatMap

MAX_ROW_LABELS = 25  # more rows than this: every k-th is named (hover names each one)
# px, the least a target's plot gets: with six targets side by side the last were squeezed
# to a sliver and the sixth drawn off the view; past that the row scrolls sideways.
MAP_WIDTH = 210  # a heat map with its sample names and colour bar
BAR_CHART_WIDTH = 160  # a sample's bar chart
MAX_NAMED_INPUTS = 6  # more inputs than this: numbered under the maps, named in the legend


def _input_tick(features: list[str], j: int) -> str:
    return short_name(features[j]) if len(features) <= MAX_NAMED_INPUTS else str(j + 1)


LIME_FIELDS = ("num_samples", "repeats", "locality", "kernel_width", "seed")


class ExplainPage(QWidget):
    def __init__(self, doc: ProjectDocument, jobs: JobRunner, seed: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.jobs = doc, jobs
        self.heat_maps_ahead = InTurns(self)
        self.expl: Explanations | None = None
        self.point: Explanations | None = None  # a new point from the Predict page
        self.selected: int | None = None
        self.orders: list[np.ndarray] = []
        self.maps: list[HeatMap] = []  # one per target, shown
        self._bar_plots: list[pg.PlotItem] = []
        self.form = SettingsForm(LimeSettings, LIME_FIELDS, LimeSettings(seed=seed),
                                 horizontal=True)
        w = self.form.widgets
        self.samples, self.repeats = w["num_samples"], w["repeats"]
        self.kernel, self.seed = w["kernel_width"], w["seed"]
        self.run_button = QPushButton("Explain all samples")
        self.run_button.clicked.connect(self.run)
        self.sort = QComboBox()
        self.sort.setObjectName("sort")
        self.sort.currentIndexChanged.connect(lambda _: self.draw_heatmaps())
        # The settings in one row, the button and the sort order below them: in one row they
        # made the page wider than a 1366 px screen.
        actions = QHBoxLayout()
        actions.addWidget(self.run_button)
        actions.addStretch(1)
        actions.addWidget(QLabel("Sort rows by"))
        actions.addWidget(self.sort)
        top = QVBoxLayout()
        top.addWidget(self.form)
        top.addLayout(actions)
        self.heat = pg.GraphicsLayoutWidget()
        self.heat.scene().sigMouseMoved.connect(self._hover)
        self.heat.scene().sigMouseClicked.connect(self._click)
        self.hover = QLabel(UNITS_NOTE)
        self.hover.setWordWrap(True)
        self.flag_note = QLabel()
        self.flag_note.setWordWrap(True)
        self.flag_note.setVisible(False)
        self.bars = pg.GraphicsLayoutWidget()
        self.detail = QLabel("Click a sample in a heat map to see its explanation.")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setMaximumWidth(330)
        exports = button_row([
            ("Copy heat maps", lambda: copy_plot(self.heat.scene())),
            ("Heat maps PNG/SVG…", lambda: ask_export(self, self.heat.scene(),
                                                      "lime-heatmap.png")),
            ("Copy bar chart", lambda: copy_plot(self.bars.scene())),
            ("Bar chart PNG/SVG…", lambda: ask_export(self, self.bars.scene(),
                                                      "lime-sample.png")),
            ("Weights CSV…", self.export_csv)])
        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.addWidget(self.flag_note)
        ul.addWidget(_sideways(self.heat), 1)
        ul.addWidget(self.hover)
        lower = QWidget()
        ll = QHBoxLayout(lower)
        ll.addWidget(_sideways(self.bars), 2)
        # Scrolled: with many conditions (or a forest's note) the text outgrows the pane.
        detail_pane = QScrollArea()
        detail_pane.setWidget(self.detail)
        detail_pane.setWidgetResizable(True)
        detail_pane.setFrameShape(QFrame.Shape.NoFrame)
        detail_pane.setMaximumWidth(350)
        detail_pane.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        ll.addWidget(detail_pane, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setSizes([520, 260])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(exports)
        disable_while_busy(jobs, self.run_button)
        doc.results_changed.connect(self.reload)
        self.reload()

    # ---- data ----------------------------------------------------------------------------------
    def model(self) -> FinalModels | None:
        """The project's final models: LIME explains each target's chosen model."""
        try:
            return self.doc.final_models()
        except DataError:
            return None

    def settings(self) -> LimeSettings:
        return replace_settings(LimeSettings(), self.form.values())

    def reload(self) -> None:
        doc = stored_document(self.doc.project, "lime_weights")
        if doc is not None and doc is getattr(self, "_shown_doc", None):
            return  # another page's results changed, not ours
        self._shown_doc = doc
        try:
            self.expl = read_section(self.doc.project, "lime_weights") if doc else None
        except DataError:
            self.expl = None
        self.selected = None
        current = self.sort.currentText()
        self.sort.blockSignals(True)
        self.sort.clear()
        self.sort.addItem("sample order", ("sample", None))
        if self.expl is not None:
            self.sort.addItem("measured value (each target)", ("value", None))
            for j, f in enumerate(self.expl.features):
                self.sort.addItem(f"weight of {short_name(f)}", ("weight", j))
        self.sort.setCurrentIndex(max(self.sort.findText(current), 0))
        self.sort.blockSignals(False)
        self.draw_heatmaps()
        self.draw_bars()
        if self.expl is None:
            self.heat_maps_ahead.start(self._heat_maps_ahead())

    # ---- running -------------------------------------------------------------------------------
    def run(self) -> bool:
        model = self.model()
        if model is None:
            QMessageBox.information(self, "No model", "Train a model first (Train page).")
            return False
        settings = self.settings()
        x = model.train_x

        def work(ctx: JobContext) -> Explanations:
            return model.explain(x, model.sample_ids, settings, ctx.progress, ctx.cancelled)

        return self.jobs.start("LIME", work, self._finished, settings=settings)

    def _finished(self, expl: Explanations, settings: LimeSettings) -> None:
        write_section(self.doc.project, "lime_weights", expl)
        write_section(self.doc.project, "lime", settings)
        self.doc.mark_changed()

    def explain_point(self, x: np.ndarray) -> bool:
        """Explain a new point (from the Predict page) and show its bar chart."""
        model = self.model()
        if model is None:
            return False
        settings = self.settings()

        def work(ctx: JobContext) -> Explanations:
            return model.explain(np.atleast_2d(x), ["new point"], settings, ctx.progress,
                                 ctx.cancelled)

        def done(expl: Explanations, _settings: LimeSettings) -> None:
            self.point = expl
            self.selected = None
            self.draw_bars()

        return self.jobs.start("LIME (new point)", work, done, settings=settings)

    # ---- heat maps -----------------------------------------------------------------------------
    def _order(self, k: int) -> np.ndarray:
        assert self.expl is not None
        n = len(self.expl.points)
        kind, j = self.sort.currentData() or ("sample", None)
        if kind == "value":
            try:
                ids = self.doc.dataset.sample_ids()
                values = self.doc.dataset.values([self.expl.targets[k]])[:, 0]
                lookup = dict(zip(ids, values, strict=True))
                key = np.array([lookup.get(p, np.nan) for p in self.expl.points])
                return np.argsort(np.nan_to_num(key, nan=np.inf), kind="stable")
            except DataError:
                return np.arange(n)
        if kind == "weight":
            return np.argsort(-self.expl.weights[:, k, j], kind="stable")
        return np.arange(n)

    def _legend(self) -> str:
        """The note under the heat maps: what a weight is, and the inputs by number when
        there are too many for their names to fit under each map."""
        if self.expl is None or len(self.expl.features) <= MAX_NAMED_INPUTS:
            return UNITS_NOTE
        names = ", ".join(f"{j + 1} = {f}" for j, f in enumerate(self.expl.features))
        return f"{UNITS_NOTE} Inputs: {names}."

    def draw_heatmaps(self) -> None:
        """Fill the heat maps with the explanations, in the chosen order. The plots are made
        once per number of targets and refilled after that: made again, the whole scene was
        laid out anew, which held the window for over 100 ms as explanations landed and at
        every click on a sample."""
        self.orders = []
        if self.expl is None:
            # The empty maps stand for the table's targets now (a retraining on other
            # targets clears the explanations): titled by them, one per target.
            targets = self.doc.dataset.targets
            if len(self.maps) > len(targets):
                self._place_heat_maps(len(targets))
            for heat_map, target in zip(self.maps, targets, strict=False):
                heat_map.empty()
                heat_map.plot.setTitle(target)
            self.flag_note.setVisible(True)
            self.flag_note.setText("No explanations yet: train a model, then press "
                                   "'Explain all samples'.")
            return
        e = self.expl
        self.hover.setText(self._legend())
        self._show_flag_note(e)
        if len(self.maps) != len(e.targets):
            self._place_heat_maps(len(e.targets))
        flagged = e.flagged
        input_ticks = [(j + 0.5, _input_tick(e.features, j)) for j in range(len(e.features))]
        for k, (target, heat_map) in enumerate(zip(e.targets, self.maps, strict=True)):
            order = self._order(k)
            self.orders.append(order)
            step = max(1, math.ceil(len(order) / MAX_ROW_LABELS))
            row_ticks = [(i + 0.5, ("⚠ " if flagged[o, k] else "") + e.points[o])
                         for i, o in enumerate(order) if i % step == 0]
            heat_map.fill(target, e.weights[order, k, :], row_ticks, input_ticks,
                          np.flatnonzero(flagged[order, k]).tolist())
        self._mark_selected()

    @property
    def plots(self) -> list[pg.PlotItem]:
        return [m.plot for m in self.maps]

    def _show_flag_note(self, e: Explanations) -> None:
        flagged = e.flagged
        n_flagged = int(flagged.sum())
        summary = "<br>".join(html.escape(r.sentence) for r in readability(e))
        advice = advice_when_flagged(e)
        self.flag_note.setVisible(True)
        self.flag_note.setText(
            f"<small>{summary}</small>" + (
                f"<br><span style='color:#a05a00'><b>{n_flagged} of {flagged.size} "
                f"explanations are flagged</b> (⚠, grey): their local fidelity is "
                f"below {MIN_FIDELITY}, their weights disagree with the model's slope, or a "
                "weight is not a number, so the linear surrogate does not describe the model "
                "there. Do not read them as results.</span>" if n_flagged else "") + (
                f"<br><span style='color:#a05a00'>{html.escape(advice)}</span>"
                if advice else ""))

    def _place_heat_maps(self, n_targets: int) -> None:
        """Put ``n_targets`` empty heat maps side by side (the number of targets changed)."""
        self.heat.clear()
        self.maps = []
        for _ in range(n_targets):
            self._add_heat_map()

    def _add_heat_map(self) -> HeatMap:
        k = len(self.maps)
        heat_map = HeatMap.make()
        self.heat.addItem(heat_map.plot, row=0, col=2 * k)
        self.heat.addItem(heat_map.bar, row=0, col=2 * k + 1)
        self.maps.append(heat_map)
        self.heat.setMinimumWidth(len(self.maps) * MAP_WIDTH)
        return heat_map

    def _heat_maps_ahead(self) -> Iterator[None]:
        """While there are no explanations and no job runs, put up the empty heat maps of
        the table's targets, one per turn of the event loop, for explanations to fill: the
        three made at once, as the result landed, held the window for about 100 ms. Not while
        a job runs: its worker holds Python's lock so often that one took 80-90 ms then. They
        are made in the view's layout like any shown map: plots kept aside outside it were
        deleted by Python's garbage collector after their window had gone, which crashed the
        test process in 2 of 4 runs."""
        while True:
            yield
            targets = self.doc.dataset.targets
            k = len(self.maps)
            if self.expl is not None or self.jobs.busy or k >= len(targets):
                return
            self._add_heat_map().plot.setTitle(targets[k])

    def _mark_selected(self) -> None:
        """Outline the selected sample's row in every heat map (nothing when none is)."""
        e = self.expl
        for k, heat_map in enumerate(self.maps):
            if e is None or self.selected is None or k >= len(self.orders):
                heat_map.mark_row(None, 0)
            else:
                heat_map.mark_row(int(np.flatnonzero(self.orders[k] == self.selected)[0]),
                                  len(e.features))

    def _cell_at(self, pos: QPointF) -> tuple[int, int, int] | None:
        """(target, sample index, input index) under a scene position."""
        if self.expl is None:
            return None
        for k, plot in enumerate(self.plots):
            if plot.sceneBoundingRect().contains(pos):
                p = plot.vb.mapSceneToView(pos)
                j, r = int(np.floor(p.x())), int(np.floor(p.y()))
                if 0 <= j < len(self.expl.features) and 0 <= r < len(self.expl.points):
                    return k, int(self.orders[k][r]), j
        return None

    def _hover(self, pos: QPointF) -> None:
        cell = self._cell_at(pos)
        if cell is None or self.expl is None:
            self.hover.setText(self._legend())
            return
        k, i, j = cell
        e = self.expl
        self.hover.setText(f"sample {e.points[i]} · {e.targets[k]} · {e.features[j]}: weight "
                           f"{e.weights[i, k, j]:+.3g} ± {e.weight_std[i, k, j]:.2g} (over "
                           f"seeds); fidelity {e.fidelity[i, k]:.2f}")

    def _click(self, event) -> None:  # type: ignore[no-untyped-def]
        cell = self._cell_at(event.scenePos())
        if cell is not None:
            self.select_sample(cell[1])

    def select_sample(self, index: int) -> None:
        self.selected = index
        self.point = None
        self._mark_selected()
        self.draw_bars()

    # ---- bar charts ----------------------------------------------------------------------------
    def draw_bars(self) -> None:
        """The chosen sample's (or new point's) weights as bars, one plot per target. As for
        the heat maps, the plots are made once per number of targets and refilled."""
        if self.point is not None:
            e, i = self.point, 0
        elif self.expl is not None and self.selected is not None:
            e, i = self.expl, self.selected
        else:
            self.bars.clear()
            self._bar_plots = []
            self.detail.setText("Click a sample in a heat map to see its explanation.")
            return
        if len(self._bar_plots) != len(e.targets):
            self.bars.clear()
            self._bar_plots = []
            for k in range(len(e.targets)):
                plot = self.bars.addPlot(row=0, col=k)
                plain_axes(plot)
                plot.hideButtons()
                plot.getAxis("bottom").setStyle(hideOverlappingLabels=False)
                self._bar_plots.append(plot)
            self.bars.setMinimumWidth(len(e.targets) * BAR_CHART_WIDTH)
        x = np.arange(len(e.features))
        flags = e.flags()
        reasons: list[str] = []
        for k, target in enumerate(e.targets):
            explained = (f" · {SHORT_NAMES.get(e.models[k], e.models[k])}"
                         if e.models and len(e.targets) <= 2 else "")
            title = f"{short_name(target)}{explained} · R² {e.fidelity[i, k]:.2f}"
            slope = e.slope_errors()[i, k]
            if not np.isnan(slope):
                title += (" · slope ✓" if slope <= SLOPE_TOLERANCE
                          else f" · slope off by {min(slope, 9.99):.0%}")
            if flags[i, k]:
                title = f"⚠ {title} · flagged"
                reasons.append(f"{short_name(target)}: {flags[i, k]}")
            plot = self._bar_plots[k]
            plot.clear()
            plot.setTitle(title, size="8pt")  # three targets share the row: titles stay short
            w, sd = e.weights[i, k], e.weight_std[i, k]
            brushes = [pg.mkBrush("#bbbbbb" if flags[i, k] else
                                  POSITIVE if v >= 0 else NEGATIVE) for v in w]
            plot.addItem(pg.BarGraphItem(x=x, height=w, width=0.6, brushes=brushes))
            plot.addItem(pg.ErrorBarItem(x=x, y=w, height=2 * sd, beam=0.2,
                                         pen=pg.mkPen("k")))
            plot.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#888")))
            plot.getAxis("bottom").setTicks([[(j, _input_tick(e.features, j))
                                              for j in range(len(e.features))]])
            plot.setXRange(-0.7, len(e.features) - 0.3, padding=0)
        model = self.model()
        self.detail.setText(detail_text(e, i, reasons,
                                        model.feature_space if model is not None else None,
                                        self.repeats.value()))

    def export_csv(self, path: str | None = None) -> bool:
        source = self.expl if self.point is None else self.point
        if source is None:
            return False
        return save_table_dialog(self, source.to_frame(), "lime_weights.csv", path)


def _sideways(view: pg.GraphicsLayoutWidget) -> QScrollArea:
    """``view`` in a pane that scrolls sideways once its plots need more than its width."""
    pane = QScrollArea()
    pane.setWidget(view)
    pane.setWidgetResizable(True)
    pane.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    pane.setFrameShape(QFrame.Shape.NoFrame)
    return pane
