"""From centre-line traces to measured rods (Qt-free): the longest trace of each rod is kept,
judged (border, bend, evenness, continuation past an end, free film at both ends), measured
on the full-resolution profiles, and checked for two rods end to end; pieces shorter than a
share of the typical, length-weighted, rod length are rejected last. The traces come from
:mod:`nrstudio.core.micrographs.tracing`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrstudio.core.micrographs import tracing as rt
from nrstudio.core.micrographs.outlines import Outlined, downsample, reject_by_width
from nrstudio.core.micrographs.profiles import (
    ProfileMeasure,
    cross_section,
    crossing,
    feature_extent,
    goes_on_past_an_end,
    sample_grid,
)
from nrstudio.core.micrographs.rod_model import (
    ACCEPTED,
    Rod,
    RodSettings,
    typical_length,
)
from nrstudio.core.micrographs.tracing import (
    CONTINUATION,
    END_CROWDING,
    END_TO_END,
    END_ZONE,
    MAX_WANDER,
    Trace,
)
from nrstudio.core.progress import Reporter


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
    along = rt.sample_response(response, pts, np.broadcast_to(tr.axis, pts.shape))
    if np.percentile(along, 25) < 0.3 * along.max():
        return "uneven along its length (a dark particle or a crossing)"
    for t, d in ((tr.t0, -1), (tr.t1, 1)):
        ts = t + d * np.arange(width_px, 4 * width_px, 0.5)
        pts = tr.centre[None, :] + ts[:, None] * tr.axis[None, :]
        ahead = rt.sample_response(response, pts, np.broadcast_to(tr.axis, pts.shape))
        if float(ahead.mean()) > CONTINUATION * tr.strength:
            return GOES_ON
    beyond = np.arange(END_ZONE[0] * width_px, END_ZONE[1] * width_px, 0.5)
    side = np.linspace(-END_ZONE[2] * width_px, END_ZONE[2] * width_px, 5)
    for t, d in ((tr.t0, -1), (tr.t1, 1)):
        v = sample_grid(strongest, tr.centre, tr.axis, t + d * beyond, side, outside=1.0)
        if (v > 0.5 * typical).mean() > END_CROWDING:
            return "an end touches another rod or particle"
    return None


GOES_ON = "the rod goes on past an end (faint, or another rod end to end)"


def measure_traced_rod(image: np.ndarray, centre: np.ndarray, axis: np.ndarray, t0: float,
                       t1: float, width_px: float, edge_depth: float,
                       film: float | None = None, continues: float = 0.5) -> ProfileMeasure:
    """Length and width (px) and midpoint (row, col) of a traced rod, on the lightly smoothed
    full-resolution image (h, w). ``centre``, ``axis``, ``t0``, ``t1`` give the trace in the
    same pixels; ``width_px`` is the image's typical rod width. Refused when an edge cannot be
    found, or when the profile shows two rods side by side."""

    step = 0.25
    normal = np.array([-axis[1], axis[0]])
    length = t1 - t0
    # Across: the mean over the middle 60% of the rod, one width to each side.
    along = np.linspace(t0 + 0.2 * length, t1 - 0.2 * length, max(5, int(0.6 * length)))
    measured = cross_section(image, centre, axis, along, width_px, edge_depth, step, film)
    if measured.reason is not None:
        return measured
    width, shift = measured.width, measured.offset
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
            return ProfileMeasure.refused()
        start = int(np.searchsorted(ts, t_end + d * width_px))
        start = min(max(start, 0), len(ts) - 1)
        # crossing() walks while the profile stays below a level; here we walk inwards while
        # it stays above the level, so mirror the profile.
        pos = crossing(-axial, start, -d, -(base - edge_depth * (base - floor)))
        if pos is None or abs(pos - start) * step > 3 * width_px:
            return ProfileMeasure.refused()
        found.append(ts[0] + pos * step)
    # In a tight raft the line filter fades where a neighbour runs alongside, so a trace can
    # stop while its rod goes on: the image itself, not the filter, must show free film past
    # each end.
    if film is not None and goes_on_past_an_end(axial, ts, (found[0], found[1]), width_px,
                                                 film, floor, continues):
        return ProfileMeasure.refused(GOES_ON)
    middle = centre + 0.5 * (found[0] + found[1]) * axis
    return ProfileMeasure(width=float(width), length=float(found[1] - found[0]),
                          row=float(middle[0]), col=float(middle[1]))


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
    if not inside.sum() > 4:
        return False
    film = [float(np.median(grid[(ts * d > half + width_px) & (ts * d < half + 2 * width_px)]))
            for d in (-1, 1)]
    level = float(np.median(darkest[inside]))
    if min(film) <= level:
        return False
    k = max(1, int(0.25 * width_px / step))
    smooth = np.convolve(darkest[inside], np.ones(k) / k, mode="valid")
    return bool(smooth.max() > level + END_TO_END * (min(film) - level))


@dataclass
class TracedRods:
    """What centre-line tracing found: every trace judged as a rod, and ``gapped_share``, the
    share of the accepted rods with a gap along them (see :func:`gap_along`; only the long
    ones are rejected for it; nan when none is accepted). In a dense carpet of short rods lying end
    to end nearly every trace runs over several rods (92% on synthetic carpets); where traces
    follow single rods the share stays low (2-35% on synthetic rafts and bundles, 15-23% on
    the development images of short rods, 53% on image 12, whose long rods have faint
    stretches)."""

    rods: list[Rod]
    gapped_share: float


def _grid_factor(shape: tuple[int, ...], width_px: float) -> int:
    """Trace at half resolution (a quarter of the cost) when rods stay 3 px wide there."""
    return 2 if width_px >= 6 and min(shape) >= 512 else 1


def traced_rods(img: np.ndarray, outlined: Outlined, s: RodSettings,
                 exclude: list[tuple[int, int, int, int]], rep: Reporter) -> TracedRods:
    """The centre-line method (:mod:`nrstudio.core.micrographs.tracing`) on a dark-rod image (h, w),
    after the outline method: its smoothed image and film level are reused, and its width
    guess sets the filters' first scale."""
    light, width_px = outlined.light, outlined.width_guess
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
        response = rt.line_response(downsample(img, f), width_px / f, part.sub(0.0, 0.6))
        if attempt == attempts - 1:
            break
        traces, typical = rt.trace_centre_lines(response, width_px / f, part.sub(0.6, 1.0),
                                                most=quick_look)
        width = measured_width(light, traces, f, width_px)
        if width is None or abs(width / width_px - 1) <= 0.10:
            break
        traces = None
        width_px = width
    if traces is None or len(traces) >= quick_look:  # the quick look did not follow every seed
        traces, typical = rt.trace_centre_lines(response, width_px / f, rep.sub(0.8, 0.9))
    # Traces under three widths long are not rods in any case.
    traces = [t for t in traces if t.length >= 3 * width_px / f]
    wg = width_px / f
    traces = distinct_traces(traces, wg)
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
        reason = judge_trace(tr, response, strongest, typical, wg, max(s.min_aspect, 3.0))
        row, col = float(centre[0]), float(centre[1])
        if reason is None:
            measured = measure_traced_rod(light, centre, tr.axis, tr.t0 * f, tr.t1 * f,
                                          width_px, s.edge_depth,
                                          outlined.film.at(row, col), s.max_continuation)
            if measured.reason is not None:
                reason = measured.reason
            else:
                length, width = measured.length, measured.width
                row, col = measured.row, measured.col
        rods.append(Rod(len(rods) + 1, row, col, display, length, width,
                        reason is None, reason or ACCEPTED))
    reject_by_width(rods, s)
    kept = [r for r in rods if r.accepted]
    # Two rods in line with a narrow gap can be walked as one: such a "rod" is far longer
    # than the typical one, so only those are searched for a gap (a faint stretch along an
    # ordinary rod is not a gap).
    gapped: set[int] = set()
    if kept:
        long_floor = rt.LONG_ROD * typical_length(kept)
        for r in kept:
            if not gap_along(light, np.array([r.row, r.col]), np.array(r.axis),
                             r.length_px, r.width_px):
                continue
            gapped.add(r.id)
            if r.length_px > long_floor:
                r.accepted, r.reason = False, "two rods end to end (a gap along it)"
    kept = [r for r in rods if r.accepted]
    if kept and s.min_length_share > 0:
        floor = s.min_length_share * typical_length(kept)
        for r in kept:
            if r.length_px < floor:
                r.accepted = False
                r.reason = (f"fragment (under {s.min_length_share:.0%} of the typical,"
                            " length-weighted, rod length)")
    final = [r.id in gapped for r in rods if r.accepted]
    rep.report(1.0, "done")
    return TracedRods(rods, float(np.mean(final)) if final else float("nan"))
