"""Final models and predictions with uncertainty.

The network ensemble of every target (one of the final models a target may use; the others
are in :mod:`~nrstudio.core.modeling.final_models`, which chooses between them) is trained on
all training samples (augmented with SMOTE-REG), its members differing in their seeds; its
prediction is the ensemble mean and standard deviation. Each prediction also says whether
the conditions lie inside the region the original samples cover (the applicability domain),
and how far the predicted aspect ratio is from predicted length / width.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.header_words import find_rod_size
from nrstudio.core.data.training_rows import RESTATED_SPREAD, Restatement
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.features import FeatureSpace
from nrstudio.core.modeling.folds import augmented_rows
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.networks import NetworkStack, TrainingSet
from nrstudio.core.modeling.training_data import TargetGroup, TrainingData, training_data
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.project_model import StoredModel
from nrstudio.core.settings import settings_from_dict, settings_to_dict

FAR_FACTOR = 2.0  # "far" = nearest original more than this many typical spacings away
MAX_DOMAIN_ROWS = 100_000  # training samples a model's region of validity may hold


@dataclass
class Domain:
    """The region of input space the training originals cover. x: (n, d) originals."""

    x: np.ndarray
    mean: np.ndarray = field(init=False)
    std: np.ndarray = field(init=False)
    typical_spacing: float = field(init=False)

    def __post_init__(self) -> None:
        self.x = np.asarray(self.x, dtype=np.float64)
        if self.x.ndim != 2 or len(self.x) == 0 or self.x.shape[1] == 0:
            raise DataError(f"the samples' region needs at least one sample with inputs; it "
                            f"has shape {self.x.shape}")
        if len(self.x) > MAX_DOMAIN_ROWS:
            raise DataError(f"the samples' region holds {len(self.x):,} samples; at most "
                            f"{MAX_DOMAIN_ROWS:,} are supported")
        if not np.isfinite(self.x).all():
            raise DataError("the samples' region holds a missing or infinite input")
        self.mean = self.x.mean(axis=0)
        sd = self.x.std(axis=0)
        self.std = np.where(sd > 0, sd, 1.0)
        # Replicates (the same conditions run again) do not make the domain denser: with
        # them the median gap would be 0 and every new condition would look far.
        z = np.unique((self.x - self.mean) / self.std, axis=0)
        if len(z) >= 2:
            self.typical_spacing = float(np.median(_nearest(z, z, exclude_self=True)))
        else:
            self.typical_spacing = 1.0
        if not np.isfinite(self.typical_spacing) or self.typical_spacing <= 0:
            self.typical_spacing = 1.0

    def nearest_distance(self, points: np.ndarray) -> np.ndarray:
        """(m,) distance to the nearest original in z-scored units / typical spacing."""
        zp = (np.atleast_2d(points) - self.mean) / self.std
        z = (self.x - self.mean) / self.std
        return _nearest(zp, z) / self.typical_spacing


def _nearest(points: np.ndarray, ref: np.ndarray, exclude_self: bool = False) -> np.ndarray:
    """(m,) Euclidean distance from each of points (m, d) to its nearest row of ref (n, d),
    computed in blocks so memory stays near 32 MB whatever m and n are. ``exclude_self``:
    points are ref, and a row is not its own neighbour."""
    if len(ref) > 2000:  # a k-d tree: a brute-force pass would grow with n²
        from sklearn.neighbors import NearestNeighbors

        k = 2 if exclude_self else 1
        dist, _ = NearestNeighbors(n_neighbors=min(k, len(ref))).fit(ref).kneighbors(points)
        return dist[:, -1]
    block = max(1, (4 * 1024**2) // max(len(ref) * ref.shape[1], 1))
    out = np.empty(len(points))
    for start in range(0, len(points), block):
        part = points[start:start + block]
        dist = np.sqrt(((part[:, None] - ref[None]) ** 2).sum(-1))
        if exclude_self:
            rows = np.arange(len(part))
            dist[rows, start + rows] = np.inf
        out[start:start + block] = dist.min(axis=1)
    return out


@dataclass
class Prediction:
    """For m points and t targets: mean, std (m, t) in target units; out_of_range: per point
    the inputs outside the originals' range; unseen: per point the category inputs at a
    level never seen in training; distance (m,): nearest original in typical spacings; far
    (m,); ar_from_lw (m,) predicted length/width (NaN without those targets);
    ar_disagreement (m,) |AR - L/W| / (L/W); impossible (m, t): a negative prediction of a
    target that cannot be negative."""

    targets: list[str]
    mean: np.ndarray
    std: np.ndarray
    out_of_range: list[list[str]]
    distance: np.ndarray
    far: np.ndarray
    ar_from_lw: np.ndarray
    ar_disagreement: np.ndarray
    unseen: list[list[str]] = field(default_factory=list)
    impossible: np.ndarray | None = None
    lower: np.ndarray | None = None  # (m, t) calibrated interval, when there is one
    upper: np.ndarray | None = None
    models: list[str] = field(default_factory=list)  # per target, the model that predicted
    level: float = float("nan")

    @property
    def out_of_domain(self) -> np.ndarray:
        unseen = self.unseen or [[] for _ in self.out_of_range]
        return self.far | np.array([bool(r) or bool(u)
                                    for r, u in zip(self.out_of_range, unseen, strict=True)])

    def reasons(self) -> list[str]:
        """Per point, why it is out of the domain, in words ("" inside)."""
        unseen = self.unseen or [[] for _ in self.out_of_range]
        return ["; ".join(([f"outside the samples' range: {', '.join(r)}"] if r else [])
                          + ([f"a level never seen in training: {', '.join(u)}"] if u else [])
                          + ([f"far from every sample ({d:.1f}× the usual spacing)"] if f
                             else []))
                for r, u, f, d in zip(self.out_of_range, unseen, self.far, self.distance,
                                      strict=True)]


def describe_prediction(space: FeatureSpace, train_x: np.ndarray, domain: Domain,
                        targets: list[str], x: np.ndarray, mean: np.ndarray, std: np.ndarray,
                        non_negative: list[str]) -> Prediction:
    """The flags of predictions ``mean`` (m, t) at conditions ``x`` (m, c): the inputs
    outside the training range, unseen levels, the distance to the nearest sample, length /
    width against the aspect ratio, impossible (negative) sizes."""
    numeric = [j for j in range(x.shape[1]) if j not in space.categorical]
    lo, hi = train_x.min(axis=0), train_x.max(axis=0)
    out_of_range = [[space.inputs[j] for j in numeric if not lo[j] <= row[j] <= hi[j]]
                    for row in x]
    dist = domain.nearest_distance(space.encode(x))
    li, wi = find_rod_size(targets, "length"), find_rod_size(targets, "width")
    ai = find_rod_size(targets, "aspect")
    nan = np.full(len(x), np.nan)
    ar_lw, dis = nan.copy(), nan.copy()
    if li is not None and wi is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            ar_lw = mean[:, li] / mean[:, wi]
            if ai is not None:
                dis = np.abs(mean[:, ai] - ar_lw) / np.abs(ar_lw)
    impossible = np.zeros(mean.shape, dtype=bool)
    for t, name in enumerate(targets):
        if name in non_negative:
            impossible[:, t] = mean[:, t] < 0
    return Prediction(list(targets), mean, std, out_of_range, dist, dist > FAR_FACTOR,
                      ar_lw, dis, space.unseen(x), impossible)


@dataclass
class EnsembleModel:
    """Networks for every target: stack holds n_targets x members models, target-major.
    ``train_x`` (n, c): the conditions of the training originals (see
    :mod:`nrstudio.core.modeling.features`); ``non_negative``: targets that cannot be
    negative. Predictions take conditions (m, c)."""

    inputs: list[str]
    targets: list[str]
    members: int
    stack: NetworkStack
    train_x: np.ndarray
    network: NetworkSettings
    augment: SmoteRegSettings
    sample_ids: list[str] = field(default_factory=list)
    space: FeatureSpace | None = None
    non_negative: list[str] = field(default_factory=list)
    domain: Domain = field(init=False)

    def __post_init__(self) -> None:
        if self.space is None:
            self.space = FeatureSpace(list(self.inputs))
        self.domain = Domain(self.space.encode(self.train_x))

    @property
    def feature_space(self) -> FeatureSpace:
        assert self.space is not None
        return self.space

    def predict_mean(self, x: np.ndarray) -> np.ndarray:
        """Ensemble means (m, t) for conditions (m, c): the batched call LIME uses."""
        return self.predict_members(x).mean(axis=2)

    def predict_members(self, x: np.ndarray) -> np.ndarray:
        """Every member's prediction: (m, t, members)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if x.shape[1] != len(self.inputs):
            raise DataError(f"expected {len(self.inputs)} inputs, got {x.shape[1]}")
        out = self.stack.predict(self.feature_space.encode(x))  # (t*members, m)
        return out.reshape(len(self.targets), self.members, -1).transpose(2, 0, 1)

    def predict(self, x: np.ndarray) -> Prediction:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if not np.isfinite(x).all():
            raise DataError("every input needs a finite number")
        per = self.predict_members(x)
        return describe_prediction(self.feature_space, self.train_x, self.domain,
                                   list(self.targets), x, per.mean(axis=2), per.std(axis=2),
                                   self.non_negative)

    # ---- storage -----------------------------------------------------------------------
    def to_stored(self, name: str = "final network ensemble") -> StoredModel:
        meta = {"kind": "network_ensemble", "inputs": self.inputs, "targets": self.targets,
                "members": self.members, "network": settings_to_dict(self.network),
                "augment": settings_to_dict(self.augment), "sample_ids": self.sample_ids,
                "epochs": [int(e) for e in self.stack.epochs],
                "levels": self.feature_space.to_json()["levels"],
                "non_negative": list(self.non_negative)}
        tensors = self.stack.to_tensors()
        tensors["domain_x"] = self.train_x
        return StoredModel(name, meta, tensors)

    @classmethod
    def from_stored(cls, model: StoredModel) -> EnsembleModel:
        meta = model.meta
        try:
            if meta.get("kind") != "network_ensemble":
                raise DataError(f"model '{model.name}' is not a network ensemble")
            stack = NetworkStack.from_tensors(model.tensors)
            inputs, targets = list(meta["inputs"]), list(meta["targets"])
            members = int(meta["members"])
            space = FeatureSpace.from_json({"inputs": inputs, "levels": meta.get("levels", {})})
            if (stack.n_models != len(targets) * members
                    or stack.x_mean.shape[1] != space.n_features):
                raise DataError(f"model '{model.name}' does not match its description")
            domain_x = model.tensors["domain_x"]
            if domain_x.ndim != 2 or domain_x.shape[1] != len(inputs):
                raise DataError(f"model '{model.name}': its samples' region has shape "
                                f"{domain_x.shape}, not (samples, {len(inputs)} inputs)")
            for name, arr in model.tensors.items():
                if arr.dtype.kind == "f" and not np.isfinite(arr).all():
                    raise DataError(f"model '{model.name}' is damaged: '{name}' holds "
                                    "missing or infinite numbers")
            return cls(inputs, targets, members, stack, domain_x,
                       settings_from_dict(NetworkSettings, meta["network"], "network"),
                       settings_from_dict(SmoteRegSettings, meta["augment"], "augmentation"),
                       list(meta.get("sample_ids", [])), space,
                       [str(t) for t in meta.get("non_negative", [])])
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"model '{model.name}' is damaged ({exc})") from None


def augmented_group(data: TrainingData, group: TargetGroup, augment: SmoteRegSettings
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A group's samples (targets measured on the same rows) plus their SMOTE-REG rows:
    encoded inputs (n, d), targets (n, group size) and sources (n, 2), the conditions of the
    original samples each row comes from (:meth:`TrainingData.units`: so that early stopping
    holds out whole samples and their replicates)."""
    rows = np.asarray(group.rows)
    xa, ya, sources = augmented_rows(data.x[rows], data.y[np.ix_(rows, np.asarray(group.targets))],
                                     np.arange(len(rows)), augment, data.space.categorical)
    return data.space.encode(xa), ya, data.units(rows)[sources]


def final_training_sets(data: TrainingData, augment: SmoteRegSettings,
                        members: int) -> list[TrainingSet]:
    """The training set of every final network, ``members`` per target in target order
    (:func:`augmented_group` of the target's group), with a seed per member and target."""
    augmented = {}
    for g in data.groups():
        x, y, sources = augmented_group(data, g, augment)
        for col, t in enumerate(g.targets):
            augmented[t] = (x, y[:, col], sources)
    return [TrainingSet(augmented[t][0], augmented[t][1], seed=10_007 * (m + 1) + t,
                        sources=augmented[t][2])
            for t in range(len(data.targets)) for m in range(members)]


def train_final_models(
    dataset: Dataset,
    network: NetworkSettings | None = None,
    augment: SmoteRegSettings | None = None,
    members: int = 5,
    targets: list[str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_epoch=None,
    expected_epochs: float | None = None,
) -> EnsembleModel:
    """Train ``members`` networks per target on its training samples plus their SMOTE-REG
    rows (inner early-stopping split by whole samples), in one batched run.
    ``expected_epochs``: the epochs the cross-validation's longest batch ran; the progress
    counts against it, and no final network runs longer (early stopping may end it
    sooner)."""
    if not 1 <= members <= 100:
        raise DataError("the ensemble needs between 1 and 100 members")
    network = network or NetworkSettings()
    augment = augment or SmoteRegSettings()
    rep = Reporter(progress, cancel)
    data = training_data(dataset, list(targets or dataset.targets))
    space = data.space
    # Stages named for a run's clock (nrstudio.core.run_clock): the augmentation costs what
    # the run's own augmentation of the same rows did, the networks what their epochs do.
    rep.sub(0.0, 0.05, stage="final augmentation").report(0.0, "augmenting")
    sets = final_training_sets(data, augment, members)
    # torch loads with the first training, not when the window opens (issue 30)
    from nrstudio.core.modeling.network_training import train_networks

    # The final networks run at most as long as the longest batch of the evaluation that
    # judged them: beyond it they would be models no fold has tested, and a run's clock
    # could not say when they end (15 final networks ran to epoch 224 after a
    # cross-validation whose 128 networks all stopped by 104).
    trained_as = network
    if expected_epochs is not None and expected_epochs >= 1:
        trained_as = replace(network, max_epochs=int(min(network.max_epochs,
                                                         math.ceil(expected_epochs))))
    stack = train_networks(sets, trained_as,
                           rep.sub(0.05, 1.0, stage="final networks").report,
                           cancel, on_epoch, expected_epochs)
    non_negative = [t for t in data.targets if dataset.column(t).positive_only]
    return EnsembleModel(list(space.inputs), data.targets, members, stack, data.x, network,
                         augment, data.ids, space, non_negative)


def match_inputs(model_inputs: list[str], columns: list[str]) -> dict[str, str]:
    """Map every model input to a column of a conditions table: same header, else the same
    header without its unit. DataError naming what is missing."""
    from nrstudio.core.data.header_words import header_stem

    out = {}
    for name in model_inputs:
        if name in columns:
            out[name] = name
            continue
        hits = [c for c in columns if header_stem(c) == header_stem(name)]
        if len(hits) != 1:
            raise DataError(f"the table has no column for '{name}' (columns: {', '.join(columns)})")
        out[name] = hits[0]
    return out


def out_of_step_rows(table: Dataset, restated: Mapping[str, Restatement]
                     ) -> dict[str, np.ndarray]:
    """Per left-out input that moved in step with another in every training row
    (``restated``: the project's :attr:`InputChoice.restated`), the rows (n,) bool of
    ``table`` that set the two apart (off by more than 1% of the value that goes with the
    source): the models, which never saw them apart, predict such rows as if they were in
    step. Inputs the table does not give both of are left out."""
    out = {}
    columns = [c.name for c in table.columns]
    for name, same in restated.items():
        try:
            mapping = match_inputs([name, same.source], columns)
        except DataError:
            continue
        got = table.values([mapping[name]])[:, 0]
        want = same.value(table.values([mapping[same.source]])[:, 0])
        off = np.isfinite(got) & np.isfinite(want) & (
            np.abs(got - want) > RESTATED_SPREAD * np.abs(want) + 1e-12)
        if off.any():
            out[name] = off
    return out
