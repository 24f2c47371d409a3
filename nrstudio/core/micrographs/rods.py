"""Finding nanorods in a TEM micrograph and measuring each one's length and width (Qt-free).

The outline method, in the order :func:`measure_rods` runs it:

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
in dense rafts where every rod touches or crosses others cannot be separated by outlines; for
those, :mod:`nrstudio.core.micrographs.tracing` follows each rod's centre line, and
:func:`measure_rods` chooses between the two methods (``RodSettings.method``).

Lengths and widths are in pixels here; :class:`RodMeasurement` converts them with nm_per_px.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.profiles import cross_section, feature_extent, sample_grid
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter

ACCEPTED = "accepted"
METHODS = ("auto", "outline", "trace")


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
    method: "outline" judges each dark region's outline (short rods, isolated or in loose
        groups); "trace" follows rod centre lines through crossings and rafts (long thin rods,
        :mod:`nrstudio.core.micrographs.tracing`); "auto" runs both and keeps tracing only when it sees
        rods over 1.5 times as long, i.e. when the outlines are pieces of long rods.
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
    method: str = "auto"


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
    method: str = "outline"  # the method that measured these rods: "outline" or "trace"

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
                "settings": settings, "method": self.method, "rods": table}

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
            method = str(data.get("method", "outline"))  # absent before rod tracing existed
            if method not in METHODS[1:]:
                raise ValueError(f"unknown method {method!r}")
            return cls(rods, float(data["nm_per_px"]), (int(shape[0]), int(shape[1])),  # type: ignore[arg-type]
                       RodSettings(**known), method)
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

    ax = np.array([np.cos(orientation), np.sin(orientation)])  # (drow, dcol) along the rod
    nx = np.array([-np.sin(orientation), np.cos(orientation)])  # across it
    step = 0.25
    # Across: the mean over the middle 60% of the rod.
    along = np.linspace(-0.3 * length, 0.3 * length, max(5, int(0.6 * length)))
    measured = cross_section(image, np.array([row, col]), ax, along, width, depth_fraction, step)
    if not isinstance(measured, tuple):
        return measured
    w, shift = measured
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


def _reject_by_width(rods: list[Rod], s: RodSettings) -> None:
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


def _outline_rods(img: np.ndarray, s: RodSettings, exclude: list[tuple[int, int, int, int]],
                  rep: Reporter) -> tuple[list[Rod], np.ndarray, float]:
    """The outline method on a dark-rod image (h, w): every object found, the lightly smoothed
    full-resolution image the measurements were made on, and the lower-quartile outline width
    (full px) of the rod-shaped objects, nan when there are none."""
    from scipy import ndimage as ndi
    from skimage.filters import threshold_otsu
    from skimage.measure import label, regionprops
    from skimage.morphology import disk

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
        return [], light, float("nan")
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
    _reject_by_width(rods, s)
    # Pieces of rods (a broken outline, a rod half under another) and debris are much shorter
    # than the sample's rods.
    kept = [r for r in rods if r.accepted]
    if kept and s.min_length_share > 0:
        floor = s.min_length_share * float(np.median([r.length_px for r in kept]))
        for r in kept:
            if r.length_px < floor:
                r.accepted = False
                r.reason = f"fragment (under {s.min_length_share:.0%} of the median length)"
    # The lower quartile: rods fused side by side in a raft make wide outlines, and a guess
    # that is too small is corrected faster by tracing than one that is too large.
    shaped = [c[5] for c in candidates if c[4] >= 3 * c[5]]
    rep.report(1.0, "outlines done")
    return rods, light, float(np.percentile(shaped, 25)) if shaped else float("nan")


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
    if s.method not in METHODS:
        raise DataError(f"unknown rod-finding method {s.method!r}; use one of {', '.join(METHODS)}")
    if pixels.ndim != 2 or min(pixels.shape) < 32:
        raise DataError(f"an image of shape {pixels.shape} is too small to measure rods in")
    if not np.isfinite(nm_per_px) or nm_per_px <= 0:
        raise DataError(f"the scale must be a positive number of nm per pixel, not {nm_per_px}")
    rep = Reporter(progress, cancel)
    img = np.asarray(pixels, dtype=np.float32)
    if not s.dark_rods:
        img = 1.0 - img
    shape = (int(img.shape[0]), int(img.shape[1]))
    boxes = list(exclude or [])
    tracing = s.method != "outline"
    rods, light, width_guess = _outline_rods(img, s, boxes, rep.sub(0.0, 0.4 if tracing else 1.0))
    if not tracing or not np.isfinite(width_guess):
        rep.report(1.0, "done")
        return RodMeasurement(rods, float(nm_per_px), shape, s, "outline")
    traced = _traced_rods(img, light, width_guess, s, boxes, rep.sub(0.4, 1.0))
    used = "trace"
    if s.method == "auto" and not _prefer_tracing(rods, traced):
        traced, used = rods, "outline"
    rep.report(1.0, "done")
    return RodMeasurement(traced, float(nm_per_px), shape, s, used)


def typical_length(rods: list[Rod]) -> float:
    """Length-weighted median length (px) of the accepted rods; nan when there are none."""
    from nrstudio.core.micrographs.tracing import length_weighted_median

    return length_weighted_median(np.array([r.length_px for r in rods if r.accepted]))


def _prefer_tracing(outlined: list[Rod], traced: list[Rod]) -> bool:
    """The automatic choice of method. Centre-line tracing is used when it finds at least 10
    rods and either its typical rod is over 1.5 times as long as the outline method's (the
    outlines are then mostly pieces of long rods, broken at crossings and in rafts), or the
    outline method kept fewer than 30 rods and tracing at least twice as many (rafts that
    outlines cannot take apart). Otherwise the outline method, whose rules are stricter and
    which separates short rods in dense bundles better, is kept."""
    n_traced = sum(r.accepted for r in traced)
    n_outlined = sum(r.accepted for r in outlined)
    if n_traced < 10:
        return False
    by_outline = typical_length(outlined)
    if not np.isfinite(by_outline) or typical_length(traced) > 1.5 * by_outline:
        return True
    return n_outlined < 30 and n_traced >= 2 * n_outlined


def _grid_factor(shape: tuple[int, ...], width_px: float) -> int:
    """Trace at half resolution (a quarter of the cost) when rods stay 3 px wide there."""
    return 2 if width_px >= 6 and min(shape) >= 512 else 1


def _traced_rods(img: np.ndarray, light: np.ndarray, width_px: float, s: RodSettings,
                 exclude: list[tuple[int, int, int, int]], rep: Reporter) -> list[Rod]:
    """The centre-line method (:mod:`nrstudio.core.micrographs.tracing`) on a dark-rod image (h, w),
    with a first guess of the image's rod width ``width_px`` (full px) setting the scale."""
    from nrstudio.core.micrographs import tracing as rt

    # The outline widths only seed the filters' scale: in rafts several rods fuse into one
    # wide outline, and where rods are faint only dark cores are outlined. The width measured
    # across the longest traces corrects the scale when it is over 10% off. A scale far off
    # measures a width between the guess and the truth, so it may take up to three
    # corrections; those passes follow only the longest seeds.
    attempts, quick_look = 4, 1500
    traces: list[rt.Trace] | None = None
    for attempt in range(attempts):
        part = rep.sub(0.2 * attempt, 0.2 * attempt + 0.2)
        f = _grid_factor(img.shape, width_px)
        response = rt.line_response(_downsample(img, f), width_px / f, part.sub(0.0, 0.6))
        if attempt == attempts - 1:
            break
        traces, typical = rt.trace_centre_lines(response, width_px / f, part.sub(0.6, 1.0),
                                                most=quick_look)
        width = rt.measured_width(light, traces, f, width_px)
        if width is None or abs(width / width_px - 1) <= 0.10:
            break
        traces = None
        width_px = width
    if traces is None or len(traces) >= quick_look:  # the quick look did not follow every seed
        traces, typical = rt.trace_centre_lines(response, width_px / f, rep.sub(0.8, 0.9))
    # Traces under three widths long are not rods in any case.
    traces = [t for t in traces if t.length >= 3 * width_px / f]
    wg = width_px / f
    traces = rt.distinct_traces(traces, wg)
    strongest = response[: rt.DIRECTIONS].max(0)
    rods: list[Rod] = []
    for j, tr in enumerate(traces):
        if j % 200 == 0:
            rep.report(0.9 + 0.1 * j / max(len(traces), 1), "measuring rods")
        axis = tr.axis if tr.axis[0] >= 0 else -tr.axis
        centre = (tr.centre + 0.5) * f - 0.5
        ends = [centre + tr.t0 * f * tr.axis, centre + tr.t1 * f * tr.axis]
        if any(r0 <= p[0] <= r1 and c0 <= p[1] <= c1
               for p in [centre, *ends] for r0, c0, r1, c1 in exclude):
            continue
        display = float(np.degrees(np.arctan2(axis[1], axis[0])) - 90.0) % 180.0
        length, width = tr.length * f, width_px
        reason = rt.judge_trace(tr, response, strongest, typical, wg, max(s.min_aspect, 3.0))
        row, col = float(centre[0]), float(centre[1])
        if reason is None:
            measured = rt.measure_traced_rod(light, centre, tr.axis, tr.t0 * f, tr.t1 * f,
                                             width_px, s.edge_depth)
            if measured is None:
                reason = "no clear edges"
            elif isinstance(measured, str):
                reason = measured
            else:
                length, width, row, col = measured
        rods.append(Rod(len(rods) + 1, row, col, display, length, width,
                        reason is None, reason or ACCEPTED))
    _reject_by_width(rods, s)
    kept = [r for r in rods if r.accepted]
    # Two rods in line with a narrow gap can be walked as one: such a "rod" is far longer
    # than the typical one, so only those are searched for a gap (a faint stretch along an
    # ordinary rod is not a gap).
    if kept:
        long_floor = rt.LONG_ROD * typical_length(kept)
        for r in kept:
            a = np.radians(r.angle_deg)
            if r.length_px > long_floor and rt.gap_along(
                    light, np.array([r.row, r.col]), np.array([-np.sin(a), np.cos(a)]),
                    r.length_px, r.width_px):
                r.accepted, r.reason = False, "two rods end to end (a gap along it)"
    kept = [r for r in rods if r.accepted]
    if kept and s.min_length_share > 0:
        floor = s.min_length_share * typical_length(kept)
        for r in kept:
            if r.length_px < floor:
                r.accepted = False
                r.reason = (f"fragment (under {s.min_length_share:.0%} of the typical,"
                            " length-weighted, rod length)")
    rep.report(1.0, "done")
    return rods
