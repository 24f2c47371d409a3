"""``nrstudio augment`` and ``nrstudio run``: SMOTE-REG alone, and the whole pipeline with
its tables and figures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nrstudio.commands import tables
from nrstudio.commands.registry import (
    AUGMENT_OPTIONS,
    LIME_OPTIONS,
    NETWORK_OPTIONS,
    RUN_OPTIONS,
    Command,
    add_setting_options,
    command,
    option_changes,
    printable,
    progress_printer,
    settings_from_options,
)
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.baselines import BASELINE_NAMES
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.run_settings import (
    PROTOCOL_LABELS,
    SHORT_NAMES,
    EvaluationSettings,
    RunChoices,
    RunSettings,
    merge_run_settings,
)
from nrstudio.core.project.project_lock import check_not_open

if TYPE_CHECKING:
    import pandas as pd


@command("augment", "Enlarge a table with SMOTE-REG and write it with origin and parent columns.")
def augment(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("input", type=Path, help="a .nrproj, .csv, .xlsx or .ods file")
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
def run_command(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("input", type=Path, help="a .nrproj, .csv, .xlsx or .ods file")
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
    add_setting_options(parser, RunSettings, RUN_OPTIONS)
    add_setting_options(parser, SmoteRegSettings, ("budget",), {"budget": "--row-budget"})
    add_setting_options(parser, LimeSettings, LIME_OPTIONS, {"num_samples": "--lime-samples"},
                        prefix="lime-")
    parser.add_argument("--no-explain", action="store_true", help="skip LIME")
    parser.add_argument("--no-save", action="store_true",
                        help="with a project input, do not store the results into it")
    tables.add_role_options(parser)

    def run(args: argparse.Namespace) -> int:
        from nrstudio.core.modeling.pipeline import run_pipeline, write_outputs
        from nrstudio.core.modeling.verdicts import verdicts
        from nrstudio.core.project.file_format import save_project
        from nrstudio.core.project.run_results import store_in_project

        dataset, project = tables.load_with_roles(args.input, args)
        if project is not None and not args.no_save:
            check_not_open(args.input)  # before minutes of work, not after
        settings = run_settings(args, project)
        print(f"{len(dataset)} rows")
        tables.print_columns(dataset)
        from nrstudio.core.project.stored_models import read_picks

        picks = read_picks(project) if project is not None else None
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
        intervals = readable_models(m[m.metric.isin(["coverage", "interval width"])])
        if len(intervals):
            level = round(100 * settings.evaluation.level)
            print(f"{level}% intervals (leakage-free, held-out originals):")
            print(intervals.pivot_table(index=["target", "model"], columns="metric",
                                        values="mean").round(3).to_string())
        for target, choice in result.models.choices().items():
            print(f"model for {target}: {SHORT_NAMES.get(choice.model, choice.model)} "
                  f"({choice.reason})")
        for note in result.notes():
            print(f"note: {printable(note)}")
        return 0

    return run


def readable_models(metrics: pd.DataFrame) -> pd.DataFrame:
    """The metrics with models and protocols named as the pages name them ("random forest",
    "leakage-free"), not by their stored keys."""
    return metrics.assign(model=metrics.model.map(lambda k: SHORT_NAMES.get(k, k)),
                          protocol=metrics.protocol.map(lambda k: PROTOCOL_LABELS.get(k, k)))


def error_table(metrics) -> str:  # type: ignore[no-untyped-def]
    """MAE and R² on held-out originals, one line per (protocol, target, model)."""
    table = readable_models(
        metrics[(metrics.subset == "original") & metrics.metric.isin(["MAE", "R2"])])
    return table.pivot_table(index=["protocol", "target", "model"], columns="metric",
                             values="mean").round(3).to_string()


def print_fast_results(fast) -> None:  # type: ignore[no-untyped-def]
    """The first results of ``run``, before its networks train: the fast models'
    leakage-free MAE and R², and the model each target would use now."""
    print("fast models (the networks follow):")
    print(error_table(fast.evaluation.metrics))
    for target, (model, r2) in fast.best_fast_model().items():
        print(f"model for {target} so far: {SHORT_NAMES.get(model, model)} "
              f"(leakage-free R² {r2:.3g})")
    if fast.networks_seconds is not None:
        print(fast.networks_forecast())
    sys.stdout.flush()


def run_settings(args: argparse.Namespace, project) -> RunSettings:  # type: ignore[no-untyped-def]
    """The settings of ``nrstudio run``: the project's stored ones (run, augmentation, LIME)
    when there are, then every option given on the command line."""
    from nrstudio.core.project.sections import read_section

    evaluation: dict[str, object] = {}
    if args.protocol is not None:
        evaluation["protocols"] = ("honest", "paper") if args.protocol == "both" else (args.protocol,)
    if args.baselines is not None:
        names = [] if args.baselines.strip().lower() == "none" else [
            b.strip() for b in args.baselines.split(",") if b.strip()]
        evaluation["baselines"] = tuple(names)
    if args.role_target:
        evaluation["targets"] = None  # the roles given decide the targets
    choices = RunChoices(
        seed=args.seed, augment=option_changes(args, ("budget",)),
        network=option_changes(args, NETWORK_OPTIONS),
        lime=option_changes(args, LIME_OPTIONS, "lime-"), evaluation=evaluation,
        run={"explain": not args.no_explain, **option_changes(args, RUN_OPTIONS)})

    def stored(key: str) -> Any:  # the project's section, None without a project
        return read_section(project, key) if project is not None else None

    return merge_run_settings(stored("run") or RunSettings(), choices, stored("augment"),
                              stored("lime"))
