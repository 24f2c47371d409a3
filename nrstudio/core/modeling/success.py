"""The probability that a synthesis succeeds: every wanted target inside its window (and a
target pushed up or down beyond the best measured), from the chosen models' predictions and
their calibrated leakage-free residuals (see :mod:`nrstudio.core.modeling.design`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.final_models import FinalModels
from nrstudio.core.modeling.wishes import Optimise, Want


@dataclass
class SuccessModel:
    """The calibrated predictive distribution of the wanted targets: for each, the signed
    leakage-free residuals (truth - prediction) of its chosen model and a kernel width."""

    wants: list[Want]
    columns: list[int]
    residuals: list[np.ndarray]
    bandwidths: list[float]
    # A target pushed up or down: success also means beating ``aim_best``, the best measured
    # sample inside every window (the best measured at all while none is inside).
    aim: Optimise | None = None
    aim_column: int = -1
    aim_best: float = math.nan
    aim_residuals: np.ndarray = field(default_factory=lambda: np.zeros(0))
    aim_bandwidth: float = 1.0

    def probability(self, mean: np.ndarray) -> np.ndarray:
        """(m,) probability that every wanted target lands in its window (and the aimed
        target beats the best measured), given the predictions ``mean`` (m, t) of all
        targets."""
        from scipy.special import ndtr  # not with the window: 0.1 s of its start

        p = np.ones(len(mean))
        for want, k, r, h in zip(self.wants, self.columns, self.residuals, self.bandwidths,
                                 strict=True):
            if len(r) == 0:
                return np.zeros(len(mean))
            y = mean[:, k][:, None] + r[None, :]
            hi = (want.value + want.tolerance - y) / h
            lo = (want.value - want.tolerance - y) / h
            p *= (ndtr(hi) - ndtr(lo)).mean(axis=1)
        if self.aim is not None:
            if len(self.aim_residuals) == 0:
                return np.zeros(len(mean))
            y = mean[:, self.aim_column][:, None] + self.aim_residuals[None, :]
            p *= ndtr(self.aim.sign * (y - self.aim_best) / self.aim_bandwidth).mean(axis=1)
        return p


def success_model(models: FinalModels, wants: list[Want],
                  optimise: Optimise | None = None) -> SuccessModel:
    if not wants and optimise is None:
        raise DataError("give at least one wanted value (target = value ± tolerance) or a "
                        "target as high or as low as possible")
    columns, residuals, widths = [], [], []
    choices = models.choices()
    for want in wants:
        if want.target not in models.targets:
            raise DataError(f"'{want.target}' is not a target of the model (targets: "
                            f"{', '.join(models.targets)})")
        if not want.tolerance > 0:
            raise DataError(f"{want.target}: the tolerance must be above zero")
        k = models.targets.index(want.target)
        signed = models.signed_residuals(want.target, choices[want.target].model)
        spread = float(np.std(signed)) if len(signed) > 1 else 0.0
        # Half of Silverman's bandwidth: enough to make the score smooth for the search,
        # little enough not to blur the calibrated distribution; at least a tenth of the
        # window.
        h = max(0.53 * spread * max(len(signed), 1) ** -0.2, 0.1 * want.tolerance, 1e-12)
        columns.append(k)
        residuals.append(signed)
        widths.append(h)
    success = SuccessModel(wants, columns, residuals, widths)
    if optimise is not None:
        _add_aim(models, success, optimise)
    return success


def _add_aim(models: FinalModels, success: SuccessModel, optimise: Optimise) -> None:
    """The aimed target's threshold (its best measured value inside the windows) and its
    calibrated residuals."""
    if optimise.target not in models.targets:
        raise DataError(f"'{optimise.target}' is not a target of the model")
    if any(w.target == optimise.target for w in success.wants):
        raise DataError(f"'{optimise.target}' cannot be both in a window and as "
                        f"{'high' if optimise.highest else 'low'} as possible")
    k = models.targets.index(optimise.target)
    y = measured_targets(models, [optimise.target] + [w.target for w in success.wants])
    ok = np.isfinite(y[:, k]) if len(y) else np.zeros(0, dtype=bool)
    inside = ok.copy()
    for want, j in zip(success.wants, success.columns, strict=True):
        inside &= np.abs(y[:, j] - want.value) <= want.tolerance
    pool = inside if inside.any() else ok
    if not pool.any():
        raise DataError(f"no measured {optimise.target} to beat: train the models first")
    signed = models.signed_residuals(optimise.target, models.choices()[optimise.target].model)
    spread = float(np.std(signed)) if len(signed) > 1 else 0.0
    values = y[pool, k]
    success.aim = optimise
    success.aim_column = k
    success.aim_best = float(values.max() if optimise.highest else values.min())
    success.aim_residuals = signed
    success.aim_bandwidth = max(0.53 * spread * max(len(signed), 1) ** -0.2,
                                0.01 * float(np.ptp(y[ok, k])) if ok.sum() > 1 else 0.0, 1e-12)


def measured_targets(models: FinalModels, targets: list[str]) -> np.ndarray:
    """(n, t) the measured values of ``targets`` of the training samples (NaN where not
    measured; no rows without an evaluation), columns in the models' target order."""
    ev = models.evaluation
    p = ev.predictions if ev is not None else None
    if p is None or not len(p):
        return np.empty((0, len(models.targets)))
    truth = p[(p.protocol == "honest") & (p.origin == "original")]
    table = truth.pivot_table(index="sample", columns="target", values="truth",
                              aggfunc="first")
    y = np.full((len(table), len(models.targets)), np.nan)
    for target in targets:
        if target in table:
            y[:, models.targets.index(target)] = table[target].to_numpy(float)
    return y
