"""Micrographs page, Image model tab: train the tile CNN on the project's micrographs in a
job and see its leave-samples-out evaluation; or load an ONNX model of one's own."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.errors import DataError
from nrstudio.core.image_models.image_model_settings import (
    IMAGE_MODEL,
    ImageModelSettings,
    choose_target,
)
from nrstudio.core.image_models.own_models import ExternalImageModel, ExternalModelSpec, read_class_names
from nrstudio.core.numbers import readable
from nrstudio.core.project.sections import read_section, write_section
from nrstudio.core.settings import replace_settings
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.jobs import JobContext, JobRunner
from nrstudio.gui.app.plots import ORIGINAL, plain_axes, with_plot_buttons
from nrstudio.gui.app.settings_form import SettingsForm
from nrstudio.gui.app.widgets import disable_while_busy, form_layout, ok_cancel_buttons

if TYPE_CHECKING:
    from nrstudio.core.image_models.tile_cnn import ImageModelResult, ImageRegressor



def _floats(text: str, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.replace(";", ",").split(",") if v.strip())
    except ValueError:
        raise DataError(f"{what}: write numbers separated by commas, e.g. 0.485, 0.456, 0.406") \
            from None
    if not values:
        raise DataError(f"{what}: give at least one number")
    return values


class ExternalModelDialog(QDialog):
    """Asks for a model file and what it expects; ``spec()`` builds the specification."""

    def __init__(self, parent: QWidget | None = None,
                 last: ExternalModelSpec | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Load an image model")
        # The path comes only from the file dialog: a model file is never loaded from a path
        # the user did not choose (a project file could carry one).
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setPlaceholderText("choose the .onnx file")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.task = QComboBox()
        self.task.addItems(["regression", "classification"])
        self.height_px = QSpinBox(minimum=8, maximum=4096, value=224)
        self.width_px = QSpinBox(minimum=8, maximum=4096, value=224)
        self.channels = QComboBox()
        self.channels.addItems(["3 (grey copied to RGB)", "1 (grey)"])
        self.layout_box = QComboBox()
        self.layout_box.addItems(["NCHW", "NHWC"])
        self.mean = QLineEdit("0.485, 0.456, 0.406")
        self.std = QLineEdit("0.229, 0.224, 0.225")
        self.classes = QLineEdit()
        self.classes.setPlaceholderText("optional text file, one class name per line")
        pick = QPushButton("Browse…")
        pick.clicked.connect(self._browse_classes)
        crow = QHBoxLayout()
        crow.addWidget(self.classes, 1)
        crow.addWidget(pick)
        form = form_layout([
            ("Model file (.onnx)", row), ("Task", self.task),
            ("Input height (px)", self.height_px), ("Input width (px)", self.width_px),
            ("Channels", self.channels), ("Layout", self.layout_box),
            ("Mean (per channel, pixels 0..1)", self.mean), ("Std (per channel)", self.std),
            ("Class names", crow)])
        buttons = ok_cancel_buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        if last is not None:
            self._fill(last)

    def _fill(self, last: ExternalModelSpec) -> None:
        """Start from the declaration used last time in this project (checked when the
        project was read); the file itself is chosen again in the file dialog."""
        self.task.setCurrentText(last.task)
        self.height_px.setValue(int(last.input_size[0]))
        self.width_px.setValue(int(last.input_size[1]))
        self.channels.setCurrentIndex(0 if last.channels == 3 else 1)
        self.layout_box.setCurrentText(last.layout)
        self.mean.setText(", ".join(f"{v:g}" for v in last.mean))
        self.std.setText(", ".join(f"{v:g}" for v in last.std))

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Model file", self.path.text(),
                                              "ONNX models (*.onnx)")
        if name:
            self.path.setText(name)

    def _browse_classes(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Class names", "", "Text (*.txt)")
        if name:
            self.classes.setText(name)

    def spec(self) -> ExternalModelSpec:
        """The specification as typed; DataError naming the field that is wrong."""
        if not self.path.text().strip():
            raise DataError("choose a model file")
        names = read_class_names(self.classes.text()) if self.classes.text().strip() else []
        spec = ExternalModelSpec(
            self.path.text().strip(), self.task.currentText(),
            (self.height_px.value(), self.width_px.value()),
            3 if self.channels.currentIndex() == 0 else 1,
            _floats(self.mean.text(), "Mean"), _floats(self.std.text(), "Std"),
            self.layout_box.currentText(), names)
        spec.check()
        return spec


CNN_FIELDS = ("epochs", "tile_px", "model_nm_per_px", "folds", "seed")


class ImageModelTab(QWidget):
    """``models_changed`` when the trained or the external model changes (the LIME tab lists
    them)."""

    models_changed = Signal()

    def __init__(self, doc: ProjectDocument, jobs: JobRunner, seed: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.jobs = doc, jobs
        self.external: ExternalImageModel | None = None
        self._project = doc.project
        self.target = QComboBox()
        self.form = SettingsForm(ImageModelSettings, CNN_FIELDS, ImageModelSettings(seed=seed))
        w = self.form.widgets
        self.epochs, self.tile, self.scale = w["epochs"], w["tile_px"], w["model_nm_per_px"]
        self.folds, self.seed = w["folds"], w["seed"]
        self.train_button = QPushButton("Train image model")
        self.train_button.clicked.connect(self.train)
        form = form_layout([("Target", self.target)])
        form.addRow(self.form)
        form.addRow(self.train_button)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        load = QPushButton("Load an ONNX model…")
        load.clicked.connect(self.load_external)
        self.external_label = QLabel("No model of your own loaded.")
        self.external_label.setWordWrap(True)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addLayout(form)
        ll.addWidget(self.result_label)
        ll.addSpacing(16)
        ll.addWidget(QLabel("<b>Your own model</b>"))
        ll.addWidget(load)
        ll.addWidget(self.external_label)
        ll.addStretch(1)
        left.setMaximumWidth(420)
        self.parity = pg.PlotWidget()
        plain_axes(self.parity)
        self.parity.setLabel("bottom", "measured (table)")
        self.parity.setLabel("left", "predicted from images, sample left out")
        self.parity.showGrid(x=True, y=True, alpha=0.3)
        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addWidget(with_plot_buttons(self, self.parity, "image-model-parity.png"), 1)
        disable_while_busy(jobs, self.train_button)
        doc.dataset_reset.connect(self.reload)
        doc.results_changed.connect(self.show_result)
        self.reload()

    def reload(self) -> None:
        if self.doc.project is not self._project:  # another project: its own model, not ours
            self._project = self.doc.project
            self.external = None
            self.external_label.setText("No model of your own loaded.")
            self.models_changed.emit()
        keep = self.target.currentText()
        self.target.clear()
        targets = self.doc.dataset.targets
        self.target.addItems(targets)
        if keep in targets:
            self.target.setCurrentText(keep)
        elif targets:
            self.target.setCurrentText(choose_target(self.doc.dataset, ""))
        stored = self._stored_external()
        if self.external is None and stored is not None:
            name = "".join(ch for ch in Path(stored.path).name if ch.isprintable())[:120]
            self.external_label.setText(f"Used before in this project: {name}. Choose the "
                                        "file again with Load an ONNX model… to use it.")
        self.show_result()

    def settings(self) -> ImageModelSettings:
        return replace_settings(ImageModelSettings(target=self.target.currentText()),
                                self.form.values())

    def train(self) -> bool:
        settings = self.settings()
        project = self.doc.project
        if not project.images:
            QMessageBox.information(self, "No micrographs", "Attach micrographs to samples "
                                    "first (Measure rods tab).")
            return False

        # torch comes with the tile CNN, on first use (the window opens without it)
        from nrstudio.core.image_models.tile_cnn import train_image_model
        from nrstudio.core.project.image_model_store import store_image_model

        def work(ctx: JobContext) -> ImageModelResult:
            return train_image_model(project, settings, ctx.progress, ctx.cancelled)

        def done(result: ImageModelResult, _settings: ImageModelSettings) -> None:
            store_image_model(self.doc.project, result)
            self.doc.mark_changed()
            self.models_changed.emit()

        return self.jobs.start("Training the image model", work, done, settings=settings)

    def trained_target(self) -> str | None:
        """The target of the stored image model, from its description: the weights are
        not loaded (that builds a torch model, tens of ms on the GUI thread)."""
        stored = self.doc.project.models.get(IMAGE_MODEL)
        target = stored.meta.get("target") if stored is not None else None
        return target if isinstance(target, str) else None

    def trained(self) -> ImageRegressor | None:
        if IMAGE_MODEL not in self.doc.project.models:
            return None  # nothing stored: no need to load torch
        from nrstudio.core.project.image_model_store import stored_image_model

        try:
            return stored_image_model(self.doc.project)
        except DataError:
            return None

    def show_result(self) -> None:
        self.parity.clear()
        try:
            result = read_section(self.doc.project, "image_model")
        except DataError:
            self.result_label.setText("The stored image-model result is damaged; train again.")
            return
        if result is None:
            self.result_label.setText("No image model trained yet. It learns the chosen "
                                      "target from tiles of the micrographs; each sample is "
                                      "predicted by a model that never saw it.")
            return
        truth, pred = result.truth, result.predicted
        m, b = result.metrics, result.baseline_metrics  # a value is None where undefined
        mae, base_mae = m.get("MAE"), b.get("MAE")
        verdict = ("beats" if mae is not None and base_mae is not None and mae < base_mae
                   else "<b>does not beat</b>")
        skipped = result.skipped
        self.result_label.setText(
            f"<b>{result.target}</b> from micrographs of {len(truth)} samples, each left "
            f"out in turn:<br>MAE <b>{readable(mae)}</b>, R² <b>{readable(m.get('R2'), 2)}"
            f"</b> — predicting the training mean: MAE {readable(base_mae)}, R² "
            f"{readable(b.get('R2'), 2)}. The image model {verdict} the mean."
            + (f"<br><i>Left out: {'; '.join(skipped[:5])}</i>" if skipped else ""))
        lo, hi = float(min(truth.min(), pred.min())), float(max(truth.max(), pred.max()))
        self.parity.plot([lo, hi], [lo, hi], pen=pg.mkPen("k", style=Qt.PenStyle.DashLine))
        self.parity.plot(truth, pred, pen=None, symbol="o", symbolBrush=ORIGINAL, symbolSize=9)
        for sid, x, y in zip(result.sample_ids, truth, pred, strict=True):
            label = pg.TextItem(str(sid), color="k", anchor=(0, 1))
            label.setPos(float(x), float(y))
            self.parity.addItem(label)

    def _stored_external(self) -> ExternalModelSpec | None:
        """The declaration used last in this project (None when there is none, or when it
        can no longer be used: the dialog then starts from its defaults)."""
        try:
            return read_section(self.doc.project, "external_image_model")
        except DataError:
            return None

    def load_external(self) -> bool:
        dialog = ExternalModelDialog(self, self._stored_external())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        try:
            return self.use_external(dialog.spec())
        except DataError as exc:
            QMessageBox.warning(self, "Model not loaded", str(exc))
            return False

    def use_external(self, spec: ExternalModelSpec) -> bool:
        """Load the model now (so a wrong input size is reported here) and remember its
        path and settings in the project; DataError when it cannot be used."""
        self.external = ExternalImageModel(spec)
        write_section(self.doc.project, "external_image_model", spec)
        self.doc.mark_changed()
        self.external_label.setText(
            f"{Path(spec.path).name}: {spec.task}, input {spec.input_size[0]}×"
            f"{spec.input_size[1]}, outputs: {', '.join(self.external.labels[:6])}")
        self.models_changed.emit()
        return True
