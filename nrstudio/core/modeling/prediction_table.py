"""Predictions for a whole table of planned conditions (the Predict page's batch and
``nrstudio predict --table``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.reagent_lists import unused_reagents, with_unlisted_reagents
from nrstudio.core.data.training_rows import Restatement
from nrstudio.core.modeling.final_models import FinalModels
from nrstudio.core.modeling.predict import EnsembleModel, match_inputs, out_of_step_rows
from nrstudio.core.modeling.run_settings import SHORT_NAMES


def predict_conditions_table(models: FinalModels, dataset: Dataset, level: float | None = None,
                             model: str | None = None,
                             restated: Mapping[str, Restatement] | None = None) -> pd.DataFrame:
    """Per row: its sample id and conditions, then per target the prediction, its interval
    at ``level``, the ensemble spread (networks only) and the model; the out-of-domain flag
    and its reasons; which predictions are impossible (negative for a target that cannot
    be). A row with a missing or negative number input gets no prediction, and "why" names
    the input. ``restated``: the inputs the models left out as moving in step with another
    (the project's :attr:`InputChoice.restated`); "why" names a row that sets them apart."""
    space = models.space
    dataset = with_unlisted_reagents(dataset, models.inputs)
    mapping = match_inputs(models.inputs, [c.name for c in dataset.columns])
    x = space.conditions(dataset, columns=mapping)
    numeric = [j for j in range(x.shape[1]) if j not in space.categorical]
    problems = [[f"no value of '{models.inputs[j]}'" if not np.isfinite(row[j]) else
                 f"'{models.inputs[j]}' is negative ({row[j]:g})"
                 for j in numeric if not (np.isfinite(row[j]) and row[j] >= 0)] for row in x]
    ok = np.array([not p for p in problems], dtype=bool)
    n, t = len(x), len(models.targets)
    cols = {k: np.full((n, t), np.nan) for k in ("mean", "lower", "upper", "std")}
    out_dom = np.zeros(n, dtype=bool)
    why = ["cannot predict: " + "; ".join(p) if p else "" for p in problems]
    impossible = np.zeros((n, t), dtype=bool)
    chosen = [models.choices(model)[tg].model for tg in models.targets]
    level = level or models.level
    if ok.any():
        pred = models.predict(x[ok], level, model)
        assert pred.impossible is not None and pred.lower is not None
        assert pred.upper is not None
        for key, value in (("mean", pred.mean), ("lower", pred.lower), ("upper", pred.upper),
                           ("std", pred.std)):
            cols[key][ok] = value
        out_dom[ok], impossible[ok] = pred.out_of_domain, pred.impossible
        for k, reason in zip(np.flatnonzero(ok).tolist(), pred.reasons(), strict=True):
            why[k] = reason
    for k, extra in enumerate(unused_reagents(dataset, models.inputs)):
        if extra and ok[k]:
            why[k] = "; ".join(filter(None, [why[k], "uses reagents the models never saw "
                                             f"({', '.join(extra)}): predicted without them"]))
    restated = restated or {}
    for name, off in out_of_step_rows(dataset, restated).items():
        source = restated[name].source
        for k in np.flatnonzero(off & ok).tolist():
            why[k] = "; ".join(filter(None, [why[k], f"'{name}' set apart from '{source}', "
                                             "which every training row had in step: "
                                             f"predicted as if it followed '{source}'"]))
    frame = pd.DataFrame({"sample": dataset.sample_ids()})
    for j, name in enumerate(models.inputs):
        frame[name] = ([space.level_text(name, v) for v in x[:, j]] if name in space.levels
                       else x[:, j])
    pct = round(100 * level)
    for k, target in enumerate(models.targets):
        frame[f"{target} predicted"] = cols["mean"][:, k]
        frame[f"{target} lower {pct}%"] = cols["lower"][:, k]
        frame[f"{target} upper {pct}%"] = cols["upper"][:, k]
        frame[f"{target} ±"] = cols["std"][:, k]
        frame[f"{target} model"] = SHORT_NAMES.get(chosen[k], chosen[k])
    frame["out of domain"] = out_dom
    frame["why"] = why
    frame["impossible"] = [", ".join(f"{tg} < 0" for k, tg in enumerate(models.targets)
                                     if impossible[i, k]) for i in range(n)]
    return frame


def predict_table(model: EnsembleModel, dataset: Dataset) -> pd.DataFrame:
    """Predictions of the network ensemble alone for a conditions table (see
    :func:`predict_conditions_table`)."""
    return predict_conditions_table(FinalModels(model, None, None), dataset)
