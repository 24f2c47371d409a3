"""LIME on micrographs: which superpixels of an image push a model's prediction up or down
(Qt-free).

``lime.lime_image.LimeImageExplainer`` does the explaining; two things are ours:

* the segmentation is computed here (quickshift, SLIC or Felzenszwalb with the user's
  parameters and seed) and handed to LIME, because LIME's own seed does not reach recent
  scikit-image, so the same settings always give the same superpixels;
* the perturbed images are built in vectorised batches (one lookup per batch instead of a
  Python loop per sample and superpixel), with progress and cancel. The random on/off draws
  are the same calls LIME makes, so the explanation equals LIME's own for the same seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.settings import MAX_SEED, check_ranges, setting

SEGMENTERS = ("slic", "quickshift", "felzenszwalb")
DEFAULT_PARAMS: dict[str, dict[str, float]] = {
    # quickshift sees grey levels 0..255 (as LIME's own defaults assume); the others 0..1.
    "quickshift": {"kernel_size": 5.0, "max_dist": 200.0, "ratio": 0.2},
    "slic": {"n_segments": 80.0, "compactness": 0.1, "sigma": 1.0},
    "felzenszwalb": {"scale": 100.0, "sigma": 1.0, "min_size": 100.0},
}
# A model batch: (n, h, w) grey in [0, 1] -> (n, k) outputs.
BatchModel = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ImageLimeSettings:
    """LIME on superpixels. ``params``: the segmentation's parameters (missing ones take
    DEFAULT_PARAMS)."""

    segmentation: str = setting("slic", label="Segmentation", choices={s: s for s in SEGMENTERS},
                                help="How the region is cut into superpixels: SLIC (fast), "
                                     "quickshift (LIME's default, slow) or Felzenszwalb.")
    params: dict[str, float] = field(default_factory=dict)
    num_samples: int = setting(1000, low=10, high=100_000, label="Samples", unit="images",
                               step=100, help="Perturbed images, each with a random set of "
                                              "superpixels hidden.")
    hide: str = setting("mean", label="Hide colour",
                        help="'mean': a hidden superpixel takes its own mean grey; or a grey "
                             "level from 0 (black) to 1 (white).")
    batch_size: int = setting(100, low=1, high=2000, label="Batch size", unit="images",
                              help="Perturbed images per model call.")
    seed: int = setting(0, low=0, high=MAX_SEED, label="Seed",
                        help="The same seed gives the same superpixels and samples.")
    top_labels: int = setting(3, low=1, high=20, label="Classes explained",
                              help="For a classifier: how many of its top classes.")

    def resolved_params(self) -> dict[str, float]:
        check_ranges(self, "LIME on images")
        if self.segmentation not in SEGMENTERS:
            raise DataError(f"unknown segmentation '{self.segmentation}' "
                            f"(choose {', '.join(SEGMENTERS)})")
        merged = dict(DEFAULT_PARAMS[self.segmentation])
        merged.update({k: float(v) for k, v in self.params.items() if k in merged})
        return merged

    def hide_value(self) -> float | None:
        if self.hide == "mean":
            return None
        try:
            value = float(self.hide)
        except ValueError:
            raise DataError(f"hide colour must be 'mean' or a grey level, not '{self.hide}'") \
                from None
        if not 0 <= value <= 1:
            raise DataError("the hide grey level must be between 0 and 1")
        return value


def segment_superpixels(image: np.ndarray, method: str, params: dict[str, float],
                        seed: int = 0) -> np.ndarray:
    """Superpixels (h, w) labelled 0..n-1 of a grey image (h, w) in [0, 1]."""
    from skimage.segmentation import felzenszwalb, quickshift, relabel_sequential, slic

    img = np.asarray(image, dtype=np.float64)
    if method == "quickshift":
        rgb = np.repeat(img[..., None] * 255.0, 3, axis=2)
        seg = quickshift(rgb, ratio=params["ratio"], kernel_size=params["kernel_size"],
                         max_dist=params["max_dist"], convert2lab=False, rng=seed)
    elif method == "slic":
        seg = slic(img, n_segments=int(params["n_segments"]), compactness=params["compactness"],
                   sigma=params["sigma"], start_label=0, channel_axis=None)
    elif method == "felzenszwalb":
        seg = felzenszwalb(img, scale=params["scale"], sigma=params["sigma"],
                           min_size=int(params["min_size"]), channel_axis=None)
    else:
        raise DataError(f"unknown segmentation '{method}'")
    seg, _, _ = relabel_sequential(seg.astype(np.int64) + 1)
    return (seg - 1).astype(np.int32)


def superpixel_boundaries(segments: np.ndarray) -> np.ndarray:
    """(h, w) bool: pixels on a superpixel border, for the live preview."""
    from skimage.segmentation import find_boundaries

    return find_boundaries(segments, mode="inner")


@dataclass
class ImageExplanation:
    """segments: (h, w) superpixel ids 0..n-1. For every explained output k: weights[k] (n,)
    (change of the output when the superpixel is shown rather than hidden, from LIME's local
    linear fit) and intercept[k]. score: R2 of the local fit for the first explained output
    (LIME keeps only that one). prediction: (k_all,) outputs for the unperturbed image;
    labels: names of all outputs."""

    segments: np.ndarray
    labels: list[str]
    explained: list[int]
    weights: dict[int, np.ndarray]
    intercept: dict[int, float]
    score: float
    prediction: np.ndarray

    def weight_map(self, k: int) -> np.ndarray:
        """(h, w) float: each pixel carries its superpixel's weight for output k."""
        return self.weights[k][self.segments]

    def top(self, k: int, count: int, positive: bool) -> list[int]:
        """Up to ``count`` superpixels with the largest positive (or negative) weights."""
        w = self.weights[k]
        order = np.argsort(-w if positive else w)
        return [int(i) for i in order[:count] if (w[i] > 0 if positive else w[i] < 0)]

    def rows(self, k: int) -> list[dict[str, object]]:
        """Per superpixel: id, weight, area (px), centre (row, col); for CSV export."""
        n = len(self.weights[k])
        area = np.bincount(self.segments.ravel(), minlength=n)
        rr, cc = np.indices(self.segments.shape)
        rsum = np.bincount(self.segments.ravel(), weights=rr.ravel(), minlength=n)
        csum = np.bincount(self.segments.ravel(), weights=cc.ravel(), minlength=n)
        return [{"superpixel": i, "output": self.labels[k], "weight": float(self.weights[k][i]),
                 "area_px": int(area[i]), "row": round(rsum[i] / max(area[i], 1), 1),
                 "col": round(csum[i] / max(area[i], 1), 1)} for i in range(n)]


def explain_image(image: np.ndarray, model: BatchModel, labels: list[str],
                  settings: ImageLimeSettings | None = None,
                  segments: np.ndarray | None = None,
                  progress: ProgressCallback | None = None,
                  cancel: CancelCheck | None = None) -> ImageExplanation:
    """Explain ``model``'s outputs on one grey image (h, w) in [0, 1].

    labels: names of the model's outputs; with one output (regression) it is explained, with
    several (classification) the ``top_labels`` highest for this image are. ``segments``
    (h, w) may be given (e.g. from the preview); otherwise they are computed from settings.
    """
    from lime.lime_image import LimeImageExplainer

    s = settings or ImageLimeSettings()
    if s.num_samples < 10 or s.batch_size < 1:
        raise DataError("LIME needs at least 10 samples and a batch size of at least 1")
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 2 or min(img.shape) < 8:
        raise DataError(f"an image of shape {img.shape} cannot be explained")
    rep = Reporter(progress, cancel)
    if segments is None:
        segments = segment_superpixels(img, s.segmentation, s.resolved_params(), s.seed)
    if segments.shape != img.shape:
        raise DataError("the superpixels do not match the image")
    if segments.max() < 1:
        raise DataError("the segmentation found a single superpixel; choose finer settings")
    rep.report(0.02, "superpixels ready")
    prediction = np.asarray(model(img[None]), dtype=np.float64).reshape(-1)
    if len(prediction) != len(labels):
        raise DataError(f"the model gives {len(prediction)} outputs for {len(labels)} labels")

    class Batched(LimeImageExplainer):
        def data_labels(self, image, fudged_image, segments, classifier_fn,
                        num_samples, batch_size=10, progress_bar=True):
            n_features = np.unique(segments).shape[0]
            data = self.random_state.randint(0, 2, num_samples * n_features).reshape(
                (num_samples, n_features))
            data[0, :] = 1
            shown, hidden = image[..., 0][None], fudged_image[..., 0][None]
            outs = []
            for start in range(0, num_samples, batch_size):
                keep = data[start:start + batch_size].astype(bool)[:, segments]
                outs.append(np.asarray(classifier_fn(np.where(keep, shown, hidden)),
                                       dtype=np.float64).reshape(len(keep), -1))
                rep.report(0.05 + 0.9 * min(start + batch_size, num_samples) / num_samples,
                           "LIME: asking the model")
            return data, np.concatenate(outs)

    explainer = Batched(random_state=s.seed)
    rgb = np.repeat(img[..., None], 3, axis=2)
    hide = s.hide_value()
    classification = len(labels) > 1
    result = explainer.explain_instance(
        rgb, lambda batch: model(batch.astype(np.float32)),
        labels=(0,) if not classification else (),
        hide_color=None if hide is None else hide,
        top_labels=min(s.top_labels, len(labels)) if classification else None,
        num_samples=s.num_samples, batch_size=s.batch_size,
        segmentation_fn=lambda _: segments, random_seed=s.seed)
    n = int(segments.max()) + 1
    explained = [int(k) for k in (result.top_labels if classification else [0])]
    weights = {}
    for k in explained:
        w = np.zeros(n)
        for feature, value in result.local_exp[k]:
            w[int(feature)] = float(value)
        weights[k] = w
    rep.report(1.0, "done")
    return ImageExplanation(segments, list(labels), explained, weights,
                            {k: float(result.intercept[k]) for k in explained},
                            float(result.score), prediction)


@dataclass
class AttentionShares:
    """Where the explanation's weight lies: shares (0..1) of the total |weight| of output k on
    superpixels showing rods, showing only empty film, or on the scale bar and its label;
    and a plain warning when the model seems to look at something other than rods."""

    rods: float
    film: float
    scale_bar: float
    warning: str


def rod_pixels(image: np.ndarray) -> np.ndarray:
    """(h, w) bool: pixels clearly darker than the film (rods in bright-field TEM)."""
    from scipy.ndimage import gaussian_filter

    smooth = gaussian_filter(np.asarray(image, dtype=np.float32), 1.5)
    film, dark = np.percentile(smooth, [80, 1])
    return smooth < film - 0.4 * (film - dark)


@dataclass
class SuperpixelContents:
    """What each of a region's n superpixels shows, as shares (0..1) of its pixels: rod
    pixels (:func:`rod_pixels`) and pixels inside the scale bar's rectangle; both (n,).
    Computed once per explained region, in the job, and read at every redraw: the smoothing
    of the whole region that finds the rod pixels was inside a 73 ms stall of the GUI thread
    when it ran at each redraw (``bench_gui.py --stacks``, a 512 px region)."""

    rods: np.ndarray
    scale_bar: np.ndarray


def superpixel_contents(segments: np.ndarray, image: np.ndarray,
                        bar_rect: tuple[int, int, int, int] | None = None,
                        n: int | None = None) -> SuperpixelContents:
    """Contents of the superpixels ``segments`` (h, w; ids 0..n-1) of ``image`` (h, w);
    ``bar_rect``: the scale bar (row0, col0, row1, col1, in the image's pixels), if any."""
    n = int(segments.max()) + 1 if n is None else n
    ids = segments.ravel()
    area = np.maximum(np.bincount(ids, minlength=n), 1)
    rods = np.bincount(ids, weights=rod_pixels(image).ravel(), minlength=n) / area
    on_bar = np.zeros(n)
    if bar_rect is not None:
        r0, c0, r1, c1 = bar_rect
        inside = np.zeros(segments.shape, dtype=bool)
        inside[max(r0, 0):max(r1 + 1, 0), max(c0, 0):max(c1 + 1, 0)] = True
        on_bar = np.bincount(ids, weights=inside.ravel(), minlength=n) / area
    return SuperpixelContents(rods, on_bar)


def shares_of_attention(weights: np.ndarray, contents: SuperpixelContents,
                        rod_share: float = 0.05) -> AttentionShares:
    """Split the |weights| (n,) of one output by what each superpixel shows. A superpixel
    counts as showing rods when at least ``rod_share`` of its pixels are rod pixels (rods
    are thin: a superpixel crossed by one is mostly film), and as scale bar when a fifth of
    it lies in the bar's rectangle."""
    w = np.abs(weights)
    total = float(w.sum()) or 1.0
    bar_mask = contents.scale_bar >= 0.2
    rod_mask = ~bar_mask & (contents.rods >= rod_share)
    shares = (float(w[rod_mask].sum() / total), float(w[~bar_mask & ~rod_mask].sum() / total),
              float(w[bar_mask].sum() / total))
    warning = ""
    if shares[2] > 0.1:
        warning = (f"{shares[2]:.0%} of the explanation lies on the scale bar or its label: the "
                   "model may be reading the magnification, not the rods.")
    elif shares[1] > 0.5:
        warning = (f"{shares[1]:.0%} of the explanation lies on empty film: the model may be "
                   "looking at the background, not at the rods.")
    return AttentionShares(*shares, warning)


def attention_shares(explanation: ImageExplanation, k: int, image: np.ndarray,
                     bar_rect: tuple[int, int, int, int] | None = None,
                     rod_share: float = 0.05) -> AttentionShares:
    """Where the weight of output ``k`` lies in ``image`` (h, w), the explained region:
    :func:`superpixel_contents` then :func:`shares_of_attention`."""
    weights = explanation.weights[k]
    contents = superpixel_contents(explanation.segments, image, bar_rect, len(weights))
    return shares_of_attention(weights, contents, rod_share)
