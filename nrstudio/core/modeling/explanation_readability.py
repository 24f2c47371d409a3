"""How far a set of tabular explanations can be read, in sentences: per target the median
local fidelity, the flagged count and the agreement with the model's slope, and what to try
when most are flagged. Shown on the Explain page, in the report and by the command line."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nrstudio.core.modeling.explain import PAPER_LOCALITY
from nrstudio.core.modeling.explanations import SLOPE_TOLERANCE, Explanations
from nrstudio.core.modeling.run_settings import SHORT_NAMES


@dataclass(frozen=True)
class TargetReadability:
    """How far one target's explanations can be read: over its n explained points."""

    target: str
    model: str
    locality: float
    median_fidelity: float
    flagged: int
    total: int
    slope_agreement: float  # share within SLOPE_TOLERANCE of slope × SD; NaN: no slope

    @property
    def sentence(self) -> str:
        if self.model == "mean":
            return (f"{self.target} (the mean): no model beat predicting the mean, which no "
                    "condition changes, so every weight is 0; another model can be chosen "
                    "for it on the Predict page")
        slope = ("" if math.isnan(self.slope_agreement) else
                 f", {self.slope_agreement:.0%} agree with the model's slope within "
                 f"{SLOPE_TOLERANCE:.0%}")
        model = f" ({SHORT_NAMES.get(self.model, self.model)})" if self.model else ""
        return (f"{self.target}{model}: median local fidelity {self.median_fidelity:.2f} at "
                f"{self.locality:.3g} SD, {self.flagged} of {self.total} flagged{slope}")


def readability(expl: Explanations) -> list[TargetReadability]:
    """Per target: median fidelity, flagged count and slope agreement."""
    flagged = expl.flagged
    err = expl.slope_errors()
    out = []
    for k, target in enumerate(expl.targets):
        e = err[:, k]
        checked = ~np.isnan(e)
        out.append(TargetReadability(
            target, expl.models[k] if len(expl.models) == len(expl.targets) else "",
            float(expl.locality[k]) if expl.locality is not None else PAPER_LOCALITY,
            float(np.median(expl.fidelity[:, k])), int(flagged[:, k].sum()), len(e),
            float(np.mean(e[checked] <= SLOPE_TOLERANCE)) if checked.any() else math.nan))
    return out


def advice_when_flagged(expl: Explanations) -> str:
    """What to try when most explanations of some target are flagged ("" otherwise)."""
    worst = [r for r in readability(expl) if r.flagged > r.total / 2]
    if not worst:
        return ""
    names = ", ".join(r.target for r in worst)
    forest = any(r.model == "random_forest" for r in worst)
    wide = any(r.locality >= 0.5 for r in worst)
    tips = []
    if wide:
        tips.append("a smaller locality (leave it 'chosen per model', or try 0.1 SD)")
    else:
        tips.append("a smaller locality (for example half the one used)")
    if forest:
        tips.append("another model for that target on the Train page (a random forest is a "
                    "staircase, so no straight line follows it closely)")
    else:
        tips.append("another model for that target on the Train page")
    return (f"Most explanations of {names} are flagged: near those samples the model bends "
            "or steps more than a straight line can follow over the perturbed range, so the "
            f"weights would mislead. Try {' or '.join(tips)}.")
