"""About and Preferences dialogs."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSettings, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nrstudio import __version__
from nrstudio.core.project.example import EXAMPLE_NOTES
from nrstudio.core.settings import MAX_SEED
from nrstudio.core.versions import package_versions
from nrstudio.gui.app.widgets import ok_cancel_buttons

PACKAGES = ["numpy", "pandas", "scikit-learn", "scikit-image", "torch", "lime", "pyqtgraph"]


def versions() -> list[tuple[str, str]]:
    out = [("NR Studio", __version__), ("Python", platform.python_version()),
           ("Qt", qVersion()), ("PySide6", pyside_version)]
    return out + package_versions(PACKAGES)


def show_about(parent: QWidget | None) -> None:
    rows = "".join(f"<tr><td>{n}</td><td>{v}</td></tr>" for n, v in versions())
    provenance = EXAMPLE_NOTES.replace("\n\n", "<br><br>").replace("\n", " ")
    QMessageBox.about(parent, "About NR Studio", (
        f"<h3>NR Studio {__version__}</h3>"
        "<p>Predict, explain and measure the sizes of colloidal nanorods from synthesis "
        "conditions.</p>"
        f"<table>{rows}</table>"
        f"<h4>Example data</h4><p style='font-size:small'>{provenance}</p>"))


class Preferences:
    """Settings a user can change, kept in QSettings."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def _int(self, key: str, default: int) -> int:
        try:
            return int(self.settings.value(key, default))
        except (TypeError, ValueError):
            return default

    @property
    def autosave_minutes(self) -> int:
        return self._int("prefs/autosave_minutes", 2)

    @property
    def seed(self) -> int:
        return self._int("prefs/seed", 0)

    @property
    def recent_max(self) -> int:
        return self._int("prefs/recent_max", 10)


class PreferencesDialog(QDialog):
    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prefs = prefs
        self.setWindowTitle("Preferences")
        self.autosave = QSpinBox(minimum=0, maximum=60, suffix=" min",
                                 value=prefs.autosave_minutes)
        self.autosave.setSpecialValueText("off")
        self.seed = QSpinBox(minimum=0, maximum=MAX_SEED, value=prefs.seed)
        self.recent = QSpinBox(minimum=1, maximum=30, value=prefs.recent_max)
        form = QFormLayout()
        form.addRow("Autosave a recovery copy every:", self.autosave)
        form.addRow("Random seed for new runs:", self.seed)
        form.addRow("Recent files to remember:", self.recent)
        buttons = ok_cancel_buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("<small>The recovery copy protects unsaved work after a "
                                "crash; it never replaces your project file.</small>"))
        layout.addWidget(buttons)

    def accept(self) -> None:
        s = self.prefs.settings
        s.setValue("prefs/autosave_minutes", self.autosave.value())
        s.setValue("prefs/seed", self.seed.value())
        s.setValue("prefs/recent_max", self.recent.value())
        super().accept()
