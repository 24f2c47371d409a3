"""Finding nanorods in a TEM micrograph and measuring each one's length and width (Qt-free).

The pipeline, in the order :func:`measure_rods` runs it:

1. Smooth the image (at half resolution when it is large) and estimate its local background
   level from a high percentile over large windows, so rods packed in a bundle do not darken
   the background under them.
2. Threshold the darkness below background at half the rods' typical depth (Otsu separates
   rods from film; the rods' median darkness is their depth) and open the mask: every
   connected region is a candidate object.
3. Judge each object by its own shape, seen along its principal axis: a rod is long against its
   width, even in width along its length (no neck where two rods meet end to end, no bulge where
   one lies beside or across another), straight, not cut by the image border, and not hemmed in
   by other objects along its outline (a bundle). Rejected objects keep the reason.
4. Measure each accepted rod on the lightly smoothed full-resolution image, not on the mask:
   the mean intensity profile across the rod and the one along it. Each edge is where the
   profile climbs back to ``edge_depth`` of the rod's depth, measured from that side's own
   baseline, so in a bundle the gap to the neighbour is the reference, not the far film.
   A rod whose trace continues past an end (a piece of a longer rod, or two rods end to end
   with no visible gap) is rejected here.
5. Pieces of rods and debris, much shorter than the median accepted rod, are rejected last.

What is left are the rods a person would measure by hand: isolated, whole and straight. Rods
in dense rafts where every rod touches or crosses others cannot be separated this way and are
rejected, so an image made only of such rafts yields few or no rods.

Lengths and widths are in pixels here; :class:`RodMeasurement` converts them with nm_per_px.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter

ACCEPTED = "accepted"


@dataclass
class RodSettings:
    """How rods are found and which are kept.

    smoothing_px: Gaussian sigma (px) before thresholding; about a fifth of the rod width.
    dark_rods: True for bright-field TEM (rods darker than the support film).
    min_aspect: objects shorter than this times their width are not rods.
    max_width_spread: highest allowed ratio of the 90th-percentile to the median width along a
        rod (a rod beside or across another bulges).
    min_neck: lowest allowed ratio of the 10th-percentile to the median width (two rods end to
        end meet at a neck).
    max_bend: largest allowed wander of the centre line off the axis, in widths.
    max_crowding: largest allowed share of an object's outline with another object close by.
    width_band: accepted widths lie within these factors of the image's median rod width.
    edge_depth: where an edge is placed on the intensity profile, as a share of the rod's depth
        below its baseline (0.5 = full width at half depth; lower reaches further into the
        edge's foot, as the eye does).
    min_length_share: rods shorter than this share of the median accepted length are pieces.
    max_continuation: a rod whose dark trace goes on past one of its ends, darker than this
        share of its own depth (half a width to one and a half widths beyond the end), is a
        piece of a longer rod or touches another end to end.
    """

    smoothing_px: float = 2.0
    dark_rods: bool = True
    min_area_px: int = 40
    min_aspect: float = 2.0
    max_width_spread: float = 1.35
    min_neck: float = 0.6
    max_bend: float = 0.35
    max_crowding: float = 0.2
    width_band: tuple[float, float] = (0.6, 1.5)
    exclude_margin_px: int = 2
    edge_depth: float = 0.4
    min_length_share: float = 0.6
    max_continuation: float = 0.5


@dataclass
class Rod:
    """One object found in the image. Geometry in pixels: centre (row, col), angle of the long
    axis in degrees counter-clockwise from the image's x axis, length and width along and across
    it. For accepted rods length/width are the profile measurement; for rejected objects they
    are the mask's extent."""

    id: int
    row: float
    col: float
    angle_deg: float
    length_px: float
    width_px: float
    accepted: bool
    reason: str

    def aspect_ratio(self) -> float:
        return self.length_px / self.width_px if self.width_px > 0 else float("nan")


@dataclass
class RodSummary:
    """Count, mean and standard deviation of the accepted rods, in nm (aspect ratio: none).
    aspect_ratio_of_means is length mean / width mean, as the paper computed its aspect ratio."""

    count: int
    rejected: int
    length_mean: float
    length_std: float
    width_mean: float
    width_std: float
    aspect_ratio_mean: float
    aspect_ratio_std: float
    aspect_ratio_of_means: float


@dataclass
class RodMeasurement:
    """All objects of one image and the scale that turns their pixels into nm."""

    rods: list[Rod]
    nm_per_px: float
    image_shape: tuple[int, int]
    settings: RodSettings = field(default_factory=RodSettings)

    def accepted(self) -> list[Rod]:
        return [r for r in self.rods if r.accepted]

    def lengths_nm(self) -> np.ndarray:
        return np.array([r.length_px for r in self.accepted()]) * self.nm_per_px

    def widths_nm(self) -> np.ndarray:
        return np.array([r.width_px for r in self.accepted()]) * self.nm_per_px

    def summary(self) -> RodSummary:
        lengths, widths = self.lengths_nm(), self.widths_nm()
        n = len(lengths)
        if n == 0:
            nan = float("nan")
            return RodSummary(0, len(self.rods), nan, nan, nan, nan, nan, nan, nan)
        ars = lengths / widths
        ddof = 1 if n > 1 else 0
        return RodSummary(
            n, len(self.rods) - n,
            float(lengths.mean()), float(lengths.std(ddof=ddof)),
            float(widths.mean()), float(widths.std(ddof=ddof)),
            float(ars.mean()), float(ars.std(ddof=ddof)),
            float(lengths.mean() / widths.mean()),
        )

    def rows(self) -> list[dict[str, object]]:
        """One dict per object, in nm: the rods.csv table."""
        out = []
        for r in self.rods:
            out.append({
                "rod": r.id,
                "length_nm": round(r.length_px * self.nm_per_px, 3),
                "width_nm": round(r.width_px * self.nm_per_px, 3),
                "aspect_ratio": round(r.aspect_ratio(), 3),
                "accepted": r.accepted,
                "reason": r.reason,
                "row_px": round(r.row, 1),
                "col_px": round(r.col, 1),
                "angle_deg": round(r.angle_deg, 1),
            })
        return out

    def to_json(self) -> dict[str, object]:
        """A JSON-safe form for the project file: settings, scale, and the per-rod table as
        columns (compact for thousands of objects)."""
        cols = ("id", "row", "col", "angle_deg", "length_px", "width_px", "accepted", "reason")
        table = {c: [getattr(r, c) for r in self.rods] for c in cols}
        for c in ("row", "col", "angle_deg", "length_px", "width_px"):
            table[c] = [round(float(v), 3) for v in table[c]]
        settings = asdict(self.settings)
        settings["width_band"] = list(self.settings.width_band)
        return {"nm_per_px": self.nm_per_px, "image_shape": list(self.image_shape),
                "settings": settings, "rods": table}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> RodMeasurement:
        """Inverse of :meth:`to_json`; raises DataError naming what is wrong."""
        try:
            table = data["rods"]
            assert isinstance(table, dict)
            n = len(table["id"])
            rods = [Rod(int(table["id"][i]), float(table["row"][i]), float(table["col"][i]),
                        float(table["angle_deg"][i]), float(table["length_px"][i]),
                        float(table["width_px"][i]), bool(table["accepted"][i]),
                        str(table["reason"][i])) for i in range(n)]
            raw = dict(data.get("settings") or {})  # type: ignore[call-overload]
            known = {k: v for k, v in raw.items() if k in RodSettings.__dataclass_fields__}
            if "width_band" in known:
                known["width_band"] = tuple(known["width_band"])
            shape = data["image_shape"]
            assert isinstance(shape, list)
            return cls(rods, float(data["nm_per_px"]), (int(shape[0]), int(shape[1])),  # type: ignore[arg-type]
                       RodSettings(**known))
        except (KeyError, IndexError, TypeError, ValueError, AssertionError) as exc:
            raise DataError(f"stored rod measurement is damaged ({type(exc).__name__}: {exc})") from None


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


def _crossing(profile: np.ndarray, start: int, step_dir: int, level: float) -> float | None:
    """Sub-sample position where ``profile`` first rises above ``level`` walking from
    ``start`` in direction ``step_dir`` (+1 or -1); None if it never does."""
    i = start
    while 0 <= i + step_dir < len(profile):
        j = i + step_dir
        if profile[j] >= level:
            a, b = profile[i], profile[j]
            t = (level - a) / (b - a) if b != a else 0.0
            return i + step_dir * t
        i = j
    return None


def _feature_extent(profile: np.ndarray, lo: int, hi: int, depth_fraction: float
                    ) -> tuple[float, float] | None:
    """Edges (sub-sample) of the dark feature whose floor lies between samples lo and hi: on
    each side, where the profile climbs back to ``depth_fraction`` of the depth measured from
    that side's own baseline (its highest point beyond the floor), so a neighbour's gap, not the
    far background, is the reference in a bundle."""
    k = lo + int(np.argmin(profile[lo:hi]))
    floor = float(profile[k])
    base_l, base_r = float(profile[:k + 1].max()), float(profile[k:].max())
    if base_l - floor <= 0 or base_r - floor <= 0:
        return None
    left = _crossing(profile, k, -1, base_l - depth_fraction * (base_l - floor))
    right = _crossing(profile, k, +1, base_r - depth_fraction * (base_r - floor))
    if left is None or right is None:
        return None
    return left, right


def _two_floors(profile: np.ndarray, share: float = 0.15) -> bool:
    """True when a cross profile has two dark floors with a ridge between them that rises more
    than ``share`` of the depth: two rods lying side by side, fused in the outline."""
    n = len(profile)
    if n < 6:
        return False
    lo_l, lo_r = int(np.argmin(profile[: n // 2])), n // 2 + int(np.argmin(profile[n // 2:]))
    if lo_r - lo_l < 3:
        return False
    ridge = float(profile[lo_l:lo_r + 1].max())
    depth = float(profile.max() - profile.min())
    return depth > 0 and ridge - max(profile[lo_l], profile[lo_r]) > share * depth


def _profile_measure(image: np.ndarray, row: float, col: float, orientation: float,
                     length: float, width: float, depth_fraction: float,
                     film: float | None = None, continues: float = 0.5
                     ) -> tuple[float, float] | str | None:
    """Length and width (px) of one dark rod from its mean cross and axial intensity profiles.

    ``orientation`` (radians) is scikit-image's: the angle between the row axis and the long
    axis. ``length`` and ``width`` are the outline's estimates and bound the sampling windows:
    the cross profile reaches one outline width to each side of the axis, the axial one a width
    past each end. None when an edge cannot be found; a reason when the profile shows that the
    object is not one rod.
    """
    from scipy.ndimage import map_coordinates

    ax = np.array([np.cos(orientation), np.sin(orientation)])  # (drow, dcol) along the rod
    nx = np.array([-np.sin(orientation), np.cos(orientation)])  # across it
    step = 0.25
    # Across: the mean over the middle 60% of the rod.
    along = np.linspace(-0.3 * length, 0.3 * length, max(5, int(0.6 * length)))
    half = width
    across = np.arange(-half, half + step / 2, step)
    rr = row + along[:, None] * ax[0] + across[None, :] * nx[0]
    cc = col + along[:, None] * ax[1] + across[None, :] * nx[1]
    cross = map_coordinates(image, [rr.ravel(), cc.ravel()], order=1, mode="nearest")
    cross = cross.reshape(rr.shape).mean(axis=0)
    mid = len(cross) // 2
    q = int(0.3 * width / step)
    edges = _feature_extent(cross, mid - q, mid + q + 1, depth_fraction)
    if edges is None:
        return None
    if _two_floors(cross[int(np.ceil(edges[0])):int(edges[1]) + 1]):
        return "two rods side by side"
    w = (edges[1] - edges[0]) * step
    shift = (edges[0] + edges[1]) / 2 * step - half
    # Along: a band of half the width around the re-centred axis.
    r0, c0 = row + shift * nx[0], col + shift * nx[1]
    span = length / 2 + 2 * width
    along2 = np.arange(-span, span + step / 2, step)
    band = np.linspace(-w / 4, w / 4, 5)
    rr = r0 + along2[None, :] * ax[0] + band[:, None] * nx[0]
    cc = c0 + along2[None, :] * ax[1] + band[:, None] * nx[1]
    axial = map_coordinates(image, [rr.ravel(), cc.ravel()], order=1, mode="nearest")
    axial = axial.reshape(rr.shape).mean(axis=0)
    # A rod's floor is flat and noisy along its length; search it in the middle third and
    # take each end from its own side's baseline.
    m3 = len(axial) // 3
    ends = _feature_extent(axial, m3, 2 * m3, depth_fraction)
    if ends is None or w <= 0:
        return None
    if film is not None:
        # A piece of a longer rod (its outline broken where the rod is faint, or cut where
        # another crosses it): past its ends the rod goes on, darker than the film.
        floor = float(np.median(axial[m3:2 * m3]))
        depth = film - floor
        reach = int(width / step)
        for i, side in ((int(ends[0]), -1), (int(ends[1]), 1)):
            lo, hi = sorted((i + side * reach // 2, i + side * (reach // 2 + reach)))
            seg = axial[max(lo, 0):max(hi, 0)]
            if depth > 0 and len(seg) and (film - float(seg.mean())) > continues * depth:
                return "piece of a longer rod"
    return float((ends[1] - ends[0]) * step), float(w)


def _downsample(image: np.ndarray, f: int) -> np.ndarray:
    if f == 1:
        return image
    h, w = image.shape[0] // f * f, image.shape[1] // f * f
    return image[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3))


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
    label. Returns every object found, accepted or not, in full-resolution pixels.
    """
    from scipy import ndimage as ndi
    from skimage.filters import threshold_otsu
    from skimage.measure import label, regionprops
    from skimage.morphology import disk

    s = settings or RodSettings()
    if pixels.ndim != 2 or min(pixels.shape) < 32:
        raise DataError(f"an image of shape {pixels.shape} is too small to measure rods in")
    if not np.isfinite(nm_per_px) or nm_per_px <= 0:
        raise DataError(f"the scale must be a positive number of nm per pixel, not {nm_per_px}")
    rep = Reporter(progress, cancel)
    img = np.asarray(pixels, dtype=np.float32)
    if not s.dark_rods:
        img = 1.0 - img
    h, w = img.shape
    # Large micrographs are segmented at half resolution: rods stay several pixels wide and the
    # filters cost a quarter. Measurement always uses full resolution.
    f = 2 if min(h, w) >= 1024 else 1
    rep.report(0.02, "smoothing")
    small = _downsample(img, f)
    smooth = ndi.gaussian_filter(small, s.smoothing_px / f)
    rep.report(0.2, "estimating the background")
    film = estimate_background(smooth, 120 // f)
    darkness = film - smooth
    light = ndi.gaussian_filter(img, 1.0)
    rep.report(0.35, "thresholding")
    sample = darkness[::2, ::2]
    if float(sample.max() - sample.min()) < 1e-3:
        return RodMeasurement([], nm_per_px, (h, w), s)
    # Half the typical rod depth: Otsu splits rods from film, the rods' median darkness is their
    # depth, and half of it puts outlines where the edges are (half depth of a blurred step).
    otsu = float(threshold_otsu(sample))
    thr = 0.5 * float(np.median(sample[sample > otsu]))
    mask = ndi.binary_opening(darkness > thr, disk(max(1, round(2 / f))))
    labels = label(mask)
    rep.report(0.45, "judging objects")
    props = [p for p in regionprops(labels) if p.area * f * f >= s.min_area_px]
    ring = max(2, round(8 / f))  # crowding: another object this close (seg px) to the outline
    sh, sw = labels.shape

    def full(rc: float) -> float:  # segmentation-grid coordinate -> full-resolution pixel
        return (rc + 0.5) * f - 0.5

    candidates: list[tuple[int, str, float, float, float, float, float]] = []
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
        candidates.append((k, reason, R, C, length * f, width * f, display))

    rep.report(0.75, "measuring rods")
    rods: list[Rod] = []
    for j, (k, reason, R, C, length, width, display) in enumerate(candidates):
        if j % 200 == 0:
            rep.report(0.75 + 0.25 * j / max(len(candidates), 1), "measuring rods")
        length_px, width_px = length, width
        if reason == ACCEPTED:
            fr = min(max(int(R / f), 0), film.shape[0] - 1)
            fc = min(max(int(C / f), 0), film.shape[1] - 1)
            measured = _profile_measure(light, R, C, float(props[k].orientation),
                                        length, width, s.edge_depth, float(film[fr, fc]),
                                        s.max_continuation)
            if measured is None:
                reason = "no clear edges"
            elif isinstance(measured, str):
                reason = measured
            else:
                length_px, width_px = measured
        rods.append(Rod(len(rods) + 1, R, C, display, length_px, width_px,
                        reason == ACCEPTED, reason))
    # Judged against the accepted rods' medians, on the measured (contrast-independent) sizes:
    # two rods side by side read as one too-wide rod, and pieces of rods (a broken outline, a
    # rod half under another) or debris are much shorter than the sample's rods.
    kept = [r for r in rods if r.accepted]
    if kept:
        median_w = float(np.median([r.width_px for r in kept]))
        lo, hi = s.width_band
        for r in kept:
            if r.width_px > hi * median_w:
                r.accepted, r.reason = False, "too wide (rods side by side)"
            elif r.width_px < lo * median_w:
                r.accepted, r.reason = False, "too thin for a rod here"
    kept = [r for r in rods if r.accepted]
    if kept and s.min_length_share > 0:
        floor = s.min_length_share * float(np.median([r.length_px for r in kept]))
        for r in kept:
            if r.length_px < floor:
                r.accepted = False
                r.reason = f"fragment (under {s.min_length_share:.0%} of the median length)"
    rep.report(1.0, "done")
    return RodMeasurement(rods, float(nm_per_px), (h, w), s)
