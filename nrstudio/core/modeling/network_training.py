"""Training many networks at once (see :mod:`nrstudio.core.modeling.networks`): a preparation
step that scales and pads every model's rows into shared tensors, then the epoch loop.

The loop keeps all parameters of all models in one flat buffer (and the gradients in
another), so the optimiser is one fused kernel and backward writes gradients straight into
place. A model that has stopped, or that has no rows in a step, is exactly untouched.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.network_graphs import GraphedEpochs, graphs_wanted
from nrstudio.core.modeling.network_math import (
    ADAM_BETAS,
    EPS,
    RHO,
    backward,
    flushing_denormals,
    forward,
    fused_adam,
    init_weights,
    layer_views,
    optimizer_step,
    pick_device,
    shuffle_rows,
    where_models,
)
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.networks import (
    EpochReport,
    NetworkStack,
    TrainingSet,
    inner_split,
)
from nrstudio.core.modeling.stopping_forecast import StoppingForecast
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter


@dataclass
class PreparedData:
    """Every model's z-scored rows, padded to shared tensors. X (M, n, d) and Y (M, n, 1)
    train; XV, YV validate; n_tr, n_va (M,) the real row counts; scalers per model."""

    X: torch.Tensor
    Y: torch.Tensor
    XV: torch.Tensor
    YV: torch.Tensor
    n_tr: torch.Tensor
    n_va: torch.Tensor
    x_mean: list[np.ndarray]
    x_std: list[np.ndarray]
    y_mean: list[float]
    y_std: list[float]
    seeds: list[int]
    device: torch.device
    # The models' order as the caller gave them, when reordered: model m draws the random
    # numbers of the caller's model key_order[m], so that the order changes nothing.
    key_order: torch.Tensor | None = None

    @property
    def n_models(self) -> int:
        return len(self.seeds)

    @property
    def n_inputs(self) -> int:
        return int(self.X.shape[2])

    def reordered(self, order: np.ndarray) -> PreparedData:
        """The same models in ``order`` (an index array over the models)."""
        idx = torch.as_tensor(order, device=self.X.device)
        pick = [int(i) for i in order]
        return PreparedData(self.X.index_select(0, idx), self.Y.index_select(0, idx),
                            self.XV.index_select(0, idx), self.YV.index_select(0, idx),
                            self.n_tr.index_select(0, idx), self.n_va.index_select(0, idx),
                            [self.x_mean[i] for i in pick], [self.x_std[i] for i in pick],
                            [self.y_mean[i] for i in pick], [self.y_std[i] for i in pick],
                            [self.seeds[i] for i in pick], self.device, idx)


def by_steps_per_epoch(n_tr: np.ndarray, batch_size: int) -> tuple[np.ndarray, list[int]]:
    """An order of the models that puts those taking the same number of steps per epoch
    (``ceil(n_tr / batch_size)``) next to each other, fewest first, and where each run of
    them ends in that order: models of a run step together all along, so one fused
    optimiser call can serve a run however the runs' step counts drift apart."""
    steps = -(-np.asarray(n_tr, dtype=np.int64) // batch_size)
    order = np.argsort(steps, kind="stable")
    ends = [int(i) + 1 for i in np.flatnonzero(np.diff(steps[order]))] + [len(order)]
    return order, ends


def _pad(parts: list[np.ndarray], width: int) -> tuple[torch.Tensor, torch.Tensor]:
    n = max((len(p) for p in parts), default=0)
    out = np.zeros((len(parts), max(n, 1), width), dtype=np.float32)
    for m, p in enumerate(parts):
        out[m, : len(p)] = p.reshape(len(p), width)
    return torch.from_numpy(out), torch.tensor([len(p) for p in parts])


def prepare_training(sets: Sequence[TrainingSet], settings: NetworkSettings) -> PreparedData:
    """Drop non-finite rows, split each model's inner validation rows, z-score by the
    training rows, pad into tensors on the chosen device."""
    if not sets:
        raise DataError("nothing to train")
    d = sets[0].x.shape[1]
    xs_tr, ys_tr, xs_va, ys_va = [], [], [], []
    x_mean, x_std, y_mean, y_std = [], [], [], []
    for s in sets:
        x = np.asarray(s.x, dtype=np.float64)
        y = np.asarray(s.y, dtype=np.float64).reshape(-1)
        ok = np.isfinite(x).all(axis=1) & np.isfinite(y)
        src = None if s.sources is None else np.asarray(s.sources)[ok]
        x, y = x[ok], y[ok]
        if len(x) < 2:
            raise DataError("a model has fewer than 2 training rows")
        tr, va = inner_split(TrainingSet(x, y, s.seed, src), settings.validation_fraction,
                             settings.seed)
        mu, sd = x[tr].mean(axis=0), x[tr].std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        ym, ysd = y[tr].mean(), y[tr].std()
        ysd = ysd if ysd > 0 else 1.0
        xs_tr.append((x[tr] - mu) / sd)
        ys_tr.append((y[tr] - ym) / ysd)
        xs_va.append((x[va] - mu) / sd)
        ys_va.append((y[va] - ym) / ysd)
        x_mean.append(mu)
        x_std.append(sd)
        y_mean.append(ym)
        y_std.append(ysd)
    device = pick_device(settings.device)
    X, n_tr = _pad(xs_tr, d)
    Y, _ = _pad(ys_tr, 1)
    XV, n_va = _pad(xs_va, d)
    YV, _ = _pad(ys_va, 1)
    X, Y, XV, YV, n_tr, n_va = (t.to(device) for t in (X, Y, XV, YV, n_tr, n_va))
    return PreparedData(X, Y, XV, YV, n_tr, n_va, x_mean, x_std, y_mean, y_std,
                        [s.seed for s in sets], device)


@dataclass
class _Optimiser:
    """Parameters, gradients and optimiser state of all models, each one flat buffer with
    per-layer views; ``t_each`` counts steps per model once they stop stepping together.

    ``runs`` (see :func:`by_steps_per_epoch`): where each run of models that take the same
    number of steps per epoch ends, and ``run_steps`` that number. Adam needs each model's
    own step count once some models skip steps; models of a run keep one count, so the
    step stays one fused call, over the runs that have rows in it."""

    flat: torch.Tensor
    grad: torch.Tensor
    state1: torch.Tensor
    state2: torch.Tensor
    shapes: list[tuple[int, int]]
    kind: str
    lr: float
    t_shared: torch.Tensor
    t_each: torch.Tensor
    runs: list[int] = field(default_factory=list)
    run_steps: list[int] = field(default_factory=list)
    together: bool = True
    views: list[torch.Tensor] = field(init=False)
    gviews: list[torch.Tensor] = field(init=False)

    def __post_init__(self) -> None:
        m = len(self.t_each)
        self.views = layer_views(self.flat, m, self.shapes)
        self.gviews = layer_views(self.grad, m, self.shapes)
        self._per_elem: torch.Tensor | None = None  # t_each per element, once they differ
        self._t_runs: torch.Tensor | None = None  # Adam's step count of each run
        self._run_lists: list[list[list[torch.Tensor]]] = []  # run -> buffer -> layer slices
        self._run_counts: list[list[torch.Tensor]] = []  # run -> its count, per slice

    def step(self, skipped: torch.Tensor | None, active: torch.Tensor, step: int) -> None:
        """One optimiser step, the ``step``-th of its epoch; ``skipped``: active models
        with no rows in it (None when there are none), which must stay as they are."""
        b1, b2 = ADAM_BETAS
        if skipped is None and self.together:
            self.t_shared += 1
            self.t_each += 1
            optimizer_step(self.kind, self.flat, self.grad, self.state1, self.state2,
                            self.t_shared, self.lr, b1, b2, EPS, RHO)
            return
        self.together = False
        if self.kind == "adam" and self.runs:
            self._adam_by_runs(step)
            return
        if skipped is None:
            # Every model steps: their counts keep their differences, so the per-element
            # counts move by one, and no model's weights need to be kept back.
            self.t_each += 1
            if self._per_elem is None:
                self._per_elem = torch.cat([self.t_each.repeat_interleave(v[0].numel())
                                            for v in self.views])
            else:
                self._per_elem += 1
            optimizer_step(self.kind, self.flat, self.grad, self.state1, self.state2,
                            self.t_shared, self.lr, b1, b2, EPS, RHO, self._per_elem)
            return
        m = len(self.t_each)
        upd = ~skipped
        self.t_each += upd
        saved = [[v.clone() for v in layer_views(b, m, self.shapes)]
                 for b in (self.flat, self.state1, self.state2)]
        self._per_elem = torch.cat([self.t_each.repeat_interleave(v[0].numel())
                                    for v in self.views])
        optimizer_step(self.kind, self.flat, self.grad, self.state1, self.state2,
                        self.t_shared, self.lr, b1, b2, EPS, RHO, self._per_elem)
        for buf, old in zip((self.flat, self.state1, self.state2), saved, strict=True):
            where_models(upd, layer_views(buf, m, self.shapes), old)

    def _adam_by_runs(self, step: int) -> None:
        """Adam on the runs of models that have rows in this step, each with its count."""
        if self._t_runs is None:  # until now every model took every step
            self._t_runs = torch.full((len(self.runs),), float(self.t_shared),
                                      device=self.flat.device)
            m = len(self.t_each)
            starts = [0, *self.runs[:-1]]
            self._run_lists = [[[v[a:b] for v in layer_views(buf, m, self.shapes)]
                                for buf in (self.flat, self.grad, self.state1, self.state2)]
                               for a, b in zip(starts, self.runs, strict=True)]
            self._run_counts = [[self._t_runs[r]] * len(lists[0])
                                for r, lists in enumerate(self._run_lists)]
        # runs are ordered by their steps per epoch, so those still stepping are a tail
        first = next((r for r, n in enumerate(self.run_steps) if n > step), len(self.runs))
        if first == len(self.runs):
            return
        self._t_runs[first:] += 1
        lists: list[list[torch.Tensor]] = [[], [], [], []]
        counts: list[torch.Tensor] = []
        for r in range(first, len(self.runs)):
            for k in range(4):
                lists[k].extend(self._run_lists[r][k])
            counts.extend(self._run_counts[r])
        fused_adam(lists, counts, self.lr)


def _train_epoch(data: PreparedData, opt: _Optimiser, active: torch.Tensor,
                 gen: torch.Generator, batch_size: int, check: Callable[[], None],
                 last_check: list[float]) -> torch.Tensor:
    """One pass over every model's shuffled rows; the summed squared error per model (M,)."""
    X, Y, n_tr, device = data.X, data.Y, data.n_tr, data.device
    M, d, nl = data.n_models, data.n_inputs, len(opt.shapes)
    shuffled = shuffle_rows(torch.cat([X, Y], dim=2), n_tr, gen, key_order=data.key_order)
    n_active_rows = int(n_tr[active].max()) if bool(active.any()) else 0
    n_steps = math.ceil(n_active_rows / batch_size)
    loss_sum = torch.zeros(M, device=device)
    min_rows = int(n_tr.min())
    for step in range(n_steps):
        lo, hi = step * batch_size, min((step + 1) * batch_size, shuffled.shape[1])
        xb, yb = shuffled[:, lo:hi, :d], shuffled[:, lo:hi, d:]
        acts = forward(opt.views[:nl], opt.views[nl:], xb)
        err = acts[-1] - yb
        # Stopped models keep training on (cheaper than re-packing the batch), but their
        # best weights are already saved and nothing of theirs is used again.
        if hi <= min_rows:  # every model has a full batch: no masks
            skipped = None
            dout = err.mul(2.0 / (hi - lo))
        else:
            valid = lo + torch.arange(hi - lo, device=device)[None] < n_tr[:, None]
            cnt = valid.sum(dim=1)
            err = torch.where(valid[..., None], err, 0.0)
            dout = err * (2.0 / cnt.clamp(min=1))[:, None, None]
            skipped = active & (cnt == 0)
            if not bool(skipped.any()):
                skipped = None
        loss_sum += (err * err).sum(dim=(1, 2))
        backward(opt.views[:nl], acts, dout, opt.gviews[:nl], opt.gviews[nl:])
        opt.step(skipped, active, step)
        now = time.monotonic()
        if now - last_check[0] > 0.2:
            last_check[0] = now
            check()
    return loss_sum


def train_networks(
    sets: Sequence[TrainingSet],
    settings: NetworkSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_epoch: Callable[[EpochReport], None] | None = None,
    expected_epochs: float | None = None,
) -> NetworkStack:
    """Train one network per training set, all at once. Returns the best weights (lowest
    inner-validation loss) of every model; deterministic for a seed on the CPU.

    Progress counts epochs against the epoch at which the last network is expected to stop
    (:mod:`~nrstudio.core.modeling.stopping_forecast`; ``expected_epochs`` is its guess
    before any network stops, for instance the epochs a cross-validation of the same data
    took), so the fraction grows with time rather than jumping when early stopping ends a
    batch."""
    settings = settings or NetworkSettings()
    settings.check()
    with flushing_denormals():
        return _train_networks(sets, settings, progress, cancel, on_epoch, expected_epochs)


def _train_networks(sets: Sequence[TrainingSet], settings: NetworkSettings,
                    progress: ProgressCallback | None, cancel: CancelCheck | None,
                    on_epoch: Callable[[EpochReport], None] | None,
                    expected_epochs: float | None) -> NetworkStack:
    rep = Reporter(progress, cancel)
    rep.report(0.0, "preparing the networks")  # the batch's time starts here
    data = prepare_training(sets, settings)
    graphs = graphs_wanted(data.device)
    # Models that take the same number of steps per epoch side by side, so that Adam stays
    # one fused call when some run out of rows before others (CUDA graphs plan their own).
    order, runs = by_steps_per_epoch(data.n_tr.cpu().numpy(), settings.batch_size)
    if graphs or len(runs) == 1:
        order, runs = np.arange(data.n_models), []
    else:
        data = data.reordered(order)
    run_steps = [-(-int(data.n_tr[end - 1]) // settings.batch_size) for end in runs]
    back = np.argsort(order)  # the caller's model i is model back[i] here
    check = rep.check  # also sizes the thread team (core/compute_threads.py)
    M, device = data.n_models, data.device
    shapes = list(zip((data.n_inputs, *settings.hidden), (*settings.hidden, 1), strict=True))
    nl = len(shapes)
    ws, bs = init_weights(shapes, data.seeds, settings.seed)
    flat = torch.cat([p.reshape(-1) for p in ws + bs]).to(device)
    opt = _Optimiser(flat, torch.zeros_like(flat), torch.zeros_like(flat),
                     torch.zeros_like(flat), shapes, settings.optimizer, settings.lr,
                     torch.zeros((), device=device), torch.zeros(M, device=device), runs,
                     run_steps)
    best = flat.clone()
    best_views = layer_views(best, M, shapes)
    has_val = data.n_va > 0
    val_mask = (torch.arange(data.XV.shape[1], device=device)[None]
                < data.n_va[:, None]).float()[..., None]
    best_val = torch.full((M,), float("inf"), device=device)
    wait = torch.zeros(M, dtype=torch.long, device=device)
    active = torch.ones(M, dtype=torch.bool, device=device)
    epochs_run = torch.zeros(M, dtype=torch.long, device=device)
    best_epoch = torch.zeros(M, dtype=torch.long, device=device)
    hist_tr = np.full((M, settings.max_epochs), np.nan)
    hist_va = np.full((M, settings.max_epochs), np.nan)
    improvements = np.zeros((M, settings.max_epochs), dtype=bool)  # for the forecast
    forecast = StoppingForecast(settings.patience, settings.max_epochs, expected_epochs)
    gen = torch.Generator(device=device).manual_seed(settings.seed)
    last_check = [time.monotonic()]
    graphed = (GraphedEpochs(data.X, data.Y, data.n_tr, flat, opt.grad, opt.state1, opt.state2,
                             opt.views, opt.gviews, settings.optimizer, settings.lr,
                             settings.batch_size, gen) if graphs else None)
    for epoch in range(settings.max_epochs):
        if graphed is not None:
            loss_sum = graphed.run()
        else:
            loss_sum = _train_epoch(data, opt, active, gen, settings.batch_size, check,
                                    last_check)
        with torch.no_grad():
            out = forward(opt.views[:nl], opt.views[nl:], data.XV)[-1]
            vloss = (((out - data.YV) ** 2) * val_mask).sum(dim=(1, 2)) / data.n_va.clamp(min=1)
            tloss = loss_sum / data.n_tr.clamp(min=1)
            # Without validation rows a model keeps its last weights (training loss decides).
            vloss = torch.where(has_val, vloss, tloss)
            improved = active & (vloss < best_val)
            best_val = torch.where(improved, vloss, best_val)
            best_epoch = torch.where(improved, torch.full_like(best_epoch, epoch + 1), best_epoch)
            where_models(~improved, best_views, opt.views)
            wait = torch.where(improved, torch.zeros_like(wait), wait + active.long())
            epochs_run += active.long()
            was_active = active.cpu().numpy().copy()
            hist_tr[:, epoch] = np.where(was_active, tloss.cpu().numpy(), np.nan)
            hist_va[:, epoch] = np.where(was_active, vloss.cpu().numpy(), np.nan)
            improvements[:, epoch] = improved.cpu().numpy()
            if settings.patience > 0:
                active = active & (wait < settings.patience)
        if on_epoch is not None:
            on_epoch(EpochReport(epoch + 1, hist_tr[back, epoch], hist_va[back, epoch],
                                 was_active[back]))
        still = active.cpu().numpy()
        end = forecast.end(epoch + 1, improvements[:, :epoch + 1], still)
        rep.report((epoch + 1) / max(end, 1.0), f"epoch {epoch + 1}")
        if not still.any():
            break
    n_hist = int(epochs_run.max())
    return NetworkStack(
        [v.cpu().numpy()[back].copy() for v in best_views[:nl]],
        [v.cpu().numpy()[back].copy() for v in best_views[nl:]],
        np.array(data.x_mean, dtype=np.float32)[back],
        np.array(data.x_std, dtype=np.float32)[back],
        np.array(data.y_mean, dtype=np.float32)[back],
        np.array(data.y_std, dtype=np.float32)[back],
        epochs_run.cpu().numpy()[back], best_epoch.cpu().numpy()[back],
        hist_tr[back, :n_hist], hist_va[back, :n_hist],
    )
