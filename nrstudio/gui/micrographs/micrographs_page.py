"""The Micrographs page: tabs for measuring rods, the image model, and LIME on images.

The Measure tab puts three panels around the image viewer: the thumbnail strip (sample,
images, attach and remove), the scale box and the measurement panel. The strip says which
image is shown; the tab hands it to the viewer and the two panels.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from nrstudio.core.micrographs.images import Micrograph
from nrstudio.core.project_model import AttachedImage
from nrstudio.gui.app.background import BackgroundCalls
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.jobs import JobRunner
from nrstudio.gui.app.widgets import scroll_column
from nrstudio.gui.micrographs.decoded_images import DecodedImages
from nrstudio.gui.micrographs.measurement_panel import MeasurementPanel
from nrstudio.gui.micrographs.micrograph_view import MicrographView
from nrstudio.gui.micrographs.scale_panel import ScalePanel
from nrstudio.gui.micrographs.thumbnail_strip import ThumbnailStrip


class MeasureTab(QWidget):
    def __init__(self, doc: ProjectDocument, jobs: JobRunner, settings: QSettings,
                 decoded: DecodedImages, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.decoded = decoded
        # full images decode here, apart from the thumbnails' queue (issue 30: a 9-megapixel
        # JPEG takes 0.1-0.15 s, too long for the GUI thread)
        self.decoding = BackgroundCalls(self)
        self.view = MicrographView()
        self.strip = ThumbnailStrip(doc, settings, decoded)
        self.scale = ScalePanel(doc, settings, self.view, self.strip.pixels)
        self.panel = MeasurementPanel(doc, jobs, settings, self.view, self.strip.pixels)
        self.scale.scale_changed.connect(self.panel.refresh)
        self.strip.image_chosen.connect(self.show_image)

        # The scale, the tools, the summary and the histograms scroll on their own: taller
        # than a 768-px screen, they made the whole page scroll, and the micrograph beside
        # them, as tall as they were, had its middle below the window's edge.
        right = scroll_column(self.scale, self.panel, stretch=False)
        right.setMinimumWidth(380)
        split = QSplitter()
        split.addWidget(self.strip.thumbs)
        split.addWidget(self.view)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([160, 700, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(self.strip)
        layout.addWidget(split, 1)

        doc.dataset_reset.connect(self.strip.reload)
        doc.path_changed.connect(self.strip.reload)
        self.strip.reload()

    @property
    def current(self) -> AttachedImage | None:
        return self.strip.current

    def show_image(self, image: AttachedImage | None) -> None:
        """Show ``image``: at once when it is decoded already, else once a worker thread has
        decoded it (the panels wait with it, as they read its pixels)."""
        if image is not None and self.decoded.peek(image.id) is None:
            self.view.show_image(None)
            self.strip.info.setText(f"{image.filename}: reading the image…")
            self.scale.show_image(None)
            self.panel.show_image(None)
            self.decoded.decode_later(image, self.decoding,
                                      lambda result: self._decoded(image, result))
            return
        m = self.strip.pixels(image) if image else None
        self.view.show_image(m.pixels if m else None)
        self.strip.describe(image, m)
        self.scale.show_image(image)
        self.panel.show_image(image)

    def _decoded(self, image: AttachedImage, result: object) -> None:
        if self.strip.current is not image:
            return  # another image, or another project, is shown now
        if isinstance(result, Micrograph):
            self.show_image(image)
        else:
            QMessageBox.warning(self, "Unreadable image", str(result))
            self.strip.describe(image, None)

    def wait_for_image(self, msecs: int = 30_000) -> bool:
        """For tests and scripts: finish decoding the chosen image and show it."""
        return self.decoding.wait(msecs)

    def shutdown(self) -> None:
        self.decoding.shutdown()
        self.strip.shutdown()


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

    def attach_files(self, paths: list[Path]) -> list[AttachedImage]:
        """Show the Measure tab and attach micrographs (files dropped on the window)."""
        self.tabs.setCurrentIndex(0)
        return self.measure.strip.attach_files(paths)

    def shutdown(self) -> None:
        """Stop background decoding and previews before the window goes away."""
        self.measure.shutdown()
        self.lime.shutdown()
