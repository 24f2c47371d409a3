"""Do the accepted rods represent the rods on the image?

A measurement accepts only the rods it can isolate. In a dense carpet or a bundle of long
rods those are the short ones (a long rod touches more neighbours), so the accepted sample
is biased toward short rods and its mean length is too short, while nothing looks wrong.
This module compares the accepted rods with every object that was found (rejected ones are
measured by their mask's extent: clumps read long, fragments short) and counts the
rejections by reason, so that the user is told in words when the sample is probably biased.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from nrstudio.core.micrographs.rod_model import RodMeasurement

# Below this share of accepted objects, or with accepted rods this much shorter than all the
# objects (and a distribution test that agrees), the measurement is flagged.
LOW_FRACTION = 0.25
SHORTER = 0.85
P_VALUE = 0.01
MIN_OBJECTS = 20


def reason_kind(reason: str) -> str:
    """A rejection reason without its numbers: 'too short (3 px)' -> 'too short'."""
    return reason.split(" (")[0].strip() or "other"


@dataclass
class SelectionCheck:
    """objects: everything found; accepted: rods measured; median lengths in nm of the
    accepted rods and of all objects; ks_p: two-sample Kolmogorov-Smirnov p-value of
    accepted against all lengths (NaN when too few); warning: a sentence, "" when none."""

    objects: int
    accepted: int
    median_accepted_nm: float
    median_all_nm: float
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
    every = np.array([r.length_px for r in m.rods]) * m.nm_per_px
    med_acc = float(np.median(accepted)) if len(accepted) else float("nan")
    med_all = float(np.median(every)) if len(every) else float("nan")
    p = float("nan")
    if len(accepted) >= 5 and len(every) - len(accepted) >= 5:
        p = float(stats.ks_2samp(accepted, every).pvalue)
    check = SelectionCheck(len(m.rods), len(accepted), med_acc, med_all, p, by_reason)
    if check.objects < MIN_OBJECTS or check.accepted == 0:
        return check
    shorter = med_acc < SHORTER * med_all and np.isfinite(p) and p < P_VALUE
    low = check.fraction < LOW_FRACTION
    if not (shorter or low):
        return check
    main = next(iter(by_reason), "")
    words = [f"Only {check.accepted} of {check.objects} objects ({check.fraction:.0%}) were "
             "accepted" if low else f"{check.accepted} of {check.objects} objects were "
             "accepted"]
    if shorter:
        words.append(f"and they are shorter (median {med_acc:.0f} nm) than all objects found "
                     f"(median {med_all:.0f} nm)")
    text = " ".join(words) + ". "
    text += ("The accepted rods probably do not represent the population"
             + (f" (most rejections: {main})" if main else "")
             + ": the mean length is likely too short. Check the overlay, correct it by hand "
             "or measure a less crowded area.")
    check.warning = text
    return check
