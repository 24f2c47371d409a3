"""A project's final models, loaded with what chooses between them: the evaluation, the
run's interval level and the user's picks."""

from __future__ import annotations

from nrstudio.core.modeling.final_models import (
    DEFAULT_LEVEL,
    NETWORK_MODEL,
    TABULAR_MODEL,
    FinalModels,
    TabularSet,
)
from nrstudio.core.modeling.predict import EnsembleModel
from nrstudio.core.project.sections import read_section
from nrstudio.core.project_model import Project


def read_picks(project: Project) -> dict[str, str]:
    """The user's model picks stored in a project (its ``model_choice`` section); {} when
    there are none."""
    stored = read_section(project, "model_choice")
    return dict(stored.picks) if stored is not None else {}


def load_final_models(project: Project) -> FinalModels | None:
    """The project's final models with its evaluation and picks; None when it has none.
    DataError when a stored model is damaged."""
    stored_net = project.models.get(NETWORK_MODEL)
    stored_tab = project.models.get(TABULAR_MODEL)
    if stored_net is None and stored_tab is None:
        return None
    ensemble = EnsembleModel.from_stored(stored_net) if stored_net is not None else None
    tabular = TabularSet.from_stored(stored_tab) if stored_tab is not None else None
    evaluation = read_section(project, "evaluation")
    run = read_section(project, "run")
    level = run.evaluation.level if run is not None else DEFAULT_LEVEL
    return FinalModels(ensemble, tabular, evaluation, read_picks(project), level)
