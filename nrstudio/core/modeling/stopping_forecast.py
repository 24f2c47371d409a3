"""When the last of many networks trained together will stop early.

Networks trained in one batch (:func:`~nrstudio.core.modeling.network_training.train_networks`)
take as long as the last of them to stop, so a progress bar that counts epochs against the
maximum runs slow, then jumps. This forecast gives the epoch at which the batch is expected to
end, from what the batch has shown so far:

- a network that stops cannot stop before its best epoch plus the patience (a hard floor);
- once networks start stopping, the batch's stopping rate per network and epoch is measured
  (stops over epochs of exposure since the earliest possible stop); the last of ``k`` networks
  still training is then expected after ``f H_k / rate`` more epochs (``H_k`` the harmonic
  number: ``H_k / rate`` is the expected maximum of ``k`` exponential waiting times; ``f``,
  2 while over a quarter of the networks train and falling to 1 as they become few, allows
  for the longer tail real batches show; it was set on the two development tables of
  ``benchmarks/bench_eta.py``);
- before any network stops, a prior end (3.5 times the patience, the geometric middle of
  the 2.9 to 5 times at which the development tables' batches ended, within a factor of
  1.5 of both) stands in, weighted as one stop;
- a batch that repeats one already run (the final models after a cross-validation of the
  same data) takes that run's epochs instead, 15 networks telling less than 84 did, until
  it outlives them; then its own stops forecast it.
"""

from __future__ import annotations

import numpy as np

HEAVY_TAIL = 2.0
PRIOR_PATIENCES = 3.5  # a batch's end before any stop, in patiences (development: 2.9..5)


def harmonic_number(k: int) -> float:
    """1 + 1/2 + ... + 1/k (0 for k = 0)."""
    return float(np.sum(1.0 / np.arange(1, k + 1))) if k > 0 else 0.0


def prior_last_epoch(patience: int, max_epochs: int) -> float:
    """The epoch a batch is guessed to end at before any of its networks has stopped."""
    if patience <= 0:
        return float(max_epochs)
    return float(min(max_epochs, PRIOR_PATIENCES * patience))


def expected_last_epoch(epoch: int, best_epoch: np.ndarray, epochs_run: np.ndarray,
                        active: np.ndarray, patience: int, max_epochs: int,
                        prior: float | None = None) -> float:
    """Expected number of epochs the batch will run in all.

    ``epoch``: epochs done; ``best_epoch``, ``epochs_run``: (M,) 1-based epoch of each
    network's best weights and the epochs it trained; ``active``: (M,) still training;
    ``prior``: the epochs a batch like this one ran (a cross-validation of the same data
    before its final models), taken as the end unless the floor is later; without it the
    end is forecast from the stops, with ``PRIOR_PATIENCES * patience`` as the guess before any.
    The answer lies in ``epoch .. max_epochs``.
    """
    k = int(active.sum())
    if k == 0 or epoch >= max_epochs:
        return float(epoch)
    if patience <= 0:
        return float(max_epochs)
    floor = max(epoch + 1, int(best_epoch[active].max()) + patience)
    if prior is not None and prior > epoch:  # measured on a batch like this one: trust it
        return float(min(max_epochs, max(floor, prior)))
    # (a batch that outlives its prior is forecast from its own stops, as one without)
    prior_end = PRIOR_PATIENCES * patience
    start = patience  # no network can stop before this many epochs
    exposure = float(np.clip(np.where(active, epoch, epochs_run) - start, 0, None).sum())
    n_stopped = int((~active).sum())
    prior_rate = harmonic_number(len(active)) / max(prior_end - start, 1.0)
    rate = (n_stopped + 1.0) / (exposure + 1.0 / prior_rate)
    # Stopping is not memoryless: networks still training after the first stops keep
    # improving longer than an exponential waiting time says (about twice as long on the
    # development tables, where half the networks stop right after the patience); the last
    # few left are near their floor, and the factor fades as they become few.
    spread = min(HEAVY_TAIL, 1.0 + 4.0 * k / len(active)) if n_stopped else 1.0
    tail = max(epoch, start) + spread * harmonic_number(k) / rate
    return float(min(max_epochs, max(floor, tail)))
