"""Static figures of rod measurements for reports (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from nrstudio.core.figure_files import save_figure
from nrstudio.core.micrographs.rod_model import RodMeasurement


def size_histograms(measurements: list[tuple[str, RodMeasurement]], path: str | Path) -> Path:
    """Length and width distributions (nm) of the accepted rods of each labelled measurement,
    overlaid as outlines on shared bins so samples can be compared."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    colours = plt.get_cmap("tab10")
    for ax, what in zip(axes, ("length", "width"), strict=True):
        values = [m.lengths_nm() if what == "length" else m.widths_nm() for _, m in measurements]
        pooled = np.concatenate([v for v in values if len(v)] or [np.zeros(1)])
        bins = np.histogram_bin_edges(pooled, bins=min(40, max(8, int(np.sqrt(len(pooled))))))
        for k, ((label, _), v) in enumerate(zip(measurements, values, strict=True)):
            if len(v):
                ax.hist(v, bins=bins, histtype="step", lw=1.4, color=colours(k % 10),
                        label=f"{label} (n={len(v)})")
        ax.set_xlabel(f"{what} (nm)")
        ax.set_ylabel("rods")
    if len(measurements) <= 10:
        axes[0].legend(fontsize=7)
    fig.suptitle("Accepted rods per sample", fontsize=10)
    return save_figure(fig, path, dpi=110)
