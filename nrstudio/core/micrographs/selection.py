"""Do the accepted rods represent the rods on the image?

A measurement accepts only the rods it can isolate. In a dense carpet or a bundle of long
rods those are the short ones (a long rod touches more neighbours), so the accepted sample
is biased toward short rods and its mean length is too short, while nothing looks wrong.

A low accepted share alone says little: on crowded but well-measured micrographs (the four
development images) only 10-30% of the objects are accepted, and the means are right,
because the rejected rods are as long as the accepted ones. So the check compares the
accepted rods with the objects rejected *for touching others while being whole rods*, whose
extent is about one rod's length: an outline "in a bundle" or a "piece of a longer rod" (its
dark trace goes on past an end: another rod lies end to end); a traced rod "uneven along its
length" or with "no clear edges". Objects that are unions of several rods ("uneven width",
"bent or branched", "necked") are left out: their extents are longer than any rod (1.2-2.3
times the accepted median on the development and synthetic images) and would raise false
alarms. When the accepted rods are clearly shorter than the whole rods rejected for contact,
the accepted sample is probably biased.
Rejections are also counted by reason for the summary, and an image of round particles
(dots, spheres, the cores rods grow from) is named as such, with how to measure them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement

# Flagged when the accepted rods' median length is below this share of the whole rods
# rejected for contact, a two-sample test agrees, and there are enough of both.
SHORTER = 0.85
P_VALUE = 0.01
MIN_OBJECTS = 20
WHOLE_ROD_REASONS = {"in a bundle", "piece of a longer rod", "uneven along its length",
                     "no clear edges"}
ROUND = "not rod-shaped"
BORDER = "cut by the image border"


def reason_kind(reason: str) -> str:
    """A rejection reason without its numbers: 'too short (3 px)' -> 'too short'."""
    return reason.split(" (")[0].strip() or "other"


@dataclass
class SelectionCheck:
    """objects: everything found; accepted: rods measured; median lengths in nm of the
    accepted rods and of the whole rods rejected for contact (``touching``: how many); ks_p:
    two-sample Kolmogorov-Smirnov p-value of those two (NaN when too few); warning: a
    sentence, "" when none."""

    objects: int
    accepted: int
    median_accepted_nm: float
    median_touching_nm: float
    touching: int
    ks_p: float
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    warning: str = ""

    @property
    def fraction(self) -> float:
        return self.accepted / self.objects if self.objects else float("nan")

    def reasons_text(self) -> str:
        """'in a bundle: 120; cut by the image border: 14' (most frequent first)."""
        return "; ".join(f"{k}: {n}" for k, n in self.rejected_by_reason.items())


def check_selection(m: RodMeasurement) -> SelectionCheck:
    rejected = Counter(reason_kind(r.reason) for r in m.rods if not r.accepted)
    by_reason = dict(sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0])))
    accepted = m.lengths_nm()
    touching = np.array([r.length_px for r in m.rods if not r.accepted
                         and reason_kind(r.reason) in WHOLE_ROD_REASONS]) * m.nm_per_px
    med_acc = float(np.median(accepted)) if len(accepted) else float("nan")
    med_touch = float(np.median(touching)) if len(touching) else float("nan")
    p = float("nan")
    if len(accepted) >= 5 and len(touching) >= 5:
        from scipy import stats  # 0.5-0.7 s to import: not with the window

        p = float(stats.ks_2samp(accepted, touching).pvalue)
    check = SelectionCheck(len(m.rods), len(accepted), med_acc, med_touch, len(touching), p,
                           by_reason, round_objects(m, by_reason))
    if len(touching) < MIN_OBJECTS or check.accepted < 5:
        return check
    if med_acc < SHORTER * med_touch and np.isfinite(p) and p < P_VALUE:
        check.warning = (check.warning + " " if check.warning else "") + (
            f"The {check.accepted} accepted rods (median {med_acc:.0f} nm) are shorter than the "
            f"{len(touching)} whole rods rejected for touching others (median "
            f"{med_touch:.0f} nm): they probably do not represent the population, and the "
            "mean length is likely too short. Check the overlay, correct it by hand or "
            "measure a less crowded area.")
    return check


# Whatever the least length/width a user sets, an object less than twice as long as wide is
# compact: on the six development images and the synthetic rod images at most 28% of the
# whole objects the outlines find are compact, on images of dots 71-94%.
COMPACT_ASPECT = 2.0
COMPACT_SHARE = 0.5
# Round particles are the population, not a rod carpet's debris, when the rods accepted beside
# them number at most this share of them.
RODS_BESIDE_ROUND = 0.1


def mostly_compact(rods: Sequence[Rod]) -> bool:
    """Whether most whole objects (not cut by the border), and at least MIN_OBJECTS, are
    compact: an image of round particles, not of rods (a long rod is not outlined whole
    where it crosses others, but its pieces are still elongated)."""
    whole = [r for r in rods if reason_kind(r.reason) != BORDER]
    compact = sum(r.length_px < COMPACT_ASPECT * r.width_px for r in whole)
    return compact >= MIN_OBJECTS and compact >= COMPACT_SHARE * len(whole)


def round_objects(m: RodMeasurement, by_reason: dict[str, int]) -> str:
    """A sentence when most whole objects were rejected as too round for rods (dots, spheres
    or the cores rods grow from), saying how to measure them; "" otherwise."""
    n = by_reason.get(ROUND, 0)
    whole = len(m.rods) - by_reason.get(BORDER, 0)
    accepted = sum(r.accepted for r in m.rods)
    if n < MIN_OBJECTS or n < COMPACT_SHARE * whole or accepted > RODS_BESIDE_ROUND * n:
        return ""
    ratios = [r.length_px / r.width_px for r in m.rods
              if not r.accepted and reason_kind(r.reason) == ROUND and r.width_px > 0]
    return (f"{n} of the {len(m.rods)} objects found are too round for rods (median "
            f"length/width {float(np.median(ratios)):.1f}; a rod is at least "
            f"{m.settings.min_aspect:g} times as long as wide): dots or spheres, such as the "
            "cores rods grow from? To measure them, set Least length/width to 1 "
            "(--min-aspect 1 on the command line).")


TRY_INSTEAD = ("Try another method (outlines for short rods, centre lines for long thin rods), "
               "check the scale, or draw a few rods by hand.")


def why_no_rods(m: RodMeasurement) -> str:
    """Why a measurement holds no accepted rod, with what to try ("" when it holds some):
    nothing found at all (the image looks like noise: no contrast against the film and no
    oriented texture), or every object rejected, with the counts by reason."""
    if any(r.accepted for r in m.rods):
        return ""
    if not m.rods and not m.settings.dark_rods:
        return ("No bright objects were found: nothing stands out brighter than the "
                "background and the image has no oriented texture, as in a picture of noise. "
                "Are the rods dark on a bright film (bright-field TEM)? Then turn Dark rods "
                "on. " + TRY_INSTEAD)
    if not m.rods:
        return ("No dark objects were found: nothing stands out darker than the film and the "
                "image has no oriented texture, as in a picture of noise. Is it a bright-field "
                "micrograph with rods on it? Rods bright on a dark background (dark-field TEM, "
                "HAADF STEM) need Dark rods off. " + TRY_INSTEAD)
    check = check_selection(m)
    return (f"Every one of the {len(m.rods)} objects found was rejected "
            f"({check.reasons_text()}). " + (check.warning or TRY_INSTEAD))


def whole_objects_nm(m: RodMeasurement) -> tuple[np.ndarray, np.ndarray]:
    """(lengths, widths) in nm of every whole object found: the accepted rods and the
    objects rejected for lying in a bundle, being a piece, uneven or edgeless
    (WHOLE_ROD_REASONS), not those cut by the border or too small. The accepted rods drawn
    against these show whether the selection favours some sizes."""
    rods = [r for r in m.rods if r.accepted or reason_kind(r.reason) in WHOLE_ROD_REASONS]
    return (np.array([r.length_px for r in rods]) * m.nm_per_px,
            np.array([r.width_px for r in rods]) * m.nm_per_px)
