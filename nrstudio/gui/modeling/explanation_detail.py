"""The Explain page's words for one explanation: short input names for ticks and text, and
the detail beside a sample's bars (its conditions, what the explained model predicts there,
why it is flagged, how to read the bars)."""

from __future__ import annotations

import html

from nrstudio.core.data.dataset import split_unit
from nrstudio.core.modeling.explain import FOREST_SMOOTHING
from nrstudio.core.modeling.explanations import Explanations
from nrstudio.core.modeling.features import FeatureSpace

UNITS_NOTE = ("Weight = change of the prediction (in the target's unit) per one standard "
              "deviation of the input, from a local linear surrogate (LIME).")


def short_name(name: str) -> str:
    """A tick label short enough not to be hidden by its neighbours: no unit, long words
    cut (``Core absorption edge (nm)`` -> ``Core abs. edge``)."""
    words = split_unit(name)[0].split()
    return " ".join(w if len(w) <= 7 else w[:3] + "." for w in words)


def detail_text(e: Explanations, i: int, reasons: list[str], space: FeatureSpace | None,
                repeats: int) -> str:
    """Rich text for point ``i`` of ``e``: its conditions (text conditions by their level),
    the explained predictions, ``reasons`` it is flagged ("target: why"), and the legend of
    the bars (``repeats`` seeds)."""

    def shown(f: str, v: float) -> str:
        if space is not None and f in space.levels:
            return space.level_text(f, v)
        return f"{v:g}"

    inputs = ", ".join(f"{short_name(f)} = {shown(f, v)}"
                       for f, v in zip(e.features, e.inputs[i], strict=True))
    # A forest is explained through its average over nearby conditions (a staircase has no
    # slope): say so, or its value here reads as a second, different prediction.
    smoothed = [k < len(e.models) and e.models[k] == "random_forest"
                for k in range(len(e.targets))]
    preds = ", ".join(f"{short_name(t)} {p:.3g}" + (" (forest averaged nearby)" if s else "")
                      for t, p, s in zip(e.targets, e.model_prediction[i], smoothed,
                                         strict=True))
    if any(smoothed):
        preds += (f"<br><small>LIME explains a forest's average within {FOREST_SMOOTHING:g} "
                  "SD; the Predict page shows the forest itself.</small>")
    flagged = "".join(f"<br><span style='color:#a05a00'>⚠ flagged, {html.escape(r)}</span>"
                      for r in reasons)
    return (f"<b>{e.points[i]}</b><br>{inputs}<br>predicted: {preds}{flagged}<br>"
            f"<small>Red bars raise the prediction, blue bars lower it; error bars are ± 1 "
            f"std over {repeats} seeds. {UNITS_NOTE}</small>")
