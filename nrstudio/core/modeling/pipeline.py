"""The whole modelling pipeline, headless: augment -> evaluate -> final models -> explain.

Used by ``nrstudio run`` and by the GUI's "run everything"; results can be written to a
folder (CSV and PNG) and stored in a project.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.table_io import export_table
from nrstudio.core.modeling.augment import AugmentResult, augment_smote_reg
from nrstudio.core.modeling.evaluation import (
    NETWORK,
    EvaluationResult,
    cross_validate,
    metric_rows,
)
from nrstudio.core.modeling.explain import Explanations, explain_points
from nrstudio.core.modeling.networks import EpochReport
from nrstudio.core.modeling.predict import EnsembleModel, train_final_models
from nrstudio.core.modeling.run_settings import RunSettings
from nrstudio.core.modeling.training_data import training_data
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.project.model import Project

FINAL_MODEL = "final network ensemble"


@dataclass
class RunResult:
    augmented: AugmentResult
    evaluation: EvaluationResult
    final: EnsembleModel
    validation: pd.DataFrame  # predictions of validation experiments by the final models
    explanations: Explanations | None
    settings: RunSettings

    def notes(self) -> list[str]:
        """Plain sentences a user must read beside the metrics: augmentation sized by the
        budget, inputs left out, untrustworthy explanations, impossible predictions."""
        plans = self.augmented.plans
        several = len(plans) > 1
        out = [f"{', '.join(names)}: {p.note}" if several else p.note
               for names, p in zip(self.augmented.groups, plans, strict=True) if p.note]
        out += self.evaluation.notes
        if self.explanations is not None:
            flagged = int(self.explanations.flagged.sum())
            if flagged:
                out.append(f"{flagged} of {self.explanations.flagged.size} explanations are "
                           "flagged (low local fidelity or non-finite weights): see the 'flag' "
                           "column of lime_weights.csv; do not read them as normal results")
        if len(self.validation) and self.validation["impossible"].any():
            out.append(f"{int(self.validation['impossible'].sum())} validation-experiment "
                       "predictions are negative, which is physically impossible")
        return out


def predict_validation_experiments(dataset: Dataset, final: EnsembleModel) -> pd.DataFrame:
    """Final-model predictions of rows flagged as validation experiments (with their truth);
    ``impossible``: a negative prediction of a target that cannot be negative."""
    rows = np.flatnonzero(dataset.is_original & dataset.is_validation)
    cols = ["sample", "target", "truth", "prediction", "std", "out_of_domain", "impossible"]
    if len(rows) == 0:
        return pd.DataFrame(columns=cols)
    x = final.feature_space.conditions(dataset, rows)
    ok = np.isfinite(x).all(axis=1)
    rows, x = rows[ok], x[ok]
    if len(rows) == 0:
        return pd.DataFrame(columns=cols)
    pred = final.predict(x)
    truth = dataset.values(final.targets, rows)
    ids = dataset.sample_ids()
    assert pred.impossible is not None
    records = [(ids[r], target, truth[i, t], pred.mean[i, t], pred.std[i, t],
                bool(pred.out_of_domain[i]), bool(pred.impossible[i, t]))
               for i, r in enumerate(rows) for t, target in enumerate(final.targets)]
    return pd.DataFrame(records, columns=cols)


def run_pipeline(
    dataset: Dataset,
    settings: RunSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_epoch: Callable[[str, EpochReport], None] | None = None,
) -> RunResult:
    """Augment, cross-validate, train the final ensembles, predict validation experiments and
    (optionally) explain every training sample. ``on_epoch(stage, report)`` sees every epoch
    of every batched training run (stage: "honest", "paper" or "final")."""
    settings = settings or RunSettings()
    rep = Reporter(progress, cancel)
    ev = settings.evaluation
    training_data(dataset, list(ev.targets or dataset.targets))  # refuse bad data up front
    rep.report(0.0, "augmenting")
    augmented = augment_smote_reg(dataset, ev.augment, rep.sub(0.0, 0.02).report, cancel)
    evaluation = cross_validate(dataset, ev, rep.sub(0.02, 0.70).report, cancel, on_epoch)
    final = train_final_models(dataset, ev.network, ev.augment, settings.members,
                               list(ev.targets) if ev.targets else None,
                               rep.sub(0.70, 0.88).report, cancel,
                               (lambda r: on_epoch("final", r)) if on_epoch else None)
    validation = predict_validation_experiments(dataset, final)
    if len(validation):
        rows = []
        for target, grp in validation.groupby("target", sort=False):
            rows += metric_rows("validation", NETWORK, target, "validation experiments",
                                [(grp.truth.to_numpy(float), grp.prediction.to_numpy(float))],
                                pooled=True)
        evaluation.metrics = pd.concat([evaluation.metrics, pd.DataFrame(rows)],
                                       ignore_index=True)
    explanations = None
    if settings.explain:
        x = final.train_x
        explanations = explain_points(final.predict_mean, x, x, final.inputs, final.targets,
                                      final.sample_ids, settings.lime, rep.sub(0.88, 1.0).report,
                                      cancel, final.feature_space.categorical)
    rep.report(1.0, "done")
    return RunResult(augmented, evaluation, final, validation, explanations, settings)


def write_outputs(result: RunResult, out_dir: str | Path) -> list[Path]:
    """augmented.csv, metrics.csv, cv_predictions.csv, validation_predictions.csv,
    lime_weights.csv and PNG figures (parity per protocol, LIME heat map)."""
    from nrstudio.core.modeling.figures import lime_heatmap, parity_plot

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    export_table(result.augmented.dataset, out / "augmented.csv")
    written.append(out / "augmented.csv")
    metrics = result.evaluation.metrics[["target", "model", "protocol", "subset", "metric",
                                         "mean", "std", "n", "aggregation"]]
    cv = result.evaluation.predictions.copy()
    cv["impossible"] = cv.target.isin(result.final.non_negative) & (cv.prediction < 0)
    for name, frame in (("metrics.csv", metrics),
                        ("cv_predictions.csv", cv),
                        ("validation_predictions.csv", result.validation)):
        frame.to_csv(out / name, index=False, float_format="%.10g", lineterminator="\n")
        written.append(out / name)
    for protocol in result.settings.evaluation.protocols:
        written.append(parity_plot(result.evaluation, protocol, out / f"parity_{protocol}.png"))
    if result.explanations is not None:
        result.explanations.to_frame().to_csv(out / "lime_weights.csv", index=False,
                                              float_format="%.10g", lineterminator="\n")
        written.append(out / "lime_weights.csv")
        written.append(lime_heatmap(result.explanations, out / "lime_heatmap.png"))
    return written


def project_payload(result: RunResult) -> dict[str, Any]:
    """What a run adds to a project, already converted to storable form. The GUI computes
    this in its worker thread, so that storing is only a few assignments on the GUI thread."""
    from nrstudio.core.project.sections import SECTIONS

    return {
        "model": result.final.to_stored(FINAL_MODEL),
        "evaluation": SECTIONS["evaluation"].dump(result.evaluation),
        "validation_predictions": SECTIONS["validation_predictions"].dump(result.validation),
        "lime": (SECTIONS["lime_weights"].dump(result.explanations)
                 if result.explanations is not None else None),
        "settings": SECTIONS["run"].dump(result.settings),
    }


def apply_payload(project: Project, payload: dict[str, Any]) -> None:
    """Store a payload: only assignments of already converted sections (GUI thread)."""
    project.models[FINAL_MODEL] = payload["model"]
    project.results["evaluation"] = payload["evaluation"]
    project.results["validation_predictions"] = payload["validation_predictions"]
    if payload["lime"] is not None:
        project.results["lime"] = payload["lime"]
    else:  # explanations of earlier models no longer describe the stored ones
        project.results.pop("lime", None)
    project.settings["run"] = payload["settings"]


def store_in_project(project: Project, result: RunResult) -> None:
    """Put models, results and the settings that made them into the project (in memory)."""
    apply_payload(project, project_payload(result))
