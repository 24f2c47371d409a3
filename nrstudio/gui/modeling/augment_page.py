"""Augment page: SMOTE-REG parameters with a live preview, a run in the background, and the
paper's Figure 2 (scatter matrix: originals in red over synthetic rows in blue)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.data.dataset import Dataset, split_unit
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import (
    AugmentResult,
    SmoteRegSettings,
    augment_smote_reg,
    check_plan_fits,
    plan_for_dataset,
)
from nrstudio.core.project.sections import write_section
from nrstudio.core.settings import setting_fields
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.in_turns import InTurns
from nrstudio.gui.app.jobs import JobRunner
from nrstudio.gui.app.plots import ORIGINAL, SYNTHETIC, plain_axes, with_plot_buttons
from nrstudio.gui.app.settings_form import SettingsForm, setting_widget
from nrstudio.gui.app.undo import SnapshotCommand
from nrstudio.gui.app.when_shown import WhenShown

# Synthetic points drawn per panel: in a cell ~100 px across more add ink, not information,
# and 2,000 per panel (60,000 for six columns) took ~60 ms to draw when augmentation ended.
MAX_SCATTER_POINTS = 600
# ... and in all panels together: a table with 15 number columns has 210 panels, each a
# cell ~30 px across.
MAX_SCATTER_TOTAL = 18_000
# Points made into plot items per turn of the event loop: pyqtgraph spends about 2 us of
# Python per point, and the 289-row CsPbBr3 table's originals are 60,000 points.
POINTS_PER_TURN = 9_000


def _hint(text: str) -> QLabel:
    label = QLabel(f"<small>{text}</small>")
    label.setWordWrap(True)
    label.setStyleSheet("color: #555")
    return label


class AugmentPage(QWidget):
    def __init__(self, doc: ProjectDocument, jobs: JobRunner, seed: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.jobs = doc, jobs
        defaults = SmoteRegSettings(seed=seed)
        fields = {f.name: f for f in setting_fields(SmoteRegSettings)}
        self.form = SettingsForm(SmoteRegSettings, ("minority", "neighbors"), defaults)
        self.minority = self.form.widgets["minority"]
        self.neighbors = self.form.widgets["neighbors"]
        self.mode_balance = QRadioButton(fields["per_subset"].info.none_label)
        self.mode_fixed = QRadioButton("fixed:")
        self.mode_percent = QRadioButton(f"{fields['percent'].info.label}:")
        self.mode_balance.setChecked(True)
        group = QButtonGroup(self)
        for b in (self.mode_balance, self.mode_fixed, self.mode_percent):
            group.addButton(b)
        self.per_subset = setting_widget(fields["per_subset"], 24, none_as_minimum=False)
        self.percent = setting_widget(fields["percent"], 1200.0, none_as_minimum=False)
        self.seed_form = SettingsForm(SmoteRegSettings, ("seed", "subset_cap", "budget"),
                                      defaults)
        self.seed = self.seed_form.widgets["seed"]
        self.cap = self.seed_form.widgets["subset_cap"]
        self.budget = self.seed_form.widgets["budget"]
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.run_button = QPushButton("Run SMOTE-REG")
        self.run_button.clicked.connect(self.run)
        self.clear_button = QPushButton("Clear synthetic rows")
        self.clear_button.clicked.connect(self.clear)

        form = QFormLayout()
        form.addRow(self.form)
        form.addRow(_hint(fields["minority"].info.help + " " + fields["neighbors"].info.help))
        rows_box = QVBoxLayout()
        rows_box.addWidget(self.mode_balance)
        fixed = QHBoxLayout()
        fixed.addWidget(self.mode_fixed)
        fixed.addWidget(self.per_subset)
        rows_box.addLayout(fixed)
        pct = QHBoxLayout()
        pct.addWidget(self.mode_percent)
        pct.addWidget(self.percent)
        rows_box.addLayout(pct)
        form.addRow(f"{fields['per_subset'].info.label}:", rows_box)
        form.addRow(self.seed_form)
        form.addRow(_hint(fields["seed"].info.help + " " + fields["subset_cap"].info.help + " "
                          + fields["budget"].info.help))
        box = QGroupBox("SMOTE-REG")
        inner = QVBoxLayout(box)
        inner.addLayout(form)
        inner.addWidget(self.preview)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.clear_button)
        inner.addLayout(buttons)
        inner.addStretch(1)
        box.setMaximumWidth(440)

        self.matrix = pg.GraphicsLayoutWidget()
        self.hists = pg.GraphicsLayoutWidget()
        self.matrix_plot: pg.PlotItem | None = None
        self._hist_plots: list[pg.PlotItem] = []
        self._plotted_names: list[str] | None = None
        tabs = QTabWidget()
        tabs.addTab(self._with_export(self.matrix, "scatter-matrix"), "Scatter matrix")
        tabs.addTab(self._with_export(self.hists, "histograms"), "Histograms")
        layout = QHBoxLayout(self)
        layout.addWidget(box)
        layout.addWidget(tabs, 1)

        for w in (self.per_subset, self.percent):
            w.valueChanged.connect(self.update_preview)
        self.form.changed.connect(self.update_preview)
        self.seed_form.changed.connect(self.update_preview)
        group.buttonToggled.connect(lambda *_: self.update_preview())
        doc.dataset_reset.connect(self._data_changed)
        doc.cells_updated.connect(lambda *_: self.update_preview())
        jobs.idle.connect(self._sync_buttons)
        jobs.started.connect(lambda _: self._sync_buttons())
        # In a later turn: as a SMOTE-REG result lands, the Data page and the checks take
        # their turn first (landing and drawing at once held the window for 150-200 ms).
        self.drawing = InTurns(self)
        self.matrix_drawing = WhenShown(self, self.redraw, later=True)
        self.matrix_drawing.request()
        self.update_preview()

    def _with_export(self, plot: pg.GraphicsLayoutWidget, name: str) -> QWidget:
        return with_plot_buttons(self, plot, f"{name}.png")

    # ---- settings and preview ------------------------------------------------------------
    def settings(self) -> SmoteRegSettings:
        return SmoteRegSettings(
            **self.form.values(), **self.seed_form.values(),
            per_subset=self.per_subset.value() if self.mode_fixed.isChecked() else None,
            percent=float(self.percent.value()) if self.mode_percent.isChecked() else None)

    def update_preview(self) -> None:
        self.neighbors.setMaximum(max(self.minority.value() - 1, 1))
        try:
            plan = plan_for_dataset(self.doc.dataset, self.settings())
        except DataError as exc:
            self.preview.setText(f"<span style='color:#b00020'>{exc}</span>")
            self.run_button.setEnabled(False)
            return
        text = (f"<b>{plan.n_originals} originals + {plan.n_subsets_used:,} subsets × "
                f"{plan.rows_per_subset} = {plan.n_rows:,} rows</b>")
        if plan.capped and not plan.budgeted:
            text += (f"<br><span style='color:#a05a00'>{plan.n_subsets_total:,} subsets exceed "
                     f"the cap: a random sample of {plan.n_subsets_used:,} will be used.</span>")
        if plan.note:
            text += f"<br><span style='color:#a05a00'>{plan.note.capitalize()}.</span>"
        too_many = False
        try:
            check_plan_fits(plan, len(self.doc.dataset.inputs) + len(self.doc.dataset.targets))
        except DataError as exc:
            too_many = True
            message = str(exc)
            text += f"<br><span style='color:#b00020'>{message[:1].upper()}{message[1:]}.</span>"
        self.preview.setText(text)
        self.run_button.setEnabled(not self.jobs.busy and not too_many)

    def _sync_buttons(self) -> None:
        self.update_preview()
        self.clear_button.setEnabled(not self.jobs.busy)

    # ---- running ---------------------------------------------------------------------------
    def run(self) -> bool:
        settings = self.settings()
        dataset = self.doc.dataset.copy()
        return self.jobs.start(
            "SMOTE-REG", lambda ctx: augment_smote_reg(dataset, settings, ctx.progress,
                                                       ctx.cancelled),
            self._finished, settings=settings)

    def _finished(self, result: AugmentResult, settings: SmoteRegSettings) -> None:
        def replace(ds: Dataset) -> None:
            ds.table, ds.columns, ds.rows = (result.dataset.table, result.dataset.columns,
                                             result.dataset.rows)

        self.doc.undo_stack.push(SnapshotCommand(
            self.doc, f"SMOTE-REG ({len(result.dataset):,} rows)", replace))
        write_section(self.doc.project, "augment", settings)

    def clear(self) -> None:
        from nrstudio.core.data.editing import remove_synthetic_rows

        if (~self.doc.dataset.is_original).any():
            self.doc.undo_stack.push(SnapshotCommand(self.doc, "Clear synthetic rows",
                                                     remove_synthetic_rows))

    # ---- plots -------------------------------------------------------------------------------
    def _data_changed(self) -> None:
        self.update_preview()
        self.matrix_drawing.request()

    def redraw(self) -> None:
        """Draw the scatter matrix and the histograms, a part per turn of the event loop."""
        self.drawing.start(self._drawing_steps())

    def _drawing_steps(self) -> Iterator[None]:
        """The scatter matrix is ONE plot (each panel normalised into its own cell): a grid of
        36 plot widgets takes about a second to lay out and paint. Its parts and each histogram
        get a turn of their own: all at once held the window for 100-200 ms as SMOTE-REG's
        result landed, and the page's first showing made seven plots at once (105-167 ms)."""
        ds = self.doc.dataset
        # Text conditions (a surfactant) have no axis: the matrix shows the number columns.
        names = [n for n in ds.inputs + ds.targets if not ds.column(n).is_category]
        values = None
        if names and len(ds):
            try:
                values = ds.values(names)
            except DataError:
                self._clear_plots()
                self.matrix.addLabel("Fix the errors on the Data page to see the plots.")
                return
        if values is None:
            self._clear_plots()
            return
        # The plots are kept while the columns stay the same and only their contents are
        # drawn again: making seven plot items took ~40 ms when augmentation ended.
        if self._plotted_names != names:
            self._clear_plots()
            self.matrix_plot = self.matrix.addPlot()
            plain_axes(self.matrix_plot)
            self._plotted_names = list(names)
        plot = self.matrix_plot
        assert plot is not None
        plot.clear()
        orig = ds.is_original
        syn_idx = np.flatnonzero(~orig)
        panels = max(len(names) * (len(names) - 1), 1)
        per_panel = max(min(MAX_SCATTER_POINTS, MAX_SCATTER_TOTAL // panels), 20)
        if len(syn_idx) > per_panel:
            syn_idx = np.random.default_rng(0).choice(syn_idx, per_panel, replace=False)
        yield from scatter_matrix_steps(plot, names, values, orig, syn_idx)
        for j, name in enumerate(names):
            yield
            if j < len(self._hist_plots):
                hist = self._hist_plots[j]
                hist.clear()
            else:
                hist = self.hists.addPlot(row=j // 3, col=j % 3, title=name)
                plain_axes(hist)
                hist.hideButtons()
                if j == 0:
                    hist.addLegend(offset=(5, 5))
                self._hist_plots.append(hist)
            self._histogram(hist, values[:, j], orig)

    def _clear_plots(self) -> None:
        self.matrix.clear()
        self.hists.clear()
        self.matrix_plot = None
        self._hist_plots = []
        self._plotted_names = None

    @staticmethod
    def _histogram(plot: pg.PlotItem, column: np.ndarray, orig: np.ndarray) -> None:
        finite = np.isfinite(column)
        if not finite.any():
            return
        edges = np.histogram_bin_edges(column[finite], bins=20)
        for mask, colour, name in ((~orig, SYNTHETIC, "synthetic"), (orig, ORIGINAL, "original")):
            data = column[mask & finite]
            if len(data) == 0:
                continue
            counts, _ = np.histogram(data, bins=edges)
            density = counts / max(len(data), 1)
            plot.plot(edges, density, stepMode="center", fillLevel=0,
                      brush=pg.mkBrush(colour + "60"), pen=pg.mkPen(colour), name=name)


def scatter_matrix_steps(plot: pg.PlotItem, names: list[str], values: np.ndarray,
                         orig: np.ndarray, syn_idx: np.ndarray) -> Iterator[None]:
    """Pairwise scatter of every column against every other (synthetic rows in blue, originals
    in red on top), histograms on the diagonal, column ranges written in the diagonal cells.
    ``values``: (rows, columns); ``orig``: (rows,) bool; ``syn_idx``: the synthetic rows
    drawn. Yields between its parts: the frame, the diagonals and labels, then each colour's
    points (about 18,000 synthetic ones took 30-40 ms of pyqtgraph's time)."""
    k = len(names)
    step = 1.15  # cell size including the gap
    lo = np.nanmin(values, axis=0)
    hi = np.nanmax(values, axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    norm = (values - lo) / span
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.hideButtons()
    plot.setAspectLocked(True)
    plot.setMouseEnabled(False, False)
    frame_x, frame_y = [], []
    pts = {"syn": ([], []), "orig": ([], [])}
    for i in range(k):
        y0 = (k - 1 - i) * step
        for j in range(k):
            x0 = j * step
            frame_x += [x0, x0 + 1, x0 + 1, x0, x0, np.nan]
            frame_y += [y0, y0, y0 + 1, y0 + 1, y0, np.nan]
            if i == j:
                continue
            for key, rows in (("syn", syn_idx), ("orig", np.flatnonzero(orig))):
                pts[key][0].append(norm[rows, j] + x0)
                pts[key][1].append(norm[rows, i] + y0)
    plot.addItem(pg.PlotCurveItem(np.array(frame_x), np.array(frame_y),
                                  pen=pg.mkPen("#999"), connect="finite"))
    yield  # 15 columns (225 cells) took 60-90 ms up to here with the diagonals
    for d in range(k):
        x0, y0 = d * step, (k - 1 - d) * step
        column = norm[:, d]
        edges = np.linspace(0, 1, 16)
        for mask, colour in ((~orig, SYNTHETIC), (orig, ORIGINAL)):
            data = column[mask & np.isfinite(column)]
            if len(data):
                counts, _ = np.histogram(data, bins=edges)
                heights = 0.8 * counts / max(counts.max(), 1)
                plot.addItem(pg.PlotCurveItem(edges + x0, heights + y0,
                                              stepMode="center", pen=pg.mkPen(colour)))
        short = split_unit(names[d])[0]
        label = pg.TextItem(f"{short}\n{lo[d]:.3g} – {hi[d]:.3g}", color="k", anchor=(0.5, 0))
        label.setPos(x0 + 0.5, y0 + 1)
        plot.addItem(label)
    # Originals smaller in the small cells of many columns, where 5 px dots fill the cell.
    for key, colour, size in (("syn", SYNTHETIC, 2), ("orig", ORIGINAL, 5 if k <= 8 else 3)):
        if not pts[key][0]:
            continue
        x, y = np.concatenate(pts[key][0]), np.concatenate(pts[key][1])
        brush = pg.mkBrush(colour)
        for start in range(0, len(x), POINTS_PER_TURN):
            yield
            part = slice(start, start + POINTS_PER_TURN)
            plot.addItem(pg.ScatterPlotItem(x[part], y[part], size=size, pen=None,
                                            brush=brush))
