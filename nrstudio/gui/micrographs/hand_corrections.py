"""Correcting a measurement by hand in the viewer: a click accepts or rejects a rod, two
clicks and a width draw a rod the method missed. Every correction is one undo step, stored
with the measurement in the project."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QPushButton, QWidget

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.corrections import draw_rod, toggle_rod
from nrstudio.core.micrographs.rod_model import RodMeasurement
from nrstudio.core.project.sections import write_image_section
from nrstudio.core.project_model import AttachedImage
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.micrographs.micrograph_view import MicrographView


class MeasurementCommand(QUndoCommand):
    """Replace an image's stored measurement (corrections return new measurements, so the
    two kept here never change)."""

    def __init__(self, image: AttachedImage, before: RodMeasurement, after: RodMeasurement,
                 text: str, changed: Callable[[], None]) -> None:
        super().__init__(text)
        self.image, self.changed = image, changed
        self.before, self.after = before, after

    def redo(self) -> None:
        write_image_section(self.image, "measurement", self.after)
        self.changed()

    def undo(self) -> None:
        write_image_section(self.image, "measurement", self.before)
        self.changed()


class CorrectionTools(QWidget):
    """The two tools' buttons; the panel gives the current image and measurement."""

    def __init__(self, doc: ProjectDocument, view: MicrographView,
                 current: Callable[[], tuple[AttachedImage | None, RodMeasurement | None]],
                 changed: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.view, self.current, self.changed = doc, view, current, changed
        self.correct = QPushButton("Accept / reject by click")
        self.correct.setToolTip("Click a rod to reject it, or a rejected object to accept it "
                                "as a rod (Edit ▸ Undo takes it back)")
        self.draw = QPushButton("Draw a missed rod")
        self.draw.setToolTip("Click one end of a rod the method missed, then the other end, "
                             "then give its width")
        for b in (self.correct, self.draw):
            b.setCheckable(True)
        self.correct.toggled.connect(lambda on: self._mode("correct" if on else None))
        self.draw.toggled.connect(lambda on: self._mode("draw" if on else None))
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.correct)
        layout.addWidget(self.draw)
        view.toggle_requested.connect(self.toggle)
        view.rod_drawn.connect(self.drawn)

    def _mode(self, mode: str | None) -> None:
        other = self.draw if mode == "correct" else self.correct
        if mode is not None and other.isChecked():
            other.blockSignals(True)
            other.setChecked(False)
            other.blockSignals(False)
        self.view.set_mode(mode or "inspect")

    def _push(self, after: RodMeasurement, text: str) -> bool:
        image, before = self.current()
        if image is None or before is None:
            return False
        self.doc.undo_stack.push(MeasurementCommand(image, before, after, text, self.changed))
        return True

    def toggle(self, rod_id: int) -> bool:
        image, m = self.current()
        if image is None or m is None:
            return False
        rod = next((r for r in m.rods if r.id == rod_id), None)
        verb = "Remove drawn" if rod is not None and rod.reason == "drawn by hand" else (
            "Reject" if rod is not None and rod.accepted else "Accept")
        return self._push(toggle_rod(m, rod_id), f"{verb} rod {rod_id} of {image.filename}")

    def drawn(self, start: tuple[float, float], end: tuple[float, float],
              width_nm: float | None = None) -> bool:
        image, m = self.current()
        if image is None or m is None:
            return False
        if width_nm is None:
            widths = m.widths_nm()
            typical = float(np.median(widths)) if len(widths) else 5.0
            width_nm, ok = QInputDialog.getDouble(self, "Width of the rod",
                                                  "Width (nm):", round(typical, 2), 0.01,
                                                  1000.0, 2)
            if not ok:
                return False
        try:
            after = draw_rod(m, start, end, width_nm)
        except DataError as exc:
            self.hint.setText(str(exc))
            self.changed()
            return False
        return self._push(after, f"Draw a rod on {image.filename}")
