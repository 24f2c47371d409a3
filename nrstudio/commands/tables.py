"""Tables on the command line: roles by name (``--target``, ``--input``, ``--category``,
``--id``), missing-value markers, and ``nrstudio import`` (with ``--merge``) that makes a
project."""

from __future__ import annotations

import argparse
from pathlib import Path

from nrstudio.commands.registry import Command, command, printable
from nrstudio.core.data.dataset import MISSING_MARKERS, Dataset
from nrstudio.core.data.roles import RoleChoice, apply_roles, dataset_with_roles, describe_columns
from nrstudio.core.errors import DataError
from nrstudio.core.project.project_lock import check_not_open


def add_role_options(parser: argparse.ArgumentParser) -> None:
    """--target, --input, --category, --id (each repeatable) and --missing-markers."""
    group = parser.add_argument_group("column roles (default: guessed from headers and cells)")
    for flag, what in (("--target", "a target (an outcome to predict)"),
                       ("--input", "a number input; with any --input, columns not named are "
                                   "ignored"),
                       ("--category", "a text condition (ligand, solvent) used as an input"),
                       ("--id", "the sample-id column")):
        group.add_argument(flag, action="append", default=[], metavar="COL",
                           dest=f"role_{flag[2:]}", help=f"{what}; repeatable")
    group.add_argument("--missing-markers", metavar="LIST",
                       help="comma-separated cell texts read as missing (default: "
                            + ",".join(m for m in MISSING_MARKERS) + "; blank is always)")


def role_choice(args: argparse.Namespace) -> RoleChoice:
    return RoleChoice(list(args.role_target), list(args.role_input), list(args.role_category),
                      list(args.role_id))


def markers(args: argparse.Namespace) -> tuple[str, ...]:
    if getattr(args, "missing_markers", None) is None:
        return MISSING_MARKERS
    return tuple(m.strip() for m in args.missing_markers.split(",") if m.strip())


def load_with_roles(path: Path, args: argparse.Namespace, sheet: str | None = None):  # type: ignore[no-untyped-def]
    """(dataset, project or None) of a project or table file, with the roles given on the
    command line applied."""
    from nrstudio.core.data.table_io import read_table
    from nrstudio.core.project.file_format import load_project

    choice = role_choice(args)
    if path.suffix.lower() == ".nrproj":
        project = load_project(path)
        project.dataset = apply_roles(project.dataset, choice)
        return project.dataset, project
    return dataset_with_roles(read_table(path, sheet), choice, markers(args)), None


def print_columns(dataset: Dataset) -> None:
    print("columns")
    for line in describe_columns(dataset):
        print(printable(line))


@command("import", "Make a project from a table (CSV, XLSX or ODS), optionally joining a second "
                   "table by sample id.")
def _import(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("data", type=Path, help="a .csv, .tsv, .txt, .xlsx or .ods table")
    parser.add_argument("--sheet", help="worksheet of an XLSX or ODS file (default: the first)")
    parser.add_argument("--merge", type=Path, metavar="OTHER",
                        help="a second table whose columns are joined by sample id (or "
                             "looked up by a condition: see --on)")
    parser.add_argument("--on", metavar="ID", help="the id column to join on (default: the "
                                                   "sample-id column of the first table); a "
                                                   "condition whose values repeat (a solvent) "
                                                   "looks its properties up in the second "
                                                   "table")
    parser.add_argument("--on-other", metavar="COL", help="the second table's column to match "
                                                          "(default: the same name as --on)")
    parser.add_argument("--out", type=Path, required=True, help="the project file to write")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    parser.add_argument("--keep-levels", action="append", default=[], metavar="COLUMN",
                        help="a text condition with too many levels to be a category: keep "
                             "its most frequent levels and pool the rest as 'other' "
                             "(repeat for several columns)")
    add_role_options(parser)

    def run(args: argparse.Namespace) -> int:
        from nrstudio.core.data.frequent_levels import keep_frequent_levels, too_many_levels
        from nrstudio.core.data.merge import merge_columns
        from nrstudio.core.data.table_io import dataset_from_raw, read_table
        from nrstudio.core.data.validation import validate_dataset
        from nrstudio.core.project.file_format import save_project
        from nrstudio.core.project_model import Project

        if args.out.suffix.lower() != ".nrproj":
            raise DataError(f"--out must be a .nrproj file, not '{args.out.name}'")
        if args.out.exists() and not args.force:
            raise DataError(f"{args.out} exists; use --force to overwrite it")
        raw = read_table(args.data, args.sheet)
        for note in raw.notes:
            print(f"note: {printable(note)}")
        if args.merge is not None:
            first = dataset_from_raw(raw, None, markers(args))
            second = dataset_from_raw(read_table(args.merge), None, markers(args))
            on = args.on or first.sample_id_column
            if on is None:
                raise DataError("the first table has no sample-id column; name it with --on")
            merged = merge_columns(first, second, on, args.on_other)
            print(f"merged {args.merge.name} on '{printable(on)}': "
                  f"{printable(merged.summary())}")
            dataset = apply_roles(merged.dataset, role_choice(args))
        else:
            dataset = dataset_with_roles(raw, role_choice(args), markers(args))
        for name in args.keep_levels:
            if name not in [c.name for c in dataset.columns]:
                raise DataError(f"--keep-levels: the table has no column '{name}'")
            print(f"'{printable(name)}': {keep_frequent_levels(dataset, name).describe()}")
        for name in too_many_levels(dataset):
            print(f"note: '{printable(name)}' has too many levels to be a category and is "
                  f"ignored; --keep-levels '{printable(name)}' keeps its most frequent ones")
        print(f"{len(dataset)} rows")
        print_columns(dataset)
        report = validate_dataset(dataset)
        print(f"{len(report.errors)} errors, {len(report.warnings)} warnings"
              + (" (nrstudio validate lists them)" if report.findings else ""))
        project = Project(dataset=dataset, notes=f"Imported from {args.data.name}"
                          + (f" and {args.merge.name}" if args.merge else ""))
        check_not_open(args.out)
        save_project(project, args.out)
        print(f"project written to {args.out}")
        return 0

    return run
