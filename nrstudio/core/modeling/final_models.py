"""The final models of a project and the predictions a user sees: per target the chosen
model (network ensemble, Gaussian process, random forest, ridge or the mean) with a
calibrated interval (:mod:`nrstudio.core.modeling.conformal`) and the domain flags.

The network ensemble is stored as before (:class:`EnsembleModel`); the other models of
every target as one :class:`TabularSet` (plain arrays, no pickle). The interval of a model
comes from its leakage-free out-of-fold residuals in the stored evaluation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.conformal import DEFAULT_LEVEL, conformal_half_width
from nrstudio.core.modeling.evaluation import EvaluationResult
from nrstudio.core.modeling.explain import (
    AUTO_LOCALITY,
    FOREST_JITTERS,
    FOREST_SMOOTHING,
    GP_LOCALITY_SHARE,
    LimeSettings,
    explain_points,
    forest_jitters,
)
from nrstudio.core.modeling.explanations import Explanations
from nrstudio.core.modeling.features import FeatureSpace
from nrstudio.core.modeling.model_choice import AUTO, ModelChoice, choose_models, leakage_free_mae
from nrstudio.core.modeling.predict import Domain, EnsembleModel, Prediction, describe_prediction
from nrstudio.core.modeling.run_settings import NETWORK, SHORT_NAMES
from nrstudio.core.modeling.tabular_models import (
    TABULAR_KINDS,
    TabularModel,
    check_arrays,
    fit_tabular_model,
)
from nrstudio.core.modeling.training_data import training_data
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.project_model import StoredModel

TABULAR_MODEL = "final tabular models"
WIDE_INTERVAL = 0.5  # an interval wider than this share of the data's range says little


@dataclass
class TabularSet:
    """Fitted non-network models: ``models[target][kind]``; ``train_x`` (n, c): the
    conditions of every training row (the applicability domain)."""

    space: FeatureSpace
    targets: list[str]
    train_x: np.ndarray
    models: dict[str, dict[str, TabularModel]]
    sample_ids: list[str] = field(default_factory=list)
    non_negative: list[str] = field(default_factory=list)

    def to_stored(self) -> StoredModel:
        tensors = {"domain_x": np.asarray(self.train_x, dtype=np.float64)}
        kinds: dict[str, list[str]] = {}
        for t, target in enumerate(self.targets):
            kinds[target] = sorted(self.models.get(target, {}))
            for kind, model in self.models.get(target, {}).items():
                for name, arr in model.arrays.items():
                    tensors[f"t{t}.{kind}.{name}"] = np.ascontiguousarray(arr)
        meta = {"kind": "tabular_models", **self.space.to_json(), "targets": self.targets,
                "models": kinds, "sample_ids": self.sample_ids,
                "non_negative": self.non_negative}
        return StoredModel(TABULAR_MODEL, meta, tensors)

    @classmethod
    def from_stored(cls, stored: StoredModel) -> TabularSet:
        meta = stored.meta
        try:
            if meta.get("kind") != "tabular_models":
                raise DataError(f"model '{stored.name}' is not a set of tabular models")
            space = FeatureSpace.from_json(meta)
            targets = [str(t) for t in meta["targets"]]
            train_x = stored.tensors["domain_x"]
            if train_x.ndim != 2 or train_x.shape[1] != len(space.inputs):
                raise DataError(f"model '{stored.name}': its samples' region has shape "
                                f"{train_x.shape}")
            models: dict[str, dict[str, TabularModel]] = {}
            for t, target in enumerate(targets):
                models[target] = {}
                for kind in meta["models"].get(target, []):
                    prefix = f"t{t}.{kind}."
                    arrays = {k[len(prefix):]: v for k, v in stored.tensors.items()
                              if k.startswith(prefix)}
                    try:
                        check_arrays(kind, arrays, space.n_features)
                    except DataError as exc:
                        raise DataError(f"{target}: {exc}; it will not predict (train "
                                        "again to replace it)") from None
                    models[target][kind] = TabularModel(kind, arrays, {})
            return cls(space, targets, np.asarray(train_x, dtype=np.float64), models,
                       [str(s) for s in meta.get("sample_ids", [])],
                       [str(s) for s in meta.get("non_negative", [])])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"model '{stored.name}' is damaged ({exc})") from None


def fit_tabular_set(dataset: Dataset, kinds: tuple[str, ...] | list[str],
                    targets: list[str] | None = None, seed: int = 0,
                    progress: ProgressCallback | None = None,
                    cancel: CancelCheck | None = None) -> TabularSet:
    """Fit every model of ``kinds`` on each target's training originals (no augmentation:
    as in the evaluation, where these models were judged)."""
    rep = Reporter(progress, cancel)
    data = training_data(dataset, targets)
    kinds = [k for k in kinds if k in TABULAR_KINDS]
    features = data.space.encode(data.x)
    models: dict[str, dict[str, TabularModel]] = {}
    total = max(len(kinds) * len(data.targets), 1)
    for t, target in enumerate(data.targets):
        rows = np.isfinite(data.y[:, t])
        models[target] = {}
        for k, kind in enumerate(kinds):
            rep.report((t * len(kinds) + k) / total,
                       f"fitting {SHORT_NAMES.get(kind, kind)} for {target}")
            models[target][kind] = fit_tabular_model(kind, features[rows], data.y[rows, t],
                                                     seed)
    rep.report(1.0, "done")
    non_negative = [t for t in data.targets if dataset.column(t).positive_only]
    return TabularSet(data.space, data.targets, data.x, models, data.ids, non_negative)


def merge_tabular_sets(sets: list[TabularSet], order: tuple[str, ...] | list[str]
                       ) -> TabularSet:
    """One set of the models of ``sets`` (fitted on the same rows, a batch of kinds each),
    every target's models in the order of ``order``."""
    first = sets[0]
    models: dict[str, dict[str, TabularModel]] = {target: {} for target in first.targets}
    for kind in order:
        for part in sets:
            for target in first.targets:
                if kind in part.models.get(target, {}):
                    models[target][kind] = part.models[target][kind]
    return TabularSet(first.space, first.targets, first.train_x, models, first.sample_ids,
                      first.non_negative)


@dataclass
class FinalModels:
    """Everything a prediction needs: the stored models, the evaluation that calibrates
    them and chose between them, and the user's picks (target -> model or "auto")."""

    ensemble: EnsembleModel | None
    tabular: TabularSet | None
    evaluation: EvaluationResult | None
    picks: dict[str, str] = field(default_factory=dict)
    level: float = DEFAULT_LEVEL
    domain: Domain = field(init=False)

    def __post_init__(self) -> None:
        if self.ensemble is None and self.tabular is None:
            raise DataError("no trained model: train one first")
        if (self.ensemble is not None and self.tabular is not None
                and (self.tabular.space.to_json() != self.ensemble.feature_space.to_json()
                     or self.tabular.targets != self.ensemble.targets)):
            self.tabular = None  # from another training run: never mix the two
        self.domain = (self.ensemble.domain if self.ensemble is not None
                       else Domain(self.space.encode(self.train_x)))

    # ---- what there is -------------------------------------------------------------------
    @property
    def space(self) -> FeatureSpace:
        if self.ensemble is not None:
            return self.ensemble.feature_space
        assert self.tabular is not None
        return self.tabular.space

    @property
    def feature_space(self) -> FeatureSpace:
        return self.space

    @property
    def inputs(self) -> list[str]:
        return list(self.space.inputs)

    @property
    def targets(self) -> list[str]:
        return list(self.ensemble.targets if self.ensemble is not None
                    else self.tabular.targets)  # type: ignore[union-attr]

    @property
    def train_x(self) -> np.ndarray:
        return (self.ensemble.train_x if self.ensemble is not None
                else self.tabular.train_x)  # type: ignore[union-attr]

    @property
    def sample_ids(self) -> list[str]:
        return list(self.ensemble.sample_ids if self.ensemble is not None
                    else self.tabular.sample_ids)  # type: ignore[union-attr]

    @property
    def non_negative(self) -> list[str]:
        return list(self.ensemble.non_negative if self.ensemble is not None
                    else self.tabular.non_negative)  # type: ignore[union-attr]

    def available(self) -> dict[str, set[str]]:
        out = {}
        for target in self.targets:
            kinds = set(self.tabular.models.get(target, {})) if self.tabular else set()
            if self.ensemble is not None:
                kinds.add(NETWORK)
            out[target] = kinds
        return out

    def choices(self, model: str | None = None) -> dict[str, ModelChoice]:
        """The model of every target; ``model`` forces one for all (or "auto"). Kept per
        set of picks: LIME and the design ask for it on every batch they predict."""
        picks = self.picks if model is None else dict.fromkeys(self.targets, model)
        key = tuple(sorted(picks.items()))
        cache = self.__dict__.setdefault("_choices", {})
        if key not in cache:
            if model not in (None, AUTO):
                missing = [t for t, kinds in self.available().items() if model not in kinds]
                if missing:
                    raise DataError(f"no {model} model was trained for {', '.join(missing)}")
            cache[key] = choose_models(self.targets, self.evaluation, self.available(), picks)
        return cache[key]

    def chosen(self, model: str | None = None) -> list[str]:
        """The chosen model of each target, in target order."""
        choices = self.choices(model)
        return [choices[t].model for t in self.targets]

    def errors(self) -> tuple[dict[str, float], dict[str, bool]]:
        """Per target, the leakage-free MAE of its chosen model (NaN without it), and whether
        that model beats predicting the mean (shown next to every design and suggestion)."""
        mae, beats = {}, {}
        for target, choice in self.choices().items():
            errors = leakage_free_mae(self.evaluation, target)
            mae[target] = errors.get(choice.model, math.nan)
            beats[target] = choice.model != "mean" and (
                "mean" not in errors or errors.get(choice.model, math.inf) < errors["mean"])
        return mae, beats

    # ---- calibration -----------------------------------------------------------------------
    def signed_residuals(self, target: str, model: str) -> np.ndarray:
        """truth - prediction of the leakage-free out-of-fold predictions (held-out
        originals) of one model and target; empty without that evaluation. The calibration
        of the intervals and the predictive distribution of the design."""
        cache = self.__dict__.setdefault("_residuals", {})
        if (target, model) not in cache:
            r = np.empty(0)
            if self.evaluation is not None and not self.evaluation.predictions.empty:
                p = self.evaluation.predictions
                sel = p[(p.protocol == "honest") & (p.origin == "original")
                        & (p.model == model) & (p.target == target)]
                r = sel.truth.to_numpy(float) - sel.prediction.to_numpy(float)
            cache[(target, model)] = r
        return cache[(target, model)]

    def residuals(self, target: str, model: str) -> np.ndarray:
        """|truth - prediction|: see :meth:`signed_residuals`."""
        return np.abs(self.signed_residuals(target, model))

    def half_width(self, target: str, model: str, level: float | None = None) -> float:
        return conformal_half_width(self.residuals(target, model), level or self.level)

    def target_range(self, target: str) -> float:
        """Spread (max - min) of the measured values of a target among the held-out
        originals of the evaluation (NaN without it)."""
        # Every target's at once, kept like the residuals: the Predict page asks for each
        # target at every answer, and each ask filtered the whole predictions table on the
        # GUI thread, where each pandas step can wait for a running job's worker to hand
        # back Python's lock (in a stall of 79 ms traced in bench_gui.py's training).
        ranges = self.__dict__.get("_ranges")
        if ranges is None:
            ranges = {}
            if self.evaluation is not None and not self.evaluation.predictions.empty:
                p = self.evaluation.predictions
                originals = p[p.origin == "original"]
                for name, truth in originals.groupby("target", sort=False).truth:
                    values = truth.to_numpy(float)
                    ranges[str(name)] = float(np.ptp(values)) if len(values) else math.nan
            self.__dict__["_ranges"] = ranges
        return ranges.get(target, math.nan)

    # ---- predictions -----------------------------------------------------------------------
    def _means(self, x: np.ndarray, choices: dict[str, ModelChoice]
               ) -> tuple[np.ndarray, np.ndarray]:
        n, t = len(x), len(self.targets)
        mean, std = np.full((n, t), np.nan), np.full((n, t), np.nan)
        if any(c.model == NETWORK for c in choices.values()):
            assert self.ensemble is not None
            per = self.ensemble.predict_members(x)
            net_mean, net_std = per.mean(axis=2), per.std(axis=2)
        features = self.space.encode(x)
        for k, target in enumerate(self.targets):
            model = choices[target].model
            if model == NETWORK:
                mean[:, k], std[:, k] = net_mean[:, k], net_std[:, k]
            else:
                assert self.tabular is not None
                mean[:, k] = self.tabular.models[target][model].predict(features)
        if not np.isfinite(mean).all():
            bad = [f"{t} ({SHORT_NAMES.get(choices[t].model, choices[t].model)})" for k, t in
                   enumerate(self.targets) if not np.isfinite(mean[:, k]).all()]
            raise DataError(f"the model of {', '.join(bad)} gives a prediction that is not a "
                            "finite number; it is damaged: train again to replace it")
        return mean, std

    def spread_factor(self, x: np.ndarray, target: str) -> np.ndarray | None:
        """(m,) how much wider than typical the error of ``target``'s chosen model is at
        conditions (m, c), when the model can tell (a Gaussian process); None otherwise
        (the error is then taken as the same everywhere)."""
        from nrstudio.core.modeling.tabular_models import gp_spread

        model = self.choices()[target].model
        if model != "gaussian_process" or self.tabular is None:
            return None
        arrays = self.tabular.models[target][model].arrays
        return gp_spread(arrays, self.space.encode(np.atleast_2d(x)))

    def predict_mean(self, x: np.ndarray, model: str | None = None) -> np.ndarray:
        """(m, t) predictions of the chosen models at conditions (m, c): what LIME explains."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        return self._means(x, self.choices(model))[0]

    def predict(self, x: np.ndarray, level: float | None = None,
                model: str | None = None) -> Prediction:
        """Predictions with their interval at ``level`` (the models' default when None),
        the model of each target, and the domain flags, at conditions (m, c). The interval
        of a target that cannot be negative starts at 0 at the lowest."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if not np.isfinite(x).all():
            raise DataError("every input needs a finite number")
        choices = self.choices(model)
        mean, std = self._means(x, choices)
        out = describe_prediction(self.space, self.train_x, self.domain, self.targets, x,
                                  mean, std, self.non_negative)
        level = level or self.level
        q = np.array([self.half_width(t, choices[t].model, level) for t in self.targets])
        out.lower, out.upper = mean - q, mean + q
        # A quantity that cannot be negative has no value below 0: cutting the interval
        # there keeps its coverage. Where the whole interval lies below 0 the model is
        # extrapolating (flagged impossible), and the interval stays as it is; so does an
        # unbounded one (no calibrated interval at all).
        non_negative = self.non_negative
        for k, target in enumerate(self.targets):
            if target in non_negative and np.isfinite(q[k]):
                cut = out.upper[:, k] >= 0
                out.lower[:, k] = np.where(cut, np.maximum(out.lower[:, k], 0.0),
                                           out.lower[:, k])
        out.models = self.chosen(model)
        out.level = level
        return out

    def explain(self, points: np.ndarray, labels: list[str] | None, settings: LimeSettings,
                progress: ProgressCallback | None = None,
                cancel: CancelCheck | None = None) -> Explanations:
        """LIME on each target's chosen model at conditions (n, c), perturbed as the training
        originals vary; the explanations record which model they explain."""
        kinds = self.chosen()
        localities = [self.gp_locality(t) if kind == "gaussian_process" else None
                      for t, kind in zip(self.targets, kinds, strict=True)]
        expl = explain_points(self.explained_predict(kinds), self.train_x, points, self.inputs,
                              self.targets, labels, settings, progress, cancel,
                              self.space.categorical, kinds, localities)
        expl.models = kinds
        return expl

    def gp_locality(self, target: str) -> float | None:
        """The locality (input SDs) a Gaussian process of ``target`` is explained at:
        GP_LOCALITY_SHARE of its shortest length scale of a number input, at most the
        default; None without one. Over a fifth of a Matérn length the process is close
        to straight, so a linear surrogate can describe it."""
        if self.tabular is None or "gaussian_process" not in self.tabular.models.get(target, {}):
            return None
        theta = self.tabular.models[target]["gaussian_process"].arrays["theta"]
        scales = np.exp(np.asarray(theta[1:-1], dtype=np.float64))
        names = self.space.feature_names
        numeric = [k for k, name in enumerate(names) if name in self.inputs
                   and name not in self.space.levels]
        if len(scales) != len(names) or not numeric:
            return None
        shortest = float(np.min(scales[numeric]))
        if not math.isfinite(shortest) or shortest <= 0:
            return None
        return min(AUTO_LOCALITY["gaussian_process"], GP_LOCALITY_SHARE * shortest)

    def explained_predict(self, kinds: list[str]):
        """What LIME explains: :meth:`predict_mean`, with each random forest replaced by its
        local average over FOREST_JITTERS fixed jitters of FOREST_SMOOTHING input SDs
        (a staircase has no slope; its local average has one)."""
        forests = [k for k, kind in enumerate(kinds) if kind == "random_forest"]
        if not forests or self.tabular is None:
            return self.predict_mean
        numeric = [j for j in range(len(self.inputs)) if j not in set(self.space.categorical)]
        sd = self.train_x.std(axis=0)
        jitter = np.zeros((FOREST_JITTERS, len(self.inputs)))
        jitter[:, numeric] = forest_jitters(len(numeric)) * FOREST_SMOOTHING * sd[numeric]
        tabular = self.tabular

        def predict(x: np.ndarray) -> np.ndarray:
            x = np.atleast_2d(np.asarray(x, dtype=np.float64))
            out = self.predict_mean(x)
            shaken = (x[None, :, :] + jitter[:, None, :]).reshape(-1, x.shape[1])
            features = self.space.encode(shaken)
            for k in forests:
                model = tabular.models[self.targets[k]]["random_forest"]
                out[:, k] = model.predict(features).reshape(FOREST_JITTERS, len(x)).mean(axis=0)
            return out

        return predict

    def interval_notes(self, prediction: Prediction, row: int = 0) -> dict[str, str]:
        """Target -> a plain sentence when its interval says little: it is unbounded (no
        leakage-free evaluation, or too few samples for the level), or it spans most
        (WIDE_INTERVAL) of the measured range."""
        out: dict[str, str] = {}
        if prediction.lower is None or prediction.upper is None:
            return out
        for k, target in enumerate(self.targets):
            width = prediction.upper[row, k] - prediction.lower[row, k]
            spread = self.target_range(target)
            if not np.isfinite(width):
                out[target] = (f"{target} has no calibrated interval: it needs the leakage-free "
                               "evaluation, with enough samples for the level")
            elif np.isfinite(spread) and width > WIDE_INTERVAL * spread:
                out[target] = (f"the interval of {target} spans most of the measured range: "
                               "the model knows little more than the range itself here")
        return out


NETWORK_MODEL = "final network ensemble"
