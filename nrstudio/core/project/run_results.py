"""What a training run puts into a project: its models, evaluation, validation
predictions, explanations and the settings that made them, converted to storable form (in
the GUI's worker thread) and then stored (on the GUI thread, only assignments)."""

from __future__ import annotations

from typing import Any

from nrstudio.core.modeling.final_models import TABULAR_MODEL
from nrstudio.core.modeling.pipeline import FINAL_MODEL, FastResult, RunResult
from nrstudio.core.project.sections import SECTIONS, write_stored
from nrstudio.core.project_model import Project


def project_payload(result: RunResult) -> dict[str, Any]:
    """What a run adds to a project, already converted to storable form. The GUI computes
    this in its worker thread, so that storing is only a few assignments on the GUI thread."""
    return {
        "model": result.final.to_stored(FINAL_MODEL),
        "tabular": result.tabular.to_stored() if result.tabular is not None else None,
        "evaluation": SECTIONS["evaluation"].dump(result.evaluation),
        "validation_predictions": SECTIONS["validation_predictions"].dump(result.validation),
        "lime": (SECTIONS["lime_weights"].dump(result.explanations)
                 if result.explanations is not None else None),
        "settings": SECTIONS["run"].dump(result.settings),
        # Not stored: the ready models, so that the GUI need not rebuild them.
        "final_models": result.models,
    }


def fast_payload(fast: FastResult) -> dict[str, Any]:
    """What the fast models of a run add to a project before its networks finish (the
    networks of an earlier run are removed: they do not belong to this evaluation)."""
    return {
        "model": None,
        "tabular": fast.tabular.to_stored(),
        "evaluation": SECTIONS["evaluation"].dump(fast.evaluation),
        "validation_predictions": SECTIONS["validation_predictions"].dump(fast.validation),
        "lime": None,
        "settings": SECTIONS["run"].dump(fast.settings),
        "final_models": fast.models,
    }


def apply_payload(project: Project, payload: dict[str, Any]) -> None:
    """Store a payload: only assignments of already converted sections (GUI thread)."""
    if payload["model"] is not None:
        project.models[FINAL_MODEL] = payload["model"]
    else:  # the fast models of a run whose networks are not (yet) trained
        project.models.pop(FINAL_MODEL, None)
    if payload.get("tabular") is not None:
        project.models[TABULAR_MODEL] = payload["tabular"]
    else:  # models of an earlier run would not match the new network ensemble
        project.models.pop(TABULAR_MODEL, None)
    write_stored(project, "evaluation", payload["evaluation"])
    write_stored(project, "validation_predictions", payload["validation_predictions"])
    # None removes them: explanations of earlier models no longer describe the stored ones
    write_stored(project, "lime_weights", payload["lime"])
    write_stored(project, "run", payload["settings"])


def store_in_project(project: Project, result: RunResult) -> None:
    """Put models, results and the settings that made them into the project (in memory)."""
    apply_payload(project, project_payload(result))
