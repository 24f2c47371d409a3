"""The Measure tab's image chooser: a sample, its micrographs as thumbnails (decoded off the
GUI thread), attaching and removing images. Emits ``image_chosen(image or None)``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QWidget,
)

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.images import Micrograph, read_micrograph
from nrstudio.core.project.attachments import IMAGE_SUFFIXES, MAX_IMAGE_BYTES, attach_image
from nrstudio.core.project_model import AttachedImage
from nrstudio.gui.app.background import BackgroundCalls
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.micrographs.decoded_images import DecodedImages

IMAGE_FILTER = "Micrographs (" + " ".join(f"*{s}" for s in IMAGE_SUFFIXES) + ")"
THUMB = 120


def thumbnail(pixels: np.ndarray, side: int = THUMB) -> QImage:
    """A grey thumbnail of at most ``side`` px of an (h, w) image in [0, 1]."""
    step = max(1, int(np.ceil(max(pixels.shape) / side)))
    small = np.ascontiguousarray((pixels[::step, ::step] * 255).astype(np.uint8))
    h, w = small.shape
    return QImage(small.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


class ThumbnailStrip(QWidget):
    """The sample chooser and attach/remove buttons (``top``, a row) and the thumbnails
    (``thumbs``, a column); the tab places both."""

    image_chosen = Signal(object)  # AttachedImage | None

    def __init__(self, doc: ProjectDocument, settings: QSettings, decoded: DecodedImages,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.settings, self.decoded = doc, settings, decoded
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
        self.info = QLabel()
        self.top = QHBoxLayout(self)
        self.top.setContentsMargins(0, 0, 0, 0)
        self.top.addWidget(QLabel("Sample"))
        self.top.addWidget(self.sample)
        self.top.addWidget(attach)
        self.top.addWidget(self.remove)
        self.top.addStretch(1)
        self.top.addWidget(self.info)

        self.thumbs = QListWidget()
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setIconSize(QSize(THUMB, THUMB))
        self.thumbs.setMovement(QListWidget.Movement.Static)
        # A fixed cell per image with room for its two-line label under the thumbnail.
        self.thumbs.setGridSize(QSize(THUMB + 16, THUMB + 40))
        self.thumbs.setWordWrap(True)
        self.thumbs.setMaximumWidth(THUMB + 40)
        self.thumbs.currentItemChanged.connect(lambda item, _: self._chosen(item))

    # ---- samples and images --------------------------------------------------------------
    def reload(self) -> None:
        ds = self.doc.dataset
        ids = ds.sample_ids(np.flatnonzero(ds.is_original))
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

    def image_by_id(self, image_id: str) -> AttachedImage | None:
        return next((im for im in self.doc.project.images if im.id == image_id), None)

    def pixels(self, image: AttachedImage) -> Micrograph | None:
        """The decoded image, or None after saying why it cannot be read."""
        try:
            return self.decoded.get(image)
        except DataError as exc:
            QMessageBox.warning(self, "Unreadable image", str(exc))
            return None

    def describe(self, image: AttachedImage | None, m: Micrograph | None) -> None:
        if image is None:
            self.info.setText("No images yet: choose a sample and attach its micrographs."
                              if not self.doc.project.images else "")
        else:
            h, w = m.pixels.shape if m else (0, 0)
            self.info.setText(f"{image.filename}: {w} × {h} px, sample {image.sample_id}")
        self.remove.setEnabled(image is not None)

    # ---- thumbnails ----------------------------------------------------------------------
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
        self._chosen(chosen)

    def _chosen(self, item: QListWidgetItem | None) -> None:
        self.current = self.image_by_id(item.data(Qt.ItemDataRole.UserRole)) if item else None
        self.image_chosen.emit(self.current)

    # ---- attaching and removing ------------------------------------------------------------
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
