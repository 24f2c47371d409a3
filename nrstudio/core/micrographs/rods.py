"""Finding nanorods in a TEM micrograph and measuring each one's length and width (Qt-free):
the choice between the two methods.

The outline method (:mod:`nrstudio.core.micrographs.outlines`) judges each dark region as a
whole and suits short rods, alone or in bundles. Centre-line tracing
(:mod:`nrstudio.core.micrographs.tracing` and :mod:`nrstudio.core.micrographs.traced_rods`)
follows each rod through crossings and rafts and suits long thin rods. :func:`measure_rods`
runs the one ``RodSettings.method`` names, or both ("auto") and keeps the traced rods only
where the outlines are pieces of long rods or too few (:func:`_prefer_tracing`).

Rods many pixels wide are found on a shrunk copy (:mod:`nrstudio.core.micrographs.working_scale`).
Lengths and widths are in full-resolution pixels here; :class:`RodMeasurement` converts them
with nm_per_px.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.outlines import downsample, outline_rods
from nrstudio.core.micrographs.rod_model import (
    ACCEPTED,
    Rod,
    RodMeasurement,
    RodSettings,
    typical_length,
)
from nrstudio.core.micrographs.selection import mostly_compact
from nrstudio.core.micrographs.traced_rods import TracedRods, traced_rods
from nrstudio.core.micrographs.working_scale import working_factor
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter


def measure_rods(
    pixels: np.ndarray,
    nm_per_px: float,
    settings: RodSettings | None = None,
    exclude: list[tuple[int, int, int, int]] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> RodMeasurement:
    """Find and measure the rods of one micrograph.

    pixels: (h, w) grey in [0, 1]; nm_per_px: the scale (> 0). exclude: (row0, col0, row1,
    col1) rectangles (full-resolution px) whose objects are ignored, such as a scale bar and its
    label. Returns every object found, accepted or not, in full-resolution pixels, and which
    method measured them (see :class:`RodSettings` ``method``).
    """
    s = settings or RodSettings()
    s.check()
    if pixels.ndim != 2 or min(pixels.shape) < 32:
        raise DataError(f"an image of shape {pixels.shape} is too small to measure rods in")
    if not np.isfinite(nm_per_px) or nm_per_px <= 0:
        raise DataError(f"the scale must be a positive number of nm per pixel, not {nm_per_px}")
    rep = Reporter(progress, cancel)
    img = np.asarray(pixels, dtype=np.float32)
    if not s.dark_rods:
        img = 1.0 - img
    shape = (int(img.shape[0]), int(img.shape[1]))
    if looks_like_noise(img):
        rep.report(1.0, "no dark objects above the noise")
        return RodMeasurement([], float(nm_per_px), shape, s, "outline")
    boxes = list(exclude or [])
    rep.report(0.0, "reading how wide the rods are")
    factor = working_factor(img)
    if factor > 1:  # rods many pixels wide: found on a shrunk copy (working_scale)
        small = downsample(img, factor)
        shrunk = [(r0 // factor, c0 // factor, -(-r1 // factor), -(-c1 // factor))
                  for r0, c0, r1, c1 in boxes]
        rods, used = _find(small, s, shrunk, rep)
        rods = [_at_full_size(r, factor) for r in rods]
    else:
        rods, used = _find(img, s, boxes, rep)
    rep.report(1.0, "done")
    return RodMeasurement(rods, float(nm_per_px), shape, s, used)


def _find(img: np.ndarray, s: RodSettings, boxes: list[tuple[int, int, int, int]],
          rep: Reporter) -> tuple[list[Rod], str]:
    """The rods of a dark-rod image (h, w) at the resolution given, and the method kept."""
    tracing = s.method != "outline"
    outlined = outline_rods(img, s, boxes, rep.sub(0.0, 0.4 if tracing else 1.0))
    rods = outlined.rods
    if not tracing or not np.isfinite(outlined.width_guess):
        return rods, "outline"
    found = traced_rods(img, outlined, s, boxes, rep.sub(0.4, 1.0))
    kept, used = found.rods, "trace"
    if s.method == "auto" and not _prefer_tracing(rods, found):
        kept, used = rods, "outline"
        if traces_agree(rods, found):
            kept = with_rods_traced_apart(rods, found.rods)
    return kept, used


def _at_full_size(rod: Rod, factor: int) -> Rod:
    """A rod found on a copy shrunk by ``factor`` (block means), in full-resolution pixels:
    pixel i of the copy covers full pixels i·factor to i·factor + factor - 1."""
    middle = (factor - 1) / 2
    return replace(rod, row=rod.row * factor + middle, col=rod.col * factor + middle,
                   length_px=rod.length_px * factor, width_px=rod.width_px * factor)


NOISE_FLOOR = 1e-4  # share of pixels; the development images have 25 to 900 times more
# Energy-weighted orientation coherence: 0.20-0.24 on white and smoothed noise, 0.59-0.80 on
# the six real development images (0.80 and 0.61 on the dense carpets 02 and 04).
TEXTURE_FLOOR = 0.4


def reduced_image(img: np.ndarray, sigma: float) -> tuple[np.ndarray, int]:
    """The image (h, w) taken every ``step`` pixels (a few megapixels are enough for these
    whole-image statistics) and smoothed by ``sigma`` full-resolution pixels; and the step."""
    from scipy import ndimage as ndi

    step = max(1, int(np.ceil(np.sqrt(img.size / 4e6))))
    return ndi.gaussian_filter(np.asarray(img[::step, ::step], np.float32), sigma / step), step


def looks_like_noise(img: np.ndarray) -> bool:
    """True when a dark-rod image (h, w) holds nothing to measure: nothing stands out darker
    than the film (:func:`dark_fraction`) and its texture has no orientation
    (:func:`oriented_texture`). Either alone is not enough: in a dense carpet the commonest
    level is a rod, not the film, so nothing stands out below it, yet rods are everywhere."""
    return dark_fraction(img) < NOISE_FLOOR and oriented_texture(img) < TEXTURE_FLOOR


def oriented_texture(img: np.ndarray, sigma: float = 2.0, window: float = 6.0) -> float:
    """How much of an image's (h, w) edge energy runs along one direction locally: the
    structure tensor's coherence ((λ1 − λ2) / (λ1 + λ2)) averaged with weights λ1 + λ2.
    Rods, alone or in carpets, are long edges (about 0.6-0.8); noise has no preferred
    direction at any place (about 0.2). sigma and window in full-resolution pixels."""
    from scipy import ndimage as ndi

    small, step = reduced_image(img, sigma)
    gy, gx = np.gradient(small)
    jxx = ndi.gaussian_filter(gx * gx, window / step)
    jyy = ndi.gaussian_filter(gy * gy, window / step)
    jxy = ndi.gaussian_filter(gx * gy, window / step)
    energy = jxx + jyy
    total = float(energy.sum())
    if total <= 0:
        return 0.0
    return float(np.sqrt((jxx - jyy) ** 2 + 4 * jxy ** 2).sum() / total)


def dark_fraction(img: np.ndarray) -> float:
    """The share of pixels of a dark-rod image (h, w) darker than the film by more than six
    times the film's noise, after light smoothing. Pure noise has none; an image with rods has
    a few per thousand at least (0.25% on the sparsest development image).

    The film's level is the histogram's mode, not its median: in a dense carpet rods cover
    more than half of the image, and the median is then a rod. The film is one narrow peak
    (flat, noisy); rods spread over every level their thickness gives."""
    from scipy import ndimage as ndi

    small, _ = reduced_image(img, 2.0)
    lo, hi = (float(v) for v in np.percentile(small, [0.5, 99.5]))
    if hi <= lo:
        return 0.0
    counts, edges = np.histogram(small, bins=256, range=(lo, hi))
    peak = int(np.argmax(ndi.gaussian_filter1d(counts.astype(np.float64), 2.0)))
    film = float(0.5 * (edges[peak] + edges[peak + 1]))
    upper = small[small >= film]
    sigma = 1.4826 * float(np.median(upper - film)) if upper.size else 0.0
    if sigma <= 0:
        return 0.0 if float(small.min()) >= film else 1.0
    return float((small < film - 6 * sigma).mean())


def traces_agree(outlined: list[Rod], found: TracedRods) -> bool:
    """Whether the traced rods are single rods of the same sample as the outlines: their
    typical (length-weighted) lengths agree within ``AGREEMENT`` and no more than
    ``SINGLE_TRACES`` of the traces have a gap along them. On the development images the
    ratio is 1.02-1.27 and the gapped share 0.12-0.37; on synthetic carpets of short rods
    lying end to end, where a trace runs over two or three rods, 2.9-3.0 and 0.92."""
    by_outline, by_trace = typical_length(outlined), typical_length(found.rods)
    if not (np.isfinite(by_outline) and np.isfinite(by_trace)) or by_outline <= 0:
        return False
    ratio = by_trace / by_outline
    return 1 / AGREEMENT <= ratio <= AGREEMENT and found.gapped_share <= SINGLE_TRACES


def with_rods_traced_apart(outlined: list[Rod], traced: list[Rod]) -> list[Rod]:
    """The outline method's objects, and the rods tracing accepted where no outline was
    accepted: rods the outlines merged with a neighbour (touching, crossing, lying end to
    end) and rejected whole.

    In a carpet a long rod touches or crosses another more often than a short one does, so
    the outlines kept whole are a sample tilted towards short rods (image 02 read 10.6% short
    from them). Tracing follows each rod's centre line through those contacts and judges the
    rod by its own ends, width and straightness. A traced rod is the same as an accepted
    outline when their axes lie within 15 degrees and each centre lies on the other rod:
    within its wider width across it and half its length along it. Ids run on after the
    outlines'."""
    kept = [r for r in outlined if r.accepted]
    out = list(outlined)
    if not kept:
        # Nothing to add to: the automatic choice already found tracing not worth keeping.
        return out
    rows = np.array([r.row for r in kept])
    cols = np.array([r.col for r in kept])
    lengths = np.array([r.length_px for r in kept])
    widths = np.array([r.width_px for r in kept])
    ax_r, ax_c = np.array([r.axis for r in kept]).T
    next_id = max((r.id for r in outlined), default=0) + 1
    for t in traced:
        if not t.accepted:
            continue
        tr, tc = t.axis
        dr, dc = t.row - rows, t.col - cols
        reach = np.maximum(widths, t.width_px)
        on_outline = (np.abs(dr * ax_r + dc * ax_c) < 0.5 * lengths) & (
            np.abs(-dr * ax_c + dc * ax_r) < reach)
        on_trace = (np.abs(dr * tr + dc * tc) < 0.5 * t.length_px) & (
            np.abs(-dr * tc + dc * tr) < reach)
        parallel = np.abs(ax_r * tr + ax_c * tc) > np.cos(np.radians(15.0))
        if np.any(parallel & (on_outline | on_trace)):
            continue
        out.append(Rod(next_id, t.row, t.col, t.angle_deg, t.length_px, t.width_px, True,
                       ACCEPTED))
        next_id += 1
    return out


def _prefer_tracing(outlined: list[Rod], found: TracedRods) -> bool:
    """The automatic choice of method. Centre-line tracing is used when it finds at least 10
    rods, most of them single rods (no more than ``JOINED_TRACES`` of them with a gap along
    them: in a dense carpet a trace runs over rods lying end to end), and either its typical
    rod is over 1.5 times as long as the outline method's (the outlines are then mostly
    pieces of long rods, broken at crossings and in rafts), or the outline method kept fewer
    than 30 rods and tracing at least twice as many (rafts that outlines cannot take apart).
    Never when most objects outlined are compact (:func:`mostly_compact`: round particles).
    Otherwise the outline method, whose rules are stricter and which separates short rods in
    dense bundles better, is kept."""
    if mostly_compact(outlined):
        # Dots on a grainy film: traces start at each dot and run on through the grain.
        return False
    traced = found.rods
    n_traced = sum(r.accepted for r in traced)
    n_outlined = sum(r.accepted for r in outlined)
    if n_traced < 10 or found.gapped_share > JOINED_TRACES:
        return False
    by_outline = typical_length(outlined)
    if not np.isfinite(by_outline) or typical_length(traced) > 1.5 * by_outline:
        return True
    return n_outlined < 30 and n_traced >= 2 * n_outlined


# Traces joining rods end to end: 92% of them on synthetic carpets, at most 53% elsewhere
# (see TracedRods).
JOINED_TRACES = 0.75
# Rods traced apart are added to the outlines only when the two methods' typical rods agree
# this closely, and at most this share of the traces have a gap along them (traces_agree).
AGREEMENT = 1.2
SINGLE_TRACES = 0.5
