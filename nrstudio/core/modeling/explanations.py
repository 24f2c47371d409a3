"""Tabular LIME explanations as a result: weights, their spread over repeats, the
surrogates' fidelity, and why an explanation must not be read as a normal result.

Computed by :func:`nrstudio.core.modeling.explain.explain_points`; stored in a project's
``lime_weights`` section (:meth:`Explanations.to_json` / :meth:`Explanations.from_json`),
drawn by the Explain page and the report.

An explanation is flagged when a weight is not finite, when the surrogate's local fidelity
(weighted R²) is below ``MIN_FIDELITY`` (the line does not describe the model near that
point), or, for a model with a slope, when the weights disagree with slope × SD by more than
``SLOPE_TOLERANCE``; never where the model is flat there (``FLAT_SHARE``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nrstudio.core.errors import DataError
from nrstudio.core.strict_json import number_array, texts

MIN_FIDELITY = 0.5
SLOPE_TOLERANCE = 0.2  # "agrees with the slope": relative disagreement at most this
# "Flat here": every weight together moves the prediction by less than this share of the
# model's spread over the training rows. A linear surrogate's R² says nothing there (at an
# optimum the straight part vanishes at any scale), and weights near zero are the answer.
FLAT_SHARE = 0.02


@dataclass
class Explanations:
    """For n points, t targets, d inputs: weights and weight_std (n, t, d) — mean and std over
    repeats; fidelity (n, t): R2 of the surrogate on its weighted perturbations; intercept,
    local_prediction and model_prediction (n, t)."""

    points: list[str]
    targets: list[str]
    features: list[str]
    inputs: np.ndarray  # (n, d)
    weights: np.ndarray
    weight_std: np.ndarray
    fidelity: np.ndarray
    intercept: np.ndarray
    local_prediction: np.ndarray
    model_prediction: np.ndarray
    models: list[str] = field(default_factory=list)  # per target, the model explained
    locality: np.ndarray | None = None  # (t,) perturbation scale used, in input SDs
    slope_error: np.ndarray | None = None  # (n, t); NaN where the model has no slope
    spread: np.ndarray | None = None  # (t,) the model's SD over the training rows
    of_samples: int = 0  # the training samples a representative subset was drawn from

    def flat(self) -> np.ndarray:
        """(n, t) bool: the model barely moves near the point (see FLAT_SHARE); a model that
        does not move over the training rows at all (the mean) is flat everywhere."""
        if self.spread is None:
            return np.zeros(self.fidelity.shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            return ((np.linalg.norm(self.weights, axis=2) < FLAT_SHARE * self.spread[None, :])
                    | (self.spread[None, :] == 0))

    def slope_errors(self) -> np.ndarray:
        """(n, t) relative disagreement between the weights and slope × SD (NaN: none)."""
        if self.slope_error is None:
            return np.full(self.fidelity.shape, np.nan)
        return self.slope_error

    def flags(self) -> np.ndarray:
        """(n, t) text: why an explanation cannot be trusted ("" when it can)."""
        n, t, _ = self.weights.shape
        out = np.full((n, t), "", dtype=object)
        with np.errstate(invalid="ignore"):
            bad_weights = ~np.isfinite(self.weights).all(axis=2)
            low = ~(self.fidelity >= MIN_FIDELITY) & ~self.flat()
        out[low] = [f"low local fidelity (R² {f:.2f} < {MIN_FIDELITY})"
                    for f in self.fidelity[low]]
        with np.errstate(invalid="ignore"):
            off = (self.slope_errors() > SLOPE_TOLERANCE) & ~low & ~self.flat()
        out[off] = [f"weights disagree with the model's slope by {e:.0%}"
                    for e in self.slope_errors()[off]]
        out[bad_weights] = "weights are not finite numbers"
        return out

    @property
    def flagged(self) -> np.ndarray:
        """(n, t) bool: the explanations that must not be read as normal results."""
        return self.flags() != ""

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: sample, target, feature, weight, weight_std, fidelity,
        slope_error, locality, flag (and model)."""
        n, t, d = self.weights.shape
        ii, tt, ff = np.meshgrid(np.arange(n), np.arange(t), np.arange(d), indexing="ij")
        return pd.DataFrame({
            "sample": np.array(self.points, dtype=object)[ii.ravel()],
            "target": np.array(self.targets, dtype=object)[tt.ravel()],
            "feature": np.array(self.features, dtype=object)[ff.ravel()],
            "weight": self.weights.ravel(),
            "weight_std": self.weight_std.ravel(),
            "fidelity": self.fidelity[ii.ravel(), tt.ravel()],
            "slope_error": self.slope_errors()[ii.ravel(), tt.ravel()],
            "locality": (self.locality if self.locality is not None
                         else np.full(t, np.nan))[tt.ravel()],
            "flag": self.flags()[ii.ravel(), tt.ravel()],
            **({"model": np.array(self.models, dtype=object)[tt.ravel()]}
               if len(self.models) == t else {}),
        })

    def to_json(self) -> dict:
        return {"points": self.points, "targets": self.targets, "features": self.features,
                "inputs": self.inputs.tolist(), "weights": self.weights.tolist(),
                "weight_std": self.weight_std.tolist(), "fidelity": self.fidelity.tolist(),
                "intercept": self.intercept.tolist(),
                "local_prediction": self.local_prediction.tolist(),
                "model_prediction": self.model_prediction.tolist(), "models": self.models,
                **({"locality": self.locality.tolist()} if self.locality is not None else {}),
                **({"spread": self.spread.tolist()} if self.spread is not None else {}),
                **({"slope_error": np.where(np.isfinite(self.slope_error), self.slope_error,
                                            -1.0).tolist()}
                   if self.slope_error is not None else {})}

    @classmethod
    def from_json(cls, doc: dict) -> Explanations:
        try:
            def arr(key: str) -> np.ndarray:
                return number_array(doc[key], key)

            out = cls(texts(doc["points"], "points"), texts(doc["targets"], "targets"),
                      texts(doc["features"], "features"),
                      arr("inputs"), arr("weights"), arr("weight_std"), arr("fidelity"),
                      arr("intercept"), arr("local_prediction"), arr("model_prediction"),
                      texts(doc.get("models", []), "models"))
            if "locality" in doc:
                out.locality = number_array(doc["locality"], "locality", low=0.0)
            if "spread" in doc:
                out.spread = number_array(doc["spread"], "spread", low=0.0)
            if "slope_error" in doc:
                err = number_array(doc["slope_error"], "slope_error")
                out.slope_error = np.where(err < 0, np.nan, err)  # -1 stored for "none"
        except KeyError as exc:
            raise DataError(f"stored explanation is damaged (no {exc})") from None
        out.check_shapes()
        if (out.weight_std < 0).any():
            raise DataError("stored explanation is damaged: a negative spread of weights")
        return out

    def check_shapes(self) -> None:
        """DataError unless every array fits n points, t targets and d inputs."""
        n, t, d = len(self.points), len(self.targets), len(self.features)
        expect = {"inputs": (n, d), "weights": (n, t, d), "weight_std": (n, t, d),
                  "fidelity": (n, t), "intercept": (n, t), "local_prediction": (n, t),
                  "model_prediction": (n, t)}
        if self.locality is not None:
            expect["locality"] = (t,)
        if self.spread is not None:
            expect["spread"] = (t,)
        if self.slope_error is not None:
            expect["slope_error"] = (n, t)
        for name, shape in expect.items():
            if np.shape(getattr(self, name)) != shape:
                raise DataError(f"stored explanation is damaged: {name} has shape "
                                f"{np.shape(getattr(self, name))}, expected {shape}")
        if self.models and len(self.models) != t:
            raise DataError("stored explanation is damaged: models do not match the targets")
