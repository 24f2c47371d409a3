"""The Data page's list of every validation finding, errors first; a click on one takes the
table to its cell (the summary line above it names only how many there are)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from nrstudio.core.data.findings import Finding, Severity

# A long table can have thousands of missing cells; listing them all would keep the window
# waiting, and the first few hundred are what a user fixes first.
MAX_LISTED = 300


class FindingsList(QListWidget):
    """One line per finding; :meth:`place` gives the clicked one's (1-based row or None,
    column or None)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMaximumHeight(96)
        self.setToolTip("Every finding of the validation; click one to go to its cell")

    def show_findings(self, findings: list[Finding]) -> None:
        self.clear()
        for f in findings[:MAX_LISTED]:
            item = QListWidgetItem(str(f))
            item.setData(Qt.ItemDataRole.UserRole, (f.row, f.column))
            if f.severity == Severity.ERROR:
                item.setForeground(QColor("#b00020"))
            self.addItem(item)
        if len(findings) > MAX_LISTED:
            self.addItem(f"… and {len(findings) - MAX_LISTED} more (fix these first)")
        self.setVisible(bool(findings))

    @staticmethod
    def place(item: QListWidgetItem) -> tuple[int | None, str | None] | None:
        return item.data(Qt.ItemDataRole.UserRole)
