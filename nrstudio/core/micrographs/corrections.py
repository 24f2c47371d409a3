"""Corrections by hand of a rod measurement: accept or reject a rod the method judged, and
draw a rod it missed. Each returns a new measurement (the GUI keeps the old one for undo);
``corrected_count`` is what summary.csv reports."""

from __future__ import annotations

import math
from dataclasses import replace

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement

DRAWN = "drawn by hand"


_HAND_ACCEPTED = "accepted by hand (the method: "


def _method_reason(r: Rod) -> str:
    """The method's own reason for a rod, before any correction by hand."""
    if not r.by_hand:
        return r.reason
    if r.reason.startswith(_HAND_ACCEPTED):
        return r.reason[len(_HAND_ACCEPTED):-1]
    if r.reason == "rejected by hand":
        return "accepted"
    return r.reason


def toggle_rod(m: RodMeasurement, rod_id: int) -> RodMeasurement:
    """Accept a rejected rod or reject an accepted one (toggling twice restores the method's
    verdict); a rod drawn by hand is removed."""
    rods = list(m.rods)
    for k, r in enumerate(rods):
        if r.id != rod_id:
            continue
        if r.reason == DRAWN:
            del rods[k]
            return replace(m, rods=rods)
        auto = r.auto_accepted if r.by_hand else r.accepted
        before = _method_reason(r)
        accepted = not r.accepted
        if accepted == auto:
            reason = before
        else:
            reason = f"{_HAND_ACCEPTED}{before})" if accepted else "rejected by hand"
        rods[k] = replace(r, accepted=accepted, reason=reason, by_hand=True, auto_accepted=auto)
        return replace(m, rods=rods)
    raise DataError(f"there is no rod {rod_id} in this measurement")


def draw_rod(m: RodMeasurement, start: tuple[float, float], end: tuple[float, float],
             width_nm: float) -> RodMeasurement:
    """Add a rod from ``start`` to ``end`` (image x=col, y=row in pixels) of ``width_nm``."""
    (x0, y0), (x1, y1) = start, end
    length_px = math.hypot(x1 - x0, y1 - y0)
    width_px = width_nm / m.nm_per_px
    if not width_nm > 0:
        raise DataError("the width must be above zero")
    if length_px < max(2.0, width_px):
        raise DataError("draw a rod from one end to the other: its two ends are too close "
                        "for its width")
    h, w = m.image_shape
    if not all(0 <= x <= w and 0 <= y <= h for x, y in (start, end)):
        raise DataError("both ends of a rod must lie on the image")
    angle = math.degrees(math.atan2(-(y1 - y0), x1 - x0))  # rows grow downwards
    rod = Rod(max((r.id for r in m.rods), default=0) + 1, (y0 + y1) / 2, (x0 + x1) / 2,
              angle, length_px, width_px, True, DRAWN, by_hand=True, auto_accepted=None)
    return replace(m, rods=[*m.rods, rod])


def corrected_count(m: RodMeasurement) -> int:
    """Rods whose verdict differs from the method's, and rods drawn by hand."""
    return sum(1 for r in m.rods if r.by_hand and r.accepted != r.auto_accepted)
