"""``nrstudio predict``: the chosen (or a named) model's predictions with calibrated
intervals and the domain flag, for conditions typed on the command line or a table."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from nrstudio.commands.registry import Command, command, printable
from nrstudio.core.errors import DataError


def parse_assignments(texts: list[str], models) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Conditions (1, c) from ``COL=VALUE`` texts; every input needs one. Units may be left
    out of the column name; a category takes its level as text."""
    from nrstudio.core.data.dataset import parse_typed_number
    from nrstudio.core.data.roles import resolve_name

    space = models.space
    given: dict[str, str] = {}
    for text in texts:
        if "=" not in text:
            raise DataError(f"--at '{text}': write COLUMN=VALUE")
        name, value = text.split("=", 1)
        given[resolve_name(name.strip(), space.inputs)] = value.strip()
    missing = [n for n in space.inputs if n not in given]
    if missing:
        raise DataError(f"give every input with --at; missing: {', '.join(missing)}")
    x = np.empty((1, len(space.inputs)))
    for j, name in enumerate(space.inputs):
        if name in space.levels:
            x[0, j] = space.codes(name, [given[name]])[0]
        else:
            value = parse_typed_number(given[name])
            if value is None:
                raise DataError(f"--at {name}: '{given[name]}' is not a number")
            x[0, j] = value
    return x


@command("predict", "Predict with calibrated intervals from a trained project: one point "
                    "(--at) or a table (--table).")
def _predict(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("project", type=Path, help="a trained .nrproj project")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--at", action="append", metavar="COL=VALUE",
                       help="a condition of the point to predict; repeat for every input")
    where.add_argument("--table", type=Path, metavar="IN", help="a CSV, XLSX or ODS table of conditions")
    parser.add_argument("--out", type=Path, help="with --table: the CSV to write")
    parser.add_argument("--model", default="auto",
                        help="auto (each target's chosen model), network, gp, forest, ridge "
                             "or mean")
    parser.add_argument("--level", type=float, default=None,
                        help="interval level, e.g. 0.9 (default: the project's)")

    def run(args: argparse.Namespace) -> int:
        from nrstudio.core.data.exports import table_format, write_table
        from nrstudio.core.data.table_io import import_table
        from nrstudio.core.data.training_rows import choose_inputs
        from nrstudio.core.modeling.model_choice import AUTO, model_key
        from nrstudio.core.modeling.prediction_table import predict_conditions_table
        from nrstudio.core.project.file_format import load_project
        from nrstudio.core.project.stored_models import load_final_models

        if args.level is not None and not 0.5 <= args.level < 1:
            raise DataError(f"--level must be between 0.5 and 0.99, not {args.level}")
        project = load_project(args.project)
        models = load_final_models(project)
        if models is None:
            raise DataError(f"{args.project.name} has no trained model: run nrstudio run first")
        model = AUTO if args.model.strip().lower() == AUTO else model_key(args.model)
        if args.table is not None:
            if args.out is None:
                raise DataError("--table needs --out OUT.csv")
            table_format(args.out)  # refuse an unknown format before any work
            frame = predict_conditions_table(models, import_table(args.table), args.level,
                                             model, choose_inputs(project.dataset).restated)
            write_table(frame, args.out, "%.6g")
            print(f"{len(frame)} rows -> {args.out}")
            return 0
        x = parse_assignments(args.at, models)
        pred = models.predict(x, args.level, model)
        assert pred.lower is not None and pred.upper is not None and pred.impossible is not None
        level = round(100 * pred.level)
        flag = "out of domain: " + pred.reasons()[0] if pred.out_of_domain[0] else "in domain"
        for k, target in enumerate(models.targets):
            note = " IMPOSSIBLE (negative)" if pred.impossible[0, k] else ""
            print(printable(f"{target}: {pred.mean[0, k]:.4g} [{pred.lower[0, k]:.4g}, "
                            f"{pred.upper[0, k]:.4g}] ({level}%) model {pred.models[k]}; "
                            f"{flag}{note}"))
        for note in models.interval_notes(pred).values():
            print(printable(f"note: {note}"))
        return 0

    return run
