"""Predict page: type planned conditions, see length, width and aspect ratio with their
uncertainty and whether the conditions lie where the model has data; batch prediction."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.data.dataset import parse_typed_number
from nrstudio.core.data.editing import add_planned_experiments
from nrstudio.core.data.table_io import import_table
from nrstudio.core.data.training_rows import MISSING_LEVEL, choose_inputs
from nrstudio.core.data.validation import must_be_non_negative
from nrstudio.core.errors import DataError, NRStudioError
from nrstudio.core.modeling.features import UNSEEN
from nrstudio.core.modeling.final_models import FinalModels
from nrstudio.core.modeling.model_choice import AUTO, MODEL_NAMES, SHORT_NAMES, ModelPicks
from nrstudio.core.modeling.predict import Prediction
from nrstudio.core.modeling.prediction_table import predict_conditions_table
from nrstudio.core.project.sections import write_section
from nrstudio.gui.app.background import BackgroundCalls
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.file_types import TABLE_FILTER
from nrstudio.gui.app.plots import save_table_dialog
from nrstudio.gui.app.undo import SnapshotCommand
from nrstudio.gui.app.widgets import call_on_click, narrow_combo, scroll_column

AMBER = "#a05a00"
RED = "#b00020"


class PredictPage(QWidget):
    explain_requested = Signal(object)  # np.ndarray (d,) of the form's inputs
    answered = Signal()  # a prediction came back from the worker and was handled

    def __init__(self, doc: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.model: FinalModels | None = None
        self.choice_boxes: dict[str, tuple[QComboBox, QLabel]] = {}
        self.fields: dict[str, tuple[QLineEdit, QLabel]] = {}
        self.calls = BackgroundCalls(self)  # predictions off the GUI thread, newest wins
        self.request = 0
        self.prediction: Prediction | None = None
        self.debounce = QTimer(self, singleShot=True, interval=250)
        self.debounce.timeout.connect(self.predict_now)

        self.info = QLabel()
        self.info.setWordWrap(True)
        self.models_box = QGroupBox("Model per target")
        self.models_form = QFormLayout(self.models_box)
        self.form_box = QGroupBox("Planned synthesis")
        self.form = QFormLayout(self.form_box)
        self.results = QLabel()
        self.results.setWordWrap(True)
        self.results.setMinimumHeight(120)
        self.add_button = QPushButton("Add as planned experiment")
        self.add_button.clicked.connect(self.add_planned)
        self.explain_button = QPushButton("Explain this point")
        self.explain_button.clicked.connect(self._explain)
        # Dozens of conditions scroll, and the prediction below them stays in sight.
        scroll = scroll_column(self.models_box, self.form_box)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        out = QGroupBox("Prediction")
        ol = QVBoxLayout(out)
        ol.addWidget(self.results)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.explain_button)
        ol.addLayout(buttons)
        single_scroll = QWidget()
        left = QVBoxLayout(single_scroll)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.info)
        left.addWidget(scroll, 1)
        left.addWidget(out)
        single_scroll.setMaximumWidth(560)
        single_scroll.setMinimumWidth(420)

        self.batch_table = QTableWidget()
        self.batch_frame: pd.DataFrame | None = None
        load = QPushButton("Predict a table of conditions…")
        load.clicked.connect(self.batch_dialog)
        self.export_button = QPushButton("Export predictions…")
        call_on_click(self.export_button.clicked, self.export_batch)
        self.export_button.setEnabled(False)
        batch = QGroupBox("Batch prediction")
        bl = QVBoxLayout(batch)
        row = QHBoxLayout()
        row.addWidget(load)
        row.addWidget(self.export_button)
        row.addStretch(1)
        bl.addLayout(row)
        bl.addWidget(self.batch_table, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(single_scroll)
        layout.addWidget(batch, 1)
        doc.results_changed.connect(self.reload_model)
        self.reload_model()

    # ---- model -------------------------------------------------------------------------------
    def reload_model(self) -> None:
        damaged = ""
        try:
            model = self.doc.final_models()  # the same object while the models are the same
        except DataError as exc:
            model, damaged = None, str(exc)
        if model is self.model and getattr(self, "_shown", False) and not damaged:
            return  # the same models: keep the form as the user left it
        self._shown = True
        old = {n: _text(f) for n, (f, _) in self.fields.items()}
        self.model = model
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        enabled = model is not None
        for w in (self.add_button, self.explain_button, self.form_box, self.models_box):
            w.setEnabled(enabled)
        self._build_choices()
        if model is None:
            self.info.setText(f"<span style='color:{RED}'>The stored model cannot be used: "
                              f"{damaged}. Train again on the Train page.</span>" if damaged
                              else "No trained model yet: train one on the Train page.")
            self.results.setText("")
            return
        lo, hi = model.train_x.min(axis=0), model.train_x.max(axis=0)
        n = len(model.train_x)
        self.info.setText(f"Trained on {n} samples. Type conditions; predictions and their "
                          f"{round(100 * model.level)}% intervals update as you type.")
        space = model.feature_space
        for j, name in enumerate(model.inputs):
            edit: QLineEdit | QComboBox
            if name in space.levels:
                # A level never seen in training can be typed: it is predicted, and flagged.
                edit = narrow_combo(QComboBox())
                edit.setEditable(True)
                edit.addItems(space.levels[name])
                codes = model.train_x[:, j].astype(int)
                common = space.levels[name][int(np.bincount(codes).argmax())]
                edit.setCurrentText(old.get(name, common))
                edit.currentTextChanged.connect(self._changed)
                note = QLabel(f"<small>{len(space.levels[name])} levels in the samples</small>")
            else:
                edit = QLineEdit(old.get(name, f"{np.median(model.train_x[:, j]):g}"))
                unit = self._unit(name)
                edit.setPlaceholderText(unit)
                note = QLabel(f"<small>{unit} · samples span {lo[j]:g} – {hi[j]:g}</small>")
                edit.textChanged.connect(self._changed)
            self.form.addRow(name, _stacked(edit, note))
            edit.setObjectName(f"input:{name}")
            edit.setAccessibleName(name)
            self.fields[name] = (edit, note)
        self._changed()

    def _build_choices(self) -> None:
        """One drop-down per target: automatic (the lowest leakage-free MAE) or a model."""
        while self.models_form.rowCount():
            self.models_form.removeRow(0)
        self.choice_boxes = {}
        if self.model is None:
            return
        choices = self.model.choices()
        available = self.model.available()
        for target in self.model.targets:
            box = narrow_combo(QComboBox())
            box.addItem(f"automatic: {SHORT_NAMES[choices[target].model]}"
                        if choices[target].automatic else "automatic", AUTO)
            for key in MODEL_NAMES:
                if key in available[target]:
                    box.addItem(MODEL_NAMES[key], key)
            pick = self.model.picks.get(target, AUTO)
            box.setCurrentIndex(max(box.findData(pick), 0))
            reason = QLabel(f"<small>{choices[target].reason}</small>")
            reason.setWordWrap(True)
            box.setObjectName(f"model:{target}")
            box.currentIndexChanged.connect(lambda _=0, t=target: self._pick(t))
            self.models_form.addRow(target, _stacked(box, reason))
            self.choice_boxes[target] = (box, reason)

    def pick_model(self, target: str, model: str) -> None:
        """Choose the model of a target ("auto" for the automatic choice)."""
        box, _ = self.choice_boxes[target]
        box.setCurrentIndex(max(box.findData(model), 0))

    def _pick(self, target: str) -> None:
        if self.model is None:
            return
        box, reason = self.choice_boxes[target]
        self.model.picks[target] = str(box.currentData())
        write_section(self.doc.project, "model_choice", ModelPicks(dict(self.model.picks)))
        self.doc.mark_changed()
        reason.setText(f"<small>{self.model.choices()[target].reason}</small>")
        self._changed()

    def _positive_only(self, name: str, unit: str) -> bool:
        try:
            return self.doc.dataset.column(name).positive_only
        except DataError:
            return must_be_non_negative(name, unit)

    def _unit(self, name: str) -> str:
        try:
            unit = self.doc.dataset.column(name).unit
        except DataError:
            unit = ""
        return unit if unit and unit != "-" else ""

    # ---- input -------------------------------------------------------------------------------
    def read_inputs(self) -> np.ndarray | None:
        """The form's values, or None (with each field's reason shown) if any is refused."""
        if self.model is None:
            return None
        lo, hi = self.model.train_x.min(axis=0), self.model.train_x.max(axis=0)
        space = self.model.feature_space
        values, ok = [], True
        for j, (name, (edit, note)) in enumerate(self.fields.items()):
            text = _text(edit).strip()
            if name in space.levels:
                code = float(space.codes(name, [text or MISSING_LEVEL])[0])
                note.setText(f"<small style='color:{AMBER}'>a level never seen in training: "
                             "the prediction is a guess</small>" if code == UNSEEN else
                             f"<small>{len(space.levels[name])} levels in the samples</small>")
                values.append(code)
                continue
            value = parse_typed_number(text)
            unit = self._unit(name)
            span = f"samples span {lo[j]:g} – {hi[j]:g}"
            if not text:
                note.setText(f"<small style='color:{RED}'>enter a value ({span})</small>")
                ok = False
            elif value is None:
                note.setText(f"<small style='color:{RED}'>'{text}' is not a number</small>")
                ok = False
            elif value < 0 and self._positive_only(name, unit):
                note.setText(f"<small style='color:{RED}'>{value:g} is negative: amounts and "
                             "sizes cannot be</small>")
                ok = False
            elif not lo[j] <= value <= hi[j]:
                note.setText(f"<small style='color:{AMBER}'>outside the samples' range "
                             f"({span}): an extrapolation</small>")
            else:
                note.setText(f"<small>{unit} · {span}</small>")
            values.append(value)
        return np.array(values, dtype=float) if ok else None

    def _changed(self) -> None:
        self.request += 1  # any result still on its way is now stale
        self.debounce.start()

    def predict_now(self) -> None:
        x = self.read_inputs()
        if x is None or self.model is None:
            self.prediction = None
            self.results.setText("<i>Fix the inputs marked in red.</i>")
            self.add_button.setEnabled(False)
            self.explain_button.setEnabled(False)
            return
        model, request = self.model, self.request
        self.calls.submit(lambda: model.predict(x[None]),
                          lambda result: self._answered(request, result))

    def _answered(self, request: int, result: object) -> None:
        try:
            self._show(request, result)
        finally:
            self.answered.emit()

    def _show(self, request: int, result: object) -> None:
        if request != self.request:
            return  # a newer input is pending: this answer is stale
        if isinstance(result, Exception):
            self.results.setText(f"<span style='color:{RED}'>{result}</span>")
            return
        assert isinstance(result, Prediction)
        self.prediction = result
        self.add_button.setEnabled(True)
        self.explain_button.setEnabled(True)
        lines = []
        level = round(100 * result.level)
        for t, target in enumerate(result.targets):
            unit = self._unit(target)
            lo, hi = result.lower[0, t], result.upper[0, t]  # type: ignore[index]
            interval = (f"{level}% interval {lo:.3g} – {hi:.3g}" if math.isfinite(hi - lo) else
                        "no calibrated interval (it needs the leakage-free evaluation)")
            line = (f"<b>{target}</b>: {result.mean[0, t]:.3g} {unit} · {interval} "
                    f"<small>({SHORT_NAMES.get(result.models[t], result.models[t])})</small>")
            if result.impossible is not None and result.impossible[0, t] and hi >= 0:
                line += (f" <span style='color:{AMBER}'>below 0 by less than its "
                         f"uncertainty: read it as about 0 (a {target} cannot be "
                         "negative)</span>")
            elif result.impossible is not None and result.impossible[0, t]:
                line += (f" <span style='color:{RED}'><b>impossible</b>: a {target} cannot "
                         "be negative; the model is extrapolating</span>")
            lines.append(line)
        if result.out_of_domain[0]:
            lines.append(f"<span style='color:{AMBER}'><b>Out of domain</b>: "
                         f"{result.reasons()[0]}. Treat this prediction as a guess.</span>")
        else:
            lines.append(f"In domain: nearest sample {result.distance[0]:.1f}× the usual "
                         "spacing away.")
        assert self.model is not None
        for note in self.model.interval_notes(result).values():
            lines.append(f"<span style='color:{AMBER}'>{note[0].upper() + note[1:]}.</span>")
        if math.isfinite(result.ar_disagreement[0]):
            lines.append(f"Aspect ratio: predicted directly {result.mean[0, -1]:.3g}; length / "
                         f"width gives {result.ar_from_lw[0]:.3g} "
                         f"({100 * result.ar_disagreement[0]:.0f}% apart).")
        lines.append(f"<small>The {level}% intervals are calibrated on the leakage-free errors "
                     "of held-out samples (the Train page reports their coverage).</small>")
        self.results.setText("<br>".join(lines))

    # ---- actions -------------------------------------------------------------------------------
    def add_planned(self) -> None:
        x = self.read_inputs()
        if x is None or self.model is None:
            return
        model = self.model
        space = model.feature_space
        texts = {n: _text(f).strip() for n, (f, _) in self.fields.items()}
        cond = {name: texts[name] if name in space.levels else float(x[j])
                for j, name in enumerate(model.inputs)}

        try:
            self.doc.undo_stack.push(SnapshotCommand(
                self.doc, "Add a planned experiment",
                lambda ds: add_planned_experiments(ds, [cond])))
        except (DataError, ValueError) as exc:
            QMessageBox.warning(self, "Not added", str(exc))

    def _explain(self) -> None:
        x = self.read_inputs()
        if x is not None:
            self.explain_requested.emit(x)

    def batch_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Conditions to predict", "",
                                              TABLE_FILTER)
        if path:
            self.predict_file(path)

    def predict_file(self, path: str | Path) -> bool:
        """Predict every row of a table of conditions, read and predicted off the window's
        thread (a table of thousands of rows takes seconds); False when there is no model."""
        if self.model is None:
            QMessageBox.warning(self, "No model", "Train a model first (Train page).")
            return False
        model, name = self.model, Path(path).name
        dataset = self.doc.dataset.copy()  # read off the window's thread, as it was now
        self.calls.submit(lambda: predict_conditions_table(
            model, import_table(path), restated=choose_inputs(dataset).restated),
            lambda result: self._batch_predicted(model, name, result))
        return True

    def _batch_predicted(self, model: FinalModels, name: str, result: object) -> None:
        if model is not self.model:
            return  # computed for a model (a project) no longer shown
        if isinstance(result, NRStudioError):
            QMessageBox.warning(self, "Cannot predict", f"{name}: {result}")
            return
        if isinstance(result, Exception):
            raise result
        assert isinstance(result, pd.DataFrame)
        frame = result
        self.batch_frame = frame
        t = self.batch_table
        t.clear()
        t.setRowCount(len(frame))
        t.setColumnCount(len(frame.columns))
        t.setHorizontalHeaderLabels(list(frame.columns))
        for i, row in enumerate(frame.itertuples(index=False)):
            for j, value in enumerate(row):
                text = f"{value:.4g}" if isinstance(value, float) else str(value)
                t.setItem(i, j, QTableWidgetItem("yes" if value is True else
                                                 "" if value is False else text))
        t.resizeColumnsToContents()
        self.export_button.setEnabled(True)
        return True

    def export_batch(self, path: str | None = None) -> bool:
        if self.batch_frame is None:
            return False
        return save_table_dialog(self, self.batch_frame, "predictions.csv", path)


def _text(widget: QLineEdit | QComboBox) -> str:
    return widget.currentText() if isinstance(widget, QComboBox) else widget.text()


def _stacked(*widgets: QWidget) -> QWidget:
    """An input with its note under it, as one form cell."""
    cell = QWidget()
    v = QVBoxLayout(cell)
    v.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        if isinstance(w, QLabel):
            w.setWordWrap(True)  # a long hint wraps under its field instead of being cut
        v.addWidget(w)
    return cell
