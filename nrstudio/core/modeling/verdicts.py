"""Plain-language verdicts on an evaluation: does the network beat predicting the mean, and
does it beat the baselines? The Train page, the command line and reports print the same
sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from nrstudio.core.modeling.evaluation import EvaluationResult
from nrstudio.core.modeling.run_settings import NETWORK, PROTOCOL_LABELS, SHORT_NAMES


@dataclass(frozen=True)
class Verdict:
    """One sentence about one target under one protocol. ``kind``: "no_information" (the
    network does not beat the mean), "baseline_better" or "network_best". The sentence marks
    emphasis with ``**`` (rendered bold by the GUI, stripped by :meth:`plain`)."""

    protocol: str
    target: str
    kind: str
    text: str

    def plain(self) -> str:
        return self.text.replace("**", "")

    def html(self) -> str:
        return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", self.text)


def verdicts(result: EvaluationResult) -> list[Verdict]:
    """One verdict per (protocol, target) on the held-out originals."""
    m = result.metrics
    # One pass over the table (protocol, target) -> metric -> model -> mean: filtering it
    # per target and metric took about 10 ms of the window's time as each result landed.
    means: dict[tuple[str, str], dict[str, dict[str, float]]] = {}
    for r in m[(m.subset == "original") & m.metric.isin(("R2", "MAE"))].itertuples(index=False):
        means.setdefault((r.protocol, r.target), {}).setdefault(r.metric, {})[r.model] = \
            float(r.mean)
    out = []
    for protocol in ("honest", "paper"):
        for (p, target), by_metric in means.items():
            mae, r2 = by_metric.get("MAE", {}), by_metric.get("R2", {})
            if p != protocol or NETWORK not in mae:
                continue
            label = PROTOCOL_LABELS[protocol]
            head = f"**{target}** ({label}): "
            if "mean" in mae and mae[NETWORK] >= mae["mean"]:
                out.append(Verdict(protocol, target, "no_information", head +
                                   "the network does **not** beat predicting the mean (MAE "
                                   f"{mae[NETWORK]:.3g} vs {mae['mean']:.3g}); its predictions "
                                   "carry no information here."))
                continue
            others = {k: v for k, v in mae.items() if k != NETWORK and not np.isnan(v)}
            best = min(others, key=others.__getitem__) if others else None
            if best is not None and others[best] < mae[NETWORK]:
                out.append(Verdict(protocol, target, "baseline_better", head +
                                   f"{SHORT_NAMES.get(best, best)} predicts better than the network "
                                   f"(MAE {others[best]:.3g} vs {mae[NETWORK]:.3g})."))
            else:
                out.append(Verdict(protocol, target, "network_best", head +
                                   f"the network beats the baselines (MAE {mae[NETWORK]:.3g}, "
                                   f"R² {r2.get(NETWORK, np.nan):.2f})."))
    return out
