"""The resolution rods are found at: the methods' filters and rules are in pixels, written
for rods a dozen or two pixels wide (the development micrographs). A micrograph of rods
several times wider in pixels (gold rods 11 nm wide at 0.15 nm per pixel: about 70 px) is
measured on a copy shrunk by an integer factor, so that its rods look as those do, and the
rods found are put back in the full image's pixels.

How wide the rods are in pixels is read from the image before any rod is found: the scale of
the strongest dark ridges. At each of a few scales σ, the dark-ridge strength is σ² times the
larger eigenvalue of the Hessian (scale-normalised, so a ridge of width w answers most near
σ ≈ w / 3.5), and its 99th percentile (the ridges, not the film) is compared across scales.
On a real gold-rod micrograph (2,044 px, rods about 70 px wide, not in the repository; the
rods were measured 19 nm x 3 nm, the lace of the carbon film traced as rods) the strongest
scale is 24-48 px; on the six development micrographs it is 6 px, every one measured as
before.
"""

from __future__ import annotations

import math

import numpy as np

# Ridge scales tried, in full-resolution pixels, and the scale the methods are written for.
SCALES = (3.0, 6.0, 12.0, 24.0, 48.0, 96.0)
DESIGN_SCALE = 6.0
MAX_FACTOR = 8
PROBE_SIDE = 700  # the shorter side of the copy the scales are read on (0.4-0.8 s a probe)


def ridge_scale(img: np.ndarray) -> float:
    """The scale σ (full-resolution px) of the strongest dark ridges of a dark-rod image
    (h, w) in [0, 1]: the best of SCALES, refined between its neighbours (a parabola in log
    σ)."""
    from skimage.feature import hessian_matrix, hessian_matrix_eigvals

    from nrstudio.core.micrographs.outlines import downsample

    f = max(1, round(min(img.shape) / PROBE_SIDE))
    small = downsample(np.asarray(img, np.float32), f)
    small = (small - small.mean()) / (float(small.std()) or 1.0)
    tried: list[tuple[float, float]] = []
    for scale in SCALES:
        sigma = scale / f
        if sigma < 0.8 or 8 * sigma > min(small.shape):
            continue  # below the copy's resolution, or wider than the image holds
        hessian = hessian_matrix(small, sigma=sigma, order="rc", use_gaussian_derivatives=True)
        across = hessian_matrix_eigvals(hessian)[0]  # the larger: across a dark ridge
        strength = sigma * sigma * np.maximum(across, 0.0)
        tried.append((scale, float(np.percentile(strength, 99.0))))
    if not tried:
        return DESIGN_SCALE
    k = max(range(len(tried)), key=lambda i: tried[i][1])
    if 0 < k < len(tried) - 1:
        (_, a), (_, b), (_, c) = tried[k - 1:k + 2]
        bend = a - 2 * b + c
        if bend < 0:  # the peak between the neighbours, one step of log2 σ apart
            return float(tried[k][0] * 2 ** (0.5 * (a - c) / bend))
    return tried[k][0]


def working_factor(img: np.ndarray) -> int:
    """The integer factor a dark-rod image (h, w) is shrunk by before its rods are found: 1
    when its strongest ridges are at the methods' design scale or finer, else about their
    scale over it (at most MAX_FACTOR)."""
    scale = ridge_scale(img)
    if scale <= DESIGN_SCALE * 1.5:
        return 1
    return int(min(MAX_FACTOR, max(1, math.floor(scale / DESIGN_SCALE + 0.5))))
