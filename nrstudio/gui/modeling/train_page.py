"""Train page: choose targets, network settings, baselines and protocols; watch the loss
curves; read the results as the paper's Table 1, next to the baselines, and as parity plots."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.baselines import BASELINE_NAMES
from nrstudio.core.modeling.conformal import DEFAULT_LEVEL
from nrstudio.core.modeling.evaluation import EvaluationResult
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.model_choice import SHORT_NAMES
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.networks import EpochReport
from nrstudio.core.modeling.pipeline import FastResult, run_pipeline
from nrstudio.core.modeling.run_settings import RunChoices, RunSettings, merge_run_settings
from nrstudio.core.project.run_results import apply_payload, fast_payload, project_payload
from nrstudio.core.project.sections import SECTIONS, read_section, stored_document
from nrstudio.core.project.stored_models import read_picks
from nrstudio.core.run_clock import about
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.job_status import advance_bar, time_left
from nrstudio.gui.app.jobs import JobContext, JobRunner
from nrstudio.gui.app.plots import plain_axes, with_plot_buttons
from nrstudio.gui.app.settings_form import SettingsForm
from nrstudio.gui.app.widgets import scroll_column
from nrstudio.gui.modeling.train_results import MetricsView, ParityView

STAGE_LABELS = {"honest": "leakage-free CV", "paper": "paper CV", "final": "final ensemble"}


LossHistory = dict[str, tuple[list[int], list[float], list[float]]]
GOOD_R2 = 0.8  # a fast model this good makes waiting for the networks optional


def with_evaluation_read(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with its stored evaluation already read back (worker thread), as the
    page shows it: parsing thousands of prediction rows on the GUI thread held the window
    for 0.37 s when training ended."""
    return {**payload, "evaluation_read": SECTIONS["evaluation"].load(payload["evaluation"])}


@dataclass(frozen=True)
class FastModelsReady:
    """The partial result a run sends once its fast models are evaluated (worker thread to
    GUI thread): the payload to store, and per target the best fast model and its R²."""

    payload: dict[str, Any]
    best: dict[str, tuple[str, float]]
    forecast: str = ""  # the networks' measured time, once they have been timed

    @classmethod
    def of(cls, fast: FastResult) -> FastModelsReady:
        return cls(with_evaluation_read(fast_payload(fast)), fast.best_fast_model(),
                   fast.networks_forecast())

    def summary(self) -> str:
        """One sentence on what the fast models already do, per target."""
        parts = [f"{target}: {SHORT_NAMES.get(model, model)}, R² {r2:.2f}"
                 for target, (model, r2) in self.best.items()]
        good = all(r2 >= GOOD_R2 for _, r2 in self.best.values())
        head = ("The fast models already predict well" if good
                else "The fast models are ready")
        return (f"{head} (leakage-free; {'; '.join(parts)}). Predict and Design use them "
                "now; the networks are training, and the tables update when they finish. "
                "Cancel keeps these results.")


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
        row = QHBoxLayout()
        row.addWidget(self.start)
        row.addWidget(self.cancel)
        scroll = scroll_column(self.targets_box, net, base, prot, row, self.progress, self.stage)
        scroll.setMaximumWidth(max(440, scroll.minimumWidth()))
        # ---- results column
        self.loss_plot = pg.PlotWidget(title="Loss (mean over networks, standardised units)")
        plain_axes(self.loss_plot)
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.setLogMode(False, True)
        self.loss_plot.addLegend()
        self.metrics = MetricsView()
        self.parity_view = ParityView()
        loss_tab = QWidget()
        ll = QVBoxLayout(loss_tab)
        ll.addWidget(with_plot_buttons(self, self.loss_plot, "loss.png"))
        self.tabs = QTabWidget()
        self.tabs.addTab(loss_tab, "Training")
        self.tabs.addTab(self.metrics, "Metrics")
        self.tabs.addTab(self.parity_view, "Parity plots")
        self.fast_note = QLabel()  # what the fast models do while the networks train
        self.fast_note.setObjectName("note:fast-models")
        self.fast_note.setWordWrap(True)
        self.fast_note.setStyleSheet("background: #eef6ee; padding: 4px;")
        self.fast_note.hide()
        results = QWidget()
        rl = QVBoxLayout(results)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.fast_note)
        rl.addWidget(self.tabs, 1)
        split = QSplitter()
        split.addWidget(scroll)
        split.addWidget(results)
        split.setStretchFactor(1, 1)
        QVBoxLayout(self).addWidget(split)

        jobs.started.connect(self._job_started)
        jobs.progress.connect(self._job_progress)
        jobs.idle.connect(self._job_idle)
        doc.dataset_reset.connect(self._refresh_targets)
        doc.results_changed.connect(self.show_results)
        self._mine = False
        self._fast: FastModelsReady | None = None  # this run's fast models, once stored
        self._t0 = 0.0
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
        network = self.net_form.values()
        augment = read_section(self.doc.project, "augment")
        _check_augmentation_fits(self.doc.dataset, augment or SmoteRegSettings())
        baselines = tuple(n for n, b in self.baseline_boxes.items() if b.isChecked())
        # The folds follow the network form's seed; the augmentation keeps its own (Augment
        # page); LIME runs later, from the Explain page, with its own settings.
        choices = RunChoices(
            network=network,
            evaluation={"protocols": protocols, "baselines": baselines, "targets": targets,
                        "seed": network.get("seed", NetworkSettings().seed)},
            run={"members": self.members_form.values()["members"], "explain": False})
        return merge_run_settings(RunSettings(), choices, augment, LimeSettings())

    # ---- running -------------------------------------------------------------------------------
    def run(self) -> bool:
        try:
            settings = self.run_settings()
        except DataError as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return False
        dataset = self.doc.dataset.copy()
        picks = read_picks(self.doc.project)
        self.loss_plot.clear()
        self._curves = {}
        self.tabs.setCurrentIndex(0)
        self._mine = True
        self._fast = None
        self.fast_note.hide()

        def work(ctx: JobContext) -> dict[str, Any]:  # worker thread
            losses = LossRecorder(ctx.partial)
            result = run_pipeline(dataset, settings, ctx.progress, ctx.cancelled, losses.on_epoch,
                                  picks, lambda fast: ctx.partial(FastModelsReady.of(fast)))
            losses.flush()
            return with_evaluation_read(project_payload(result))

        started = self.jobs.start("Training", work, self._finished, settings=settings,
                                  on_partial=self._partial)
        if not started:
            self._mine = False
        return started

    def _partial(self, value: object) -> None:
        if isinstance(value, FastModelsReady):
            self._fast_ready(value)
        else:
            self._plot_losses(value)  # type: ignore[arg-type]

    def _fast_ready(self, fast: FastModelsReady) -> None:
        """Store the fast models at once (the job runner delivers this only to the project
        the run started on), so that their results, Predict and Design need no wait."""
        # The Metrics tab comes forward with the first results only: a user who went back to
        # the loss curves is not pulled away again when the Gaussian process follows.
        self._store(fast.payload, show_metrics=self._fast is None)
        self._fast = fast
        self.fast_note.setText(fast.summary() + (f" {fast.forecast}" if fast.forecast else ""))
        self.fast_note.show()

    def _finished(self, payload: dict, settings: RunSettings) -> None:
        self._store(payload)
        self.fast_note.hide()

    def _store(self, payload: dict[str, Any], show_metrics: bool = True) -> None:
        apply_payload(self.doc.project, payload)
        self._cache = (payload["evaluation"], payload["evaluation_read"])  # read in the worker
        self.doc.remember_final_models(payload["final_models"])
        self.doc.mark_changed()
        if show_metrics:
            self.tabs.setCurrentIndex(1)
        self.trained.emit()

    def _job_started(self, title: str) -> None:
        self.start.setEnabled(False)
        self.cancel.setEnabled(self._mine)
        if self._mine:
            self._t0 = time.monotonic()
            self.progress.setValue(0)
            self.stage.setText("starting")

    def _job_progress(self, fraction: float, stage: str) -> None:
        if self._mine:
            advance_bar(self.progress, fraction)
            self.stage.setText(stage)
            if self._fast is not None:
                left = time_left(time.monotonic() - self._t0, fraction)
                wait = (f" The networks need {about(left)} more." if left is not None
                        else f" {self._fast.forecast}" if self._fast.forecast else "")
                self.fast_note.setText(self._fast.summary() + wait)

    def _job_idle(self) -> None:
        if self._mine and self.progress.value() < 1000:
            self.stage.setText("stopped; the fast models' results are kept, the networks were "
                               "not trained" if self._fast is not None else
                               "stopped; the previously trained models are unchanged")
            self.fast_note.hide()
        self._mine = False
        self._fast = None
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
        doc = stored_document(self.doc.project, "evaluation")
        if not doc:
            return None
        cached = getattr(self, "_cache", (None, None))
        if cached[0] is doc:
            return cached[1]
        try:
            result = read_section(self.doc.project, "evaluation")
        except DataError:
            result = None
        self._cache = (doc, result)
        return result

    def show_results(self) -> None:
        docs = (stored_document(self.doc.project, "evaluation"),
                stored_document(self.doc.project, "validation_predictions"))
        if getattr(self, "_shown", None) is not None and all(
                a is b for a, b in zip(docs, self._shown, strict=True)):
            return  # another page's results changed, not ours
        self._shown = docs
        result = self.evaluation()
        try:
            validation = read_section(self.doc.project, "validation_predictions")
        except DataError:
            validation = None
        try:
            run = read_section(self.doc.project, "run")
        except DataError:
            run = None
        self.parity_view.level = run.evaluation.level if run is not None else DEFAULT_LEVEL
        picks = read_picks(self.doc.project)
        units = {c.name: c.unit for c in self.doc.dataset.columns if c.unit not in ("", "-")}
        self.metrics.show_result(result, picks)
        self.parity_view.show_result(result, validation if validation is not None
                                     else pd.DataFrame(), picks, units)


def _check_augmentation_fits(dataset, augment: SmoteRegSettings) -> None:  # type: ignore[no-untyped-def]
    """Refuse, before any work, augmentation settings (from the Augment page) that would not
    fit in memory or in a project (the Augment page's own preview check)."""
    from nrstudio.core.modeling.augment import check_plan_fits, plan_for_dataset

    if len(dataset) < 2:
        return
    check_plan_fits(plan_for_dataset(dataset, augment),
                    len(dataset.inputs) + len(dataset.targets))
