"""The Measure tab's scale box: nm per pixel from the burned-in scale bar, from a line drawn
over a known distance, or typed. Emits ``scale_changed`` after a scale is set."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QInputDialog, QLabel, QMessageBox, QPushButton

from nrstudio.core.data.dataset import parse_typed_number
from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.images import Micrograph, detect_scale_bar
from nrstudio.core.project.attachments import set_scale
from nrstudio.core.project_model import AttachedImage
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.micrographs.micrograph_view import MicrographView


class ScalePanel(QGroupBox):
    scale_changed = Signal()

    def __init__(self, doc: ProjectDocument, settings: QSettings, view: MicrographView,
                 pixels: Callable[[AttachedImage], Micrograph | None]) -> None:
        super().__init__("Scale")
        self.doc, self.settings, self.view, self.pixels = doc, settings, view, pixels
        self.image: AttachedImage | None = None
        self.scale_label = QLabel("No image.")
        self.scale_label.setWordWrap(True)
        # A fixed height: a longer text once the scale was set moved the Measure button
        # below, so the user's next click missed it.
        self.scale_label.setFixedHeight(3 * self.scale_label.fontMetrics().lineSpacing() + 4)
        self.bar_button = QPushButton("From scale bar…")
        self.bar_button.clicked.connect(self.scale_from_bar)
        self.line_button = QPushButton("Draw a line…")
        self.line_button.clicked.connect(self.view.start_line)
        self.apply_line = QPushButton("Apply line…")
        self.apply_line.clicked.connect(self.scale_from_line)
        self.direct = QPushButton("nm per pixel…")
        self.direct.clicked.connect(self.scale_direct)
        grid = QGridLayout(self)
        grid.addWidget(self.scale_label, 0, 0, 1, 2)
        grid.addWidget(self.bar_button, 1, 0)
        grid.addWidget(self.direct, 1, 1)
        grid.addWidget(self.line_button, 2, 0)
        grid.addWidget(self.apply_line, 2, 1)
        view.line_changed.connect(
            lambda px: self.scale_label.setText(f"Line: {px:.1f} px. Drag its ends over a "
                                                "known distance, then Apply line."))

    def show_image(self, image: AttachedImage | None) -> None:
        self.image = image
        for w in (self.bar_button, self.line_button, self.apply_line, self.direct):
            w.setEnabled(image is not None)
        self.refresh()

    def refresh(self) -> None:
        im = self.image
        if im is None:
            self.scale_label.setText("No image.")
        elif im.nm_per_px is None:
            self.scale_label.setText("<b>No scale yet.</b> Use the scale bar, draw a line over "
                                     "a known distance, or type the pixel size.")
        else:
            source = im.meta.get("scale_source", "")
            self.scale_label.setText(f"{im.nm_per_px:.4g} nm per pixel ({source})")

    def _apply_scale(self, nm_per_px: float, source: str) -> None:
        assert self.image is not None
        try:
            set_scale(self.image, nm_per_px, source)
        except DataError as exc:
            QMessageBox.warning(self, "Scale not set", str(exc))
            return
        self.doc.mark_changed()
        self.refresh()
        self.scale_changed.emit()

    def _ask_nm(self, title: str, text: str, key: str) -> float | None:
        """A length in nm, typed by the user. Nothing is filled in: the label printed on a
        bar is not read (no text recognition offline), and a proposed number would be a
        guess a hurried click accepts. The last value typed is named, as a reminder only."""
        last = self.settings.value(key, "")
        hint = (f"\n(Last time you typed {last} nm; check this image's label.)"
                if last not in (None, "") else "")
        while True:
            answer, ok = QInputDialog.getText(self, title, text + hint)
            if not ok:
                return None
            value = parse_typed_number(answer.lower().replace("nm", "").strip())
            if value is not None and 0.001 <= value <= 1e6:
                self.settings.setValue(key, f"{value:g}")
                return value
            QMessageBox.warning(self, title, f"'{answer}' is not a length in nm between "
                                "0.001 and 1,000,000; type the number on the label.")

    def scale_from_bar(self) -> None:
        m = self.pixels(self.image) if self.image else None
        if m is None:
            return
        bar = detect_scale_bar(m.pixels)
        if bar is None:
            QMessageBox.information(self, "No scale bar", "No solid scale bar was found near a "
                                    "corner. Draw a line over it instead, or type nm per pixel.")
            return
        nm = self._ask_nm("Scale bar", f"Found a scale bar of {bar.length_px:.0f} px at the "
                          f"{bar.corner}. Type the length printed on its label, in nm:",
                          "scale_bar_nm")
        if nm is not None:
            self._apply_scale(nm / bar.length_px, f"scale bar {bar.length_px:.0f} px = {nm:g} nm")

    def scale_from_line(self) -> None:
        px = self.view.line_length()
        if px < 2:
            QMessageBox.information(self, "No line", "Press Draw a line… first and drag its "
                                    "ends over a distance you know.")
            return
        nm = self._ask_nm("Known distance", f"The line is {px:.1f} px long. How long is it, "
                          "in nm?", "line_nm")
        if nm is not None:
            self.view.clear_line()
            self._apply_scale(nm / px, f"line {px:.1f} px = {nm:g} nm")

    def scale_direct(self) -> None:
        current = self.image.nm_per_px if self.image and self.image.nm_per_px else 1.0
        value, ok = QInputDialog.getDouble(self, "Pixel size", "nm per pixel:", current,
                                           1e-4, 1e4, 5)
        if ok:
            self._apply_scale(value, "typed in")
