"""Finding long rods by their centre lines, through crossings and rafts (Qt-free).

The outline method of :mod:`nrstudio.core.micrographs.rods` judges each dark region as a whole, which fails
when rods are long and thin: in rafts nearly every rod touches or crosses another, so no region
is one whole rod. This method follows each rod's centre line instead:

1. A bank of oriented line filters (16 directions): the image smoothed along a direction over
   about one rod width and across it over a fifth of a width, minus the darker of the two
   flanks one width apart. A rod gives a strong response only in the direction it lies in, so
   two rods that cross stay apart, and a rod between two neighbours in a raft still stands out
   against the gaps beside it.
2. Centre-line pixels: the response is a maximum across the line and over direction. Connected
   centre-line pixels of neighbouring directions form the seeds.
3. Each seed is followed from both ends, all seeds at once: step along the line, re-centre on
   the ridge (at most half a pixel sideways per step, so a walk cannot hop to a neighbour), and
   stop once the response stays below half the rod's strength for a few pixels. Rods are
   straight, so the walking direction is the line from the seed's centre, and a line is fitted
   to the points walked.
4. The longest trace of each rod is kept (a rod is found from many seeds). A trace is rejected
   when it is cut by the border, bent (the walk left its rod), short against the width, uneven
   along its length (a dark particle, or a crossing), when the rod goes on past an end, or when
   either end does not lie on free film (it touches another rod or a particle there, so where
   the rod ends cannot be seen).
5. Each kept rod is measured on the full-resolution image: its width from the mean cross
   profile, each end where the axial profile, walked in from the free film beyond it, falls to
   ``edge_depth`` of the way down to the rod's median darkness.

The filters' scale is the rod width. :func:`nrstudio.core.micrographs.rods.measure_rods` starts from a guess
and corrects it with :func:`measured_width` until the two agree within 10%.

Pieces shorter than a share of the typical length are rejected last. The typical length is the
length-weighted median, the length of the rod that a random point on a rod belongs to: short
debris and pieces are many but cover little of the image, as a person looking at it sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrstudio.core.micrographs.profiles import cross_section, crossing, feature_extent, sample_grid
from nrstudio.core.progress import Reporter

DIRECTIONS = 16
# A walk goes on while the response stays above this share of the rod's strength, or falls
# below it for no more than WALK_GAP_PX pixels (noise, a crossing).
WALK_LEVEL = 0.5
WALK_GAP_PX = 3
# A walk that stayed on its rod wanders off the fitted line (RMS) by under this share of a
# width, plus half a pixel.
MAX_WANDER = 0.2
# Past a whole rod's end, its own line response (1 to 4 widths on) stays below this share of
# its strength.
CONTINUATION = 0.3
# An end lies on free film when, from a quarter to two widths beyond it and one width to each
# side, at most this share of the film shows another line (the share max_crowding allows).
END_ZONE = (0.25, 2.0, 1.0)
END_CROWDING = 0.2
# A rod over LONG_ROD times the typical length is checked for a gap along it (two rods end to
# end): inside it, the darkest point across it climbs more than END_TO_END of the way back
# to the film.
LONG_ROD = 1.5
END_TO_END = 0.7

# The sensitivity of the image-12 result to each of these constants, and the synthetic cases
# they were checked on, are in docs/micrographs.md.


@dataclass
class Trace:
    """One traced centre line in segmentation-grid pixels: a point on it (row, col), its unit
    direction (drow, dcol), the extent [t0, t1] along it from that point, its seed's median
    line response, and how far the walk wandered off the fitted line (the RMS distance)."""

    centre: np.ndarray
    axis: np.ndarray
    t0: float
    t1: float
    strength: float
    wander: float

    @property
    def length(self) -> float:
        return self.t1 - self.t0


def line_response(image: np.ndarray, width_px: float, rep: Reporter | None = None) -> np.ndarray:
    """The oriented line filter bank of a dark-rod image (h, w): (DIRECTIONS + 1, h, w),
    channel k for rods along angle pi*k/DIRECTIONS from the column axis (towards increasing
    rows); the last channel repeats the first, so sampling between directions wraps round.
    Positive where a line about ``width_px`` wide is darker than both its flanks."""
    from scipy import fft

    h, w = image.shape
    spectrum = fft.rfft2(image.astype(np.float32), workers=-1)
    fy = fft.fftfreq(h)[:, None].astype(np.float32)
    fx = fft.rfftfreq(w)[None, :].astype(np.float32)
    along, across, flank = 1.2 * width_px, 0.2 * width_px, 0.8 * width_px
    out = np.empty((DIRECTIONS + 1, h, w), np.float32)
    for k in range(DIRECTIONS):
        t = np.pi * k / DIRECTIONS
        u = fx * np.cos(t) + fy * np.sin(t)
        v = -fx * np.sin(t) + fy * np.cos(t)
        gauss = np.exp(-2 * np.pi**2 * ((u * along) ** 2 + (v * across) ** 2))
        smooth = fft.irfft2(spectrum * gauss, s=(h, w), workers=-1)
        dr, dc = round(flank * np.cos(t)), round(-flank * np.sin(t))
        sides = np.minimum(np.roll(smooth, (dr, dc), (0, 1)), np.roll(smooth, (-dr, -dc), (0, 1)))
        out[k] = sides - smooth
        if rep is not None:
            rep.report((k + 1) / DIRECTIONS, "filtering for lines")
    out[DIRECTIONS] = out[0]
    return out


def _centre_line_mask(response: np.ndarray, low: float) -> np.ndarray:
    """(DIRECTIONS, h, w) bool: above ``low``, a maximum over direction and across the line."""
    n = DIRECTIONS
    mask = np.zeros(response.shape, bool)
    for k in range(n):
        t = np.pi * k / n
        nr, nc = round(np.cos(t)), round(-np.sin(t))
        r = response[k]
        m = (r > low) & (r >= response[(k - 1) % n]) & (r >= response[(k + 1) % n])
        m &= (r >= np.roll(r, (nr, nc), (0, 1))) & (r >= np.roll(r, (-nr, -nc), (0, 1)))
        mask[k] = m
    return mask


def _major_axis(vrr: np.ndarray, vcc: np.ndarray, vrc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit major axes (drow, dcol) of point clouds from their second moments (N,) each."""
    theta = 0.5 * np.arctan2(2 * vrc, vrr - vcc)
    return np.cos(theta), np.sin(theta)


def _seeds(mask: np.ndarray, min_px: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Straight runs of centre-line pixels in each pair of neighbouring directions, from a
    principal-axis fit of each connected run of at least ``min_px`` pixels: centres (N, 2),
    unit axes (N, 2) and the extent t0, t1 (N,) along them."""
    from scipy import ndimage as ndi

    n = mask.shape[0]
    parts: list[tuple[np.ndarray, ...]] = []
    bridge = np.ones((3, 3), bool)
    for k in range(n):
        m = mask[k] | mask[(k + 1) % n]
        labels, count = ndi.label(ndi.binary_dilation(m, bridge))
        rr, cc = np.nonzero(m)
        lab = labels[rr, cc]
        size = np.bincount(lab, minlength=count + 1)
        big = size >= min_px
        big[0] = False
        keep = big[lab]
        rr, cc, lab = rr[keep].astype(np.float64), cc[keep].astype(np.float64), lab[keep]
        if not len(lab):
            continue
        size = np.maximum(size, 1).astype(np.float64)
        mr = np.bincount(lab, rr, count + 1) / size
        mc = np.bincount(lab, cc, count + 1) / size
        dr, dc = rr - mr[lab], cc - mc[lab]
        vrr = np.bincount(lab, dr * dr, count + 1)
        vcc = np.bincount(lab, dc * dc, count + 1)
        vrc = np.bincount(lab, dr * dc, count + 1)
        ar, ac = _major_axis(vrr, vcc, vrc)
        t = dr * ar[lab] + dc * ac[lab]
        ids = np.nonzero(big)[0]
        t0 = ndi.minimum(t, lab, ids)
        t1 = ndi.maximum(t, lab, ids)
        parts.append((np.stack([mr[ids], mc[ids]], 1), np.stack([ar[ids], ac[ids]], 1),
                      np.asarray(t0, np.float64), np.asarray(t1, np.float64)))
    if not parts:
        empty = np.zeros((0, 2))
        return empty, empty, np.zeros(0), np.zeros(0)
    return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]


def _sample(response: np.ndarray, points: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """Line response at ``points`` (..., 2) for lines along ``axes`` (..., 2), interpolated
    between the two nearest directions."""
    from scipy.ndimage import map_coordinates

    theta = np.arctan2(axes[..., 0], axes[..., 1]) % np.pi
    k = theta / (np.pi / DIRECTIONS)
    coords = np.stack([np.broadcast_to(k, points.shape[:-1]), points[..., 0], points[..., 1]])
    coords = coords.reshape(3, -1)
    # In pieces: scipy.ndimage keeps Python's global lock while it works, and the window must
    # get its turn every few tens of milliseconds while this runs in a worker thread.
    chunk = 1 << 15
    flat = np.concatenate([
        map_coordinates(response, coords[:, i:i + chunk], order=1, mode="constant", cval=0.0)
        for i in range(0, coords.shape[1], chunk)]) if coords.shape[1] else np.zeros(0)
    return flat.reshape(points.shape[:-1])


def _walk(response: np.ndarray, starts: np.ndarray, axes: np.ndarray, anchors: np.ndarray,
          levels: np.ndarray, gap: int, max_steps: int, rep: Reporter
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Follow ridges from ``starts`` (N, 2) along ``axes`` (N, 2), all at once, one pixel per
    step, until the response stays below ``levels`` (N,) for more than ``gap`` steps.

    Returns each walk's end (N, 2), its last point above its level, and the sums over the
    points up to there (N, 6: count, row, col, row², col², row·col) for a line fit; the path
    itself is not kept (walks are many and long)."""
    n_walks = len(starts)
    pos = starts.astype(np.float64).copy()
    axis = axes.astype(np.float64).copy()
    offsets = np.arange(-1.5, 1.75, 0.5)

    def moments(p: np.ndarray) -> np.ndarray:
        r, c = p[:, 0], p[:, 1]
        return np.stack([np.ones_like(r), r, c, r * r, c * c, r * c], 1)

    running = moments(pos)
    committed = running.copy()
    end = pos.copy()
    misses = np.zeros(n_walks, int)
    active = np.ones(n_walks, bool)
    h, w = response.shape[1:]
    for step in range(1, max_steps + 1):
        idx = np.nonzero(active)[0]
        if not len(idx):
            break
        if step % 25 == 0:
            rep.report(step / max_steps, "following rods")
        ax = axis[idx]
        normal = np.stack([-ax[:, 1], ax[:, 0]], 1)
        ahead = pos[idx] + ax
        pts = ahead[:, None, :] + offsets[None, :, None] * normal[:, None, :]
        values = _sample(response, pts, np.broadcast_to(ax[:, None, :], pts.shape))
        j = np.clip(np.argmax(values, 1), 1, len(offsets) - 2)
        rows = np.arange(len(j))
        a, b, c = values[rows, j - 1], values[rows, j], values[rows, j + 1]
        curvature = a - 2 * b + c
        peaked = curvature < -1e-12
        sub = np.where(peaked, 0.5 * (a - c) / np.where(peaked, curvature, -1.0), 0.0)
        # Re-centre on the ridge, but by at most half a pixel per step: a walk cannot jump
        # to a neighbour in a raft, only drift back onto its own rod.
        sideways = np.clip(offsets[j] + np.clip(sub, -0.5, 0.5) * 0.5, -0.5, 0.5)
        ahead = ahead + sideways[:, None] * normal
        pos[idx] = ahead
        running[idx] += moments(ahead)
        good = values.max(1) >= levels[idx]
        committed[idx[good]] = running[idx[good]]
        end[idx[good]] = ahead[good]
        misses[idx] = np.where(good, 0, misses[idx] + 1)
        # Rods are straight: walk along the line from the seed's centre once it is well defined.
        d = ahead - anchors[idx]
        dist = np.linalg.norm(d, axis=1)
        new = np.where((dist > 10)[:, None], d / np.maximum(dist, 1e-9)[:, None], ax)
        axis[idx] = new * np.sign((new * ax).sum(1))[:, None]
        outside = (ahead[:, 0] < 0) | (ahead[:, 1] < 0) | (ahead[:, 0] > h - 1) | (ahead[:, 1] > w - 1)
        active[idx[(misses[idx] > gap) | outside]] = False
    return end, committed


def trace_centre_lines(response: np.ndarray, width_px: float, rep: Reporter,
                       most: int | None = None) -> tuple[list[Trace], float]:
    """Every rod centre line of a line response (see :func:`line_response`), in the same pixels,
    and the typical rod response (the median over rod pixels, Otsu-separated from film).
    With ``most``, only that many of the longest seeds are followed (a quick look)."""
    from skimage.filters import threshold_otsu

    strongest = response[:DIRECTIONS].max(0)
    sample = strongest[::2, ::2]
    if float(sample.max() - sample.min()) < 1e-6:
        return [], 0.0
    otsu = float(threshold_otsu(sample))
    typical = float(np.median(sample[sample > otsu]))
    rep.report(0.05, "finding centre lines")
    centres, axes, t0s, t1s = _seeds(_centre_line_mask(response, 0.35 * typical),
                                     max(6, int(2 * width_px)))
    # A seed's strength: the median response at 16 points along it.
    ts = t0s[:, None] + (t1s - t0s)[:, None] * np.linspace(0, 1, 16)[None, :]
    pts = centres[:, None, :] + ts[..., None] * axes[:, None, :]
    strengths = np.median(_sample(response, pts, np.broadcast_to(axes[:, None, :], pts.shape)), 1)
    strong = strengths >= 0.5 * typical
    if most is not None and strong.sum() > most:
        strong &= (t1s - t0s) >= np.sort((t1s - t0s)[strong])[-most]
    centres, axes, t0s, t1s, strengths = (a[strong] for a in (centres, axes, t0s, t1s, strengths))
    rep.report(0.2, "following rods")
    if not len(centres):
        return [], typical
    # A share of the rod's own strength, but never above that share of the typical one: a rod
    # whose seed lies on its dark core is followed along its fainter parts too.
    levels = WALK_LEVEL * np.minimum(strengths, typical)
    starts = np.concatenate([centres + t1s[:, None] * axes, centres + t0s[:, None] * axes])
    ends, sums = _walk(response, starts, np.concatenate([axes, -axes]),
                       np.concatenate([centres, centres]), np.concatenate([levels, levels]),
                       gap=WALK_GAP_PX, max_steps=int(max(response.shape[1:])),
                       rep=rep.sub(0.2, 0.9))
    n = len(centres)
    total = sums[:n] + sums[n:]
    count = total[:, 0]
    mean_r, mean_c = total[:, 1] / count, total[:, 2] / count
    vrr = total[:, 3] / count - mean_r**2
    vcc = total[:, 4] / count - mean_c**2
    vrc = total[:, 5] / count - mean_r * mean_c
    ar, ac = _major_axis(vrr, vcc, vrc)
    # The spread across the fitted line: small for a walk that stayed on one straight rod.
    across = np.clip(vrr * ac**2 + vcc * ar**2 - 2 * vrc * ar * ac, 0, None)
    traces = []
    for i in range(n):
        centre = np.array([mean_r[i], mean_c[i]])
        axis = np.array([ar[i], ac[i]])
        t_fw = float((ends[i] - centre) @ axis)
        t_bw = float((ends[n + i] - centre) @ axis)
        traces.append(Trace(centre, axis, min(t_fw, t_bw), max(t_fw, t_bw), float(strengths[i]),
                            float(np.sqrt(across[i]))))
    rep.report(1.0, "following rods")
    return traces, typical


def distinct_traces(traces: list[Trace], width_px: float) -> list[Trace]:
    """One trace per rod, the longest: a shorter one lying along a kept one (within 8 degrees
    and 0.6 widths of its line, near it) is the same rod found from another seed."""
    import math

    cell = 16.0
    grid: dict[tuple[int, int], list[int]] = {}
    # Plain floats, not small numpy arrays: thousands of tiny numpy calls here kept the
    # window of the app from its turn for up to 100 ms.
    lines: list[tuple[float, float, float, float]] = []  # kept: row, col, drow, dcol
    kept: list[Trace] = []
    cos_limit = math.cos(math.radians(8))
    for tr in sorted(traces, key=lambda t: -t.length):
        r, c = float(tr.centre[0]), float(tr.centre[1])
        ar, ac = float(tr.axis[0]), float(tr.axis[1])
        kr, kc = int(r // cell), int(c // cell)
        same = False
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for j in grid.get((kr + dr, kc + dc), ()):
                    r2, c2, a2r, a2c = lines[j]
                    if (abs(ar * a2r + ac * a2c) > cos_limit
                            and abs((r - r2) * -a2c + (c - c2) * a2r) < 0.6 * width_px):
                        same = True
                        break
                if same:
                    break
            if same:
                break
        if same:
            continue
        kept.append(tr)
        lines.append((r, c, ar, ac))
        j = len(kept) - 1
        cells = set()
        t = tr.t0
        while t <= tr.t1 + cell / 2:
            cells.add((int((r + t * ar) // cell), int((c + t * ac) // cell)))
            t += cell / 2
        for key in cells:
            grid.setdefault(key, []).append(j)
    return kept


def judge_trace(tr: Trace, response: np.ndarray, strongest: np.ndarray, typical: float,
                width_px: float, min_aspect: float) -> str | None:
    """Why a trace is not a measurable rod, or None when it is. Pixels of the response grid;
    ``response`` from :func:`line_response`, ``strongest`` its maximum over directions."""

    h, w = strongest.shape
    ends = [tr.centre + tr.t0 * tr.axis, tr.centre + tr.t1 * tr.axis]
    if min(min(p[0], p[1], h - 1 - p[0], w - 1 - p[1]) for p in ends) < width_px:
        return "cut by the image border"
    if tr.wander > MAX_WANDER * width_px + 0.5:
        return "bent (the trace left its rod)"
    if tr.length < min_aspect * width_px:
        return f"not rod-shaped (length/width {tr.length / width_px:.1f})"
    ts = np.linspace(tr.t0 + 0.1 * tr.length, tr.t1 - 0.1 * tr.length, 40)
    pts = tr.centre[None, :] + ts[:, None] * tr.axis[None, :]
    along = _sample(response, pts, np.broadcast_to(tr.axis, pts.shape))
    if np.percentile(along, 25) < 0.3 * along.max():
        return "uneven along its length (a dark particle or a crossing)"
    for t, d in ((tr.t0, -1), (tr.t1, 1)):
        ts = t + d * np.arange(width_px, 4 * width_px, 0.5)
        pts = tr.centre[None, :] + ts[:, None] * tr.axis[None, :]
        ahead = _sample(response, pts, np.broadcast_to(tr.axis, pts.shape))
        if float(ahead.mean()) > CONTINUATION * tr.strength:
            return "the rod goes on past an end (faint, or another rod end to end)"
    beyond = np.arange(END_ZONE[0] * width_px, END_ZONE[1] * width_px, 0.5)
    side = np.linspace(-END_ZONE[2] * width_px, END_ZONE[2] * width_px, 5)
    for t, d in ((tr.t0, -1), (tr.t1, 1)):
        v = sample_grid(strongest, tr.centre, tr.axis, t + d * beyond, side, outside=1.0)
        if (v > 0.5 * typical).mean() > END_CROWDING:
            return "an end touches another rod or particle"
    return None


def length_weighted_median(lengths: np.ndarray) -> float:
    """The length of the rod that a random point on a rod belongs to (weights = lengths)."""
    order = np.sort(np.asarray(lengths, dtype=np.float64))
    if not len(order):
        return float("nan")
    cum = np.cumsum(order)
    return float(order[np.searchsorted(cum, 0.5 * cum[-1])])


def measure_traced_rod(image: np.ndarray, centre: np.ndarray, axis: np.ndarray, t0: float,
                       t1: float, width_px: float, edge_depth: float
                       ) -> tuple[float, float, float, float] | str | None:
    """Length and width (px) and midpoint (row, col) of a traced rod, on the lightly smoothed
    full-resolution image (h, w). ``centre``, ``axis``, ``t0``, ``t1`` give the trace in the
    same pixels; ``width_px`` is the image's typical rod width. None when an edge cannot be
    found; a reason when the profile shows two rods side by side."""

    step = 0.25
    normal = np.array([-axis[1], axis[0]])
    length = t1 - t0
    # Across: the mean over the middle 60% of the rod, one width to each side.
    along = np.linspace(t0 + 0.2 * length, t1 - 0.2 * length, max(5, int(0.6 * length)))
    measured = cross_section(image, centre, axis, along, width_px, edge_depth, step)
    if not isinstance(measured, tuple):
        return measured
    width, shift = measured
    centre = centre + shift * normal
    # Along: a band of half the width on the axis. Each end is found walking in from the free
    # film beyond it (checked by judge_trace) to where the profile falls ``edge_depth`` of the
    # way to the rod's median level, so a faint stretch inside the rod cannot end it early.
    ts = np.arange(t0 - 2 * width_px, t1 + 2 * width_px + step / 2, step)
    band = np.linspace(-width / 4, width / 4, 5)
    axial = sample_grid(image, centre, axis, ts, band).mean(axis=1)
    inner = (ts > t0 + 0.1 * length) & (ts < t1 - 0.1 * length)
    floor = float(np.median(axial[inner]))
    found = []
    for t_end, d in ((t0, -1), (t1, 1)):
        outer = (ts * d >= (t_end + d * width_px) * d) & (ts * d <= (t_end + d * 2 * width_px) * d)
        base = float(np.median(axial[outer]))
        if base - floor <= 0:
            return None
        start = int(np.searchsorted(ts, t_end + d * width_px))
        start = min(max(start, 0), len(ts) - 1)
        # crossing() walks while the profile stays below a level; here we walk inwards while
        # it stays above the level, so mirror the profile.
        pos = crossing(-axial, start, -d, -(base - edge_depth * (base - floor)))
        if pos is None or abs(pos - start) * step > 3 * width_px:
            return None
        found.append(ts[0] + pos * step)
    middle = centre + 0.5 * (found[0] + found[1]) * axis
    return float(found[1] - found[0]), float(width), float(middle[0]), float(middle[1])


def measured_width(image: np.ndarray, traces: list[Trace], scale: float, guess_px: float,
                   most: int = 300) -> float | None:
    """The median rod width (full-resolution px) across the longest ``most`` traces, measured
    on the image (h, w) between the edges at 0.4 of the depth (as rods are measured) of each
    trace's mean cross profile, over a window of twice ``guess_px`` to each side so a guess
    that is half the true width still spans the rod. ``scale`` converts trace pixels to image
    pixels. None when fewer than 10 traces give a clear profile."""

    step = 0.25
    across = np.arange(-2 * guess_px, 2 * guess_px + step / 2, step)
    mid = len(across) // 2
    q = int(0.3 * guess_px / step)
    widths = []
    for tr in sorted(traces, key=lambda t: -t.length)[:most]:
        centre = (tr.centre + 0.5) * scale - 0.5
        along = np.linspace(tr.t0 + 0.2 * tr.length, tr.t1 - 0.2 * tr.length, 20) * scale
        cross = sample_grid(image, centre, tr.axis, along, across).mean(axis=0)
        edges = feature_extent(cross, mid - q, mid + q + 1, 0.4)
        if edges is not None:
            widths.append((edges[1] - edges[0]) * step)
    return float(np.median(widths)) if len(widths) >= 10 else None


def gap_along(image: np.ndarray, centre: np.ndarray, axis: np.ndarray, length_px: float,
              width_px: float) -> bool:
    """True when a measured rod (centre (row, col), unit axis, length and width in px of the
    lightly smoothed full-resolution image) has a gap along it: inside it, a width in from
    each end, the darkest point across it (within 0.6 widths of the axis, so a slight bend
    does not matter), averaged over a quarter width along it, climbs more than END_TO_END of
    the way from the rod's median level back to the film's level beyond its ends."""

    step = 0.25
    half = length_px / 2
    ts = np.arange(-half - 2 * width_px, half + 2 * width_px + step / 2, step)
    side = np.linspace(-0.6 * width_px, 0.6 * width_px, 7)
    grid = sample_grid(image, centre, axis, ts, side)
    darkest = grid.min(axis=1)
    inside = np.abs(ts) < half - width_px
    film = [float(np.median(grid[(ts * d > half + width_px) & (ts * d < half + 2 * width_px)]))
            for d in (-1, 1)]
    level = float(np.median(darkest[inside]))
    if not inside.sum() > 4 or min(film) <= level:
        return False
    k = max(1, int(0.25 * width_px / step))
    smooth = np.convolve(darkest[inside], np.ones(k) / k, mode="valid")
    return bool(smooth.max() > level + END_TO_END * (min(film) - level))
