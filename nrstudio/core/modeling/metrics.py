"""Regression metrics. R2 is computed as r2(truth, prediction): the paper's scripts swapped the
arguments, which gives a different (wrong) number."""

from __future__ import annotations

import numpy as np

METRICS = ("MAE", "MSE", "RMSE", "R2")


def regression_metrics(truth: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    """MAE, MSE, RMSE and R2 of (n,) arrays; R2 is NaN for fewer than 2 rows or constant truth."""
    t = np.asarray(truth, dtype=np.float64).reshape(-1)
    p = np.asarray(prediction, dtype=np.float64).reshape(-1)
    if len(t) == 0:
        return dict.fromkeys(METRICS, float("nan"))
    err = p - t
    mse = float(np.mean(err**2))
    ss_tot = float(np.sum((t - t.mean()) ** 2))
    r2 = 1.0 - float(np.sum(err**2)) / ss_tot if len(t) >= 2 and ss_tot > 0 else float("nan")
    return {"MAE": float(np.mean(np.abs(err))), "MSE": mse, "RMSE": float(np.sqrt(mse)), "R2": r2}
