"""A small CNN that predicts a sample's target (e.g. aspect ratio) from tiles of its
micrographs, evaluated leaving whole samples out (Qt-free).

Every micrograph is resampled to one physical scale (``model_nm_per_px``), so a rod covers
the same number of pixels whatever the magnification it was taken at, and normalised by its
own median and spread, so brightness and contrast settings of the microscope carry no
information. The scale bar and its label are painted over with the film's level before tiles
are cut: the model must not learn the magnification from them. A sample's prediction is the
mean over tiles covering its images.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from nrstudio.core.data.dataset import is_missing
from nrstudio.core.errors import DataError
from nrstudio.core.image_models.image_model_settings import (
    IMAGE_MODEL,
    KIND,
    ImageModelSettings,
    choose_target,
)
from nrstudio.core.micrographs.images import MAX_PIXELS, detect_scale_bar, read_micrograph
from nrstudio.core.micrographs.measure import bar_exclusion
from nrstudio.core.modeling.metrics import regression_metrics
from nrstudio.core.modeling.network_math import Adam, pick_device
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.project_model import Project, StoredModel
from nrstudio.core.settings import (
    settings_from_dict,
    settings_to_dict,
)


class TileCNN(nn.Module):
    """Conv-ReLU-pool blocks, global average pooling, a small MLP head: fully convolutional,
    so it accepts tiles of any size. Input (n, 1, h, w); output (n,). The head is not linear
    because sizes are ratios of averaged features (rod ends per rod area is 1 / length)."""

    def __init__(self, channels: tuple[int, ...] = (8, 16, 32)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 1
        for c in channels:
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            c_in = c
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(c_in, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3))).squeeze(1)


# ---- images to tiles --------------------------------------------------------------------------
def prepare_image(pixels: np.ndarray, nm_per_px: float, model_nm_per_px: float,
                  erase_bar: bool = True) -> np.ndarray:
    """(h, w) grey in [0, 1] at ``nm_per_px`` -> (h', w') float32 at ``model_nm_per_px``,
    zero median and unit robust spread, scale bar and label painted over."""
    from skimage.transform import rescale

    img = np.asarray(pixels, dtype=np.float32)
    if erase_bar:
        bar = detect_scale_bar(img)
        if bar is not None:
            r0, c0, r1, c1 = bar_exclusion(bar)
            img = img.copy()
            img[max(r0, 0):r1 + 1, max(c0, 0):c1 + 1] = float(np.median(img))
    factor = nm_per_px / model_nm_per_px
    if img.size * factor**2 > MAX_PIXELS:
        raise DataError(f"at the model scale of {model_nm_per_px:g} nm per pixel this "
                        f"{img.shape[1]} x {img.shape[0]} px image at {nm_per_px:g} nm per "
                        "pixel would be too large; choose a coarser model scale")
    if abs(factor - 1) > 1e-3:
        img = rescale(img, factor, anti_aliasing=factor < 1, preserve_range=True,
                      order=1).astype(np.float32)
    med = float(np.median(img))
    spread = float(np.percentile(img, 75) - np.percentile(img, 25)) or 1.0
    return ((img - med) / spread).astype(np.float32)


def random_tiles(image: np.ndarray, n: int, tile: int, rng: np.random.Generator) -> np.ndarray:
    """(n, tile, tile) random crops of a prepared image (padded when it is smaller)."""
    h, w = image.shape
    if h < tile or w < tile:
        image = np.pad(image, ((0, max(tile - h, 0)), (0, max(tile - w, 0))), mode="reflect")
        h, w = image.shape
    rows = rng.integers(0, h - tile + 1, n)
    cols = rng.integers(0, w - tile + 1, n)
    return np.stack([image[r:r + tile, c:c + tile] for r, c in zip(rows, cols, strict=True)])


def grid_tiles(image: np.ndarray, tile: int) -> np.ndarray:
    """(k, tile, tile) non-overlapping crops covering a prepared image (at least one)."""
    h, w = image.shape
    if h < tile or w < tile:
        image = np.pad(image, ((0, max(tile - h, 0)), (0, max(tile - w, 0))), mode="reflect")
        h, w = image.shape
    return np.stack([image[r:r + tile, c:c + tile]
                     for r in range(0, h - tile + 1, tile) for c in range(0, w - tile + 1, tile)])


# ---- the samples that can be used ---------------------------------------------------------------
@dataclass
class ImageSamples:
    """The prepared images grouped by sample, with the sample's target value."""

    target: str
    sample_ids: list[str]
    values: np.ndarray  # (n_samples,)
    images: list[list[np.ndarray]]  # per sample, its prepared images
    skipped: list[str] = field(default_factory=list)  # why images were left out


def collect_samples(project: Project, settings: ImageModelSettings,
                    progress: ProgressCallback | None = None,
                    cancel: CancelCheck | None = None) -> ImageSamples:
    """Group the project's micrographs by sample; images without a scale and samples without
    a target value are left out with a note. DataError below 3 usable samples."""
    rep = Reporter(progress, cancel)
    ds = project.dataset
    target = choose_target(ds, settings.target)
    ids = ds.sample_ids()
    col = ds.table.columns.get_loc(target)
    by_sample: dict[str, list[np.ndarray]] = {}
    skipped: list[str] = []
    for k, image in enumerate(project.images):
        rep.report(k / max(len(project.images), 1), "preparing micrographs")
        if image.nm_per_px is None:
            skipped.append(f"{image.filename}: no scale")
            continue
        if image.sample_id not in ids:
            skipped.append(f"{image.filename}: sample '{image.sample_id}' is not in the table")
            continue
        value = ds.table.iat[ids.index(image.sample_id), col]
        if is_missing(value) or not isinstance(value, int | float):
            skipped.append(f"{image.filename}: sample {image.sample_id} has no {target}")
            continue
        pixels = read_micrograph(image.data, image.filename).pixels
        by_sample.setdefault(image.sample_id, []).append(
            prepare_image(pixels, image.nm_per_px, settings.model_nm_per_px))
    if len(by_sample) < 3:
        raise DataError(f"an image model needs micrographs with a scale for at least 3 samples "
                        f"with a {target} value; there are {len(by_sample)}")
    sample_ids = list(by_sample)
    values = np.array([float(ds.table.iat[ids.index(s), col]) for s in sample_ids])
    return ImageSamples(target, sample_ids, values, [by_sample[s] for s in sample_ids], skipped)


# ---- training and prediction --------------------------------------------------------------------
def _augment(batch: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random flips and quarter turns: rods have no preferred direction."""
    if torch.rand((), generator=gen) < 0.5:
        batch = batch.flip(-1)
    k = int(torch.randint(0, 4, (), generator=gen))
    return torch.rot90(batch, k, dims=(-2, -1)) if k else batch


def train_tile_cnn(tiles: np.ndarray, values_z: np.ndarray, settings: ImageModelSettings,
                   progress: ProgressCallback | None = None,
                   cancel: CancelCheck | None = None) -> TileCNN:
    """Fit a TileCNN to (n, t, t) tiles and their z-scored targets (n,) with Adam and MSE."""
    rep = Reporter(progress, cancel)
    torch.manual_seed(settings.seed)
    gen = torch.Generator().manual_seed(settings.seed)
    device = pick_device(settings.device)
    model = TileCNN(tuple(settings.channels)).to(device)
    opt = Adam(model.parameters(), lr=settings.learning_rate)
    x = torch.from_numpy(tiles[:, None]).float()
    y = torch.from_numpy(values_z).float()
    n = len(x)
    for epoch in range(settings.epochs):
        order = torch.randperm(n, generator=gen)
        model.train()
        for start in range(0, n, settings.batch_size):
            idx = order[start:start + settings.batch_size]
            xb = _augment(x[idx], gen).to(device)
            loss = nn.functional.mse_loss(model(xb), y[idx].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            rep.check()
        rep.report((epoch + 1) / settings.epochs, f"image model: epoch {epoch + 1}")
    model.eval()
    return model.cpu()


def _tile_predictions(model: TileCNN, tiles: np.ndarray, batch: int = 256) -> np.ndarray:
    out = []
    with torch.no_grad():
        for start in range(0, len(tiles), batch):
            xb = torch.from_numpy(np.ascontiguousarray(tiles[start:start + batch, None]))
            out.append(model(xb.float()).numpy())
    return np.concatenate(out) if out else np.zeros(0)


@dataclass
class ImageRegressor:
    """A trained TileCNN with what it needs to be used: target, scales, tile size."""

    model: TileCNN
    target: str
    settings: ImageModelSettings
    y_mean: float
    y_std: float

    def predict_prepared(self, images: list[np.ndarray]) -> float:
        """Mean prediction (target units) over grid tiles of prepared images."""
        tiles = np.concatenate([grid_tiles(im, self.settings.tile_px) for im in images])
        return float(_tile_predictions(self.model, tiles).mean() * self.y_std + self.y_mean)

    def predict_image(self, pixels: np.ndarray, nm_per_px: float) -> float:
        return self.predict_prepared([prepare_image(pixels, nm_per_px,
                                                    self.settings.model_nm_per_px)])

    def batch_model(self, reference: np.ndarray, nm_per_px: float
                    ) -> Callable[[np.ndarray], np.ndarray]:
        """A function (n, h, w) grey in [0, 1] at ``nm_per_px`` -> (n, 1) predictions, for
        LIME. Every image is normalised with the ``reference`` image's median and spread, so
        hiding superpixels changes what the model sees, not how it is normalised; resampling
        to the model's scale is done on the whole batch in torch."""
        med = float(np.median(reference))
        spread = float(np.percentile(reference, 75) - np.percentile(reference, 25)) or 1.0
        factor = nm_per_px / self.settings.model_nm_per_px

        def run(batch: np.ndarray) -> np.ndarray:
            out = []
            with torch.no_grad():
                for start in range(0, len(batch), 64):
                    chunk = (np.asarray(batch[start:start + 64], np.float32) - med) / spread
                    x = torch.from_numpy(chunk)[:, None]
                    if abs(factor - 1) > 1e-3:
                        x = nn.functional.interpolate(x, scale_factor=factor, mode="bilinear",
                                                      antialias=factor < 1)
                    out.append(self.model(x).numpy())
            return (np.concatenate(out) * self.y_std + self.y_mean)[:, None]

        return run

    # ---- storage ------------------------------------------------------------------------------
    def to_stored(self, extra: dict[str, object]) -> StoredModel:
        meta = {"kind": KIND, "target": self.target,
                "settings": settings_to_dict(self.settings),
                "y_mean": self.y_mean, "y_std": self.y_std, **extra}
        tensors = {k: v.detach().cpu().numpy() for k, v in self.model.state_dict().items()}
        return StoredModel(IMAGE_MODEL, meta, tensors)

    @classmethod
    def from_stored(cls, stored: StoredModel) -> ImageRegressor:
        """Rebuild from weights and JSON only; DataError if they do not fit together."""
        meta = stored.meta
        try:
            if meta.get("kind") != KIND:
                raise DataError(f"model '{stored.name}' is not an image model")
            # The stored settings are checked before any tensor is allocated from them.
            settings = settings_from_dict(ImageModelSettings, meta["settings"], "image model")
            settings.check()
            model = TileCNN(settings.channels)
            state = {k: torch.from_numpy(np.array(v)) for k, v in stored.tensors.items()}
            model.load_state_dict(state, strict=True)
            model.eval()
            return cls(model, str(meta["target"]), settings, float(meta["y_mean"]),
                       float(meta["y_std"]))
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise DataError(f"stored image model is damaged ({type(exc).__name__})") from None


@dataclass
class ImageModelResult:
    """Leave-samples-out evaluation (per-sample truth and prediction, MAE/R2 of the model and
    of predicting the training mean) and the final model trained on every sample."""

    target: str
    sample_ids: list[str]
    truth: np.ndarray
    predicted: np.ndarray
    baseline: np.ndarray
    metrics: dict[str, float]
    baseline_metrics: dict[str, float]
    regressor: ImageRegressor
    skipped: list[str]

    def summary(self) -> str:
        m, b = self.metrics, self.baseline_metrics
        verdict = ("beats" if m["MAE"] < b["MAE"] else "does not beat")
        return (f"{self.target}, {len(self.sample_ids)} samples left out in turn: MAE "
                f"{m['MAE']:.3g}, R² {m['R2']:.2f}; predicting the mean: MAE {b['MAE']:.3g}, "
                f"R² {b['R2']:.2f}. The image model {verdict} the mean.")

    def to_json(self) -> dict[str, object]:
        return {"target": self.target, "sample_ids": self.sample_ids,
                "truth": self.truth.tolist(), "predicted": self.predicted.tolist(),
                "baseline": self.baseline.tolist(), "metrics": self.metrics,
                "baseline_metrics": self.baseline_metrics, "skipped": self.skipped}


def _fit(samples: ImageSamples, which: list[int], settings: ImageModelSettings,
         rng: np.random.Generator, rep: Reporter) -> ImageRegressor:
    values = samples.values[which]
    mean, std = float(values.mean()), float(values.std()) or 1.0
    tiles, ys = [], []
    for i in which:
        per = max(1, settings.tiles_per_image // len(samples.images[i]))
        for im in samples.images[i]:
            t = random_tiles(im, per, settings.tile_px, rng)
            tiles.append(t)
            ys.append(np.full(len(t), (samples.values[i] - mean) / std))
    model = train_tile_cnn(np.concatenate(tiles), np.concatenate(ys).astype(np.float32),
                           settings, rep.report, rep.cancel)
    return ImageRegressor(model, samples.target, settings, mean, std)


def train_image_model(project: Project, settings: ImageModelSettings | None = None,
                      progress: ProgressCallback | None = None,
                      cancel: CancelCheck | None = None) -> ImageModelResult:
    """Evaluate with leave-samples-out folds, then train the final model on all samples."""
    s = settings or ImageModelSettings()
    s.check()
    rep = Reporter(progress, cancel)
    samples = collect_samples(project, s, rep.sub(0, 0.1).report, cancel)
    n = len(samples.sample_ids)
    folds = min(s.folds, n)
    rng = np.random.default_rng(s.seed)
    assignment = rng.permutation(np.arange(n) % folds)
    predicted = np.zeros(n)
    baseline = np.zeros(n)
    span = 0.85 / (folds + 1)
    for f in range(folds):
        test = [i for i in range(n) if assignment[i] == f]
        train = [i for i in range(n) if assignment[i] != f]
        reg = _fit(samples, train, s, rng, rep.sub(0.1 + f * span, 0.1 + (f + 1) * span))
        for i in test:
            predicted[i] = reg.predict_prepared(samples.images[i])
            baseline[i] = samples.values[train].mean()
    final = _fit(samples, list(range(n)), s, rng, rep.sub(0.1 + folds * span, 1.0))
    metrics = regression_metrics(samples.values, predicted)
    base = regression_metrics(samples.values, baseline)
    rep.report(1.0, "done")
    return ImageModelResult(samples.target, samples.sample_ids, samples.values, predicted,
                            baseline, metrics, base, final, samples.skipped)
