"""Which model makes the predictions of each target: by default the one with the lowest
leakage-free MAE in the last evaluation, or the user's pick; with the reason in words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.baselines import BASELINE_NAMES
from nrstudio.core.modeling.evaluation import EvaluationResult
from nrstudio.core.modeling.run_settings import NETWORK, SHORT_NAMES

AUTO = "auto"
MODEL_NAMES = {NETWORK: "network ensemble (the paper's)", **BASELINE_NAMES}


@dataclass(frozen=True)
class ModelPicks:
    """The user's model per target (a key of MODEL_NAMES, or AUTO for the app's choice);
    a target not listed takes the app's choice. Stored as the ``model_choice`` section."""

    picks: dict[str, str]

    @classmethod
    def from_json(cls, doc: dict) -> ModelPicks:
        """Entries this version does not know (a model a newer version added) are dropped:
        that target then takes the app's choice."""
        raw = doc.get("picks", {})
        if not isinstance(raw, dict):
            raise DataError("picks is not an object")
        return cls({str(t): m for t, m in raw.items()
                    if isinstance(m, str) and (m == AUTO or m in MODEL_NAMES)})

    def to_json(self) -> dict:
        return {"picks": dict(self.picks)}
# What a user may type: the names the command line offers, and the stored keys.
ALIASES = {"network": NETWORK, "gp": "gaussian_process", "forest": "random_forest",
           "rf": "random_forest", "ridge": "ridge", "mean": "mean",
           **{k: k for k in MODEL_NAMES}}


def model_key(name: str) -> str:
    """The stored key of a model name or alias ("gp" -> "gaussian_process"); DataError."""
    key = ALIASES.get(name.strip().lower().replace(" ", "_"))
    if key is None:
        raise DataError(f"unknown model '{name}' (one of auto, network, gp, forest, ridge, "
                        "mean)")
    return key


@dataclass(frozen=True)
class ModelChoice:
    """The model of one target; ``automatic``: chosen by the evaluation, not the user."""

    target: str
    model: str
    reason: str
    automatic: bool
    mae: float = float("nan")


def leakage_free_mae(evaluation: EvaluationResult | None, target: str,
                     metric: str = "MAE") -> dict[str, float]:
    """Model -> leakage-free ``metric`` (MAE by default, or R2, RMSE...) on held-out
    originals for one target ({} without it)."""
    return leakage_free_metric(evaluation, metric).get(target, {})


def leakage_free_metric(evaluation: EvaluationResult | None, metric: str = "MAE"
                        ) -> dict[str, dict[str, float]]:
    """Target -> model -> leakage-free ``metric`` on held-out originals, in one pass over
    the metrics table (finite values only; {} without an evaluation)."""
    if evaluation is None or evaluation.metrics.empty:
        return {}
    m = evaluation.metrics
    sel = m[(m.protocol == "honest") & (m.subset == "original") & (m.metric == metric)]
    out: dict[str, dict[str, float]] = {}
    for target, model, value in zip(sel.target, sel.model, sel["mean"], strict=True):
        if np.isfinite(value):
            out.setdefault(str(target), {})[str(model)] = float(value)
    return out


def choose_models(targets: list[str], evaluation: EvaluationResult | None,
                  available: Mapping[str, set[str]],
                  picks: Mapping[str, str] | None = None) -> dict[str, ModelChoice]:
    """One choice per target among the ``available`` models of that target: the user's
    pick when it is available, else the lowest leakage-free MAE, else the network."""
    out = {}
    maes = leakage_free_metric(evaluation)
    for target in targets:
        models = available.get(target, set())
        mae = {k: v for k, v in maes.get(target, {}).items() if k in models}
        pick = (picks or {}).get(target, AUTO)
        if pick != AUTO and pick in models:
            reason = f"chosen by you; leakage-free MAE {_fmt(mae.get(pick))}"
            if mae and min(mae, key=mae.__getitem__) != pick:
                best = min(mae, key=mae.__getitem__)
                reason += f" ({SHORT_NAMES[best]} has {_fmt(mae[best])})"
            out[target] = ModelChoice(target, pick, reason, False, mae.get(pick, np.nan))
        elif mae:
            best = min(mae, key=mae.__getitem__)
            runner = sorted((v, k) for k, v in mae.items() if k != best)
            reason = f"lowest leakage-free MAE ({_fmt(mae[best])}"
            if runner:
                reason += f"; next {SHORT_NAMES[runner[0][1]]} {_fmt(runner[0][0])}"
            out[target] = ModelChoice(target, best, reason + ")", True, mae[best])
        elif NETWORK in models or not models:
            out[target] = ModelChoice(target, NETWORK, "no leakage-free evaluation to choose "
                                      "by: the paper's network ensemble", True)
        else:
            first = sorted(models)[0]
            out[target] = ModelChoice(target, first, "no leakage-free evaluation to choose by",
                                      True)
    return out


def _fmt(value: float | None) -> str:
    return "unknown" if value is None or not np.isfinite(value) else f"{value:.3g}"
