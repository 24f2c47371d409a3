"""Training epochs on a CUDA device, captured once as a CUDA graph and replayed.

On a GPU the batched networks are tiny (a few dozen models x 32 rows x 64 units): a step costs
the launch of its ~20 kernels and the Python around them, not their arithmetic. So the whole
epoch's optimiser steps are recorded once as one CUDA graph and replayed every epoch, and the
GPU no longer waits for Python between kernels.

A graph needs a fixed sequence of kernels on fixed buffers, so this path plans the epoch from
the row counts alone: every epoch runs as many steps as the model with the most rows needs,
and a model with no rows left in a step is masked out of that step (its weights and optimiser
state are left exactly as they were). Models that have stopped early keep stepping, as they
do on the CPU path; their best weights are already saved and nothing of theirs is used again.
The results agree with the CPU path within the spread between seeds (not bit for bit: the
GPU's sums run in another order).

Set ``NRSTUDIO_CUDA_GRAPHS=0`` to train on the GPU step by step instead, as on the CPU (for
comparison). Off a GPU the same plan runs without capture, which is how the tests check it.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import torch

from nrstudio.core.modeling.network_math import (
    ADAM_BETAS,
    EPS,
    RHO,
    backward,
    forward,
    fused_adam,
    optimizer_step,
    shuffle_rows,
)


def graphs_wanted(device: torch.device) -> bool:
    """Whether epochs on ``device`` are captured as CUDA graphs."""
    return device.type == "cuda" and os.environ.get("NRSTUDIO_CUDA_GRAPHS", "1") != "0"


class GraphedEpochs:
    """Every epoch's steps for M models as one replayable unit on a CUDA device.

    ``x`` (M, N, d) and ``y`` (M, N, 1) are the padded training rows; ``n_tr`` (M,) the real
    row counts. ``flat``, ``grad``, ``state1``, ``state2`` are the flat parameter, gradient
    and optimiser buffers, ``views`` and ``gviews`` their per-layer views (weights, then
    biases). :meth:`run` shuffles, then performs one epoch and returns the summed squared
    error per model (M,)."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, n_tr: torch.Tensor,
                 flat: torch.Tensor, grad: torch.Tensor, state1: torch.Tensor,
                 state2: torch.Tensor, views: list[torch.Tensor], gviews: list[torch.Tensor],
                 kind: str, lr: float, batch_size: int, gen: torch.Generator,
                 capture: bool = True) -> None:
        self.flat, self.grad, self.state1, self.state2 = flat, grad, state1, state2
        self.views, self.gviews = views, gviews
        device = x.device
        self.kind, self.lr, self.gen = kind, lr, gen
        self.capture = capture and device.type == "cuda"
        m, n, d = x.shape
        self.m, self.n, self.d = m, n, d
        self.n_tr = n_tr
        self.rows = torch.cat([x, y], dim=2)
        self.shuffled = torch.empty_like(self.rows)
        self.loss_acc = torch.zeros(m, 1, 1, device=device)
        counts = np.asarray(n_tr.cpu(), dtype=np.int64)
        self.n_steps = max(math.ceil(int(counts.max()) / batch_size), 0)
        self.bounds = [(s * batch_size, min((s + 1) * batch_size, n))
                       for s in range(self.n_steps)]
        per_step = np.clip(counts[None, :] - batch_size * np.arange(self.n_steps)[:, None],
                           0, batch_size)  # (steps, M) rows of each model in each step
        self.full = [bool((c == hi - lo).all()) for c, (lo, hi) in zip(per_step, self.bounds,
                                                                        strict=True)]
        self.everyone = [bool((c > 0).all()) for c in per_step]
        # Models take different numbers of steps when some run out of rows early; then Adam's
        # bias correction needs each model's own step count.
        self.uniform = all(self.everyone)
        self.scale = torch.as_tensor(2.0 / np.maximum(per_step, 1), dtype=torch.float32,
                                     device=device)[..., None, None]
        self.stepping = torch.as_tensor(per_step > 0, device=device)
        sizes = [v[0].numel() for v in views]
        self.owner = torch.cat([torch.arange(m, device=device).repeat_interleave(k)
                                for k in sizes])
        self.t_shared = torch.zeros((), device=device)
        self.t_each = torch.zeros(m, device=device)
        # Adam runs as one fused kernel over lists of tensors, one thread block per tensor:
        # one flat buffer would leave most of the GPU idle (3 blocks for 134,000 weights,
        # measured at 68 us a step on an H200), so it gets pieces. When models have taken
        # different numbers of steps, each model's own slices get its own step count.
        buffers = (flat, grad, state1, state2)
        piece = (max(math.ceil(flat.numel() / 36), 1024) if device.type == "cuda"
                 else flat.numel())  # 36 tensors fill one launch
        self.pieces = [list(b.split(piece)) for b in buffers]
        per_layer = [torch.split(b, [v.numel() for v in views]) for b in buffers]
        self.by_model = [[part.view(v.shape)[k] for part, v in zip(parts, views, strict=True)
                          for k in range(m)] for parts in per_layer]
        self.model_steps = [self.t_each[k] for _ in views for k in range(m)]
        self.positions = torch.arange(n, device=device)[None]
        self.graph: torch.cuda.CUDAGraph | None = None
        self.epochs_done = 0

    def _shuffle(self) -> None:
        shuffle_rows(self.rows, self.n_tr, self.gen, out=self.shuffled)

    def _fused_adam(self, lists: list[list[torch.Tensor]], steps: list[torch.Tensor]) -> None:
        fused_adam(lists, steps, self.lr)

    def _optimise(self, step: int) -> None:
        b1, b2 = ADAM_BETAS
        adam = self.kind == "adam"
        if self.uniform:
            self.t_shared += 1
            if adam:
                self._fused_adam(self.pieces, [self.t_shared] * len(self.pieces[0]))
            else:
                optimizer_step(self.kind, self.flat, self.grad, self.state1, self.state2,
                               self.t_shared, self.lr, b1, b2, EPS, RHO)
            return
        if self.everyone[step]:
            self.t_each += 1
            if adam:
                self._fused_adam(self.by_model, self.model_steps)
            else:
                optimizer_step(self.kind, self.flat, self.grad, self.state1, self.state2,
                               self.t_shared, self.lr, b1, b2, EPS, RHO)
            return
        mask = self.stepping[step]
        self.t_each += mask
        per_elem = self.t_each[self.owner]
        saved = [b.clone() for b in (self.flat, self.state1, self.state2)]
        optimizer_step(self.kind, self.flat, self.grad, self.state1, self.state2,
                       self.t_shared, self.lr, b1, b2, EPS, RHO, per_elem)
        keep = mask[self.owner]
        for buf, old in zip((self.flat, self.state1, self.state2), saved, strict=True):
            buf.copy_(torch.where(keep, buf, old))

    def _steps(self) -> None:
        nl = len(self.views) // 2
        ws, bs, gws, gbs = (self.views[:nl], self.views[nl:], self.gviews[:nl],
                            self.gviews[nl:])
        d = self.d
        self.loss_acc.zero_()
        for step, (lo, hi) in enumerate(self.bounds):
            xb, yb = self.shuffled[:, lo:hi, :d], self.shuffled[:, lo:hi, d:]
            acts = forward(ws, bs, xb)
            err = acts[-1] - yb
            if not self.full[step]:
                valid = (lo + self.positions[:, : hi - lo]) < self.n_tr[:, None]
                err = torch.where(valid[..., None], err, 0.0)
            self.loss_acc.baddbmm_(err.transpose(1, 2), err)  # one kernel, not three
            backward(ws, acts, err * self.scale[step], gws, gbs)
            self._optimise(step)

    def run(self) -> torch.Tensor:
        """One epoch; the summed squared error per model (M,), on the device."""
        self._shuffle()
        if not self.capture:
            self._steps()
        elif self.graph is not None:
            self.graph.replay()
        elif self.epochs_done == 0:
            # The first epoch runs eagerly on a side stream: it warms up the libraries
            # (workspaces, kernels) before capture, as capture requires.
            side = torch.cuda.Stream(device=self.rows.device)
            side.wait_stream(torch.cuda.current_stream(self.rows.device))
            with torch.cuda.stream(side):
                self._steps()
            torch.cuda.current_stream(self.rows.device).wait_stream(side)
        else:
            graph = torch.cuda.CUDAGraph()
            try:
                with torch.cuda.graph(graph):
                    self._steps()
            except RuntimeError as exc:  # a driver or library that cannot capture: say so
                warnings.warn(f"CUDA graph capture failed ({exc}); training step by step",
                              RuntimeWarning, stacklevel=2)
                self.capture = False
                self._steps()
            else:
                self.graph = graph
                graph.replay()
        self.epochs_done += 1
        return self.loss_acc.view(self.m)
