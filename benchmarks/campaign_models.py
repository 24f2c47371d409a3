"""The model of the simulated design campaigns (``bench_design.py``, ``bench_real_pool.py``):
the Gaussian process the app fits in seconds, calibrated by its exact leave-one-out
residuals (fixed hyper-parameters) instead of a full leakage-free evaluation per round."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.modeling.baselines import gp_kernel_of
from nrstudio.core.modeling.evaluation import EvaluationResult
from nrstudio.core.modeling.final_models import FinalModels, fit_tabular_set


def loo_calibrated_gp(dataset: Dataset, target: str) -> FinalModels:
    """A Gaussian process for ``target`` with its exact leave-one-out residuals as the
    evaluation that calibrates it (y_i - prediction without row i = alpha_i / [K^-1]_ii)."""
    tab = fit_tabular_set(dataset, ("gaussian_process",), targets=[target])
    a = tab.models[target]["gaussian_process"].arrays
    kernel = gp_kernel_of(a["x_train"].shape[1], a["theta"])
    k_inv = np.linalg.inv(kernel(a["x_train"]))
    loo = a["alpha"] / np.diag(k_inv) * float(a["y_std"][0])
    y = dataset.values([target])[:, 0]
    pred = pd.DataFrame({"protocol": "honest", "model": "gaussian_process", "target": target,
                         "fold": 0, "sample": tab.sample_ids, "origin": "original",
                         "truth": y, "prediction": y - loo})
    metrics = pd.DataFrame([dict(protocol="honest", model="gaussian_process", target=target,
                                 subset="original", metric="MAE",
                                 mean=float(np.mean(np.abs(loo))), std=0.0, n=len(y),
                                 aggregation="pooled")])
    return FinalModels(None, tab, EvaluationResult(metrics, pred))
