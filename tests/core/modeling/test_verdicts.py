"""The plain-language verdicts under the metrics."""

import pandas as pd

from nrstudio.core.modeling.evaluation import EvaluationResult
from nrstudio.core.modeling.verdicts import verdicts


def test_a_baseline_that_beats_the_network_is_named_as_the_app_names_it():
    def row(model, mean):
        return dict(protocol="honest", model=model, target="PLQY", subset="original",
                    metric="MAE", mean=mean, std=0.01, n=280, aggregation="pooled")

    metrics = pd.DataFrame([row("network", 0.102), row("gaussian_process", 0.0974),
                            row("mean", 0.183)])
    (v,) = verdicts(EvaluationResult(metrics, pd.DataFrame()))
    assert v.kind == "baseline_better"
    assert v.plain() == ("PLQY (leakage-free): Gaussian process predicts better than the "
                         "network (MAE 0.0974 vs 0.102).")
