"""The paper's regression network, trained for many models at once as one tensor program.

Each model is a fully connected ReLU network ``d -> h1 -> h2 -> ... -> 1`` on z-scored inputs
and a z-scored target. M models (targets x folds x ensemble members) are stacked along a
leading dimension and trained together with batched matrix products (``torch.baddbmm``); each
model keeps its own data, scalers, mini-batches, optimiser state, early stopping and best
weights. The backward pass and the optimiser steps are written out by hand (they are short
for an MLP) so that a model that has stopped or has no rows in a step is exactly untouched;
they live in :mod:`~nrstudio.core.modeling.network_math`. This module holds the data and the
trained stack and does not import torch itself until a stack predicts, so that the window
can open before torch is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nrstudio.core.errors import DataError


@dataclass
class TrainingSet:
    """One model's training rows: x (n, d) raw inputs, y (n,) raw target.

    sources (optional, (n, 2) ints): the original samples each row comes from (an original:
    itself twice; a SMOTE-REG row: its two parents). With it, the inner validation split for
    early stopping holds out whole original samples and the rows made only from them, and
    drops rows that bridge the two sides, so early stopping judges generalisation to new
    samples rather than to near-copies of training rows."""

    x: np.ndarray
    y: np.ndarray
    seed: int = 0
    sources: np.ndarray | None = None


def inner_split(s: TrainingSet, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, validation rows) of one training set; see TrainingSet."""
    n = len(s.x)
    rng = np.random.default_rng([seed, s.seed])
    if s.sources is None:
        perm = rng.permutation(n)
        n_val = min(round(fraction * n), n - 1)
        return np.sort(perm[n_val:]), np.sort(perm[:n_val])
    originals = np.unique(s.sources)
    n_val = min(max(round(fraction * len(originals)), 1 if fraction > 0 else 0),
                len(originals) - 2)
    val_orig = rng.choice(originals, size=max(n_val, 0), replace=False)
    in_val = np.isin(s.sources, val_orig)
    return np.flatnonzero(~in_val.any(axis=1)), np.flatnonzero(in_val.all(axis=1))


@dataclass
class EpochReport:
    epoch: int  # 1-based
    train_loss: np.ndarray  # (M,) mean squared error in z-scored target units; NaN if idle
    val_loss: np.ndarray  # (M,)
    active: np.ndarray  # (M,) bool


@dataclass
class NetworkStack:
    """M trained networks. weights[i]: (M, fan_in, fan_out); biases[i]: (M, 1, fan_out);
    scalers: x_mean/x_std (M, d), y_mean/y_std (M,). Arrays are float32 numpy, on the CPU."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: np.ndarray
    y_std: np.ndarray
    epochs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    best_epoch: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    history_train: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    history_val: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def n_models(self) -> int:
        return self.weights[0].shape[0]

    def predict(self, x: np.ndarray, models: Sequence[int] | None = None) -> np.ndarray:
        """Raw-unit predictions of the chosen models for the same rows: (len(models), n)."""
        import torch

        from nrstudio.core.modeling.network_math import forward

        sel = np.arange(self.n_models) if models is None else np.asarray(models)
        with torch.no_grad():
            xz = (torch.as_tensor(np.asarray(x, dtype=np.float32))[None]
                  - torch.as_tensor(self.x_mean[sel])[:, None]) / torch.as_tensor(self.x_std[sel])[:, None]
            out = forward([torch.as_tensor(w[sel]) for w in self.weights],
                           [torch.as_tensor(b[sel]) for b in self.biases], xz)[-1][..., 0]
            y = out * torch.as_tensor(self.y_std[sel])[:, None] + torch.as_tensor(self.y_mean[sel])[:, None]
        return y.numpy().astype(np.float64)

    def predict_rows(self, xs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Model m predicts its own rows xs[m]; one batched call."""
        n = max((len(x) for x in xs), default=0)
        d = self.x_mean.shape[1]
        pad = np.zeros((len(xs), n, d), dtype=np.float32)
        for m, x in enumerate(xs):
            pad[m, : len(x)] = x
        import torch

        from nrstudio.core.modeling.network_math import forward

        with torch.no_grad():
            xz = (torch.as_tensor(pad) - torch.as_tensor(self.x_mean)[:, None]) / torch.as_tensor(
                self.x_std)[:, None]
            out = forward([torch.as_tensor(w) for w in self.weights],
                           [torch.as_tensor(b) for b in self.biases], xz)[-1][..., 0]
            y = out * torch.as_tensor(self.y_std)[:, None] + torch.as_tensor(self.y_mean)[:, None]
        arr = y.numpy().astype(np.float64)
        return [arr[m, : len(x)] for m, x in enumerate(xs)]

    def select(self, models: Sequence[int]) -> NetworkStack:
        sel = np.asarray(models)
        return NetworkStack([w[sel] for w in self.weights], [b[sel] for b in self.biases],
                            self.x_mean[sel], self.x_std[sel], self.y_mean[sel], self.y_std[sel],
                            self.epochs[sel] if len(self.epochs) else self.epochs,
                            self.best_epoch[sel] if len(self.best_epoch) else self.best_epoch)

    def to_tensors(self, prefix: str = "") -> dict[str, np.ndarray]:
        out = {f"{prefix}x_mean": self.x_mean, f"{prefix}x_std": self.x_std,
               f"{prefix}y_mean": self.y_mean, f"{prefix}y_std": self.y_std}
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            out[f"{prefix}w{i}"] = w
            out[f"{prefix}b{i}"] = b
        return out

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], prefix: str = "") -> NetworkStack:
        try:
            n_layers = sum(1 for k in tensors if k.startswith(f"{prefix}w"))
            stack = cls([tensors[f"{prefix}w{i}"].astype(np.float32) for i in range(n_layers)],
                        [tensors[f"{prefix}b{i}"].astype(np.float32) for i in range(n_layers)],
                        *(tensors[f"{prefix}{k}"].astype(np.float32)
                          for k in ("x_mean", "x_std", "y_mean", "y_std")))
        except KeyError as exc:
            raise DataError(f"stored network is incomplete (no {exc})") from None
        stack.check_shapes()
        return stack

    def check_shapes(self) -> None:
        m, d = self.x_mean.shape
        fan_in = d
        for w, b in zip(self.weights, self.biases, strict=True):
            if w.shape[:2] != (m, fan_in) or b.shape != (m, 1, w.shape[2]):
                raise DataError("stored network has inconsistent weight shapes")
            fan_in = w.shape[2]
        if fan_in != 1 or self.x_std.shape != (m, d) or self.y_mean.shape != (m,):
            raise DataError("stored network has inconsistent weight shapes")
        if not (self.x_std > 0).all() or not (self.y_std > 0).all():
            raise DataError("stored network is damaged: a scaling spread is zero or negative")


