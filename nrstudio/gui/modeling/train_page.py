"""Train page: choose targets, network settings, baselines and protocols; watch the loss
curves; read the results as the paper's Table 1, next to the baselines, and as parity plots."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.baselines import BASELINE_NAMES
from nrstudio.core.modeling.evaluation import NETWORK, EvaluationResult, EvaluationSettings
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.networks import EpochReport, NetworkSettings
from nrstudio.core.modeling.pipeline import RunSettings, apply_payload, project_payload, run_pipeline
from nrstudio.core.modeling.run_settings import PROTOCOL_LABELS
from nrstudio.core.modeling.verdicts import verdicts
from nrstudio.core.project.sections import read_section
from nrstudio.core.settings import replace_settings
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.jobs import JobContext, JobRunner
from nrstudio.gui.app.plots import ORIGINAL, SYNTHETIC, VALIDATION, ask_export
from nrstudio.gui.app.settings_form import SettingsForm

STAGE_LABELS = {"honest": "leakage-free CV", "paper": "paper CV", "final": "final ensemble"}


LossHistory = dict[str, tuple[list[int], list[float], list[float]]]


class LossRecorder:
    """Collects the mean loss per epoch of every training stage in the worker thread and
    hands a copy to ``send`` (the job's partial result) at most four times a second."""

    def __init__(self, send: Callable[[LossHistory], None]) -> None:
        self.send = send
        self.history: LossHistory = {}
        self._last = 0.0

    def on_epoch(self, stage: str, report: EpochReport) -> None:  # worker thread
        active = report.active
        if not active.any():
            return
        epochs, tr, va = self.history.setdefault(stage, ([], [], []))
        epochs.append(report.epoch)
        tr.append(float(np.nanmean(report.train_loss[active])))
        va.append(float(np.nanmean(report.val_loss[active])))
        now = time.monotonic()
        if now - self._last >= 0.25:
            self._last = now
            self.flush()

    def flush(self) -> None:
        self.send({k: (list(a), list(b), list(c)) for k, (a, b, c) in self.history.items()})


def fmt(mean: float, std: float) -> str:
    if not np.isfinite(mean):
        return "—"
    digits = f"{mean:.3g}"
    return f"{digits} ± {std:.2g}" if np.isfinite(std) else digits


NETWORK_FIELDS = ("hidden", "optimizer", "lr", "batch_size", "max_epochs", "patience", "seed")


class TrainPage(QWidget):
    trained = Signal()

    def __init__(self, doc: ProjectDocument, jobs: JobRunner, seed: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.jobs = doc, jobs
        # ---- settings column
        self.target_boxes: dict[str, QCheckBox] = {}
        self.targets_box = QGroupBox("Targets")
        self.targets_layout = QVBoxLayout(self.targets_box)
        net = QGroupBox("Network (the paper's: 3-64-64-1, ReLU)")
        f = QFormLayout(net)
        self.net_form = SettingsForm(NetworkSettings, NETWORK_FIELDS, NetworkSettings(seed=seed))
        self.members_form = SettingsForm(RunSettings, ("members",))
        f.addRow(self.net_form)
        f.addRow(self.members_form)
        w = self.net_form.widgets
        self.hidden, self.optimizer, self.lr, self.batch = (
            w["hidden"], w["optimizer"], w["lr"], w["batch_size"])
        self.epochs, self.patience, self.seed = w["max_epochs"], w["patience"], w["seed"]
        self.members = self.members_form.widgets["members"]
        base = QGroupBox("Baselines (fitted on the original rows)")
        b = QVBoxLayout(base)
        self.baseline_boxes = {}
        for name, label in BASELINE_NAMES.items():
            box = QCheckBox(label)
            box.setChecked(True)
            if name == "mean":
                box.setEnabled(False)  # always shown: the yardstick
            self.baseline_boxes[name] = box
            b.addWidget(box)
        prot = QGroupBox("Evaluation")
        p = QVBoxLayout(prot)
        self.honest = QCheckBox("Leakage-free: hold out original samples (recommended)")
        self.honest.setChecked(True)
        self.paper = QCheckBox("Paper: 10-fold over original + synthetic rows")
        p.addWidget(self.honest)
        p.addWidget(self.paper)
        p.addWidget(QLabel("<small>The paper protocol overstates accuracy on new syntheses "
                           "(near-copies of test rows are in training).</small>", wordWrap=True))
        self.start = QPushButton("Start training")
        self.start.clicked.connect(self.run)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(jobs.cancel)
        self.progress = QProgressBar(maximum=1000)
        self.stage = QLabel()
        self.stage.setWordWrap(True)
        controls = QWidget()
        c = QVBoxLayout(controls)
        for w in (self.targets_box, net, base, prot):
            c.addWidget(w)
        row = QHBoxLayout()
        row.addWidget(self.start)
        row.addWidget(self.cancel)
        c.addLayout(row)
        c.addWidget(self.progress)
        c.addWidget(self.stage)
        c.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setMaximumWidth(400)
        # ---- results column
        self.loss_plot = pg.PlotWidget(title="Loss (mean over networks, standardised units)")
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.setLogMode(False, True)
        self.loss_plot.addLegend()
        self.table = QTableWidget()
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.parity_protocol = QComboBox()
        self.parity_protocol.currentIndexChanged.connect(lambda _: self._plot_parity())
        self.parity = pg.GraphicsLayoutWidget()
        self.point_info = QLabel("Click a point to see its sample.")
        parity_tab = QWidget()
        pl = QVBoxLayout(parity_tab)
        top = QHBoxLayout()
        top.addWidget(QLabel("Protocol:"))
        top.addWidget(self.parity_protocol)
        top.addStretch(1)
        export = QPushButton("Export PNG/SVG…")
        export.clicked.connect(lambda: ask_export(self, self.parity.scene(), "parity.png"))
        top.addWidget(export)
        pl.addLayout(top)
        pl.addWidget(self.parity, 1)
        pl.addWidget(self.point_info)
        table_tab = QWidget()
        tl = QVBoxLayout(table_tab)
        tl.addWidget(self.verdict)
        tl.addWidget(self.table, 1)
        loss_tab = QWidget()
        ll = QVBoxLayout(loss_tab)
        ll.addWidget(self.loss_plot)
        self.tabs = QTabWidget()
        self.tabs.addTab(loss_tab, "Training")
        self.tabs.addTab(table_tab, "Metrics")
        self.tabs.addTab(parity_tab, "Parity plots")
        split = QSplitter()
        split.addWidget(scroll)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        QVBoxLayout(self).addWidget(split)

        jobs.started.connect(self._job_started)
        jobs.progress.connect(self._job_progress)
        jobs.idle.connect(self._job_idle)
        doc.dataset_reset.connect(self._refresh_targets)
        doc.results_changed.connect(self.show_results)
        self._mine = False
        self._curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self._refresh_targets()
        self._job_idle()
        self.show_results()

    # ---- settings ------------------------------------------------------------------------------
    def _refresh_targets(self) -> None:
        targets = self.doc.dataset.targets
        if list(self.target_boxes) == targets:
            return
        for box in self.target_boxes.values():
            box.deleteLater()
        self.target_boxes = {}
        for t in targets:
            box = QCheckBox(t)
            box.setChecked(True)
            self.targets_layout.addWidget(box)
            self.target_boxes[t] = box

    def run_settings(self) -> RunSettings:
        targets = tuple(t for t, box in self.target_boxes.items() if box.isChecked())
        if not targets:
            raise DataError("choose at least one target")
        protocols = tuple(p for p, box in (("honest", self.honest), ("paper", self.paper))
                          if box.isChecked())
        if not protocols:
            raise DataError("choose at least one evaluation protocol")
        net = replace_settings(NetworkSettings(), self.net_form.values())
        aug = read_section(self.doc.project, "augment") or SmoteRegSettings()
        ev = EvaluationSettings(protocols=protocols, augment=aug, network=net,
                                baselines=tuple(n for n, b in self.baseline_boxes.items()
                                                if b.isChecked()),
                                targets=targets, seed=net.seed)
        ev.check()
        return RunSettings(ev, members=self.members_form.values()["members"],
                           lime=LimeSettings(), explain=False)

    # ---- running -------------------------------------------------------------------------------
    def run(self) -> bool:
        try:
            settings = self.run_settings()
        except DataError as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return False
        dataset = self.doc.dataset.copy()
        self.loss_plot.clear()
        self._curves = {}
        self.tabs.setCurrentIndex(0)
        self._mine = True

        def work(ctx: JobContext) -> dict[str, Any]:  # worker thread
            losses = LossRecorder(ctx.partial)
            result = run_pipeline(dataset, settings, ctx.progress, ctx.cancelled, losses.on_epoch)
            losses.flush()
            return project_payload(result)

        started = self.jobs.start("Training", work, self._finished, settings=settings,
                                  on_partial=self._plot_losses)
        if not started:
            self._mine = False
        return started

    def _finished(self, payload: dict, settings: RunSettings) -> None:
        apply_payload(self.doc.project, payload)
        self.doc.mark_changed()
        self.tabs.setCurrentIndex(1)
        self.trained.emit()

    def _job_started(self, title: str) -> None:
        self.start.setEnabled(False)
        self.cancel.setEnabled(self._mine)
        if self._mine:
            self.progress.setValue(0)
            self.stage.setText("starting")

    def _job_progress(self, fraction: float, stage: str) -> None:
        if self._mine:
            self.progress.setValue(round(1000 * fraction))
            self.stage.setText(stage)

    def _job_idle(self) -> None:
        if self._mine and self.progress.value() < 1000:
            self.stage.setText("stopped; the previously trained models are unchanged")
        self._mine = False
        self.start.setEnabled(True)
        self.cancel.setEnabled(False)

    def _plot_losses(self, history: dict[str, Any]) -> None:
        """Update the live curves in place (new items on every update would pile up as
        garbage and make the collector pause the window)."""
        colours = {"honest": "#cc3311", "paper": "#4477aa", "final": "#228833"}
        for stage, (epochs, tr, va) in history.items():
            if stage not in self._curves:
                colour = colours.get(stage, "#555")
                label = STAGE_LABELS.get(stage, stage)
                self._curves[stage] = (
                    self.loss_plot.plot(pen=pg.mkPen(colour, width=2), name=f"{label}: train"),
                    self.loss_plot.plot(pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine),
                                        name=f"{label}: validation"))
            train_curve, val_curve = self._curves[stage]
            train_curve.setData(epochs, tr)
            val_curve.setData(epochs, va)

    # ---- results -------------------------------------------------------------------------------
    def evaluation(self) -> EvaluationResult | None:
        """The stored evaluation, parsed once per stored document."""
        doc = self.doc.project.results.get("evaluation")
        if not doc:
            return None
        cached = getattr(self, "_cache", (None, None))
        if cached[0] is doc:
            return cached[1]
        try:
            result = EvaluationResult.from_json(doc)
        except DataError:
            result = None
        self._cache = (doc, result)
        return result

    def show_results(self) -> None:
        docs = (self.doc.project.results.get("evaluation"),
                self.doc.project.results.get("validation_predictions"))
        if getattr(self, "_shown", None) is not None and all(
                a is b for a, b in zip(docs, self._shown, strict=True)):
            return  # another page's results changed, not ours
        self._shown = docs
        result = self.evaluation()
        self.table.clear()
        if result is None:
            self.table.setRowCount(0)
            self.verdict.setText("No results yet: choose settings and press Start training.")
            self.parity.clear()
            return
        m = result.metrics
        m = m[m.metric.isin(["MAE", "MSE", "RMSE", "R2"])]
        keys = m[["protocol", "subset", "target", "model"]].drop_duplicates()
        headers = ["Protocol", "Rows", "Target", "Model", "MAE", "MSE", "RMSE", "R²", "n"]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(keys))
        for i, (protocol, subset, target, model) in enumerate(keys.itertuples(index=False)):
            sel = m[(m.protocol == protocol) & (m.subset == subset) & (m.target == target)
                    & (m.model == model)].set_index("metric")
            cells = [PROTOCOL_LABELS.get(protocol, protocol),
                     "held-out originals" if subset == "original" else subset, target,
                     model.replace("_", " ")]
            cells += [fmt(sel.loc[k, "mean"], sel.loc[k, "std"]) if k in sel.index else "—"
                      for k in ("MAE", "MSE", "RMSE", "R2")]
            cells.append(str(int(sel["n"].iloc[0])) if len(sel) else "")
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if model == NETWORK:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        lines = [v.html() for v in verdicts(result)] + [f"<i>{n}</i>" for n in result.notes]
        self.verdict.setText("<br>".join(lines))
        current = self.parity_protocol.currentData()
        self.parity_protocol.blockSignals(True)
        self.parity_protocol.clear()
        for p in dict.fromkeys(result.predictions.protocol):
            self.parity_protocol.addItem(PROTOCOL_LABELS.get(p, p), p)
        index = self.parity_protocol.findData(current)
        self.parity_protocol.setCurrentIndex(max(index, 0))
        self.parity_protocol.blockSignals(False)
        self._plot_parity()

    def _plot_parity(self) -> None:
        self.parity.clear()
        result = self.evaluation()
        protocol = self.parity_protocol.currentData()
        if result is None or protocol is None:
            return
        pred = result.predictions
        pred = pred[(pred.protocol == protocol) & (pred.model == NETWORK)]
        val = pd.DataFrame(self.doc.project.results.get("validation_predictions", {}))
        self._points: dict[tuple[int, str], pd.DataFrame] = {}
        for k, target in enumerate(dict.fromkeys(pred.target)):
            plot = self.parity.addPlot(row=0, col=k, title=target)
            plot.setLabel("bottom", "measured")
            plot.setLabel("left", "predicted")
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
