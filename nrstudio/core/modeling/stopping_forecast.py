"""When the last of many networks trained together will stop early.

Networks trained in one batch (:func:`~nrstudio.core.modeling.network_training.train_networks`)
take as long as the last of them to stop, so a progress bar that counts epochs against the
maximum runs slow, then jumps. This forecast gives the epoch at which the batch is expected to
end, from what the batch has shown so far.

A network stops when ``patience`` epochs pass without a better inner-validation loss. Its life
is therefore a run of improvements separated by gaps, and it ends at the first gap that
reaches the patience. The batch's own gaps tell how likely an improvement is after ``g``
epochs without one (a discrete hazard, counting the gaps still open and the stops as
censored); each network still training is then played forward from its own last improvement
with that hazard, many times, and the forecast is the median of the batch's last stop over
those plays. Per-network histories matter: half the networks of a typical batch stop right
after the patience, while the few that keep improving, every 10 to 30 epochs, set the end,
one to five times later. A forecast from the share of networks that stopped (the earlier
rule) missed such tails by a factor of two on the development tables of
``benchmarks/bench_eta.py``.

- A network cannot stop before its last improvement plus the patience (a hard floor).
- Before any network stops, the hazard is not yet measured; a prior end (3.5 times the
  patience, the geometric middle of the 2.2 to 5 times at which the development tables'
  batches ended) stands in.
- A batch that repeats one already run (the final models after a cross-validation of the
  same data) takes that run's epochs instead until it outlives them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

PRIOR_PATIENCES = 3.5  # a batch's end before any stop, in patiences
PLAYS = 200  # simulated futures per forecast
DRAWS = 32  # gaps drawn at once per network and future
HORIZON = 4  # futures are played up to this many times the epochs so far


def prior_last_epoch(patience: int, max_epochs: int) -> float:
    """The epoch a batch is guessed to end at before any of its networks has stopped."""
    if patience <= 0:
        return float(max_epochs)
    return float(min(max_epochs, PRIOR_PATIENCES * patience))


def last_improvements(improved: np.ndarray) -> np.ndarray:
    """(M,) 1-based epoch of each network's last improvement (0 for none) of ``improved``
    (M, epochs) bool."""
    epochs = improved.shape[1]
    flipped = np.argmax(improved[:, ::-1], axis=1)
    return np.where(improved.any(axis=1), epochs - flipped, 0)


def improvement_hazard(improved: np.ndarray, active: np.ndarray, patience: int) -> np.ndarray:
    """(patience + 1,) probability of an improvement ``g`` epochs after the last one, given
    none in between (index 0 unused), from the batch's gaps between improvements.

    ``improved``: (M, epochs) bool, network i improved at epoch j + 1; ``active``: (M,) still
    training. A gap still open is censored at its length; a stop is a gap that reached the
    patience without an improvement. The first epoch always improves (any loss beats none),
    so gaps are counted from the second epoch's improvements on."""
    epochs = improved.shape[1]
    rows, cols = np.nonzero(improved[:, 1:])  # row-major: sorted by network, then epoch
    cols = cols + 2  # 1-based epochs
    same = rows[1:] == rows[:-1]
    gaps = np.minimum((cols[1:] - cols[:-1])[same], patience + 1)
    last = last_improvements(improved)
    counted = last >= 2  # networks whose last improvement opens a counted gap
    censored = np.minimum(epochs - last, patience)[counted & active]
    stops = int((counted & ~active).sum())
    ends = np.bincount(gaps, minlength=patience + 2)[:patience + 2].astype(float)
    # at risk at gap g: gaps of length >= g, open gaps of length >= g, and every stop
    observed = np.cumsum(ends[::-1])[::-1]
    open_ = np.cumsum(np.bincount(censored, minlength=patience + 2)[::-1])[::-1]
    at_risk = observed + open_[:patience + 2] + stops
    hazard = np.where(at_risk > 0, ends / np.maximum(at_risk, 1.0), 0.0)[:patience + 1]
    hazard[0] = 0.0
    return hazard


def simulated_ends(improved: np.ndarray, active: np.ndarray, epoch: int, patience: int,
                   max_epochs: int, plays: int = PLAYS, seed: int = 0) -> np.ndarray:
    """(plays,) the batch's last epoch in each of ``plays`` simulated futures: every network
    still training improves again after ``g`` epochs with the batch's hazard, or stops.

    Futures are played up to ``HORIZON`` times the epochs so far (and the patience) at most:
    a network still improving there counts as ending there, a lower bound that grows as the
    batch runs (without it, a batch allowed 100,000 epochs whose networks improve every few
    epochs took a second per forecast). Gaps are drawn :data:`DRAWS` at a time."""
    hazard = improvement_hazard(improved, active, patience)
    survival = np.cumprod(1.0 - hazard)  # no improvement within gaps 1..g
    last0 = last_improvements(improved)[active].astype(float)
    k = len(last0)
    if k == 0:
        return np.full(plays, float(epoch))
    horizon = min(max_epochs, HORIZON * (epoch + patience))
    rng = np.random.default_rng(seed)
    last = np.tile(last0, plays)  # play-major: (plays * k,)
    wait = np.tile(np.minimum(epoch - last0, patience).astype(int), plays)
    end = np.full(plays * k, np.nan)
    todo = np.arange(plays * k)
    columns = np.arange(DRAWS)[None, :]
    while len(todo):
        waits = np.zeros((len(todo), DRAWS), dtype=int)
        waits[:, 0] = wait[todo]  # the gap under way has lasted this long already
        level = rng.random(waits.shape) * survival[waits]
        # the first gap past the wait whose survival falls to the drawn level; none: a stop
        gaps = np.maximum(np.searchsorted(-survival, -level, side="left"), waits + 1)
        stops = gaps > patience
        first_stop = np.where(stops.any(axis=1), stops.argmax(axis=1), DRAWS)
        reached = last[todo] + np.where(columns < first_stop[:, None], gaps, 0).sum(axis=1)
        ended = np.where(first_stop < DRAWS, reached + patience,
                         np.where(reached >= horizon, reached, np.nan))
        end[todo] = ended
        last[todo] = reached
        wait[todo] = 0
        todo = todo[np.isnan(ended)]
    per_play = np.minimum(end, max_epochs).reshape(plays, k).max(axis=1)
    return np.maximum(per_play, epoch)


def expected_last_epoch(epoch: int, improved: np.ndarray, active: np.ndarray, patience: int,
                        max_epochs: int, prior: float | None = None) -> float:
    """Expected number of epochs the batch will run in all.

    ``epoch``: epochs done; ``improved``: (M, epoch) bool, network i's inner-validation loss
    improved at epoch j + 1; ``active``: (M,) still training; ``prior``: the epochs a batch
    like this one ran (a cross-validation of the same data before its final models), taken
    as the end unless the floor is later. The answer lies in ``epoch .. max_epochs`` and is
    the same for the same inputs (the simulation is seeded by ``epoch``).
    """
    if not active.any() or epoch >= max_epochs:
        return float(epoch)
    if patience <= 0:
        return float(max_epochs)
    floor = max(epoch + 1, int(last_improvements(improved)[active].max()) + patience)
    if prior is not None and prior > epoch:  # measured on a batch like this one: trust it
        return float(min(max_epochs, max(floor, prior)))
    if active.all():  # nothing has stopped: no hazard measured yet
        return float(min(max_epochs, max(floor, prior_last_epoch(patience, max_epochs))))
    # fewer futures for many networks still training: the last of many varies less between
    # futures, and the cost grows with their number
    plays = max(PLAYS // 5, min(PLAYS, 20 * PLAYS // int(active.sum())))
    ends = simulated_ends(improved, active, epoch, patience, max_epochs, plays, seed=epoch)
    return float(min(max_epochs, max(floor, float(np.median(ends)))))


@dataclass
class StoppingForecast:
    """:func:`expected_last_epoch` for a batch that reports every epoch, forecast again only
    when a network has stopped, the batch has run 5% more epochs, or the forecast end has
    come: a forecast costs 1-3 ms on real batches, up to 0.1 s for hundreds of networks that
    keep improving under a limit of 100,000 epochs, against epochs that may take 10 ms."""

    patience: int
    max_epochs: int
    prior: float | None = None
    _end: float = field(default=math.nan, init=False)
    _at: int = field(default=0, init=False)
    _training: int = field(default=-1, init=False)

    def end(self, epoch: int, improved: np.ndarray, active: np.ndarray) -> float:
        """The expected epochs in all after ``epoch`` (see :func:`expected_last_epoch`)."""
        training = int(active.sum())
        if training != self._training or epoch >= 1.05 * self._at + 1 or epoch >= self._end:
            self._end = expected_last_epoch(epoch, improved, active, self.patience,
                                            self.max_epochs, self.prior)
            self._at, self._training = epoch, training
        return self._end
