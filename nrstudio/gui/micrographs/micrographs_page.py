"""Micrographs page, Measure tab: attach TEM images to samples, set their scale, measure the
rods in a background job, inspect the outlines and histograms, and write the means into the
sample's row (undoable)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.attachments import (
    IMAGE_SUFFIXES,
    MAX_IMAGE_BYTES,
    attach_image,
    measurement_of,
    set_scale,
    store_measurement,
    summary_cells,
)
from nrstudio.core.micrographs.images import Micrograph, detect_scale_bar, read_micrograph
from nrstudio.core.micrographs.measure import (
    METHOD_NAMES,
    ImageAnalysis,
    Scale,
    analyse_micrograph,
    render_overlay,
)
from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement, RodSettings
from nrstudio.core.project.model import AttachedImage
from nrstudio.gui.app.background import BackgroundCalls
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.jobs import JobContext, JobRunner
from nrstudio.gui.app.plots import save_table_dialog
from nrstudio.gui.app.undo import SetCellsCommand
from nrstudio.gui.app.widgets import disable_while_busy
from nrstudio.gui.micrographs.decoded_images import DecodedImages
from nrstudio.gui.micrographs.micrograph_view import MicrographView
from nrstudio.gui.micrographs.rod_table import RodTableModel

IMAGE_FILTER = "Micrographs (" + " ".join(f"*{s}" for s in IMAGE_SUFFIXES) + ")"
THUMB = 120


def thumbnail(pixels: np.ndarray, side: int = THUMB) -> QImage:
    step = max(1, int(np.ceil(max(pixels.shape) / side)))
    small = np.ascontiguousarray((pixels[::step, ::step] * 255).astype(np.uint8))
    h, w = small.shape
    return QImage(small.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


class MeasureTab(QWidget):
    def __init__(self, doc: ProjectDocument, jobs: JobRunner, settings: QSettings,
                 decoded: DecodedImages, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.jobs, self.settings = doc, jobs, settings
        self.decoded = decoded
        self._thumbs: dict[str, QPixmap] = {}
        self._queued: set[str] = set()  # thumbnails being decoded
        self.background = BackgroundCalls(self)
        self.current: AttachedImage | None = None

        self.sample = QComboBox()
        self.sample.currentIndexChanged.connect(lambda _: self.fill_thumbnails())
        attach = QPushButton("Attach images…")
        attach.clicked.connect(self.attach_dialog)
        self.remove = QPushButton("Remove image")
        self.remove.clicked.connect(self.remove_current)
        top = QHBoxLayout()
        top.addWidget(QLabel("Sample"))
        top.addWidget(self.sample)
        top.addWidget(attach)
        top.addWidget(self.remove)
        top.addStretch(1)
        self.info = QLabel()
        top.addWidget(self.info)

        self.thumbs = QListWidget()
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setIconSize(QSize(THUMB, THUMB))
        self.thumbs.setMovement(QListWidget.Movement.Static)
        # A fixed cell per image with room for its two-line label under the thumbnail.
        self.thumbs.setGridSize(QSize(THUMB + 16, THUMB + 40))
        self.thumbs.setWordWrap(True)
        self.thumbs.setMaximumWidth(THUMB + 40)
        self.thumbs.currentItemChanged.connect(lambda item, _: self.show_image(item))

        self.view = MicrographView()
        self.view.rod_clicked.connect(self._rod_clicked)
        self.view.line_changed.connect(
            lambda px: self.scale_label.setText(f"Line: {px:.1f} px. Drag its ends over a "
                                                "known distance, then Apply line."))

        # Scale
        self.scale_label = QLabel("No image.")
        self.scale_label.setWordWrap(True)
        self.bar_button = QPushButton("From scale bar…")
        self.bar_button.clicked.connect(self.scale_from_bar)
        self.line_button = QPushButton("Draw a line…")
        self.line_button.clicked.connect(self.view.start_line)
        self.apply_line = QPushButton("Apply line…")
        self.apply_line.clicked.connect(self.scale_from_line)
        self.direct = QPushButton("nm per pixel…")
        self.direct.clicked.connect(self.scale_direct)
        scale_box = QGroupBox("Scale")
        sg = QGridLayout(scale_box)
        sg.addWidget(self.scale_label, 0, 0, 1, 2)
        sg.addWidget(self.bar_button, 1, 0)
        sg.addWidget(self.direct, 1, 1)
        sg.addWidget(self.line_button, 2, 0)
        sg.addWidget(self.apply_line, 2, 1)

        # Measurement
        self.measure_button = QPushButton("Measure rods")
        self.measure_button.clicked.connect(self.measure)
        self.method = QComboBox()
        for key, label in (("auto", "Automatic"), ("outline", "Outlines (short rods)"),
                           ("trace", "Centre lines (long rods, rafts)")):
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
        self.show_rejected = QCheckBox("Show rejected objects (red)")
        self.show_rejected.setChecked(True)
        self.show_rejected.toggled.connect(lambda _: self.refresh_measurement())
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.rod_info = QLabel("Click a rod to see its numbers.")
        self.rod_info.setWordWrap(True)
        self.use_button = QPushButton("Use these values")
        self.use_button.setToolTip("Write mean length, mean width and their ratio into this "
                                   "sample's row (Undo reverts it).")
        self.use_button.clicked.connect(self.use_values)
        export_csv = QPushButton("Rods CSV…")
        export_csv.clicked.connect(self.export_rods)
        export_png = QPushButton("Overlay PNG…")
        export_png.clicked.connect(self.export_overlay)
        self.hists = pg.GraphicsLayoutWidget()
        self.hists.setMinimumHeight(330)
        self.rod_table = RodTableModel()
        self.table = QTableView()
        self.table.setModel(self.rod_table)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._table_selected())

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(scale_box)
        measure_row = QHBoxLayout()
        measure_row.addWidget(self.measure_button)
        measure_row.addWidget(QLabel("Method"))
        measure_row.addWidget(self.method, 1)
        rl.addLayout(measure_row)
        rl.addWidget(self.show_rejected)
        rl.addWidget(self.summary)
        rl.addWidget(self.rod_info)
        row = QHBoxLayout()
        row.addWidget(self.use_button)
        row.addWidget(export_csv)
        row.addWidget(export_png)
        rl.addLayout(row)
        rl.addWidget(self.hists, 2)
        rl.addWidget(self.table, 1)
        right.setMinimumWidth(380)

        split = QSplitter()
        split.addWidget(self.thumbs)
        split.addWidget(self.view)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([160, 700, 400])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        disable_while_busy(jobs, self.measure_button)
        doc.dataset_reset.connect(self.reload)
        doc.path_changed.connect(self.reload)
        self.reload()

    # ---- samples and images --------------------------------------------------------------
    def reload(self) -> None:
        ds = self.doc.dataset
        ids = [sid for sid, ok in zip(ds.sample_ids(), ds.is_original, strict=True) if ok]
        keep = self.sample.currentText()
        self.sample.blockSignals(True)
        self.sample.clear()
        self.sample.addItem("All samples")
        self.sample.addItems(ids)
        self.sample.blockSignals(False)
        index = self.sample.findText(keep)
        self.sample.setCurrentIndex(max(index, 0))
        live = {im.id for im in self.doc.project.images}
        self.decoded.keep_only(live)
        self._thumbs = {k: v for k, v in self._thumbs.items() if k in live}
        self.fill_thumbnails()

    def images(self) -> list[AttachedImage]:
        chosen = self.sample.currentText()
        images = self.doc.project.images
        return images if self.sample.currentIndex() <= 0 else [
            im for im in images if im.sample_id == chosen]

    def pixels(self, image: AttachedImage) -> Micrograph | None:
        try:
            return self.decoded.get(image)
        except DataError as exc:
            QMessageBox.warning(self, "Unreadable image", str(exc))
            return None

    def _thumb_ready(self, image_id: str, result: object) -> None:
        self._queued.discard(image_id)
        if isinstance(result, QImage):
            self._thumbs[image_id] = QPixmap.fromImage(result)
        for i in range(self.thumbs.count()):
            item = self.thumbs.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == image_id:
                if image_id in self._thumbs:
                    item.setIcon(QIcon(self._thumbs[image_id]))
                else:
                    item.setToolTip(str(result))

    def shutdown(self) -> None:
        """Drop queued thumbnails and wait for the one being decoded (window closing)."""
        self.background.shutdown()

    def wait_for_thumbnails(self, msecs: int = 30_000) -> bool:
        """For tests and scripts: finish decoding thumbnails and show them."""
        return self.background.wait(msecs)

    def fill_thumbnails(self) -> None:
        keep = self.current.id if self.current else None
        self.thumbs.blockSignals(True)
        self.thumbs.clear()
        chosen = None
        for image in self.images():
            item = QListWidgetItem(f"{image.sample_id}\n{image.filename}")
            at_hand = self.decoded.peek(image.id)
            if image.id not in self._thumbs and at_hand is not None:
                self._thumbs[image.id] = QPixmap.fromImage(thumbnail(at_hand.pixels))
            if image.id in self._thumbs:
                item.setIcon(QIcon(self._thumbs[image.id]))
            elif image.id not in self._queued:
                # Decoded off the GUI thread: a 9-megapixel JPEG takes 0.15 s, a project
                # may hold dozens.
                self._queued.add(image.id)
                self.background.submit(
                    lambda im=image: thumbnail(read_micrograph(im.data, im.filename).pixels),
                    lambda result, i=image.id: self._thumb_ready(i, result))
            item.setData(Qt.ItemDataRole.UserRole, image.id)
            item.setToolTip(image.filename)
            self.thumbs.addItem(item)
            if image.id == keep:
                chosen = item
        self.thumbs.blockSignals(False)
        if chosen is None and self.thumbs.count():
            chosen = self.thumbs.item(0)
        if chosen is not None:
            self.thumbs.setCurrentItem(chosen)
            self.show_image(chosen)
        else:
            self.show_image(None)

    def image_by_id(self, image_id: str) -> AttachedImage | None:
        return next((im for im in self.doc.project.images if im.id == image_id), None)

    def show_image(self, item: QListWidgetItem | None) -> None:
        image = self.image_by_id(item.data(Qt.ItemDataRole.UserRole)) if item else None
        self.current = image
        m = self.pixels(image) if image else None
        self.view.show_image(m.pixels if m else None)
        for w in (self.remove, self.bar_button, self.line_button, self.apply_line, self.direct,
                  self.measure_button, self.use_button):
            w.setEnabled(image is not None and (w is not self.measure_button or
                                                not self.jobs.busy))
        if image is None:
            self.info.setText("No images yet: choose a sample and attach its micrographs."
                              if not self.doc.project.images else "")
        else:
            h, w = m.pixels.shape if m else (0, 0)
            self.info.setText(f"{image.filename}: {w} × {h} px, sample {image.sample_id}")
        self.refresh_scale()
        self.refresh_measurement()

    def attach_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Attach micrographs",
                                                self.settings.value("micrograph_folder", ""),
                                                IMAGE_FILTER)
        if names:
            self.settings.setValue("micrograph_folder", str(Path(names[0]).parent))
            self.attach_files([Path(n) for n in names])

    def attach_files(self, paths: list[Path]) -> list[AttachedImage]:
        """Attach files to the chosen sample (asks for one when "All samples" is shown).
        Unreadable files are listed in one message; the others are attached."""
        sample = self.sample.currentText()
        if self.sample.currentIndex() <= 0:
            ids = [self.sample.itemText(i) for i in range(1, self.sample.count())]
            if not ids:
                QMessageBox.information(self, "No samples", "Add samples to the data table "
                                        "first; every micrograph belongs to a sample.")
                return []
            sample, ok = QInputDialog.getItem(self, "Attach to sample",
                                              "Which sample do these images show?", ids, 0,
                                              False)
            if not ok:
                return []
        added, problems = [], []
        for path in paths:
            try:
                if path.stat().st_size > MAX_IMAGE_BYTES:  # refused before reading it all
                    raise DataError(f"{path.name} is larger than {MAX_IMAGE_BYTES // 2**20} MB")
                data = path.read_bytes()
                decoded = read_micrograph(data, path.name)
                added.append(attach_image(self.doc.project, sample, path.name, data, decoded))
                self.decoded.put(added[-1].id, decoded)
            except DataError as exc:
                problems.append(str(exc))
            except OSError as exc:
                problems.append(f"{path.name}: {exc.strerror or exc}")
        if added:
            self.doc.mark_changed()
            self.sample.setCurrentIndex(max(self.sample.findText(sample), 0))
            self.current = added[-1]
            self.fill_thumbnails()
        if problems:
            QMessageBox.warning(self, "Some files were not attached", "\n".join(problems))
        return added

    def remove_current(self) -> None:
        if self.current is None:
            return
        answer = QMessageBox.question(
            self, "Remove image", f"Remove {self.current.filename} and its measurement from "
            "the project? (This cannot be undone; the file on disk is not touched.)")
        if answer == QMessageBox.StandardButton.Yes:
            self.doc.project.images.remove(self.current)
            self.current = None
            self.doc.mark_changed()
            self.fill_thumbnails()

    # ---- scale ---------------------------------------------------------------------------
    def refresh_scale(self) -> None:
        im = self.current
        if im is None:
            self.scale_label.setText("No image.")
        elif im.nm_per_px is None:
            self.scale_label.setText("<b>No scale yet.</b> Use the scale bar, draw a line over "
                                     "a known distance, or type the pixel size.")
        else:
            source = im.meta.get("scale_source", "")
            self.scale_label.setText(f"{im.nm_per_px:.4g} nm per pixel ({source})")

    def _apply_scale(self, nm_per_px: float, source: str) -> None:
        assert self.current is not None
        try:
            set_scale(self.current, nm_per_px, source)
        except DataError as exc:
            QMessageBox.warning(self, "Scale not set", str(exc))
            return
        self.doc.mark_changed()
        self.refresh_scale()
        self.refresh_measurement()

    def _ask_nm(self, title: str, text: str, key: str, default: float) -> float | None:
        last = float(self.settings.value(key, default) or default)
        value, ok = QInputDialog.getDouble(self, title, text, last, 0.001, 1e6, 3)
        if not ok:
            return None
        self.settings.setValue(key, value)
        return value

    def scale_from_bar(self) -> None:
        m = self.pixels(self.current) if self.current else None
        if m is None:
            return
        bar = detect_scale_bar(m.pixels)
        if bar is None:
            QMessageBox.information(self, "No scale bar", "No solid scale bar was found near a "
                                    "corner. Draw a line over it instead, or type nm per pixel.")
            return
        nm = self._ask_nm("Scale bar", f"Found a scale bar of {bar.length_px:.0f} px at the "
                          f"{bar.corner}. How long is it, in nm?", "scale_bar_nm", 100.0)
        if nm is not None:
            self._apply_scale(nm / bar.length_px, f"scale bar {bar.length_px:.0f} px = {nm:g} nm")

    def scale_from_line(self) -> None:
        px = self.view.line_length()
        if px < 2:
            QMessageBox.information(self, "No line", "Press Draw a line… first and drag its "
                                    "ends over a distance you know.")
            return
        nm = self._ask_nm("Known distance", f"The line is {px:.1f} px long. How long is it, "
                          "in nm?", "line_nm", 100.0)
        if nm is not None:
            self.view.clear_line()
            self._apply_scale(nm / px, f"line {px:.1f} px = {nm:g} nm")

    def scale_direct(self) -> None:
        current = self.current.nm_per_px if self.current and self.current.nm_per_px else 1.0
        value, ok = QInputDialog.getDouble(self, "Pixel size", "nm per pixel:", current,
                                           1e-4, 1e4, 5)
        if ok:
            self._apply_scale(value, "typed in")

    # ---- measuring -------------------------------------------------------------------------
    def measure(self) -> bool:
        im = self.current
        m = self.pixels(im) if im else None
        if im is None or m is None:
            return False
        if im.nm_per_px is None:
            QMessageBox.information(self, "Scale needed", "Set the scale first: rods are "
                                    "measured in nm.")
            return False
        scale = Scale(im.nm_per_px, str(im.meta.get("scale_source", "")))
        rod_settings = RodSettings(method=str(self.method.currentData()))

        def work(ctx: JobContext) -> ImageAnalysis:
            return analyse_micrograph(m, im.filename, scale, rod_settings, ctx.progress,
                                      ctx.cancelled)

        def done(analysis: ImageAnalysis, _settings: RodSettings) -> None:
            if im in self.doc.project.images:
                store_measurement(im, analysis)
                self.doc.mark_changed()
            if self.current is im:
                self.refresh_measurement()

        return self.jobs.start(f"Measuring rods in {im.filename}", work, done,
                               settings=rod_settings)

    def measurement(self) -> RodMeasurement | None:
        return measurement_of(self.current) if self.current else None

    def refresh_measurement(self) -> None:
        m = self.measurement()
        self.view.set_rods(m, self.show_rejected.isChecked())
        self.hists.clear()
        self.rod_table.set_measurement(m)
        self.use_button.setEnabled(bool(m and m.accepted()))
        if m is None:
            self.summary.setText("Not measured yet." if self.current else "")
            return
        s = m.summary()
        if s.count == 0:
            self.summary.setText(f"No rod could be measured reliably ({s.rejected} objects "
                                 "rejected). Check the scale and the image.")
        else:
            self.summary.setText(
                f"<b>{s.count}</b> rods accepted, {s.rejected} objects rejected<br>"
                f"length <b>{s.length_mean:.1f} ± {s.length_std:.1f}</b> nm<br>"
                f"width <b>{s.width_mean:.2f} ± {s.width_std:.2f}</b> nm<br>"
                f"aspect ratio {s.aspect_ratio_mean:.1f} ± {s.aspect_ratio_std:.1f} "
                f"(of the means: <b>{s.aspect_ratio_of_means:.1f}</b>)<br>"
                f"measured by {METHOD_NAMES[m.method]}"
                + (" (chosen automatically)" if m.settings.method == "auto" else "")
                + ("<br><i>Fewer than 30 rods: treat the means with care.</i>"
                   if s.count < 30 else ""))
        lengths, widths = m.lengths_nm(), m.widths_nm()
        for k, (title, values) in enumerate((("length (nm)", lengths), ("width (nm)", widths),
                                             ("aspect ratio", lengths / widths
                                              if len(widths) else widths))):
            plot = self.hists.addPlot(row=k, col=0)
            plot.setLabel("bottom", title)
            plot.setMouseEnabled(False, False)
            if len(values):
                counts, edges = np.histogram(values, bins=min(30, max(5, len(values) // 4)))
                plot.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts,
                                             brush=(60, 130, 200), pen=None))

    def _rod_clicked(self, rod: Rod | None) -> None:
        m = self.measurement()
        if rod is None or m is None:
            self.rod_info.setText("Click a rod to see its numbers.")
            return
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

    def use_values(self) -> bool:
        m = self.measurement()
        if self.current is None or m is None:
            return False
        try:
            cells = summary_cells(self.doc.dataset, self.current.sample_id, m.summary())
        except DataError as exc:
            QMessageBox.warning(self, "Nothing written", str(exc))
            return False
        self.doc.undo_stack.push(SetCellsCommand(
            self.doc, f"Use measured sizes for sample {self.current.sample_id}", cells))
        names = ", ".join(f"{c[1]} = {c[3]}" for c in cells)
        self.rod_info.setText(f"Written to sample {self.current.sample_id}: {names}. "
                              "Edit ▸ Undo reverts it.")
        return True

    def export_rods(self) -> None:
        m = self.measurement()
        if m is not None and self.current is not None:
            save_table_dialog(self, pd.DataFrame(m.rows()),
                              f"{Path(self.current.filename).stem}-rods.csv")

    def export_overlay(self) -> None:
        m = self.measurement()
        px = self.pixels(self.current) if self.current else None
        if m is None or px is None or self.current is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Save overlay", f"{Path(self.current.filename).stem}-overlay.png",
            "PNG image (*.png)")
        if name:
            analysis = ImageAnalysis(self.current.filename, px,
                                     Scale(m.nm_per_px, ""), None, m)
            try:
                render_overlay(analysis, Path(name))
            except OSError as exc:
                QMessageBox.warning(self, "Not saved", f"{name}: {exc.strerror or exc}")


class MicrographsPage(QWidget):
    """The Micrographs page: tabs for measuring rods, the image model, and LIME on images."""

    def __init__(self, doc: ProjectDocument, jobs: JobRunner, settings: QSettings,
                 seed: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from nrstudio.gui.image_models.image_model_tab import ImageModelTab
        from nrstudio.gui.image_models.lime_image_tab import LimeImageTab

        self.decoded = DecodedImages()
        self.measure = MeasureTab(doc, jobs, settings, self.decoded)
        self.model = ImageModelTab(doc, jobs, seed)
        self.lime = LimeImageTab(doc, jobs, self.model, self.decoded)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.measure, "Measure rods")
        self.tabs.addTab(self.model, "Image model")
        self.tabs.addTab(self.lime, "LIME on images")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def shutdown(self) -> None:
        """Stop background decoding and previews before the window goes away."""
        self.measure.shutdown()
        self.lime.shutdown()
