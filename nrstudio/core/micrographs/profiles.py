"""Intensity profiles across and along a rod: where its edges and ends lie (Qt-free).

Profiles are 1-D arrays of grey level sampled at a fixed step; dark rods are low. Positions
returned are in samples (sub-sample where interpolated).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def crossing(profile: np.ndarray, start: int, step_dir: int, level: float) -> float | None:
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


def feature_extent(profile: np.ndarray, lo: int, hi: int, depth_fraction: float,
                   film: float | None = None) -> tuple[float, float] | None:
    """Edges (sub-sample) of the dark feature whose floor lies between samples lo and hi: on
    each side, where the profile climbs back to ``depth_fraction`` of the depth measured from
    that side's own baseline (its highest point beyond the floor), so a neighbour's gap, not the
    far background, is the reference in a bundle.

    With ``film`` (the local film level) given, a side whose gap is shallower than the film
    still places its edge at the film's depth when the gap climbs past that level (with a
    tenth of its own depth to spare, so noise on the gap's top does not decide): in a dense
    carpet or a tight raft the gaps between rods never quite reach the film, and measuring
    from the gap's top puts both edges high on the rod's flanks (rods in rafts 1.3 widths
    apart read 10-11% narrow)."""
    k = lo + int(np.argmin(profile[lo:hi]))
    floor = float(profile[k])
    base_l, base_r = float(profile[:k + 1].max()), float(profile[k:].max())
    if base_l - floor <= 0 or base_r - floor <= 0:
        return None

    def level(base: float) -> tuple[float, bool]:
        """The edge level of one side, and whether that side is shallow: a gap that stays
        below the film's edge level."""
        own = base - depth_fraction * (base - floor)
        if film is None or film <= base:
            return own, False
        by_film = film - depth_fraction * (film - floor)
        if by_film < base - 0.1 * (base - floor):
            return by_film, False
        return own, True

    (level_l, shallow_l), (level_r, shallow_r) = level(base_l), level(base_r)
    left = crossing(profile, k, -1, level_l)
    right = crossing(profile, k, +1, level_r)
    if left is None or right is None:
        return None
    if shallow_l != shallow_r:
        # One side touches a neighbour so closely that its gap never reaches the film's edge
        # level: measured from the gap's top, that edge sits high on the rod's flank (rods in
        # tight bundles read up to 10% narrow). A rod is symmetric about its axis, so that
        # side is mirrored from the free one, about the middle of the rod's dark core.
        core = floor + (1.0 - CORE_DEPTH) * (min(base_l, base_r) - floor)
        a, b = crossing(profile, k, -1, core), crossing(profile, k, +1, core)
        if a is not None and b is not None:
            middle = 0.5 * (a + b)
            if shallow_l:
                left = 2 * middle - right
            else:
                right = 2 * middle - left
    return left, right


CORE_DEPTH = 0.8  # the rod's dark core: deeper than this share of its depth


def goes_on_past_an_end(axial: np.ndarray, positions: np.ndarray, ends: tuple[float, float],
                        width: float, film: float, floor: float, continues: float) -> bool:
    """True when a rod's dark trace goes on past one of its ends: the axial profile ``axial``
    (sampled at ``positions``, px along the axis), averaged from ½ to 1½ ``width`` beyond an
    end (``ends``, px), is darker than ``film`` by more than ``continues`` of the rod's depth
    (``film`` - ``floor``). A piece of a longer rod, or a rod another continues end to end."""
    depth = film - floor
    if depth <= 0:
        return False
    for end, d in ((ends[0], -1), (ends[1], 1)):
        lo, hi = sorted((end + d * 0.5 * width, end + d * 1.5 * width))
        seg = axial[(positions >= lo) & (positions <= hi)]
        if len(seg) and film - float(seg.mean()) > continues * depth:
            return True
    return False


def two_floors(profile: np.ndarray, share: float = 0.15) -> bool:
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


def sample_grid(image: np.ndarray, centre: np.ndarray, axis: np.ndarray, along: np.ndarray,
                across: np.ndarray, outside: float | None = None) -> np.ndarray:
    """Grey levels of ``image`` (h, w) on a grid aligned with a rod: (len(along), len(across)),
    at ``centre`` (row, col) + along * axis + across * normal, where axis is a unit (drow,
    dcol) and normal is (-axis[1], axis[0]); bilinear. Points off the image take the nearest
    edge value, or ``outside`` when given."""
    from scipy.ndimage import map_coordinates

    axis = np.asarray(axis, dtype=np.float64)
    normal = np.array([-axis[1], axis[0]])
    pts = (np.asarray(centre, dtype=np.float64)[:, None, None]
           + np.asarray(along)[None, :, None] * axis[:, None, None]
           + np.asarray(across)[None, None, :] * normal[:, None, None])
    if outside is None:
        values = map_coordinates(image, pts.reshape(2, -1), order=1, mode="nearest")
    else:
        values = map_coordinates(image, pts.reshape(2, -1), order=1, mode="constant",
                                 cval=outside)
    return values.reshape(pts.shape[1:])


NO_EDGES = "no clear edges"


@dataclass(frozen=True)
class ProfileMeasure:
    """What a rod's intensity profiles say: its sizes in px, or why it cannot be measured
    (``reason`` is None when it was measured). ``offset``: the rod's middle along the normal
    of the axis it was sampled on; ``row``/``col``: its midpoint, where that was found."""

    width: float = math.nan
    length: float = math.nan
    offset: float = 0.0
    row: float = math.nan
    col: float = math.nan
    reason: str | None = None

    @classmethod
    def refused(cls, reason: str = NO_EDGES) -> ProfileMeasure:
        return cls(reason=reason)


def cross_section(image: np.ndarray, centre: np.ndarray, axis: np.ndarray, along: np.ndarray,
                  half_width: float, depth_fraction: float, step: float = 0.25,
                  film: float | None = None) -> ProfileMeasure:
    """Width and sideways offset (px) of a dark rod, from its mean intensity profile across.

    image: (h, w) grey; centre: (row, col) near the rod's axis; axis: unit (drow, dcol) along
    it; along: positions (px from ``centre`` along the axis) over which the profile is
    averaged; the profile reaches ``half_width`` px to each side. The offset is the rod's
    middle along the normal (-axis[1], axis[0]). Refused when an edge cannot be found, or when
    the profile shows two rods side by side."""
    across = np.arange(-half_width, half_width + step / 2, step)
    cross = sample_grid(image, centre, axis, along, across).mean(axis=0)
    mid = len(cross) // 2
    q = int(0.3 * half_width / step)
    edges = feature_extent(cross, mid - q, mid + q + 1, depth_fraction, film)
    if edges is None:
        return ProfileMeasure.refused()
    if two_floors(cross[int(np.ceil(edges[0])):int(edges[1]) + 1]):
        return ProfileMeasure.refused("two rods side by side")
    return ProfileMeasure(width=(edges[1] - edges[0]) * step,
                          offset=(edges[0] + edges[1]) / 2 * step - half_width)
