"""``nrstudio info`` (a project's summary) and ``nrstudio validate`` (a table's problems)."""

from __future__ import annotations

import argparse
from pathlib import Path

from nrstudio.commands import tables
from nrstudio.commands.registry import Command, command, printable


@command("info", "Summarise a project file: samples, columns with roles and units, models, results.")
def info(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("file", type=Path, help="a .nrproj project file")

    def run(args: argparse.Namespace) -> int:
        from nrstudio.core.project.file_format import load_project

        project = load_project(args.file)
        ds = project.dataset
        show = printable
        n_syn = int((~ds.is_original).sum())
        n_val = int(ds.is_validation.sum())
        print(f"project   {args.file}")
        print(f"saved by  NR Studio {show(project.app_version) or '?'} on "
              f"{show(project.modified)}")
        print(f"samples   {int(ds.is_original.sum())} original, {n_syn} synthetic, "
              f"{n_val} validation experiments")
        print("columns")
        for c in ds.columns:
            role = c.role.value + (" (category)" if c.is_category else "")
            print(f"  {show(c.name):<32} {role:<20} {show(c.unit or '')}")
        print(f"models    {len(project.models)}"
              + "".join(f"\n  {show(m)}" for m in project.models))
        print(f"results   {len(project.results)}"
              + "".join(f"\n  {show(r)}" for r in project.results))
        print(f"images    {len(project.images)}")
        if project.notes:
            print("notes\n  " + show(project.notes.strip().splitlines()[0]))
        return 0

    return run


@command("validate", "Check a data table (CSV, XLSX or ODS) and list every problem by row and column.")
def validate(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("file", type=Path, help="a .csv, .tsv, .txt, .xlsx, .ods or .nrproj file")
    parser.add_argument("--sheet", help="worksheet of an XLSX or ODS file (default: the first)")
    tables.add_role_options(parser)

    def run(args: argparse.Namespace) -> int:
        from nrstudio.core.data.table_io import read_table
        from nrstudio.core.data.validation import validate_dataset

        if args.file.suffix.lower() != ".nrproj":
            for note in read_table(args.file, args.sheet).notes:
                print(f"note: {printable(note)}")
        ds, _ = tables.load_with_roles(args.file, args, args.sheet)
        print(f"{len(ds)} rows")
        tables.print_columns(ds)
        checked = validate_dataset(ds)
        for finding in checked.findings:
            print(finding)
        print(f"{len(checked.errors)} errors, {len(checked.warnings)} warnings")
        return 1 if checked.has_errors else 0

    return run
