"""The outline method: find rods as dark regions and measure each on its intensity profiles
(Qt-free). In the order it runs:

1. Smooth the image (at half resolution when it is large) and estimate its local background
   level from a high percentile over large windows, so rods packed in a bundle do not darken
   the background under them.
2. Threshold the darkness below background at half the rods' typical depth (Otsu separates
   rods from film; the rods' median darkness is their depth) and open the mask: every
   connected region is a candidate object.
3. Judge each object by its own shape, seen along its principal axis: a rod is long against its
   width, even in width along its length (no neck where two rods meet end to end, no bulge where
   one lies beside or across another), straight and not cut by the image border. Neighbours
   alone are no reason to reject a rod (a dense carpet is all neighbours) unless the
   ``max_crowding`` setting asks for it. Rejected objects keep the reason.
4. Measure each accepted rod on the lightly smoothed full-resolution image, not on the mask:
   the mean intensity profile across the rod and the one along it. Each edge is where the
   profile climbs back to ``edge_depth`` of the rod's depth, measured from that side's own
   baseline, so in a bundle the gap to the neighbour is the reference, not the far film
   (unless the gap climbs past the film's own edge level: then the film's level is used).
   A rod whose trace continues past an end (a piece of a longer rod, or two rods end to end
   with no visible gap) is rejected here.
5. Pieces of rods and debris, much shorter than the median accepted rod, are rejected last.

What is left are the rods a person would measure by hand: isolated, whole and straight. Rods
in dense rafts where every rod touches or crosses others cannot be separated by outlines; for
those, :mod:`nrstudio.core.micrographs.tracing` follows each rod's centre line, and
:func:`nrstudio.core.micrographs.rods.measure_rods` chooses between the two methods.

Lengths and widths are in pixels here; :class:`RodMeasurement` converts them with nm_per_px.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrstudio.core.micrographs.profiles import (
    ProfileMeasure,
    cross_section,
    feature_extent,
    goes_on_past_an_end,
    sample_grid,
)
from nrstudio.core.micrographs.rod_model import ACCEPTED, Rod, RodSettings, length_weighted_median
from nrstudio.core.progress import Reporter


def estimate_background(smoothed: np.ndarray, window_px: int = 120) -> np.ndarray:
    """Local background level (h, w): the 80th percentile over windows of ``window_px``,
    computed on an 8x smaller copy and smoothed, so dense bundles do not pull it down."""
    from scipy import ndimage as ndi

    f = max(1, window_px // 15)
    small = smoothed[::f, ::f]
    size = max(3, window_px // f)
    level = ndi.percentile_filter(small, 80, size=size, mode="reflect")
    level = ndi.gaussian_filter(level, size / 2, mode="reflect")
    zoom = (smoothed.shape[0] / level.shape[0], smoothed.shape[1] / level.shape[1])
    full = ndi.zoom(level, zoom, order=1, mode="nearest")
    # zoom rounds its output size: pad with the edge or crop to the exact shape.
    h, w = smoothed.shape
    pad = [(0, max(h - full.shape[0], 0)), (0, max(w - full.shape[1], 0))]
    return np.pad(full, pad, mode="edge")[:h, :w].astype(smoothed.dtype)


def film_level(smoothed: np.ndarray, dark: np.ndarray, fallback: np.ndarray, window_px: int,
               margin_px: int) -> np.ndarray:
    """The film's own level (h, w): the mean over windows of ``window_px`` of the pixels
    farther than ``margin_px`` from any dark object of the mask ``dark`` (h, w), so neither
    rods, their blurred flanks nor the narrow gaps of a carpet count. A mean of film pixels
    is not lifted by the noise as a high percentile is (a 95th percentile read faint rods 10%
    too wide). Where a window holds almost no film, as inside a dense carpet, the window is
    doubled until it does, up to the whole image; ``fallback`` (h, w) only where the image
    holds no free film at all. (The threshold's percentile level, used before, read a
    carpet's film 0.05 too dark, and its rods 1-2% narrower.)"""
    from scipy import ndimage as ndi

    free = ~ndi.binary_dilation(dark, iterations=margin_px)
    values = np.where(free, smoothed, 0).astype(np.float32)
    level = np.full(smoothed.shape, np.nan, dtype=np.float32)
    window = window_px
    while np.isnan(level).any() and window < 2 * max(smoothed.shape):
        weight = ndi.uniform_filter(free.astype(np.float32), window, mode="reflect")
        total = ndi.uniform_filter(values, window, mode="reflect")
        with np.errstate(invalid="ignore", divide="ignore"):
            here = total / weight
        level = np.where(np.isnan(level) & (weight > 0.02), here, level)
        window *= 2
    if np.isnan(level).any() and free.any():
        level = np.where(np.isnan(level), float(smoothed[free].mean()), level)
    return np.where(np.isnan(level), fallback, level).astype(smoothed.dtype)


@dataclass
class FilmLevel:
    """A map of the film's grey level, ``level`` (h/f, w/f) on the segmentation grid (``f``
    times fewer pixels), read at full-resolution points. Two are used: the threshold's
    (:func:`estimate_background`) and the edges' (:func:`film_level`): in a dense carpet the
    80th percentile that sets the threshold is pulled down by the rods covering most of a
    window, and the edges need the film itself."""

    level: np.ndarray
    f: int

    def at(self, row: float, col: float) -> float:
        r = min(max(int(row / self.f), 0), self.level.shape[0] - 1)
        c = min(max(int(col / self.f), 0), self.level.shape[1] - 1)
        return float(self.level[r, c])


@dataclass
class Outlined:
    """What the outline method found: every object judged as a rod, the lightly smoothed
    full-resolution image (h, w) the rods were measured on, the film's level, and the lower
    quartile of the rod-shaped objects' outline widths (full px; nan when there are none),
    the first guess of the rod width for tracing."""

    rods: list[Rod]
    light: np.ndarray
    film: FilmLevel
    width_guess: float


@dataclass
class _Candidate:
    """An object found by its outline, judged by its shape: region index, verdict, centre
    (full px), outline length and width (full px), display angle (degrees)."""

    index: int
    reason: str
    row: float
    col: float
    length: float
    width: float
    angle_deg: float


def _profile_measure(image: np.ndarray, row: float, col: float, orientation: float,
                     length: float, width: float, depth_fraction: float,
                     film: float | None = None, continues: float = 0.5,
                     film_top: float | None = None) -> ProfileMeasure:
    """Length and width (px) of one dark rod from its mean cross and axial intensity profiles.

    ``orientation`` (radians) is scikit-image's: the angle between the row axis and the long
    axis. ``length`` and ``width`` are the outline's estimates and bound the sampling windows:
    the cross profile reaches one outline width to each side of the axis, the axial one a width
    past each end. Refused, with the reason, when an edge cannot be found or the profile shows
    that the object is not one rod.
    """

    ax = np.array([np.cos(orientation), np.sin(orientation)])  # (drow, dcol) along the rod
    nx = np.array([-np.sin(orientation), np.cos(orientation)])  # across it
    step = 0.25
    # Across: the mean over the middle 60% of the rod.
    along = np.linspace(-0.3 * length, 0.3 * length, max(5, int(0.6 * length)))
    measured = cross_section(image, np.array([row, col]), ax, along, width, depth_fraction, step,
                             film_top)
    if measured.reason is not None:
        return measured
    w, shift = measured.width, measured.offset
    # Along: a band of half the width around the re-centred axis.
    span = length / 2 + 2 * width
    along2 = np.arange(-span, span + step / 2, step)
    band = np.linspace(-w / 4, w / 4, 5)
    axial = sample_grid(image, np.array([row, col]) + shift * nx, ax, along2, band).mean(axis=1)
    # A rod's floor is flat and noisy along its length; search it in the middle third and
    # take each end from its own side's baseline.
    m3 = len(axial) // 3
    ends = feature_extent(axial, m3, 2 * m3, depth_fraction)
    if ends is None or w <= 0:
        return ProfileMeasure.refused()
    # A piece of a longer rod (its outline broken where the rod is faint, or cut where
    # another crosses it): past its ends the rod goes on, darker than the film.
    if film is not None and goes_on_past_an_end(
            axial, along2, (along2[0] + ends[0] * step, along2[0] + ends[1] * step), width,
            film, float(np.median(axial[m3:2 * m3])), continues):
        return ProfileMeasure.refused("piece of a longer rod")
    return ProfileMeasure(width=float(w), length=float((ends[1] - ends[0]) * step))


def downsample(image: np.ndarray, f: int) -> np.ndarray:
    if f == 1:
        return image
    h, w = image.shape[0] // f * f, image.shape[1] // f * f
    return image[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3))


def reject_by_width(rods: list[Rod], s: RodSettings) -> None:
    """Judged against the accepted rods' median width, on the measured (contrast-independent)
    sizes: two rods side by side read as one too-wide rod, a piece of debris as too thin."""
    kept = [r for r in rods if r.accepted]
    if not kept:
        return
    median_w = float(np.median([r.width_px for r in kept]))
    lo, hi = s.width_band
    for r in kept:
        if r.width_px > hi * median_w:
            r.accepted, r.reason = False, "too wide (rods side by side)"
        elif r.width_px < lo * median_w:
            r.accepted, r.reason = False, "too thin for a rod here"


def outline_rods(img: np.ndarray, s: RodSettings, exclude: list[tuple[int, int, int, int]],
                  rep: Reporter) -> Outlined:
    """The outline method on a dark-rod image (h, w)."""
    from scipy import ndimage as ndi
    from skimage.filters import threshold_otsu
    from skimage.measure import label, regionprops
    from skimage.morphology import disk

    h, w = img.shape
    # Large micrographs are segmented at half resolution: rods stay several pixels wide and the
    # filters cost a quarter. Measurement always uses full resolution.
    f = 2 if min(h, w) >= 1024 else 1
    rep.report(0.02, "smoothing")
    small = downsample(img, f)
    smooth = ndi.gaussian_filter(small, s.smoothing_px / f)
    rep.report(0.2, "estimating the background")
    film = estimate_background(smooth, 120 // f)
    threshold_film = FilmLevel(film, f)
    darkness = film - smooth
    light = ndi.gaussian_filter(img, 1.0)
    rep.report(0.35, "thresholding")
    sample = darkness[::2, ::2]
    if float(sample.max() - sample.min()) < 1e-3:
        return Outlined([], light, threshold_film, float("nan"))
    # Half the typical rod depth: Otsu splits rods from film, the rods' median darkness is their
    # depth, and half of it puts outlines where the edges are (half depth of a blurred step).
    otsu = float(threshold_otsu(sample))
    thr = 0.5 * float(np.median(sample[sample > otsu]))
    mask = ndi.binary_opening(darkness > thr, disk(max(1, round(2 / f))))
    top = FilmLevel(film_level(smooth, mask, film, 120 // f, max(2, round(8 / f))), f)
    labels = label(mask)
    rep.report(0.45, "judging objects")
    props = [p for p in regionprops(labels) if p.area * f * f >= s.min_area_px]
    ring = max(2, round(8 / f))  # crowding: another object this close (seg px) to the outline
    sh, sw = labels.shape

    def full(rc: float) -> float:  # segmentation-grid coordinate -> full-resolution pixel
        return (rc + 0.5) * f - 0.5

    candidates: list[_Candidate] = []
    for k, p in enumerate(props):
        if k % 200 == 0:
            rep.report(0.45 + 0.3 * k / max(len(props), 1), "judging objects")
        minr, minc, maxr, maxc = p.bbox
        r_c, c_c = p.centroid
        R, C = full(r_c), full(c_c)
        if exclude and any(r0 <= R <= r1 and c0 <= C <= c1 for r0, c0, r1, c1 in exclude):
            continue
        angle = float(p.orientation)
        coords = p.coords.astype(np.float64) - (r_c, c_c)
        along = coords @ np.array([np.cos(angle), np.sin(angle)])
        across = coords @ np.array([-np.sin(angle), np.cos(angle)])
        length = float(along.max() - along.min() + 1)
        bins = np.round(along - along.min()).astype(int)
        counts = np.bincount(bins).astype(np.float64)
        counts = np.convolve(counts, np.ones(3) / 3, mode="same")
        n = len(counts)
        core = counts[int(0.15 * n): max(int(0.85 * n), int(0.15 * n) + 1)]
        width = float(np.median(core))
        reason = ACCEPTED
        m = s.exclude_margin_px / f
        if minr < m or minc < m or maxr > sh - m or maxc > sw - m:
            reason = "cut by the image border"
        elif length < s.min_aspect * width:
            reason = f"not rod-shaped (length/width {length / max(width, 1e-9):.1f})"
        elif np.percentile(core, 90) > s.max_width_spread * width:
            reason = "uneven width (touching or crossing another rod)"
        elif np.percentile(core, 10) < s.min_neck * width:
            reason = "necked (rods end to end)"
        else:
            centre = np.bincount(bins, weights=across) / np.maximum(np.bincount(bins), 1)
            bend = float(np.abs(centre[int(0.1 * n): max(int(0.9 * n), 1)]).max(initial=0.0))
            if bend > s.max_bend * width + 1.0:
                reason = "bent or branched"
            else:
                sl = (slice(max(minr - ring - 1, 0), maxr + ring + 1),
                      slice(max(minc - ring - 1, 0), maxc + ring + 1))
                own = labels[sl] == p.label
                others = (labels[sl] != 0) & ~own
                outline = own & ~ndi.binary_erosion(own)
                crowd = 0.0
                if others.any():
                    near = ndi.distance_transform_edt(~others) <= ring
                    crowd = float(near[outline].mean())
                if crowd > s.max_crowding:
                    reason = "in a bundle"
        display = float(np.degrees(angle) - 90.0) % 180.0
        candidates.append(_Candidate(k, reason, R, C, length * f, width * f, display))

    rep.report(0.75, "measuring rods")
    rods: list[Rod] = []
    for j, c in enumerate(candidates):
        if j % 200 == 0:
            rep.report(0.75 + 0.25 * j / max(len(candidates), 1), "measuring rods")
        length_px, width_px, reason = c.length, c.width, c.reason
        if reason == ACCEPTED:
            # The piece check reads the film's own level, as tracing does: in a carpet the
            # threshold's 80th percentile is a gap between rods, and pieces passed against it.
            measured = _profile_measure(light, c.row, c.col, float(props[c.index].orientation),
                                        c.length, c.width, s.edge_depth,
                                        top.at(c.row, c.col),
                                        s.max_continuation, top.at(c.row, c.col))
            if measured.reason is not None:
                reason = measured.reason
            else:
                length_px, width_px = measured.length, measured.width
        rods.append(Rod(len(rods) + 1, c.row, c.col, c.angle_deg, length_px, width_px,
                        reason == ACCEPTED, reason))
    reject_by_width(rods, s)
    # Pieces of rods (a broken outline, a rod half under another) and debris are much shorter
    # than the sample's rods; the length-weighted typical rod is not pulled down by them.
    kept = [r for r in rods if r.accepted]
    if kept and s.min_length_share > 0:
        floor = s.min_length_share * length_weighted_median(
            np.array([r.length_px for r in kept]))
        for r in kept:
            if r.length_px < floor:
                r.accepted = False
                r.reason = f"fragment (under {s.min_length_share:.0%} of the typical length)"
    # The lower quartile: rods fused side by side in a raft make wide outlines, and a guess
    # that is too small is corrected faster by tracing than one that is too large.
    shaped = [c.width for c in candidates if c.length >= 3 * c.width]
    guess = float(np.percentile(shaped, 25)) if shaped else float("nan")
    # In images made mostly of rafts, even the lower quartile is a raft's width (3.4 times the
    # rod's on synthetic rafts of 76 nm rods), and tracing at that scale follows whole rafts;
    # a few accepted rods give the width itself.
    kept_widths = [r.width_px for r in rods if r.accepted]
    if len(kept_widths) >= 3:
        guess = min(guess, float(np.median(kept_widths)))
    rep.report(1.0, "outlines done")
    return Outlined(rods, light, top, guess)
