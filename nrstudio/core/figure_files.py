"""Writing matplotlib figures as PNG files, shared by every domain's static figures (the
command line's and the report's). No display is needed: the Agg backend is selected here,
before pyplot is imported anywhere in the core."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

# Labels are sample ids, column names and levels a user wrote: a "$" in them is a dollar,
# never the start of math text (a label such as "$\frac{$" stopped the report).
matplotlib.rcParams["text.parse_math"] = False

_META = {"Software": None}  # no version stamp: the same run gives the same bytes


def save_figure(fig, path: str | Path, dpi: int = 120) -> Path:
    """Lay out, write as PNG and close (figures are never shown). The saved area grows to
    hold every title and label: a long target name in a two-line title was clipped."""
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=dpi, metadata=_META, bbox_inches="tight", pad_inches=0.1)
    plt.close(fig)
    return out
