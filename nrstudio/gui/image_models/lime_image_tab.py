"""Micrographs page, LIME tab: choose an image and a square region of it, a segmentation with
a live preview of its superpixels, then explain the chosen image model there. Views: the top
superpixels for and against the prediction, or the full weight heat map with opacity and a
colour bar; a warning when the weight lies on the film or the scale bar; PNG/SVG and CSV."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.errors import DataError
from nrstudio.core.image_models.image_model_settings import IMAGE_MODEL
from nrstudio.core.image_models.lime_images import (
    DEFAULT_PARAMS,
    ImageExplanation,
    ImageLimeSettings,
    SuperpixelContents,
    explain_image,
    segment_superpixels,
    superpixel_contents,
)
from nrstudio.core.micrographs.images import Micrograph, ScaleBar, detect_scale_bar
from nrstudio.core.micrographs.measure import bar_exclusion
from nrstudio.core.progress import Reporter
from nrstudio.core.project_model import AttachedImage
from nrstudio.gui.app.background import BackgroundCalls
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.jobs import JobContext, JobRunner
from nrstudio.gui.app.settings_form import SettingsForm
from nrstudio.gui.app.when_shown import WhenShown
from nrstudio.gui.app.widgets import disable_while_busy, form_layout
from nrstudio.gui.image_models.image_model_tab import ImageModelTab
from nrstudio.gui.image_models.lime_result_view import LimeResultView
from nrstudio.gui.micrographs.decoded_images import DecodedImages
from nrstudio.gui.micrographs.micrograph_view import MicrographView


def _bar_in_region(bar: ScaleBar | None, region: tuple[int, int, int, int]
                   ) -> tuple[int, int, int, int] | None:
    """The scale bar's exclusion rectangle in the coordinates of a region of the image."""
    if bar is None:
        return None
    r0, c0, r1, c1 = bar_exclusion(bar)
    return r0 - region[0], c0 - region[1], r1 - region[0], c1 - region[1]


LIME_FIELDS = ("num_samples", "hide", "batch_size", "top_labels")


class LimeImageTab(QWidget):
    def __init__(self, doc: ProjectDocument, jobs: JobRunner, models: ImageModelTab,
                 decoded: DecodedImages, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.jobs, self.models, self.decoded = doc, jobs, models, decoded
        self.pixels: np.ndarray | None = None
        self.image: AttachedImage | None = None
        self.segments: np.ndarray | None = None
        self.explanation: ImageExplanation | None = None
        self._generation = 0
        # Images are decoded and segmented only once the tab is seen: opening a project must
        # not start a second of segmentation for a tab the user may never open.
        self.image_loading = WhenShown(self, self._load_image)
        self.image_loading.pending = True  # the chosen image is not loaded yet
        self.background = BackgroundCalls(self)
        self._timer = QTimer(self, singleShot=True, interval=350)
        self._timer.timeout.connect(self.preview)

        # Left: image, region, segmentation, LIME settings.
        self.image_box = QComboBox()
        self.image_box.currentIndexChanged.connect(lambda _: self.load_image())
        self.model_box = QComboBox()
        self.side = QSpinBox(minimum=32, maximum=2048, value=512, singleStep=64)
        self.side.valueChanged.connect(self._resize_region)
        self.view = MicrographView()
        self.region = pg.RectROI([0, 0], [512, 512], pen=pg.mkPen((0, 160, 255), width=2),
                                 movable=True, resizable=False, rotatable=False)
        self.view.box.addItem(self.region)
        self.region.sigRegionChangeFinished.connect(lambda _: self._timer.start())
        self.seg_form = SettingsForm(ImageLimeSettings, ("segmentation", "seed"))
        self.method = self.seg_form.widgets["segmentation"]
        self.seg_seed = self.seg_form.widgets["seed"]
        self.method.currentIndexChanged.connect(
            lambda _: self._method_changed(self.method.currentData()))
        self.seg_form.changed.connect(self._timer.start)
        self.param_spins: list[tuple[QLabel, QDoubleSpinBox]] = []
        seg_form = QFormLayout()
        seg_form.addRow(self.seg_form)
        for _ in range(3):
            label, spin = QLabel(), QDoubleSpinBox(minimum=0.0, maximum=10_000.0, decimals=2)
            spin.valueChanged.connect(lambda _: self._timer.start())
            seg_form.addRow(label, spin)
            self.param_spins.append((label, spin))
        self.seg_info = QLabel()
        seg_form.addRow(self.seg_info)
        seg_group = QGroupBox("Superpixels")
        seg_group.setLayout(seg_form)
        self.lime_form = SettingsForm(ImageLimeSettings, LIME_FIELDS)
        w = self.lime_form.widgets
        self.samples, self.hide = w["num_samples"], w["hide"]
        self.batch, self.top_labels = w["batch_size"], w["top_labels"]
        lime_group = QGroupBox("LIME")
        QVBoxLayout(lime_group).addWidget(self.lime_form)
        self.explain_button = QPushButton("Explain this region")
        self.explain_button.clicked.connect(self.explain)
        top = form_layout([("Image", self.image_box), ("Model", self.model_box),
                           ("Region side (px)", self.side)])
        controls = QWidget()
        cl = QVBoxLayout(controls)
        cl.addLayout(top)
        cl.addWidget(seg_group)
        cl.addWidget(lime_group)
        cl.addWidget(self.explain_button)
        cl.addStretch(1)
        controls.setMaximumWidth(300)

        self.results = LimeResultView()

        split = QSplitter()
        split.addWidget(controls)
        split.addWidget(self.view)
        split.addWidget(self.results)
        split.setStretchFactor(1, 1)  # the micrograph, where the region is placed
        split.setStretchFactor(2, 1)
        split.setSizes([300, 520, 440])
        layout = QHBoxLayout(self)
        layout.addWidget(split)

        disable_while_busy(jobs, self.explain_button)
        doc.results_changed.connect(self.reload)
        doc.path_changed.connect(self.reload)
        models.models_changed.connect(self.reload_models)
        self._method_changed(self.method.currentData())
        self.reload()

    # ---- choices ---------------------------------------------------------------------------
    def reload(self) -> None:
        keep = self.image.id if self.image else None
        self.image_box.blockSignals(True)
        self.image_box.clear()
        for im in self.doc.project.images:
            self.image_box.addItem(f"{im.sample_id} — {im.filename}", im.id)
        index = self.image_box.findData(keep) if keep else 0
        self.image_box.setCurrentIndex(max(index, 0))
        self.image_box.blockSignals(False)
        if (self.image.id if self.image else None) != self.image_box.currentData():
            self.load_image()
        self.reload_models()

    def reload_models(self) -> None:
        keep = self.model_box.currentText()
        self.model_box.clear()
        target = self.models.trained_target()
        if target is not None:
            self.model_box.addItem(f"Trained image model ({target})", "trained")
        if self.models.external is not None:
            self.model_box.addItem(f"Your model ({self.models.external.spec.path})", "external")
        if keep:
            self.model_box.setCurrentText(keep)

    def load_image(self) -> None:
        self.image_loading.request()

    def _load_image(self) -> None:
        """Show the chosen image: at once when it is decoded already, else once a worker
        thread has decoded it (a 9-megapixel JPEG takes 0.1-0.15 s, too long for the GUI
        thread)."""
        image_id = self.image_box.currentData()
        self.image = next((im for im in self.doc.project.images if im.id == image_id), None)
        self.pixels = None
        if self.image is not None:
            at_hand = self.decoded.peek(self.image.id)
            if at_hand is None:
                image = self.image
                self.view.show_image(None)
                self.seg_info.setText(f"{image.filename}: reading the image…")
                self.decoded.decode_later(image, self.background,
                                          lambda result: self._decoded(image, result))
                return
            self.pixels = at_hand.pixels
        self._show_pixels()

    def _decoded(self, image: AttachedImage, result: object) -> None:
        if self.image is not image:
            return  # another image, or another project, is chosen now
        if isinstance(result, Micrograph):
            self.pixels = result.pixels
            self._show_pixels()
        else:
            self.seg_info.setText("")
            QMessageBox.warning(self, "Unreadable image", str(result))

    def _show_pixels(self) -> None:
        self.view.show_image(self.pixels)
        if self.pixels is not None:
            h, w = self.pixels.shape
            side = min(self.side.value(), h, w)
            self.region.setSize([side, side])
            self.region.setPos([(w - side) / 2, (h - side) / 2])
        self._timer.start()

    def wait_for_image(self, msecs: int = 30_000) -> bool:
        """For tests and scripts: finish decoding the chosen image and show it."""
        return self.background.wait(msecs)

    def _resize_region(self, side: int) -> None:
        if self.pixels is not None:
            side = min(side, *self.pixels.shape)
        self.region.setSize([side, side])
        self._timer.start()

    def _method_changed(self, method: str) -> None:
        """Show the chosen segmentation's own parameters with their defaults."""
        params = DEFAULT_PARAMS[method]
        for (label, spin), (name, value) in zip(self.param_spins, params.items(), strict=True):
            spin.blockSignals(True)
            label.setText(name.replace("_", " "))
            spin.setValue(value)
            spin.blockSignals(False)
        self._timer.start()

    def lime_settings(self) -> ImageLimeSettings:
        method = self.method.currentData()
        params = {name: spin.value() for (_, spin), name in
                  zip(self.param_spins, DEFAULT_PARAMS[method], strict=True)}
        values = {**self.seg_form.values(), **self.lime_form.values()}
        values["hide"] = values["hide"].strip() or "mean"
        settings = ImageLimeSettings(params=params, **values)
        settings.resolved_params()  # refuses a setting out of its range now
        settings.hide_value()  # and a bad hide colour
        return settings

    def region_rect(self) -> tuple[int, int, int, int] | None:
        """(row0, col0, row1, col1) of the region, clipped to the image; None without one."""
        if self.pixels is None:
            return None
        h, w = self.pixels.shape
        x, y = (round(float(v)) for v in self.region.pos())
        side = round(float(self.region.size()[0]))
        c0, r0 = min(max(x, 0), max(w - side, 0)), min(max(y, 0), max(h - side, 0))
        return r0, c0, min(r0 + side, h), min(c0 + side, w)

    def region_image(self) -> np.ndarray | None:
        rect = self.region_rect()
        if rect is None or self.pixels is None:
            return None
        r0, c0, r1, c1 = rect
        return self.pixels[r0:r1, c0:c1]

    # ---- preview ---------------------------------------------------------------------------
    def preview(self) -> None:
        region = self.region_image()
        if region is None:
            return
        try:
            settings = self.lime_settings()
            params = settings.resolved_params()
        except DataError as exc:
            self.seg_info.setText(str(exc))
            return
        self._generation += 1
        self.seg_info.setText("segmenting…")
        # Off the GUI thread: quickshift takes about a second on a 512 px region.
        method, seed, pixels = settings.segmentation, settings.seed, region.copy()
        self.background.submit(
            lambda: segment_superpixels(pixels, method, params, seed),
            lambda segments, g=self._generation: self._preview_ready(g, segments))

    def _preview_ready(self, generation: int, segments: object) -> None:
        if generation != self._generation:
            return  # the settings changed meanwhile
        if isinstance(segments, Exception):
            self.seg_info.setText(f"segmentation failed: {segments}")
            return
        self.segments = segments  # type: ignore[assignment]
        region = self.region_image()
        self.seg_info.setText(f"{int(self.segments.max()) + 1} superpixels")
        self.explanation = None
        if region is not None:
            self.results.show_preview(region, self.segments)

    def shutdown(self) -> None:
        self._timer.stop()
        self.background.shutdown()

    def wait_for_preview(self, msecs: int = 30_000) -> bool:
        """For tests and scripts: finish pending previews (of the image being decoded, too)."""
        self.background.wait(msecs)
        if self._timer.isActive():
            self._timer.stop()
            self.preview()
        return self.background.wait(msecs)

    # ---- explaining ------------------------------------------------------------------------
    def model_function(self):  # type: ignore[no-untyped-def]
        """(make, labels) of the chosen model for the current region: ``make()`` returns the
        function LIME calls. The stored image model is rebuilt inside ``make``, which the
        job runs on its worker (building a torch model from its weights held the GUI thread
        for tens of ms). DataError if there is no model."""
        kind = self.model_box.currentData()
        region = self.region_image()
        if region is None:
            raise DataError("choose an image first")
        if kind == "trained":
            target = self.models.trained_target()
            if target is None:
                raise DataError("the trained image model is missing; train it again")
            if self.image is None or self.image.nm_per_px is None:
                raise DataError("this image has no scale; set it on the Measure rods tab")
            stored, nm_per_px = self.doc.project.models[IMAGE_MODEL], self.image.nm_per_px

            def make() -> Callable[[np.ndarray], np.ndarray]:
                from nrstudio.core.image_models.tile_cnn import ImageRegressor

                return ImageRegressor.from_stored(stored).batch_model(region, nm_per_px)

            return make, [target]
        if kind == "external" and self.models.external is not None:
            ext = self.models.external
            return (lambda: ext.predict), ext.labels
        raise DataError("no image model yet: train one or load your own (Image model tab)")

    def explain(self) -> bool:
        region = self.region_image()
        try:
            make_model, labels = self.model_function()
            settings = self.lime_settings()
        except DataError as exc:
            QMessageBox.information(self, "Cannot explain", str(exc))
            return False
        assert region is not None
        segments = self.segments if (self.segments is not None and
                                     self.segments.shape == region.shape) else None
        rect = self.region_rect()
        pixels = self.pixels
        assert rect is not None and pixels is not None

        def work(ctx: JobContext) -> tuple[ImageExplanation, SuperpixelContents]:
            rep = Reporter(ctx.progress, ctx.cancelled)
            result = explain_image(region, make_model(), labels, settings, segments,
                                   rep.sub(0, 0.95).report, ctx.cancelled)
            # What the superpixels show, for the attention shares: finding the scale bar
            # takes 0.4 s on a 9-megapixel image and the rod pixels a smoothing of the
            # region, so both here rather than on the GUI thread.
            bar_rect = _bar_in_region(detect_scale_bar(pixels), rect)
            return result, superpixel_contents(result.segments, region, bar_rect)

        def done(outcome: tuple[ImageExplanation, SuperpixelContents],
                 _settings: ImageLimeSettings) -> None:
            result, contents = outcome
            self.explanation = result
            self.segments = result.segments
            self.results.show_explanation(region, result, contents)

        return self.jobs.start("LIME on a micrograph region", work, done, settings=settings)
