"""Static figures for reports and the command line (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

from nrstudio.core.figure_files import save_figure
from nrstudio.core.modeling.evaluation import NETWORK, EvaluationResult
from nrstudio.core.modeling.explanations import Explanations
from nrstudio.core.modeling.run_settings import SHORT_NAMES


def parity_plot(result: EvaluationResult, protocol: str, path: str | Path) -> Path:
    """Predicted vs measured per target for the network's out-of-fold predictions."""
    pred = result.predictions
    pred = pred[(pred.protocol == protocol) & (pred.model == NETWORK)]
    targets = list(dict.fromkeys(pred.target))
    fig, axes = plt.subplots(1, max(len(targets), 1), figsize=(4.2 * max(len(targets), 1), 4.2),
                             squeeze=False)
    for ax, target in zip(axes[0], targets, strict=False):
        p = pred[pred.target == target]
        syn, orig = p[p.origin == "synthetic"], p[p.origin == "original"]
        if len(syn):
            ax.scatter(syn.truth, syn.prediction, s=4, c="#4477aa", alpha=0.25, lw=0,
                       label="synthetic")
        ax.scatter(orig.truth, orig.prediction, s=22, c="#cc3311", label="original")
        lo = float(np.nanmin([p.truth.min(), p.prediction.min()]))
        hi = float(np.nanmax([p.truth.max(), p.prediction.max()]))
        ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="y = x")
        m = result.metrics
        row = m[(m.protocol == protocol) & (m.model == NETWORK) & (m.target == target)
                & (m.subset == "original")].set_index("metric")["mean"]
        ax.set_title(f"{target}\nheld-out originals: MAE {row.get('MAE', np.nan):.3g}, "
                     f"R² {row.get('R2', np.nan):.2f}", fontsize=9)
        ax.set_xlabel("measured")
        ax.set_ylabel("predicted")
        ax.legend(fontsize=7, loc="upper left")
    label = {"honest": "leakage-free"}.get(protocol, protocol)
    fig.suptitle(f"Out-of-fold predictions — {label} protocol", fontsize=10)
    return save_figure(fig, path)


MANY_INPUTS = 12  # beyond this the heat map's input names stand upright, each in its column


def lime_heatmap(expl: Explanations, path: str | Path) -> Path:
    """The paper's Figure 4: samples x inputs LIME weights per target, diverging at zero.
    A flagged explanation is never drawn in colour: its row is grey and hatched, marked ⚠,
    and its weights do not set the colour scale."""
    t = len(expl.targets)
    n = len(expl.points)
    flagged = expl.flagged
    f = len(expl.features)
    # Many inputs (a literature table's reagents) get a column wide enough for their name,
    # written upright: slanted, 35 names ran into each other.
    many = f > MANY_INPUTS
    width = max(3.6, 0.17 * f + 1.4) if many else 3.6
    fig, axes = plt.subplots(1, t, figsize=(width * t + 1, 0.22 * n + 2.2), squeeze=False)
    for k, ax in enumerate(axes[0]):
        w = np.array(expl.weights[:, k, :], dtype=float)
        w[flagged[:, k]] = np.nan  # drawn by the hatched grey below, never in colour
        finite = np.abs(w[np.isfinite(w)])
        lim = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#d0d0d0")
        im = ax.imshow(np.ma.masked_invalid(w), aspect="auto", cmap=cmap,
                       norm=TwoSlopeNorm(0.0, -lim, lim))
        for row in np.flatnonzero(flagged[:, k]):
            ax.add_patch(Rectangle((-0.5, row - 0.5), len(expl.features), 1.0, fill=False,
                                   hatch="///", edgecolor="#808080", linewidth=0))
        ax.set_xticks(range(f), expl.features, rotation=90 if many else 35,
                      ha="center" if many else "right", fontsize=7)
        ax.set_yticks(range(n), [("⚠ " if flagged[i, k] else "") + str(p)
                                 for i, p in enumerate(expl.points)], fontsize=6)
        title = expl.targets[k]
        if expl.models and len(expl.models) == t:
            title += f" · {SHORT_NAMES.get(expl.models[k], expl.models[k])}"
        if flagged[:, k].any():
            title += f"\n{int(flagged[:, k].sum())} of {n} flagged (grey, hatched)"
        ax.set_title(title, fontsize=9)
        cb = fig.colorbar(im, ax=ax, fraction=0.08)
        cb.set_label("change per 1 SD of input", fontsize=7)
    fig.suptitle("LIME weights (local linear surrogate, inputs standardised)", fontsize=10)
    return save_figure(fig, path)


def chosen_parity_plot(result: EvaluationResult, chosen: dict[str, str], path: str | Path,
                       level: float = 0.9, validation=None) -> Path:
    """Leakage-free held-out predictions of each target's chosen model (``chosen``: target ->
    model) with each sample's conformal interval, built without that sample (as the Train
    page draws them); validation experiments as green diamonds when given."""
    from nrstudio.core.modeling.conformal import leave_one_out_half_widths

    pred = result.predictions
    pred = pred[(pred.protocol == "honest") & (pred.origin == "original")]
    targets = [t for t in chosen if len(pred[(pred.target == t) & (pred.model == chosen[t])])]
    n = max(len(targets), 1)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 4.3), squeeze=False)
    for ax, target in zip(axes[0], targets, strict=False):
        model = chosen[target]
        p = pred[(pred.target == target) & (pred.model == model)]
        truth, guess = p.truth.to_numpy(float), p.prediction.to_numpy(float)
        half = leave_one_out_half_widths(truth, guess, level)
        finite = np.isfinite(half)
        if finite.any():
            ax.errorbar(truth[finite], guess[finite], yerr=half[finite], fmt="none",
                        ecolor="#cc3311", alpha=0.45, lw=1)
        ax.scatter(truth, guess, s=22, c="#cc3311", label="original (held out)", zorder=3)
        values = [truth, guess]
        if validation is not None and len(validation) and "model" in validation:
            v = validation[(validation.target == target) & (validation.model == model)]
            if len(v):
                ax.scatter(v.truth, v.prediction, s=40, marker="D", c="#228833",
                           edgecolors="k", label="validation experiment", zorder=4)
                values += [v.truth.to_numpy(float), v.prediction.to_numpy(float)]
        allv = np.concatenate(values)
        lo, hi = float(np.nanmin(allv)), float(np.nanmax(allv))
        ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="y = x")
        inside = np.abs(truth - guess) <= half
        cover = f", {100 * inside[finite].mean():.0f}% inside" if finite.any() else ""
        ax.set_title(f"{target}\n{SHORT_NAMES.get(model, model)}: {round(100 * level)}% intervals"
                     f"{cover}", fontsize=9)
        ax.set_xlabel("measured")
        ax.set_ylabel("predicted")
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("Chosen model per target — leakage-free held-out predictions", fontsize=10)
    return save_figure(fig, path)
