"""How long a batch of networks will take, measured before it trains.

The networks of a run train after its fast models, so a time-left clock that learns a kind of
stage from its first instance has nothing to go on for them until they have run a while, and
the final ensemble (a few networks on every row) costs per epoch a share of the
cross-validation's batch (many networks on fold rows) that no fixed rule predicts: the
per-step overhead weighs more on a small batch, and it differs between a CPU and a GPU.

So the pace is measured: :func:`seconds_per_epoch` trains a batch of the same shape (models,
inputs, layers, batch size) for a few epochs on random numbers and times the epochs after
the first (which pays for allocations and, on a GPU, the graph capture). Rows are capped for
the probe and the time scaled by the rows: an epoch is a fixed number of optimiser steps per
batch of rows, so its cost is linear in them. :func:`expected_epochs` is the number of epochs
a batch is guessed to run before early stopping has shown anything
(:mod:`~nrstudio.core.modeling.stopping_forecast` refines it while the batch trains).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.stopping_forecast import prior_last_epoch
from nrstudio.core.progress import CancelCheck

PROBE_ROWS = 2048  # rows per network in the probe; enough steps for a steady pace
PROBE_EPOCHS = 3  # the first is not timed


@dataclass(frozen=True)
class NetworkBatch:
    """The shape of one batched training run: ``models`` networks that train on up to
    ``rows`` rows each (the rows an epoch runs: inner validation rows left out), with
    ``inputs`` encoded inputs."""

    models: int
    rows: int
    inputs: int


def seconds_per_epoch(batch: NetworkBatch, network: NetworkSettings,
                      cancel: CancelCheck | None = None) -> float:
    """Measured seconds one epoch of ``batch`` takes with ``network``'s layers, optimiser,
    batch size and device (the probe itself takes about :data:`PROBE_EPOCHS` epochs of up
    to :data:`PROBE_ROWS` rows)."""
    from nrstudio.core.modeling.network_training import train_networks  # torch on first use
    from nrstudio.core.modeling.networks import EpochReport, TrainingSet

    rows = max(min(batch.rows, PROBE_ROWS), 8)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, max(batch.inputs, 1)))
    y = rng.standard_normal(rows)
    sets = [TrainingSet(x, y, seed=i) for i in range(max(batch.models, 1))]
    ends: list[float] = []

    def stamp(_report: EpochReport) -> None:
        ends.append(time.perf_counter())

    # No inner validation: every probe row is a training row, as every row of a batch is.
    probe = replace(network, max_epochs=PROBE_EPOCHS, patience=0, validation_fraction=0.0)
    train_networks(sets, probe, None, cancel, stamp)
    per_epoch = (ends[-1] - ends[0]) / (len(ends) - 1)
    return per_epoch * max(batch.rows, 1) / rows


def expected_epochs(network: NetworkSettings) -> float:
    """Epochs a batch is guessed to run before it has trained (all of them without early
    stopping)."""
    return prior_last_epoch(network.patience, network.max_epochs)
