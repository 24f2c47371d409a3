"""File ▸ Export report…: ask for a folder, write the report in a background job, offer to
open it in the system browser."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.report.export import ReportFiles, write_report
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.jobs import JobContext, JobRunner
from nrstudio.gui.app.widgets import ok_cancel_buttons


class ReportDialog(QDialog):
    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export report")
        self.folder = QLineEdit(str(folder))
        self.folder.setObjectName("report-folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.pdf = QCheckBox("Also write a PDF")
        self.pdf.setChecked(True)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Folder for report.html, its figures (report_files/) and "
                                "report.pdf:"))
        layout.addLayout(row)
        layout.addWidget(self.pdf)
        layout.addWidget(ok_cancel_buttons(self))
        self.resize(560, 140)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Report folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)


def default_folder(doc: ProjectDocument, last: str) -> Path:
    """Beside the project: ``<name>-report``; for an untitled project, in the last folder."""
    if doc.path is not None:
        return doc.path.with_name(f"{doc.path.stem}-report")
    return Path(last) / "nrstudio-report"


def start_report(parent: QWidget, doc: ProjectDocument, jobs: JobRunner, folder: Path,
                 pdf: bool) -> bool:
    """Write the report of a snapshot of the project (edits made meanwhile are not in it)."""
    project = doc.project.snapshot()
    title = doc.path.stem if doc.path is not None else doc.title

    def work(ctx: JobContext) -> ReportFiles:
        return write_report(project, folder, pdf, title, ctx.progress, ctx.cancelled)

    def finished(files: ReportFiles, _settings) -> None:  # type: ignore[no-untyped-def]
        answer = QMessageBox.question(
            parent, "Report written", f"The report is in {files.html.parent} "
            f"({files.seconds:.1f} s). Open it in the browser?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(files.html)))

    return jobs.start("Report", work, finished)
