"""A handful of numbers that say what a micrograph looks like, to compare generated images
with real ones (the synthetic carpets must fail where real carpets fail).

Every number is in units that do not depend on the camera's grey scale: levels relative to
the film, noise relative to the rods' contrast, lengths in pixels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class ImageStatistics:
    """What a dark-rod micrograph looks like.

    - ``mode_position``: where the commonest grey lies between the darkest and the
      brightest percent (1 = at the bright end): near 1 where bare film dominates, low where
      rods do (the real carpets), which is what defeated the first noise guard;
    - ``film_share``: share of the image within three noise SDs of the brightest histogram
      peak holding a tenth of the highest (the film); where the film of the holes makes no
      peak of its own (``tem-dev`` 02), it reads the rods' level and near 1;
    - ``rod_contrast``: (film − typical rod) / film, the rods' darkness, with that film;
    - ``noise_to_contrast``: the film's pixel noise over the rods' contrast;
    - ``noise_grain``: how much of the film's noise survives a 2-px smoothing (0.14 for
      white noise; more when the noise is blotchy, as a camera's and a film's texture are);
    - ``edge_width_px``: 10-90% rise of a rod's edge, in pixels (blur and focus);
    - ``dark_share``: share darker than the film by six times its noise: the quantity the
      first noise guard relied on (:func:`~nrstudio.core.micrographs.rods.dark_fraction`).
    """

    mode_position: float
    film_share: float
    rod_contrast: float
    noise_to_contrast: float
    noise_grain: float
    edge_width_px: float
    dark_share: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def image_statistics(pixels: np.ndarray) -> ImageStatistics:
    """The statistics of a dark-rod image (h, w) in [0, 1]; a few megapixels are read."""
    from scipy import ndimage as ndi

    from nrstudio.core.micrographs.rods import dark_fraction, reduced_image

    smooth, step = reduced_image(pixels, 2.0)  # the reduction the noise guard reads
    img = np.asarray(pixels[::step, ::step], np.float32)
    lo, hi = (float(v) for v in np.percentile(smooth, [0.5, 99.5]))
    counts, edges = np.histogram(smooth, bins=256, range=(lo, max(hi, lo + 1e-6)))
    film = float(0.5 * (edges[_film_peak(counts)] + edges[_film_peak(counts) + 1]))
    above = smooth[smooth >= film] - film
    spread = 1.4826 * float(np.median(above)) if above.size else 0.0
    on_film = smooth >= film - 3 * spread
    rods = smooth < film - 3 * spread
    rod_level = float(np.median(smooth[rods])) if rods.any() else film
    contrast = max(film - rod_level, 1e-6)
    # film noise from pixel-to-pixel differences inside film areas (robust to slow shading)
    inner = ndi.binary_erosion(on_film, iterations=3)
    raw_noise = _pixel_noise(img, inner)
    smooth_noise = _pixel_noise(smooth, inner)
    grain = smooth_noise / raw_noise if raw_noise > 0 else 0.0
    p1, p99 = (float(v) for v in np.percentile(smooth, [1, 99]))
    commonest = ndi.gaussian_filter1d(counts.astype(np.float64), 3.0)
    mode = float(edges[int(np.argmax(commonest))])
    return ImageStatistics(
        mode_position=(mode - p1) / max(p99 - p1, 1e-9),
        film_share=float(on_film.mean()),
        rod_contrast=contrast / max(film, 1e-6),
        noise_to_contrast=raw_noise / contrast,
        noise_grain=grain,
        edge_width_px=_edge_width(ndi.gaussian_filter(img, 0.7 / step), film, rod_level) * step,
        dark_share=dark_fraction(np.asarray(pixels, np.float32)),
    )


def _film_peak(counts: np.ndarray) -> int:
    """The film's bin: the brightest peak of the smoothed histogram that holds at least a
    tenth of the highest. In a dense carpet the highest peak is the rods' level; the film
    of the holes between rafts is a smaller peak above it."""
    from scipy import ndimage as ndi
    from scipy.signal import find_peaks

    smooth = ndi.gaussian_filter1d(counts.astype(np.float64), 3.0)
    peaks, _ = find_peaks(np.concatenate([[0.0], smooth, [0.0]]), height=0.1 * smooth.max(),
                          prominence=0.05 * smooth.max())
    return int(peaks.max()) - 1 if len(peaks) else int(np.argmax(smooth))


def _pixel_noise(img: np.ndarray, mask: np.ndarray) -> float:
    """Noise SD of ``img`` inside ``mask`` from horizontal neighbour differences."""
    d = img[:, 1:] - img[:, :-1]
    m = mask[:, 1:] & mask[:, :-1]
    if m.sum() < 100:
        return 0.0
    return float(1.4826 * np.median(np.abs(d[m] - np.median(d[m]))) / np.sqrt(2))


def _edge_width(img: np.ndarray, film: float, rod: float) -> float:
    """Median 10-90% rise distance (px) across the steepest edges: the contrast divided by
    the gradient at edges, times 0.8 (a linear ramp over the 10-90% span)."""
    gy, gx = np.gradient(img)
    grad = np.hypot(gx, gy)
    mid = np.abs(img - 0.5 * (film + rod)) < 0.15 * (film - rod)  # halfway up an edge
    if mid.sum() < 100:
        return float("nan")
    g = float(np.percentile(grad[mid], 75))
    return 0.8 * (film - rod) / g if g > 0 else float("nan")
