"""The rod model: what was found in a micrograph and how it was measured (Qt-free).

A :class:`Rod` is one object, accepted or rejected with its reason, in full-resolution pixels;
a :class:`RodMeasurement` holds every object of one image with the scale, the settings and the
method that measured them, and converts to nm. :class:`RodSettings` are the methods' rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.settings import (
    check_ranges,
    setting,
    settings_from_dict,
    settings_to_dict,
    typed_value,
)

ACCEPTED = "accepted"
METHODS = ("auto", "outline", "trace")


@dataclass(frozen=True)
class RodSettings:
    """How rods are found and which are kept (the rules of both methods)."""

    smoothing_px: float = setting(2.0, low=0, high=50, label="Smoothing", unit="px",
                                  help="Gaussian sigma before thresholding; about a fifth of "
                                       "the rod width.")
    dark_rods: bool = setting(True, label="Dark rods",
                              help="On for bright-field TEM (rods darker than the support "
                                   "film); off for dark-field TEM and HAADF STEM (rods "
                                   "bright on a dark background).")
    min_area_px: int = setting(40, low=1, high=1_000_000, label="Smallest object", unit="px",
                               help="Dark regions smaller than this are noise.")
    min_aspect: float = setting(2.0, low=1, high=100, label="Least length/width",
                                help="Objects shorter than this times their width are not "
                                     "rods.")
    max_width_spread: float = setting(1.35, low=1, high=10, label="Width spread",
                                      help="Highest ratio of the 90th-percentile to the median "
                                           "width along a rod (a rod beside or across another "
                                           "bulges).")
    min_neck: float = setting(0.6, low=0, high=1, label="Neck",
                              help="Lowest ratio of the 10th-percentile to the median width "
                                   "(two rods end to end meet at a neck).")
    max_bend: float = setting(0.35, low=0, high=10, label="Bend", unit="widths",
                              help="Largest wander of the centre line off the axis.")
    max_crowding: float = setting(1.0, low=0, high=1, label="Crowding",
                                  help="Largest share of an object's outline with another "
                                       "object close by (a bundle); 1 (the default) keeps "
                                       "crowded rods whose shape and profiles pass, as in a "
                                       "dense carpet.")
    width_band: tuple[float, ...] = setting((0.6, 1.5), low=0, high=100, label="Width band",
                                            help="Accepted widths lie within these factors of "
                                                 "the image's median rod width.")
    exclude_margin_px: int = setting(2, low=0, high=1000, label="Border margin", unit="px",
                                     help="Objects this close to the border are cut by it.")
    edge_depth: float = setting(0.4, low=0, high=1, low_open=True, label="Edge depth",
                                help="Where an edge is placed on the intensity profile, as a "
                                     "share of the rod's depth below its baseline (0.5 = full "
                                     "width at half depth; lower reaches further into the "
                                     "edge's foot, as the eye does).")
    min_length_share: float = setting(0.6, low=0, high=1, label="Least length share",
                                      help="Rods shorter than this share of the typical "
                                           "accepted length are pieces.")
    max_continuation: float = setting(0.5, low=0, high=1, label="Continuation",
                                      help="A rod whose dark trace goes on past one of its "
                                           "ends, darker than this share of its own depth, is "
                                           "a piece of a longer rod or touches another end to "
                                           "end.")
    method: str = setting("auto", label="Method",
                          choices={"auto": "automatic: both, tracing kept for long rods or "
                                           "when outlines find too few, else the outlines "
                                           "and the rods tracing took apart inside rejected "
                                           "ones",
                                   "outline": "outlines: judge each dark region (short rods)",
                                   "trace": "centre lines: follow each rod through crossings "
                                            "and rafts (long thin rods)"},
                          help="How rods are found (docs/micrographs.md).")

    def check(self) -> None:
        check_ranges(self, "rod finding")
        if len(self.width_band) != 2 or not self.width_band[0] < self.width_band[1]:
            raise DataError("the width band needs a lower and a higher factor, e.g. 0.6, 1.5")


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
    by_hand: bool = False  # accepted, rejected or drawn by the user
    auto_accepted: bool | None = None  # the method's verdict before a hand correction

    def aspect_ratio(self) -> float:
        return self.length_px / self.width_px if self.width_px > 0 else float("nan")

    @property
    def axis(self) -> tuple[float, float]:
        """The unit vector (drow, dcol) along the long axis: rows grow downwards, and the
        angle is counted counter-clockwise from the x axis."""
        a = math.radians(self.angle_deg)
        return -math.sin(a), math.cos(a)


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

    @property
    def length_sem(self) -> float:
        """Standard error of the mean length (nm): SD / √count."""
        return self.length_std / np.sqrt(self.count) if self.count > 1 else float("nan")

    @property
    def width_sem(self) -> float:
        """Standard error of the mean width (nm): SD / √count."""
        return self.width_std / np.sqrt(self.count) if self.count > 1 else float("nan")


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
                "by_hand": r.by_hand,
                "row_px": round(r.row, 1),
                "col_px": round(r.col, 1),
                "angle_deg": round(r.angle_deg, 1),
            })
        return out

    def to_json(self) -> dict[str, object]:
        """A JSON-safe form for the project file: settings, scale, and the per-rod table as
        columns (compact for thousands of objects)."""
        cols = ("id", "row", "col", "angle_deg", "length_px", "width_px", "accepted", "reason",
                "by_hand", "auto_accepted")
        table = {c: [getattr(r, c) for r in self.rods] for c in cols}
        for c in ("row", "col", "angle_deg", "length_px", "width_px"):
            table[c] = [round(float(v), 3) for v in table[c]]
        return {"nm_per_px": self.nm_per_px, "image_shape": list(self.image_shape),
                "settings": settings_to_dict(self.settings), "method": self.method,
                "rods": table}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> RodMeasurement:
        """Inverse of :meth:`to_json`; raises DataError naming what is wrong. Types are
        strict: a number must be stored as a number (not the text "nan" or "1e999"), a flag
        as true or false (not the text "false", which would read as accepted); lengths and
        widths are finite and not negative, the scale finite and positive."""
        try:
            table = data["rods"]
            if not isinstance(table, dict):
                raise TypeError("the rods table is not a table")
            n = len(table["id"])
            by_hand = table.get("by_hand") or [False] * n
            auto = table.get("auto_accepted") or [None] * n
            for name in ("id", "row", "col", "angle_deg", "length_px", "width_px",
                         "accepted", "reason"):
                if len(table[name]) != n:
                    raise ValueError(f"column '{name}' has {len(table[name])} entries for "
                                     f"{n} rods")
            if len(by_hand) != n or len(auto) != n:
                raise ValueError("the hand-correction columns do not match the rods")
            rods = [Rod(typed_value(table["id"][i], int, "id"),
                        typed_value(table["row"][i], float, "row"),
                        typed_value(table["col"][i], float, "col"),
                        typed_value(table["angle_deg"][i], float, "angle_deg"),
                        _size(table["length_px"][i], "length_px"),
                        _size(table["width_px"][i], "width_px"),
                        typed_value(table["accepted"][i], bool, "accepted"),
                        typed_value(table["reason"][i], str, "reason"),
                        typed_value(by_hand[i], bool, "by_hand"),
                        typed_value(auto[i], bool | None, "auto_accepted"))
                    for i in range(n)]
            settings = settings_from_dict(RodSettings, data.get("settings") or {}, "rod settings")
            settings.check()
            shape = data["image_shape"]
            if not isinstance(shape, list) or len(shape) != 2:
                raise TypeError("the image shape is not two numbers")
            method = str(data.get("method", "outline"))  # absent before rod tracing existed
            if method not in METHODS[1:]:
                raise ValueError(f"unknown method {method!r}")
            nm_per_px = typed_value(data["nm_per_px"], float, "nm_per_px")
            if nm_per_px <= 0:
                raise ValueError(f"nm_per_px: expected a positive number, found {nm_per_px}")
            return cls(rods, nm_per_px, (typed_value(shape[0], int, "image height"),
                                         typed_value(shape[1], int, "image width")),
                       settings, method)
        except DataError as exc:
            raise DataError(f"stored rod measurement is damaged ({exc})") from None
        except (KeyError, IndexError, TypeError, ValueError, AssertionError) as exc:
            raise DataError(f"stored rod measurement is damaged ({type(exc).__name__}: {exc})") from None



def _size(value: object, name: str) -> float:
    """A stored length or width in pixels: a finite number, not negative."""
    out = float(typed_value(value, float, name))
    if out < 0:
        raise ValueError(f"{name}: expected a size of at least 0, found {out}")
    return out


def length_weighted_median(lengths: np.ndarray) -> float:
    """The length of the rod that a random point on a rod belongs to (weights = lengths)."""
    order = np.sort(np.asarray(lengths, dtype=np.float64))
    if not len(order):
        return float("nan")
    cum = np.cumsum(order)
    return float(order[np.searchsorted(cum, 0.5 * cum[-1])])


def typical_length(rods: list[Rod]) -> float:
    """Length-weighted median length (px) of the accepted rods; nan when there are none."""
    return length_weighted_median(np.array([r.length_px for r in rods if r.accepted]))
