"""Static figures for reports and the command line (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: figures are only written to files
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm

from nrstudio.core.modeling.evaluation import NETWORK, EvaluationResult
from nrstudio.core.modeling.explain import Explanations

_META = {"Software": None}  # no version stamp: the same run gives the same bytes


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
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120, metadata=_META)
    plt.close(fig)
    return out


def lime_heatmap(expl: Explanations, path: str | Path) -> Path:
    """The paper's Figure 4: samples x inputs LIME weights per target, diverging at zero."""
    t = len(expl.targets)
    n = len(expl.points)
    fig, axes = plt.subplots(1, t, figsize=(3.6 * t + 1, 0.22 * n + 2.2), squeeze=False)
    for k, ax in enumerate(axes[0]):
        w = expl.weights[:, k, :]
        lim = float(np.abs(w).max()) or 1.0
        im = ax.imshow(w, aspect="auto", cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -lim, lim))
        ax.set_xticks(range(len(expl.features)), expl.features, rotation=35, ha="right",
                      fontsize=7)
        ax.set_yticks(range(n), expl.points, fontsize=6)
        ax.set_title(expl.targets[k], fontsize=9)
        cb = fig.colorbar(im, ax=ax, fraction=0.08)
        cb.set_label("change per 1 SD of input", fontsize=7)
    fig.suptitle("LIME weights (local linear surrogate, inputs standardised)", fontsize=10)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120, metadata=_META)
    plt.close(fig)
    return out
