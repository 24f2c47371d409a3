"""The rod model: what was found in a micrograph and how it was measured (Qt-free).

A :class:`Rod` is one object, accepted or rejected with its reason, in full-resolution pixels;
a :class:`RodMeasurement` holds every object of one image with the scale, the settings and the
method that measured them, and converts to nm. :class:`RodSettings` are the methods' rules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from nrstudio.core.errors import DataError

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
