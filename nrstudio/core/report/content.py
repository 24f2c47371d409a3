"""What a report says about a project, section by section, in the order a lab notebook reads:
data, augmentation, evaluation, model choice, parity, explanations, design, micrographs,
reproducibility, provenance.

Only what the project already holds is reported; nothing is trained or measured again. The
figures come from the modules the command line writes its PNGs with.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from nrstudio import __version__
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.run_settings import PROTOCOL_LABELS
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.project_model import Project, now_iso
from nrstudio.core.report.blocks import Bullets, Figure, Heading, Images, Paragraph, Report, Table
from nrstudio.core.report.context import SECTION_TITLES, Context, section_heading
from nrstudio.core.report.design_section import design_section
from nrstudio.core.versions import package_versions

MAX_THUMBNAILS = 12

def _fmt(value: object, digits: int = 3) -> str:
    if isinstance(value, float | np.floating):
        return "" if not np.isfinite(value) else f"{value:.{digits}g}"
    return str(value)


def build_report(project: Project, figures: Path, title: str,
                 progress: ProgressCallback | None = None,
                 cancelled: CancelCheck | None = None) -> Report:
    """The report's blocks; figure PNGs are written into ``figures`` (created)."""
    from nrstudio.core.project.stored_models import load_final_models

    figures.mkdir(parents=True, exist_ok=True)
    rep = Reporter(progress, cancelled)
    report = Report(title, f"NR Studio {__version__} · report made {now_iso()[:16]} UTC")
    rep.report(0.0, "Loading the models")
    try:
        models = load_final_models(project)
    except DataError as exc:
        models = None
        report.add(Paragraph(f"The stored models could not be read ({exc}); sections that "
                             "need them are left out.", "warning"))
    ctx = Context(project, figures, models)
    steps = [_data, _augmentation, _evaluation, _choice, _parity, _lime, design_section, _micrographs,
             _reproducibility, _provenance]
    for k, step in enumerate(steps):
        name = step.__name__.strip("_").removesuffix("_section")  # a key of SECTION_TITLES
        rep.report(0.05 + 0.95 * k / len(steps), f"Report: {name}")
        first = len(report.blocks)
        try:
            step(report, ctx)
        except (DataError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
            # Stored results that passed their loader but still do not add up: this
            # section is left out and named; the rest of the report is still written.
            del report.blocks[first:]
            ctx.unreadable.append(f"{SECTION_TITLES.get(name, name)} ({type(exc).__name__}: "
                                  f"{str(exc)[:120]})")
    if ctx.unreadable:
        report.blocks.insert(0, Paragraph("Parts of the project could not be read and are "
                                          "left out: " + "; ".join(ctx.unreadable), "warning"))
    rep.report(1.0, "Report written")
    return report


# ---- sections -------------------------------------------------------------------------------
def _data(report: Report, ctx: Context) -> None:
    from nrstudio.core.data.training_rows import choose_inputs, rows_per_target
    from nrstudio.core.data.validation import validate_dataset

    ds = ctx.project.dataset
    section_heading(report, "data")
    original = ds.is_original
    n_val = int((original & ds.is_validation).sum())
    n_train = int(original.sum()) - n_val
    per_target = rows_per_target(ds) if ds.targets and ds.inputs else []
    used = len(set().union(*(set(t.rows.tolist()) for t in per_target)))
    # Rows without a measured target (planned experiments) or with a missing input are
    # original rows that no model learnt from: say so, not "N training samples".
    counted = (f"{used} training samples" if used == n_train else
               f"{n_train} original rows, {used} used for training (the other "
               f"{n_train - used} lack a measured target or an input)")
    report.add(Paragraph(f"{counted}; {n_val} validation experiments and "
                         f"{int((~original).sum())} synthetic rows; {len(ds.inputs)} inputs "
                         f"and {len(ds.targets)} targets."))
    left_out = choose_inputs(ds).left_out if ds.inputs else {}
    rows = []
    for c in ds.columns:
        values = pd.to_numeric(ds.table.loc[original, c.name], errors="coerce")
        numeric = (values.notna().any() and not c.is_category
                   and c.role.value in ("input", "target"))
        rows.append([c.name, c.role.value + (" (category)" if c.is_category else ""),
                     c.unit or "", int(ds.table.loc[original, c.name].isna().sum()),
                     _fmt(float(values.min())) if numeric else "",
                     _fmt(float(values.max())) if numeric else "",
                     left_out.get(c.name, "")])
    report.add(Table(pd.DataFrame(rows, columns=["column", "role", "unit", "missing", "min",
                                                 "max", "left out of the models"]),
                     "Columns of the table (original rows)", max_rows=200))
    findings = validate_dataset(ds).findings
    report.add(Heading("Validation findings", 3))
    if not findings:
        report.add(Paragraph("Validation found no problems."))
        return
    errors = sum(f.severity.value == "error" for f in findings)
    report.add(Paragraph(f"{errors} error(s) and {len(findings) - errors} warning(s)."))
    report.add(Bullets(grouped_findings(findings)))


def grouped_findings(findings, limit: int = 40) -> list[str]:
    """One line per (severity, column, message), with the rows it concerns: a notebook
    needs "column 'X': missing input (rows 13, 29, 30)", not forty lines of the same."""
    groups: dict[tuple[str, str | None, str], list[int]] = {}
    for f in findings:
        groups.setdefault((f.severity.value, f.column, f.message), [])
        if f.row is not None and not f.more_rows:  # a finding about many rows names them
            groups[(f.severity.value, f.column, f.message)].append(f.row)
    lines = []
    for (severity, column, message), rows in groups.items():
        where = f"column '{column}': " if column is not None else ""
        shown = ", ".join(str(r) for r in rows[:12]) + (" …" if len(rows) > 12 else "")
        count = f"{len(rows)} rows: " if len(rows) > 1 else "row "
        lines.append(f"{severity}: {where}{message}" + (f" ({count}{shown})" if rows else ""))
    if len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more"]
    return lines


def _augmentation(report: Report, ctx: Context) -> None:
    from nrstudio.core.modeling.augment import SmoteRegSettings, plan_smote_reg
    from nrstudio.core.modeling.training_data import training_data
    from nrstudio.core.settings import describe

    section_heading(report, "augmentation")
    run = ctx.section("run")
    settings = run.evaluation.augment if run is not None else SmoteRegSettings()
    if run is None:
        report.add(Paragraph("No model has been trained yet; these are the default SMOTE-REG "
                             "settings.", "note"))
    report.add(Table(pd.DataFrame(describe(settings), columns=["setting", "value"]),
                     "SMOTE-REG settings of the final models"))
    try:
        data = training_data(ctx.project.dataset)
    except DataError as exc:
        report.add(Paragraph(f"Row counts cannot be given: {exc}", "warning"))
        return
    rows = []
    for group in data.groups():
        try:
            plan = plan_smote_reg(len(group.rows), settings)
        except DataError as exc:
            rows.append([", ".join(data.targets[t] for t in group.targets), len(group.rows),
                         "", "", str(exc)])
            continue
        rows.append([", ".join(data.targets[t] for t in group.targets), plan.n_originals,
                     f"{plan.n_synthetic:,}", f"{plan.n_rows:,}", plan.note])
    report.add(Table(pd.DataFrame(rows, columns=["targets", "original rows", "synthetic rows",
                                                 "rows in all", "note"]),
                     "Rows the final models train on, per group of targets measured on the "
                     "same samples"))


def _evaluation(report: Report, ctx: Context) -> None:
    from nrstudio.core.modeling.model_choice import SHORT_NAMES
    from nrstudio.core.modeling.run_settings import PROTOCOL_NAMES
    from nrstudio.core.modeling.verdicts import verdicts

    section_heading(report, "evaluation")
    evaluation = ctx.section("evaluation")
    if evaluation is None:
        report.add(Paragraph("No evaluation is stored: train the models (Train page, or "
                             "`nrstudio run`) and export the report again."))
        return
    said = verdicts(evaluation)
    m = evaluation.metrics
    for protocol in dict.fromkeys(m.protocol):
        report.add(Heading(f"Protocol: {PROTOCOL_NAMES.get(protocol, protocol)}", 3))
        sub = m[(m.protocol == protocol) & (m.subset == "original")]
        rows = []
        for (target, model), t in sub.groupby(["target", "model"], sort=False):
            cell = {r.metric: (f"{r['mean']:.3g} ± {r['std']:.2g}" if np.isfinite(r["std"])
                               and r.metric in ("MAE", "RMSE", "R2") else _fmt(r["mean"]))
                    for _, r in t.iterrows()}
            rows.append([target, SHORT_NAMES.get(model, model), cell.get("MAE", ""),
                         cell.get("RMSE", ""), cell.get("R2", ""), cell.get("coverage", ""),
                         cell.get("interval width", "")])
        report.add(Table(pd.DataFrame(rows, columns=["target", "model", "MAE", "RMSE", "R²",
                                                     "coverage", "interval width"]),
                         "Held-out original samples (mean ± std over folds where folds hold "
                         "3 or more samples)", max_rows=120))
        lines = [v.text for v in said if v.protocol == protocol]
        if lines:
            report.add(Bullets(lines))
    for note in evaluation.notes:
        report.add(Paragraph(note, "note"))


def _choice(report: Report, ctx: Context) -> None:
    from nrstudio.core.modeling.model_choice import SHORT_NAMES

    section_heading(report, "choice")
    if ctx.models is None:
        report.add(Paragraph("No trained models are stored."))
        return
    rows = [[c.target, SHORT_NAMES.get(c.model, c.model), _fmt(c.mae),
             "automatic" if c.automatic else "picked by the user", c.reason]
            for c in ctx.models.choices().values()]  # type: ignore[attr-defined]
    report.add(Table(pd.DataFrame(rows, columns=["target", "model", "leakage-free MAE",
                                                 "chosen", "why"]),
                     "The model that predicts each target in Predict, Design and the "
                     "explanations"))
    level = ctx.models.level  # type: ignore[attr-defined]
    report.add(Paragraph(f"Intervals are {round(100 * level)}% conformal intervals calibrated "
                         "on the leakage-free held-out errors of the chosen model; they have "
                         "the same width everywhere in the domain.", "note"))


def _parity(report: Report, ctx: Context) -> None:
    from nrstudio.core.modeling.figures import chosen_parity_plot, parity_plot

    section_heading(report, "parity")
    evaluation = ctx.section("evaluation")
    if evaluation is None:
        report.add(Paragraph("No evaluation is stored."))
        return
    if ctx.models is not None:
        chosen = {c.target: c.model for c in ctx.models.choices().values()}  # type: ignore[attr-defined]
        validation = ctx.section("validation_predictions")
        path = chosen_parity_plot(evaluation, chosen, ctx.figures / "parity-chosen.png",
                                  ctx.models.level, validation)  # type: ignore[attr-defined]
        report.add(Figure(path, "Each held-out original sample predicted by the chosen model "
                                "of its target, with its interval built without that sample."))
    for protocol in dict.fromkeys(evaluation.predictions.protocol):
        pred = evaluation.predictions
        if not ((pred.protocol == protocol) & (pred.model == "network")).any():
            continue
        path = parity_plot(evaluation, protocol, ctx.figures / f"parity-network-{protocol}.png")
        label = PROTOCOL_LABELS.get(protocol, protocol)
        report.add(Figure(path, f"The network's out-of-fold predictions ({label} protocol)."))


def _lime(report: Report, ctx: Context) -> None:
    from nrstudio.core.modeling.figures import lime_heatmap
    from nrstudio.core.settings import describe

    section_heading(report, "lime")
    expl = ctx.section("lime_weights")
    if expl is None:
        report.add(Paragraph("No explanations are stored (Explain page, or `nrstudio run`)."))
        return
    path = lime_heatmap(expl, ctx.figures / "lime-heatmap.png")
    report.add(Figure(path, "LIME weight of each input for each sample and target: the change "
                            "of the prediction per standard deviation of the input, near that "
                            "sample.", width=min(1.0, 0.35 + 0.22 * len(expl.targets))))
    from nrstudio.core.modeling.explanation_readability import advice_when_flagged, readability

    for line in readability(expl):
        report.add(Paragraph(line.sentence + "."))
    flagged = int(expl.flagged.sum())
    if flagged:
        report.add(Paragraph(f"{flagged} of {expl.flagged.size} explanations are flagged (low "
                             "local fidelity, weights that disagree with the model's slope, "
                             "or non-finite weights): grey and hatched in the heat map; do not "
                             "read them as normal results.", "warning"))
    advice = advice_when_flagged(expl)
    if advice:
        report.add(Paragraph(advice, "warning"))
    run = ctx.section("run")
    if run is not None:
        report.add(Table(pd.DataFrame(describe(run.lime), columns=["setting", "value"]),
                         "LIME settings"))


def _micrographs(report: Report, ctx: Context) -> None:
    from nrstudio.core.micrographs.figures import size_histograms
    from nrstudio.core.micrographs.images import read_micrograph
    from nrstudio.core.micrographs.measure import draw_overlay
    from nrstudio.core.project.attachments import measurement_of

    section_heading(report, "micrographs")
    measured = []
    for image in ctx.project.images:
        try:
            m = measurement_of(image)
        except DataError:
            m = None
        if m is not None:
            measured.append((image, m))
    report.add(Paragraph(f"{len(ctx.project.images)} micrographs attached, {len(measured)} "
                         "measured."))
    if not measured:
        return
    rows = []
    for image, m in measured:
        s = m.summary()
        rows.append([image.sample_id, image.filename, m.method, s.count, s.rejected,
                     f"{_fmt(s.length_mean)} ± {_fmt(s.length_std, 2)}",
                     f"{_fmt(s.width_mean)} ± {_fmt(s.width_std, 2)}",
                     _fmt(s.aspect_ratio_of_means), f"{m.nm_per_px:.4g}"])
    report.add(Table(pd.DataFrame(rows, columns=["sample", "image", "method", "rods accepted",
                                                 "objects rejected", "length (nm)",
                                                 "width (nm)", "aspect ratio", "nm/px"]),
                     "Accepted rods per image (mean ± standard deviation)", max_rows=200))
    path = size_histograms([(f"{i.sample_id}" or i.filename, m) for i, m in measured],
                           ctx.figures / "rod-histograms.png")
    report.add(Figure(path, "Length and width distributions of the accepted rods."))
    paths, captions = [], []
    for k, (image, m) in enumerate(measured[:MAX_THUMBNAILS]):
        try:
            pixels = read_micrograph(image.data, image.filename).pixels
        except DataError:
            continue
        out = ctx.figures / f"overlay-{k:03d}.png"
        draw_overlay(pixels, m, out, max_side=480)
        paths.append(out)
        captions.append(f"{image.sample_id}: {image.filename}")
    if paths:
        report.add(Paragraph("Overlays: accepted rods in green, rejected objects in red.",
                             "note"))
        report.add(Images(paths, captions))
    if len(measured) > MAX_THUMBNAILS:
        report.add(Paragraph(f"Overlays of the first {MAX_THUMBNAILS} of {len(measured)} "
                             "measured images are shown.", "note"))


def _reproducibility(report: Report, ctx: Context) -> None:
    from nrstudio.core.settings import describe

    section_heading(report, "reproducibility")
    p = ctx.project
    rows = [["NR Studio (this report)", __version__],
            ["project saved by", p.app_version or "not saved yet"],
            ["project created", p.created], ["project modified", p.modified],
            ["Python", platform.python_version()], ["system", f"{platform.system()} "
                                                               f"{platform.machine()}"]]
    report.add(Table(pd.DataFrame(rows, columns=["what", "value"]), "Versions"))
    run = ctx.section("run")
    if run is not None:
        seeds = [["evaluation folds and baselines", run.evaluation.seed],
                 ["SMOTE-REG", run.evaluation.augment.seed],
                 ["network initialisation", getattr(run.evaluation.network, "seed", "")],
                 ["LIME", getattr(run.lime, "seed", "")]]
        report.add(Table(pd.DataFrame(seeds, columns=["seed of", "value"]), "Seeds"))
        settings = ([["evaluation", a, b] for a, b in describe(run.evaluation)]
                    + [["network", a, b] for a, b in describe(run.evaluation.network)]
                    + [["final model", a, b] for a, b in describe(run)])
        report.add(Table(pd.DataFrame(settings, columns=["group", "setting", "value"]),
                         "Run settings", max_rows=200))
        report.add(Paragraph("`nrstudio run PROJECT` with these settings (stored in the "
                             "project) gives the same numbers on the same machine.", "note"))
    report.add(Table(pd.DataFrame(package_versions(), columns=["package", "version"]),
                     f"Packages (Python {sys.version.split()[0]})"))


def _provenance(report: Report, ctx: Context) -> None:
    section_heading(report, "provenance")
    notes = ctx.project.notes.strip()
    if not notes:
        report.add(Paragraph("The project has no notes on where its data come from; add them "
                             "on the Data page."))
        return
    for para in notes.split("\n\n"):
        report.add(Paragraph(" ".join(para.split())))
