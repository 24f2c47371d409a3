"""Synthetic TEM-like micrographs with known rods and a known scale bar, for tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter


@dataclass
class SyntheticMicrograph:
    pixels: np.ndarray  # (h, w) float32 in [0, 1]
    lengths_px: np.ndarray
    widths_px: np.ndarray
    bar_px: int | None


def draw_rod(img: np.ndarray, cx: float, cy: float, length: float, width: float,
             angle: float, value: float) -> None:
    """Darken ``img`` (in place) with a rod seen in bright-field TEM: a capsule ``length`` x
    ``width`` px whose darkening follows its projected thickness (a cylinder of diameter
    ``width`` with hemispherical caps), reaching ``value`` on the axis. Overlaps take the darker.
    """
    h, w = img.shape
    reach = length / 2 + width
    r0, r1 = max(int(cy - reach), 0), min(int(cy + reach) + 2, h)
    c0, c1 = max(int(cx - reach), 0), min(int(cx + reach) + 2, w)
    if r0 >= r1 or c0 >= c1:
        return
    yy, xx = np.mgrid[r0:r1, c0:c1]
    dx, dy = np.cos(angle), np.sin(angle)
    along = (xx - cx) * dx + (yy - cy) * dy
    across = -(xx - cx) * dy + (yy - cy) * dx
    half_core = max(length / 2 - width / 2, 0.0)
    dist = np.hypot(np.clip(np.abs(along) - half_core, 0, None), across)
    thickness = np.sqrt(np.clip(1 - (2 * dist / width) ** 2, 0, None))
    patch = img[r0:r1, c0:c1]
    darker = patch - thickness * (patch - value)
    img[r0:r1, c0:c1] = np.minimum(patch, darker)


def make_micrograph(seed: int = 0, shape: tuple[int, int] = (600, 800), n_rods: int = 60,
                    length: tuple[float, float] = (60.0, 8.0), width: tuple[float, float] = (10.0, 1.0),
                    bar_px: int | None = 150, bar_corner: str = "lower left",
                    bar_polarity: str = "dark", touching: int = 5) -> SyntheticMicrograph:
    """Rods with lengths ~ N(length) and widths ~ N(width) pixels at random angles (a few
    placed touching others), blurred, with shot noise and an uneven background."""
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    img = 0.72 + 0.08 * np.sin(xx / w * 2.5) * np.cos(yy / h * 1.7)  # uneven illumination
    lengths = np.clip(rng.normal(*length, n_rods), 10, None)
    widths = np.clip(rng.normal(*width, n_rods), 3, None)
    centres = []
    for k in range(n_rods):
        if k < touching and centres:
            px, py, pa = centres[rng.integers(len(centres))]
            cx, cy, a = px + np.cos(pa + np.pi / 2) * widths[k], py + np.sin(pa + np.pi / 2) * widths[k], pa
        else:
            cx, cy, a = rng.uniform(40, w - 40), rng.uniform(40, h - 90), rng.uniform(0, np.pi)
        centres.append((cx, cy, a))
        draw_rod(img, cx, cy, lengths[k], widths[k], a, 0.35)
    img = gaussian_filter(img, 1.2)
    img = rng.poisson(img * 200) / 200.0  # shot noise
    if bar_px is not None:
        value = 0.0 if bar_polarity == "dark" else 1.0
        r0 = h - 40 if bar_corner.startswith("lower") else 25
        c0 = 30 if bar_corner.endswith("left") else w - 30 - bar_px
        img[r0:r0 + 8, c0:c0 + bar_px] = value
    return SyntheticMicrograph(np.clip(img, 0, 1).astype(np.float32), lengths, widths, bar_px)
