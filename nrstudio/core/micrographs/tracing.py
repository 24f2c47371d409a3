"""Finding long rods by their centre lines, through crossings and rafts (Qt-free).

The outline method of :mod:`nrstudio.core.micrographs.outlines` judges each dark region as a
whole, which fails when rods are long and thin: in rafts nearly every rod touches or crosses
another, so no region is one whole rod. This method follows each rod's centre line instead:

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
4. (In :mod:`nrstudio.core.micrographs.traced_rods`.) The longest trace of each rod is kept
   (a rod is found from many seeds). A trace is rejected when it is cut by the border, bent
   (the walk left its rod), short against the width, uneven
   along its length (a dark particle, or a crossing), when the rod goes on past an end, or when
   either end does not lie on free film (it touches another rod or a particle there, so where
   the rod ends cannot be seen).
5. Each kept rod is measured on the full-resolution image: its width from the mean cross
   profile, each end where the axial profile, walked in from the free film beyond it, falls to
   ``edge_depth`` of the way down to the rod's median darkness.

The filters' scale is the rod width. :func:`nrstudio.core.micrographs.traced_rods.traced_rods`
starts from a guess and corrects it with ``measured_width`` until the two agree within 10%.

Pieces shorter than a share of the typical length are rejected last. The typical length is the
length-weighted median, the length of the rod that a random point on a rod belongs to: short
debris and pieces are many but cover little of the image, as a person looking at it sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def sample_response(response: np.ndarray, points: np.ndarray, axes: np.ndarray) -> np.ndarray:
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
          ) -> tuple[np.ndarray, np.ndarray]:
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
        values = sample_response(response, pts, np.broadcast_to(ax[:, None, :], pts.shape))
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
    strengths = np.median(sample_response(response, pts, np.broadcast_to(axes[:, None, :], pts.shape)), 1)
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
