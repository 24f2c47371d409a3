"""``nrstudio design`` and ``nrstudio suggest``: conditions for a wanted size, and the next
experiments, as CSV on standard output (notes on standard error)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from nrstudio.commands.registry import Command, command, printable
from nrstudio.core.errors import DataError

_PLUS_MINUS = re.compile(r"\s*(?:±|\+/-|\+-)\s*")


def parse_wants(texts: list[str], targets: list[str]):  # type: ignore[no-untyped-def]
    """``COL=VALUE±TOL`` (or ``+-``, ``+/-``) texts -> Want objects."""
    from nrstudio.core.data.dataset import parse_typed_number
    from nrstudio.core.data.roles import resolve_name
    from nrstudio.core.modeling.design import Want

    out = []
    for text in texts:
        name, _, rest = text.partition("=")
        parts = _PLUS_MINUS.split(rest.strip())
        if not name.strip() or len(parts) != 2:
            raise DataError(f"--want '{text}': write TARGET=VALUE±TOLERANCE, e.g. "
                            "'Length=60±5'")
        value, tol = (parse_typed_number(p) for p in parts)
        if value is None or tol is None:
            raise DataError(f"--want '{text}': the value and tolerance must be numbers")
        out.append(Want(resolve_name(name.strip(), targets), value, tol))
    return out


def parse_space(args: argparse.Namespace, inputs: list[str]):  # type: ignore[no-untyped-def]
    """--fix COL=VALUE, --bound COL=LO:HI, --step COL=S, --levels COL=A|B -> DesignSpace."""
    from nrstudio.core.data.dataset import parse_typed_number
    from nrstudio.core.data.roles import resolve_name
    from nrstudio.core.modeling.design import DesignSpace

    space = DesignSpace()

    def split(text: str, flag: str) -> tuple[str, str]:
        name, sep, value = text.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise DataError(f"{flag} '{text}': write COLUMN=VALUE")
        return resolve_name(name.strip(), inputs), value.strip()

    for text in args.fix or []:
        name, value = split(text, "--fix")
        number = parse_typed_number(value)
        space.fixed[name] = number if number is not None else value
    for text in args.bound or []:
        name, value = split(text, "--bound")
        lo, _, hi = value.partition(":")
        a, b = parse_typed_number(lo), parse_typed_number(hi)
        if a is None or b is None:
            raise DataError(f"--bound '{text}': write COLUMN=LOW:HIGH")
        space.bounds[name] = (a, b)
    for text in args.step or []:
        name, value = split(text, "--step")
        step = parse_typed_number(value)
        if step is None or not step > 0:
            raise DataError(f"--step '{text}': the step must be a positive number")
        space.steps[name] = step
    for text in args.levels or []:
        name, value = split(text, "--levels")
        space.levels[name] = [v.strip() for v in value.split("|") if v.strip()]
    return space


def _space_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, help="a trained .nrproj project")
    parser.add_argument("--want", action="append", default=[], metavar="COL=VALUE±TOL",
                        help="a wanted value of a target; repeatable")
    parser.add_argument("--fix", action="append", metavar="COL=VALUE",
                        help="hold an input fixed (a level for a text condition)")
    parser.add_argument("--bound", action="append", metavar="COL=LO:HI",
                        help="bounds of a free input (default: the samples' range)")
    parser.add_argument("--step", action="append", metavar="COL=S",
                        help="a free input moves in steps of S (e.g. 5 mg)")
    parser.add_argument("--levels", action="append", metavar="COL=A|B",
                        help="allowed levels of a text condition")
    parser.add_argument("--seed", type=int, default=0, help="the same seed gives the same "
                                                            "result (default 0)")
    parser.add_argument("--save", action="store_true",
                        help="also keep the table in the project (for its report)")


def _write_table(table) -> None:  # type: ignore[no-untyped-def]
    from nrstudio.core.data.exports import write_frame_csv

    write_frame_csv(table, sys.stdout)


def _honesty_notes(result) -> None:  # type: ignore[no-untyped-def]
    from nrstudio.core.modeling.design_record import honesty_notes

    for line in honesty_notes(result):
        print(printable(f"note: {line}"), file=sys.stderr)


def _keep(args: argparse.Namespace, project, kind: str, wants, table,  # type: ignore[no-untyped-def]
          notes: list[str]) -> None:
    """With --save, store the table as the project's newest design or suggestion record."""
    if not args.save:
        return
    from nrstudio.core.project.design_history import keep_record
    from nrstudio.core.project.file_format import save_project
    from nrstudio.core.project.project_lock import check_not_open

    check_not_open(args.project)
    keep_record(project, kind, wants, table, notes)
    save_project(project, args.project)


def _load(path: Path):  # type: ignore[no-untyped-def]
    from nrstudio.core.project.file_format import load_project
    from nrstudio.core.project.stored_models import load_final_models

    project = load_project(path)
    models = load_final_models(project)
    if models is None:
        raise DataError(f"{path.name} has no trained model: run nrstudio run first")
    return project, models


def _aim_options(parser: argparse.ArgumentParser) -> None:
    aim = parser.add_mutually_exclusive_group()
    aim.add_argument("--highest", metavar="TARGET",
                     help="make this target as high as possible (a yield, a PLQY); --want "
                          "windows on other targets must hold meanwhile")
    aim.add_argument("--lowest", metavar="TARGET",
                     help="make this target as low as possible (a FWHM); as --highest")


def _optimise(args: argparse.Namespace, targets: list[str]):  # type: ignore[no-untyped-def]
    """The target of --highest or --lowest, or None."""
    from nrstudio.core.data.roles import resolve_name
    from nrstudio.core.modeling.design import Optimise

    extreme = args.highest or args.lowest
    return (Optimise(resolve_name(extreme, targets), highest=bool(args.highest))
            if extreme else None)


@command("design", "Conditions predicted to give wanted sizes, as CSV (best distinct "
                   "candidates with the probability of success; with --highest or --lowest, "
                   "of also beating the best measured value of that target).")
def _design(parser: argparse.ArgumentParser) -> Command:
    _space_options(parser)
    _aim_options(parser)
    parser.add_argument("--top", type=int, default=5, help="how many candidates (default 5)")

    def run(args: argparse.Namespace) -> int:
        from nrstudio.commands.registry import progress_printer
        from nrstudio.core.modeling.design import DesignSettings, design_conditions
        from nrstudio.core.modeling.design_record import candidate_table, honesty_notes

        project, models = _load(args.project)
        wants = parse_wants(args.want, models.targets)
        optimise = _optimise(args, models.targets)
        settings = DesignSettings(top=args.top, seed=args.seed)
        result = design_conditions(models, wants, parse_space(args, models.inputs), settings,
                                   progress_printer(), optimise=optimise)
        table = candidate_table(models, result.candidates)
        _write_table(table)
        if result.limit:
            print(printable(f"note: {result.limit}"), file=sys.stderr)
        _honesty_notes(result)
        _keep(args, project, "design", wants, table,
              ([result.limit] if result.limit else []) + honesty_notes(result))
        return 0

    return run


@command("suggest", "The next experiments to run (reach a wanted size, push a target as high "
                    "or as low as possible, or learn the most), as CSV.")
def _suggest(parser: argparse.ArgumentParser) -> Command:
    _space_options(parser)
    parser.add_argument("--n", type=int, default=3, help="how many suggestions (default 3)")
    parser.add_argument("--mode", choices=["reach", "learn"], default=None,
                        help="reach (default with --want) or learn (default without)")
    _aim_options(parser)
    parser.add_argument("--pool", type=Path, metavar="TABLE",
                        help="choose among these candidate syntheses (a CSV, XLSX or ODS table "
                             "with a column per input) instead of searching the ranges; "
                             "the output's 'row in the list' says which")

    def run(args: argparse.Namespace) -> int:
        from nrstudio.commands.registry import progress_printer
        from nrstudio.core.data.table_io import import_table
        from nrstudio.core.data.training_rows import choose_inputs
        from nrstudio.core.modeling.design_record import candidate_table, honesty_notes
        from nrstudio.core.modeling.suggest import (
            SuggestSettings,
            candidate_list,
            suggest_experiments,
        )

        project, models = _load(args.project)
        wants = parse_wants(args.want, models.targets)
        optimise = _optimise(args, models.targets)
        if optimise is not None and args.mode == "learn":
            raise DataError("--highest and --lowest go with --mode reach")
        mode = args.mode or ("reach" if wants or optimise else "learn")
        settings = SuggestSettings(n=args.n, mode=mode, seed=args.seed)
        listed = (candidate_list(models, import_table(args.pool),
                                 choose_inputs(project.dataset).restated)
                  if args.pool else None)
        for note in listed.skipped if listed else []:
            print(printable(f"note: {note}"), file=sys.stderr)
        result = suggest_experiments(models, wants, parse_space(args, models.inputs), settings,
                                     project.dataset, pool=listed.conditions if listed else None,
                                     optimise=optimise, progress=progress_printer())
        table = candidate_table(models, result.suggestions)
        if listed is not None:
            table.insert(0, "row in the list",
                         [listed.list_row(s) + 1 for s in result.suggestions])
        _write_table(table)
        if result.n_pending:
            print(f"note: {result.n_pending} planned rows count as pending", file=sys.stderr)
        for note in result.notes:
            print(printable(f"note: {note}"), file=sys.stderr)
        _honesty_notes(result)
        _keep(args, project, "suggest", wants, table, [*result.notes, *honesty_notes(result)])
        return 0

    return run
