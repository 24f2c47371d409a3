"""Write a project's report: ``report.html`` with its figures in ``report_files/``, and
optionally ``report.pdf`` of the same blocks. Used by File ▸ Export report… and
``nrstudio report``."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from nrstudio.core.errors import NRStudioError
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.project_model import Project
from nrstudio.core.report.blocks import Report
from nrstudio.core.report.content import build_report
from nrstudio.core.report.html_writer import write_html
from nrstudio.core.report.pdf_writer import write_pdf

FIGURES_FOLDER = "report_files"


@dataclass
class ReportFiles:
    html: Path
    pdf: Path | None
    figures: list[Path]
    report: Report
    seconds: float


def write_report(project: Project, out: Path, pdf: bool = False, title: str | None = None,
                 progress: ProgressCallback | None = None,
                 cancelled: CancelCheck | None = None) -> ReportFiles:
    """Write the report into folder ``out`` (created). Figures of an earlier report in the same
    folder are replaced, so the folder always matches its HTML."""
    start = time.perf_counter()
    rep = Reporter(progress, cancelled)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        figures = out / FIGURES_FOLDER
        if figures.is_dir():
            shutil.rmtree(figures)
        name = title or (project.path.stem if project.path is not None else
                         "NR Studio project")
        report = build_report(project, figures, f"Report: {name}", rep.sub(0.0, 0.85).report,
                              cancelled)
        html = write_html(report, out / "report.html")
        rep.report(0.9, "Writing the PDF" if pdf else "Report written")
        pdf_path = write_pdf(report, out / "report.pdf") if pdf else None
    except OSError as exc:
        raise NRStudioError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    rep.report(1.0, "Report written")
    return ReportFiles(html, pdf_path, report.figures(), report, time.perf_counter() - start)
