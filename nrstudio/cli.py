"""Command line: ``nrstudio [FILE]`` opens the desktop app; ``nrstudio COMMAND ...`` runs headless.

Every failure caused by input (a bad file, a wrong option) ends with exit code 1 or 2 and one
line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path

from nrstudio import __version__
from nrstudio.core.errors import Cancelled, NRStudioError
from nrstudio.core.micrographs.rod_model import RodSettings
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.baselines import BASELINE_NAMES
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.run_settings import EvaluationSettings, RunSettings
from nrstudio.core.project.project_lock import check_not_open
from nrstudio.core.settings import SettingField, replace_settings, setting_field

T = typing.TypeVar("T")

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Command]] = {}


def command(name: str, help_text: str):  # type: ignore[no-untyped-def]
    """Register a subcommand: the decorated function adds its arguments to a parser."""

    def wrap(setup: Callable[[argparse.ArgumentParser], Command]):  # type: ignore[no-untyped-def]
        def add(parser: argparse.ArgumentParser) -> None:
            parser.description = help_text
            parser.set_defaults(run=setup(parser))

        _COMMANDS[name] = (add, help_text)  # type: ignore[assignment]
        return setup

    return wrap


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as argparse but shorter
        self.exit(2, f"nrstudio: error: {message} (see nrstudio --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="nrstudio",
        description="NR Studio. Without a command: open the desktop app (optionally on FILE).",
    )
    parser.add_argument("--version", action="version", version=f"NR Studio {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation offline (opens the example offscreen, "
                             "trains a tiny model, predicts, explains, measures, reports); "
                             "prints one line, exit code 0 when it works")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (add, help_text) in _COMMANDS.items():
        add(sub.add_parser(name, help=help_text))  # type: ignore[arg-type]
    return parser


def printable(text: str) -> str:
    """Text from a file, safe to print on a terminal: control characters (escape codes)
    become '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))


def _err(message: str) -> None:
    print(f"nrstudio: error: {printable(message)}", file=sys.stderr)


def progress_printer(prefix: str = "") -> Callable[[float, str], None]:
    """A progress callback that prints a line when the stage or the whole percent changes."""
    last: list[object] = [None, None]

    def show(fraction: float, stage: str) -> None:
        pct = int(100 * fraction)
        if [stage, pct // 10] != last:
            last[:] = [stage, pct // 10]
            print(f"{prefix}[{pct:3d}%] {stage}", file=sys.stderr, flush=True)

    return show


# ---- options built from the settings' own declarations ------------------------------------
def _option_type(f: SettingField) -> Callable[[str], object]:
    base = f.base_type
    if typing.get_origin(base) is tuple:
        item = (typing.get_args(base) or (str,))[0]
        return lambda text: tuple(item(v) for v in text.replace(";", ",").split(",") if v.strip())
    return base if base in (int, float) else str


def add_setting_options(parser: argparse.ArgumentParser, cls: type, names: Sequence[str],
                        flags: dict[str, str] | None = None, prefix: str = "") -> None:
    """One option per named field of ``cls``: --name (or ``flags[name]``), its help, unit,
    range and default taken from the field's declaration. Unset options stay None."""
    for name in names:
        f = setting_field(cls, name)
        flag = (flags or {}).get(name) or f"--{prefix}{name.replace('_', '-')}"
        dest = f"{prefix.replace('-', '_')}{name}"
        text = f.info.cli_help(f.default).replace("%", "%%")
        if f.base_type is bool:
            parser.add_argument(flag, dest=dest, action=argparse.BooleanOptionalAction,
                                default=None, help=text)
            continue
        parser.add_argument(flag, dest=dest, type=_option_type(f), default=None,
                            choices=list(f.info.choices) if f.info.choices else None,
                            metavar=None if f.info.choices else name.upper(), help=text)


def settings_from_options(base: T, args: argparse.Namespace, names: Sequence[str],
                          prefix: str = "") -> T:
    """``base`` with every option the user gave applied, checked against the declarations."""
    changes = {n: getattr(args, f"{prefix.replace('-', '_')}{n}") for n in names}
    return replace_settings(base, {n: v for n, v in changes.items() if v is not None})


# ---- commands ----------------------------------------------------------------------------
@command("info", "Summarise a project file: samples, columns with roles and units, models, results.")
def _info(parser: argparse.ArgumentParser) -> Command:
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


@command("validate", "Check a data table (CSV or XLSX) and list every problem by row and column.")
def _validate(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("file", type=Path, help="a .csv, .tsv, .txt, .xlsx or .nrproj file")
    parser.add_argument("--sheet", help="worksheet of an XLSX file (default: the first)")
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


AUGMENT_OPTIONS = ("minority", "neighbors", "per_subset", "percent", "seed", "subset_cap",
                   "budget")
NETWORK_OPTIONS = ("hidden", "optimizer", "lr", "batch_size", "max_epochs", "patience", "device")
LIME_OPTIONS = ("num_samples", "repeats", "locality", "kernel_width")


@command("augment", "Enlarge a table with SMOTE-REG and write it with origin and parent columns.")
def _augment(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("input", type=Path, help="a .nrproj, .csv or .xlsx file")
    parser.add_argument("--out", type=Path, required=True, help="output .csv or .xlsx")
    add_setting_options(parser, SmoteRegSettings, AUGMENT_OPTIONS)
    tables.add_role_options(parser)

    def run(args: argparse.Namespace) -> int:
        from nrstudio.core.data.table_io import export_table
        from nrstudio.core.modeling.augment import augment_smote_reg
        from nrstudio.core.project.sections import read_section

        dataset, project = tables.load_with_roles(args.input, args)
        stored = read_section(project, "augment") if project is not None else None
        settings = settings_from_options(stored or SmoteRegSettings(), args, AUGMENT_OPTIONS)
        result = augment_smote_reg(dataset, settings)
        export_table(result.dataset, args.out)
        for names, p in zip(result.groups, result.plans, strict=True):
            print(f"{', '.join(names)}: {p.n_originals} originals + {p.n_subsets_used:,} "
                  f"subsets x {p.rows_per_subset}")
        print(f"{len(result.dataset):,} rows -> {args.out}")
        if result.n_duplicates_dropped:
            print(f"{result.n_duplicates_dropped} exact duplicates dropped")
        if result.capped_message:
            print(f"note: {result.capped_message}")
        return 0

    return run


@command("run", "Augment, train, evaluate and explain; write CSV tables and PNG figures.")
def _run(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("input", type=Path, help="a .nrproj, .csv or .xlsx file")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--protocol", choices=["honest", "paper", "both"], default=None,
                        help="leakage-free (honest, the default), the paper's, or both")
    parser.add_argument("--seed", type=int, default=None,
                        help="seeds augmentation, folds, networks and LIME (default: the "
                             "project's settings, else 0)")
    parser.add_argument("--baselines", default=None, metavar="LIST",
                        help="comma-separated baselines to fit, or 'none' (default: "
                             f"{','.join(EvaluationSettings.baselines)}; "
                             f"choices: {', '.join(BASELINE_NAMES)})")
    add_setting_options(parser, NetworkSettings, NETWORK_OPTIONS, {"max_epochs": "--epochs"})
    add_setting_options(parser, RunSettings, ("members", "explain_at_most"))
    add_setting_options(parser, SmoteRegSettings, ("budget",), {"budget": "--row-budget"})
    add_setting_options(parser, LimeSettings, LIME_OPTIONS, {"num_samples": "--lime-samples"},
                        prefix="lime-")
    parser.add_argument("--no-explain", action="store_true", help="skip LIME")
    parser.add_argument("--no-save", action="store_true",
                        help="with a project input, do not store the results into it")
    tables.add_role_options(parser)

    def run(args: argparse.Namespace) -> int:
        from nrstudio.core.modeling.pipeline import (
            run_pipeline,
            store_in_project,
            write_outputs,
        )
        from nrstudio.core.modeling.verdicts import verdicts
        from nrstudio.core.project.file_format import save_project

        dataset, project = tables.load_with_roles(args.input, args)
        if project is not None and not args.no_save:
            check_not_open(args.input)  # before minutes of work, not after
        settings = run_settings(args, project)
        print(f"{len(dataset)} rows")
        tables.print_columns(dataset)
        from nrstudio.core.modeling.final_models import read_picks

        picks = read_picks(project.settings) if project is not None else None
        result = run_pipeline(dataset, settings, progress_printer(), picks=picks,
                              on_fast=print_fast_results)
        for path in write_outputs(result, args.out):
            print(path)
        if project is not None and not args.no_save:
            store_in_project(project, result)
            save_project(project, args.input)
            print(f"results and models stored in {args.input}")
        m = result.evaluation.metrics
        print(error_table(m))
        for verdict in verdicts(result.evaluation):
            print(verdict.plain())
        intervals = m[m.metric.isin(["coverage", "interval width"])]
        if len(intervals):
            level = round(100 * settings.evaluation.level)
            print(f"{level}% intervals (leakage-free, held-out originals):")
            print(intervals.pivot_table(index=["target", "model"], columns="metric",
                                        values="mean").round(3).to_string())
        for target, choice in result.models.choices().items():
            print(f"model for {target}: {choice.model} ({choice.reason})")
        for note in result.notes():
            print(f"note: {printable(note)}")
        return 0

    return run


def error_table(metrics) -> str:  # type: ignore[no-untyped-def]
    """MAE and R² on held-out originals, one line per (protocol, target, model)."""
    table = metrics[(metrics.subset == "original") & metrics.metric.isin(["MAE", "R2"])]
    return table.pivot_table(index=["protocol", "target", "model"], columns="metric",
                             values="mean").round(3).to_string()


def print_fast_results(fast) -> None:  # type: ignore[no-untyped-def]
    """The first results of ``run``, before its networks train: the fast models'
    leakage-free MAE and R², and the model each target would use now."""
    print("fast models (the networks follow):")
    print(error_table(fast.evaluation.metrics))
    for target, (model, r2) in fast.best_fast_model().items():
        print(f"model for {target} so far: {model} (leakage-free R² {r2:.3g})")
    if fast.networks_seconds is not None:
        print(fast.networks_forecast())
    sys.stdout.flush()


def run_settings(args: argparse.Namespace, project) -> RunSettings:  # type: ignore[no-untyped-def]
    """The settings of ``nrstudio run``: the project's stored ones (run, augmentation, LIME)
    when there are, then every option given on the command line."""
    import dataclasses

    from nrstudio.core.project.sections import read_section

    stored = read_section(project, "run") if project is not None else None
    base = stored or RunSettings()
    ev = base.evaluation
    augment = (read_section(project, "augment") if project is not None else None) or ev.augment
    lime = (read_section(project, "lime") if project is not None else None) or base.lime
    network = ev.network
    if args.seed is not None:
        augment = dataclasses.replace(augment, seed=args.seed)
        network = dataclasses.replace(network, seed=args.seed)
        lime = dataclasses.replace(lime, seed=args.seed)
    augment = settings_from_options(augment, args, ("budget",))
    network = settings_from_options(network, args, NETWORK_OPTIONS)
    lime = settings_from_options(lime, args, LIME_OPTIONS, "lime-")
    changes: dict[str, object] = {"augment": augment, "network": network}
    if args.protocol is not None:
        changes["protocols"] = ("honest", "paper") if args.protocol == "both" else (args.protocol,)
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.baselines is not None:
        names = [] if args.baselines.strip().lower() == "none" else [
            b.strip() for b in args.baselines.split(",") if b.strip()]
        changes["baselines"] = tuple(names)
    if args.role_target:
        changes["targets"] = None  # the roles given decide the targets
    evaluation = replace_settings(ev, changes)
    evaluation.check()
    settings = dataclasses.replace(base, evaluation=evaluation, lime=lime,
                                   explain=not args.no_explain)
    return settings_from_options(settings, args, ("members", "explain_at_most"))


@command("measure", "Find and measure the rods of TEM micrographs; write CSV tables and overlays.")
def _measure(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("images", type=Path, nargs="+", metavar="IMAGE",
                        help="TIFF, PNG or JPEG micrographs")
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument("--nm-per-px", type=float, metavar="X", help="pixel size in nm")
    scale.add_argument("--scale-bar-nm", type=float, metavar="L",
                       help="length in nm of the scale bar burned into each image")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    add_setting_options(parser, RodSettings, ("method",))

    def run(args: argparse.Namespace) -> int:
        from nrstudio.core.micrographs.measure import analyse_image, summary_row, write_measurement_files

        for name, value in (("--nm-per-px", args.nm_per_px), ("--scale-bar-nm", args.scale_bar_nm)):
            if value is not None and not value > 0:
                raise NRStudioError(f"{name} must be a positive number, not {value}")
        analyses = []
        for path in args.images:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise NRStudioError(f"cannot read {path}: {exc.strerror or exc}") from None
            analyses.append(analyse_image(data, path.name, args.nm_per_px, args.scale_bar_nm,
                                          settings_from_options(RodSettings(), args,
                                                                ("method",)),
                                          progress=progress_printer(f"{path.name} ")))
        try:
            written_files = write_measurement_files(analyses, args.out)
        except OSError as exc:
            raise NRStudioError(f"cannot write to {args.out}: {exc.strerror or exc}") from None
        for written in written_files:
            print(written)
        empty = []
        for a in analyses:
            row = summary_row(a)
            if row["no_rods_because"]:
                empty.append(a.name)
                _err(f"{a.name}: no rods measured. {row['no_rods_because']}")
                continue
            print(f"{a.name}: {row['rods_accepted']} rods, length {row['length_mean_nm']} "
                  f"± {row['length_std_nm']} nm (mean ± {row['length_sem_nm']} SE), width "
                  f"{row['width_mean_nm']} ± {row['width_std_nm']} nm (mean ± "
                  f"{row['width_sem_nm']} SE) ({a.scale.source}; {row['method']})"
                  + (f"; {row['selection_warning']}" if row["selection_warning"] else ""))
        # Exit 4: the files are written, but some image gave no measurement to use.
        return 4 if empty else 0

    return run


from nrstudio.commands import design, predict, report, tables  # noqa: E402, F401  (registers their commands)


# ---- entry point -------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--self-test"]:
        from nrstudio.self_test import run_self_test

        return run_self_test()
    if not args_list or (args_list[0] not in _COMMANDS and not args_list[0].startswith("-")):
        if len(args_list) > 1:
            _err(f"unknown command '{args_list[0]}' (commands: {', '.join(_COMMANDS)})")
            return 2
        from nrstudio.gui.app.launch import launch_gui

        return launch_gui(args_list[0] if args_list else None)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except Cancelled:
        _err("cancelled")
        return 130
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except NRStudioError as exc:
        _err(str(exc))
        return 1
    except MemoryError:
        _err("out of memory")
        return 1
    except Exception as exc:  # a defect of ours: still one line, and how to report it
        _err(f"internal error ({type(exc).__name__}: {exc}); please report this with the command")
        return 3


if __name__ == "__main__":
    raise SystemExit(main())
