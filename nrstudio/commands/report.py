"""``nrstudio report``: the project's report as HTML (and PDF) for the lab notebook."""

from __future__ import annotations

import argparse
from pathlib import Path

from nrstudio.commands.registry import Command, command, progress_printer


@command("report", "Write the project's report: report.html with its figures, and report.pdf "
                   "with --pdf.")
def _report(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("project", type=Path, help="an .nrproj file")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--pdf", action="store_true", help="also write report.pdf")

    def run(args: argparse.Namespace) -> int:
        from nrstudio.core.project.file_format import load_project
        from nrstudio.core.report.export import write_report

        project = load_project(args.project)
        files = write_report(project, args.out, args.pdf, title=args.project.stem,
                             progress=progress_printer())
        print(files.html)
        if files.pdf is not None:
            print(files.pdf)
        return 0

    return run
