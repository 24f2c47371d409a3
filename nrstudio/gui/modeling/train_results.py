"""The Train page's results: the metrics table (the paper's Table 1 next to the baselines)
with the plain-language verdicts, and the parity plots of the out-of-fold predictions with
the validation experiments."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.modeling.conformal import DEFAULT_LEVEL, leave_one_out_half_widths
from nrstudio.core.modeling.evaluation import EvaluationResult
from nrstudio.core.modeling.model_choice import SHORT_NAMES, choose_models
from nrstudio.core.modeling.run_settings import NETWORK, PROTOCOL_LABELS
from nrstudio.core.modeling.verdicts import verdicts
from nrstudio.core.numbers import readable, readable_spread
from nrstudio.gui.app.plots import ORIGINAL, SYNTHETIC, VALIDATION, plain_axes, plot_toolbar
from nrstudio.gui.app.when_shown import WhenShown


def chosen_models(result: EvaluationResult, picks: Mapping[str, str] | None = None
                  ) -> dict[str, str]:
    """Target -> the model that makes its predictions (the user's pick, else the lowest
    leakage-free MAE): the one the Metrics table shows first and bold."""
    m = result.metrics
    available: dict[str, set[str]] = {}
    for target, model in zip(m.target, m.model, strict=True):
        available.setdefault(target, set()).add(model)
    targets = list(available)
    return {t: c.model for t, c in choose_models(targets, result, available, picks).items()}


class MetricsView(QWidget):
    """Verdicts above one table row per (protocol, rows, target, model); the chosen model of
    each target first and bold. MSE is left to the exports: RMSE says the same in the
    target's unit, and the table fits a 1366-pixel screen without scrolling sideways."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget()
        self.table.verticalHeader().setVisible(False)  # row numbers say nothing here
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 1)

    def show_result(self, result: EvaluationResult | None,
                    picks: Mapping[str, str] | None = None) -> None:
        self.table.clear()
        if result is None:
            self.table.setRowCount(0)
            self.verdict.setText("No results yet: choose settings and press Start training.")
            return
        metrics = result.metrics
        intervals = metrics[metrics.metric.isin(["coverage", "interval width"])]
        tag = str(intervals.aggregation.iloc[0]).replace("conformal ", "") if len(intervals) \
            else ""
        # One pass over the metrics table: filtering it once per row and cell kept the window
        # waiting for about 70 ms when a training run ended.
        errors = ("MAE", "MSE", "RMSE", "R2")
        shown = ("MAE", "RMSE", "R2")
        rows: dict[tuple[str, str, str, str], dict[str, tuple[float, float, int]]] = {}
        keys: dict[tuple[str, str, str, str], None] = {}  # in the table's order
        for r in metrics.itertuples(index=False):
            key = (r.protocol, r.subset, r.target, r.model)
            rows.setdefault(key, {})[r.metric] = (float(r.mean), float(r.std), int(r.n))
            if r.metric in errors:
                keys[key] = None
        chosen = chosen_models(result, picks)
        # The chosen model first within each (protocol, rows, target), the rest as computed.
        order = {k: n for n, k in enumerate(keys)}
        keys = dict.fromkeys(sorted(keys, key=lambda k: (
            order[next(j for j in keys if j[:3] == k[:3])], chosen.get(k[2]) != k[3],
            order[k])))
        # Two-line headers keep the interval columns as narrow as their numbers, so the
        # whole table fits beside the settings at the default window size.
        headers = ["Protocol", "Rows", "Target", "Model", "MAE", "RMSE", "R²", "n",
                   f"Coverage\n{tag}".strip(), f"Interval\nwidth {tag}".strip()]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(keys))
        for i, key in enumerate(keys):
            protocol, subset, target, model = key
            sel = rows[key]
            is_chosen = chosen.get(target) == model
            name = SHORT_NAMES.get(model, model.replace("_", " "))
            cells = [PROTOCOL_LABELS.get(protocol, protocol),
                     "held-out originals" if subset == "original" else subset, target,
                     f"{name} (chosen)" if is_chosen else name]
            # The spread over folds beside the MAE only; RMSE's and R²'s in their tooltips,
            # so coverage fits beside them when ten folds give every figure a spread.
            cells += [(readable_spread(*sel[k][:2]) if k == "MAE" else readable(sel[k][0]))
                      if k in sel else "—" for k in shown]
            cells.append(str(next(sel[k][2] for k in errors if k in sel)))
            cells += [f"{100 * sel['coverage'][0]:.0f}%" if "coverage" in sel else "",
                      readable(sel["interval width"][0]) if "interval width" in sel else ""]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                metric = shown[j - 4] if 4 <= j < 4 + len(shown) else None
                if metric is not None and metric in sel:
                    item.setToolTip(f"{metric} over the folds: "
                                    f"{readable_spread(*sel[metric][:2])}")
                if is_chosen:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(i, j, item)
        # Protocol and rows the same in every row (one protocol) say nothing per row: hidden,
        # so R² and the intervals fit beside the errors without scrolling sideways.
        for j in (0, 1):
            same = len({self.table.item(i, j).text() for i in range(len(keys))}) <= 1
            self.table.setColumnHidden(j, same)
        self.table.resizeColumnsToContents()
        # Long target names ("Average Length (nm)") and "(chosen)" wrap onto a second line
        # rather than push R² and the intervals out of sight.
        for j, widest in ((2, 100), (3, 112)):
            self.table.setColumnWidth(j, min(self.table.columnWidth(j), widest))
        self.table.resizeRowsToContents()
        lines = [v.html() for v in verdicts(result)] + [f"<i>{n}</i>" for n in result.notes]
        self.verdict.setText("<br>".join(lines))


class ParityView(QWidget):
    """Predicted against measured per target for one protocol; a click names the sample."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: EvaluationResult | None = None
        self.validation = pd.DataFrame()
        self.parity_protocol = QComboBox()
        # Drawn when seen: thousands of points drawn the moment training ends (while the
        # Metrics tab is shown) kept the window waiting for about 0.1 s.
        self.parity_drawing = WhenShown(self, self._plot_parity)
        self.parity_protocol.currentIndexChanged.connect(lambda _: self.parity_drawing.request())
        self.parity_model = QComboBox()
        self.parity_model.currentIndexChanged.connect(lambda _: self.parity_drawing.request())
        self._model_picked = False
        self.parity_model.activated.connect(lambda _: setattr(self, "_model_picked", True))
        self.units: dict[str, str] = {}
        self.level = DEFAULT_LEVEL
        self.parity = pg.GraphicsLayoutWidget()
        self.point_info = QLabel("Click a point to see its sample.")
        layout = QVBoxLayout(self)
        layout.addLayout(plot_toolbar(self, self.parity.scene, "parity.png", "Protocol:",
                                      self.parity_protocol, "Model:", self.parity_model))
        layout.addWidget(self.parity, 1)
        layout.addWidget(self.point_info)

    def show_result(self, result: EvaluationResult | None, validation: pd.DataFrame,
                    picks: Mapping[str, str] | None = None,
                    units: Mapping[str, str] | None = None) -> None:
        """Opens on the chosen model (of the first target) until the user picks another."""
        self.result, self.validation = result, validation
        self.units = dict(units or {})
        if result is None:
            self.parity.clear()
            return
        current = self.parity_protocol.currentData()
        self.parity_protocol.blockSignals(True)
        self.parity_protocol.clear()
        for p in pd.unique(result.predictions.protocol):
            self.parity_protocol.addItem(PROTOCOL_LABELS.get(p, p), p)
        index = self.parity_protocol.findData(current)
        self.parity_protocol.setCurrentIndex(max(index, 0))
        self.parity_protocol.blockSignals(False)
        current_model = self.parity_model.currentData() if self._model_picked else None
        if current_model is None:
            first = chosen_models(result, picks)
            current_model = next(iter(first.values()), None)
        self.parity_model.blockSignals(True)
        self.parity_model.clear()
        for m in pd.unique(result.predictions.model):
            self.parity_model.addItem(SHORT_NAMES.get(m, m), m)
        self.parity_model.setCurrentIndex(max(self.parity_model.findData(current_model), 0))
        self.parity_model.blockSignals(False)
        self.parity_drawing.request()

    def _plot_parity(self) -> None:
        self.parity.clear()
        result = self.result
        protocol = self.parity_protocol.currentData()
        if result is None or protocol is None:
            return
        model = self.parity_model.currentData() or NETWORK
        pred = result.predictions
        pred = pred[(pred.protocol == protocol) & (pred.model == model)]
        val = self.validation
        if len(val) and "model" in val:
            val = val[val.model == model]
        self._points: dict[tuple[int, str], pd.DataFrame] = {}
        for k, target in enumerate(pd.unique(pred.target)):
            plot = self.parity.addPlot(row=0, col=k, title=target)
            plain_axes(plot)
            unit = self.units.get(target, "")
            # The unit in the text: pyqtgraph's own units would add SI prefixes ("knm").
            suffix = f" ({unit})" if unit else ""
            plot.setLabel("bottom", f"measured{suffix}")
            plot.setLabel("left", f"predicted{suffix}")
            plot.addLegend(offset=(5, 5))
            p = pred[pred.target == target]
            lo = float(min(p.truth.min(), p.prediction.min()))
            hi = float(max(p.truth.max(), p.prediction.max()))
            plot.plot([lo, hi], [lo, hi], pen=pg.mkPen("#444", style=Qt.PenStyle.DashLine),
                      name="y = x")
            for origin, colour, size, name in (("synthetic", SYNTHETIC, 3, "synthetic"),
                                               ("original", ORIGINAL, 9, "original (held out)")):
                q = p[p.origin == origin]
                if len(q) == 0:
                    continue
                if origin == "synthetic" and len(q) > 3000:
                    q = q.sample(3000, random_state=0)
                self._points[(k, origin)] = q
                if origin == "original" and protocol == "honest":
                    # The interval of each held-out sample, built without that sample.
                    half = leave_one_out_half_widths(q.truth.to_numpy(float),
                                                     q.prediction.to_numpy(float), self.level)
                    if np.isfinite(half).any():
                        plot.addItem(pg.ErrorBarItem(
                            x=q.truth.to_numpy(float), y=q.prediction.to_numpy(float),
                            height=2 * np.nan_to_num(half, posinf=0.0), beam=0,
                            pen=pg.mkPen(ORIGINAL, width=1)))
                spots = pg.ScatterPlotItem(
                    q.truth.to_numpy(), q.prediction.to_numpy(), size=size, pen=None,
                    brush=pg.mkBrush(colour), name=name, data=np.arange(len(q)))
                spots.sigClicked.connect(
                    lambda _item, points, *_, key=(k, origin), target=target:
                    self._clicked_point(key, target, points))
                plot.addItem(spots)
            if len(val) and "target" in val:
                v = val[val.target == target]
                if len(v):
                    spots = pg.ScatterPlotItem(
                        v.truth.to_numpy(float), v.prediction.to_numpy(float), size=11,
                        symbol="d", pen=pg.mkPen("k"), brush=pg.mkBrush(VALIDATION),
                        name="validation experiment",
                        data=[f"validation experiment {s} — {target}: measured {t:.4g}, "
                              f"predicted {pr:.4g} ± {sd:.2g}" for s, t, pr, sd in
                              zip(v["sample"], v.truth, v.prediction, v["std"], strict=True)])
                    spots.sigClicked.connect(self._clicked)
                    plot.addItem(spots)

    def _clicked(self, item: pg.ScatterPlotItem, points: list, *_: object) -> None:
        if len(points):
            self.point_info.setText(str(points[0].data()))

    def _clicked_point(self, key: tuple[int, str], target: str, points: list) -> None:
        if not len(points):
            return
        row = self._points[key].iloc[int(points[0].data())]
        sample = row["sample"] or "(synthetic)"
        self.point_info.setText(f"sample {sample} — {target}: measured {row.truth:.4g}, "
                                f"predicted {row.prediction:.4g} (fold {int(row.fold) + 1})")
