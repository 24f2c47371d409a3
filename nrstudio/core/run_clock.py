"""The share of a long run's expected time that is done, from the pace its stages show.

Fixed shares of a progress bar per stage (say 66% for the cross-validation) make a poor clock:
the stages' costs vary from table to table by more than the shares can follow. A
:class:`RunClock` knows the run's stages in order, each with a kind and a size, and turns
each stage's own progress into ``elapsed / (elapsed + expected time left)``, so that a
front end's usual time-left formula, ``elapsed * (1 - fraction) / fraction``, reads out the
forecast itself.

- The stage that is running is extrapolated from its own pace; where its kind or a
  measured prior also gives it an expected duration, the two are weighed by the share of
  that duration it has run.
- A stage that has not started is expected to take what the first stage of its kind took
  (measured, or extrapolated while it runs), scaled by ``(size / size_of_that_stage) **
  exponent`` of the kind: networks trained in one batch scale with their number to the power
  0.75 (a batch has a per-epoch overhead), model fits with their number. A caller that has
  measured what one unit of a stage costs (:meth:`RunClock.expect`: the seconds of one epoch
  of each batch of networks) gives sizes in those terms, which scale linearly, and a prior
  duration that stands until the first stage of the kind has shown its pace.
- Until every stage still ahead has a forecast, the clock reports 0 ("not yet known"),
  except stages marked ``known_later`` (the explanations of a whole run, which nothing
  before them can time): they count as no time until they begin, so the forecast of a run
  that explains is short by their time until then.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Stage:
    """One stage of a run: ``key`` names it, stages of one ``kind`` cost alike per ``size``
    (networks, model fits, ...)."""

    key: str
    kind: str
    size: float = 1.0
    known_later: bool = False  # counted as no time until it begins (nothing to scale from)
    measured: bool = False  # size is a measured cost, linear in time (see RunClock.expect)
    prior: float | None = None  # seconds expected before any stage of its kind has run


def about(seconds: float) -> str:
    """A time in words: "about 40 s", "about 3 min"."""
    return f"about {seconds:.0f} s" if seconds < 120 else f"about {seconds / 60:.0f} min"


EXPONENTS = {"networks": 0.75}  # kinds not listed scale linearly with their size


@dataclass
class RunClock:
    """Forecast of a run made of ``stages`` (in the order they run); see the module doc."""

    stages: list[Stage]  # sizes are first guesses; see resize
    now: Callable[[], float] = time.monotonic
    _t0: float = field(init=False)
    _begun: dict[str, float] = field(default_factory=dict, init=False)
    _ended: dict[str, float] = field(default_factory=dict, init=False)
    _local: dict[str, float] = field(default_factory=dict, init=False)
    _last: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self._t0 = self.now()
        self._order = {s.key: i for i, s in enumerate(self.stages)}

    def resize(self, key: str, size: float) -> None:
        """Set the size of stage ``key`` (when its caller has counted its work)."""
        if key in self._order:
            i = self._order[key]
            old = self.stages[i]
            if not old.measured:  # a measured size is not replaced by a count
                self.stages[i] = replace(old, size=size)

    def expect(self, key: str, unit_seconds: float, prior: float | None) -> None:
        """Stage ``key`` costs ``unit_seconds`` per unit of work that every stage of its kind
        repeats alike (an epoch), and is expected to take ``prior`` seconds until a stage
        of its kind has shown how many units it runs. Give every stage of a kind its cost,
        or none: costs and counts do not compare."""
        if key in self._order:
            i = self._order[key]
            self.stages[i] = replace(self.stages[i], size=unit_seconds, measured=True,
                                     prior=prior)

    def fraction(self, key: str | None, local: float) -> float:
        """Record that stage ``key`` is ``local`` (0..1) done and return the share of the
        run's expected time done. ``key`` None is work between the listed stages: the stage
        that ran last is over, and the forecast is what the stages ahead will take (the
        last share stands while one of them cannot be forecast); 1 at the end."""
        if key is not None and key not in self._order:
            return self._last
        t = self.now()
        if key is None:
            if local >= 1.0:
                return 1.0
            begun = [i for i, s in enumerate(self.stages) if s.key in self._begun]
            if not begun:
                return self._last
            index = begun[-1]
            self._ended.setdefault(self.stages[index].key, t)
            left = self._ahead(index)
        else:
            index = self._order[key]
            for s in self.stages[:index]:  # earlier stages are over
                if s.key in self._begun and s.key not in self._ended:
                    self._ended[s.key] = t
            self._begun.setdefault(key, t)
            self._local[key] = min(max(local, 0.0), 1.0)
            if local >= 1.0:
                self._ended.setdefault(key, t)
            left = self.seconds_left(index, t)
            if left is None:
                self._last = 0.0
                return self._last
        if left is not None:
            elapsed = t - self._t0
            self._last = elapsed / (elapsed + left) if elapsed + left > 0 else 0.0
        return self._last

    def seconds_left(self, index: int, t: float) -> float | None:
        """Expected seconds left of the run while stage ``index`` runs; None when a stage
        ahead has nothing to be forecast from yet."""
        current = self._running_left(self.stages[index], t)
        ahead = self._ahead(index)
        return None if current is None or ahead is None else current + ahead

    def _ahead(self, index: int) -> float | None:
        """Expected seconds of the stages after ``index``."""
        left = 0.0
        for s in self.stages[index + 1:]:
            took = self.expected_seconds(s)
            if took is None and not s.known_later:
                return None
            left += took or 0.0
        return left

    def _running_left(self, stage: Stage, t: float) -> float | None:
        """The running stage's own pace and its forecast from its kind, weighed by the share
        of its forecast time it has run (its pace tells more the longer it runs)."""
        spent = t - self._begun[stage.key]
        local = self._local[stage.key]
        paced = spent / local if local > 0.005 and spent > 0 else None  # its whole time
        scaled = self._scaled_from_kind(stage)
        expected = scaled if scaled is not None else stage.prior
        if paced is None:
            return None if expected is None else max(expected - spent, 0.0)
        if expected is None:
            return max(paced - spent, 0.0)
        # The pace is trusted as far as the stage has run of its expected time: a stage's
        # first steps may be its cheap ones (the mean and the ridge before the forest), or
        # dear ones (the networks' first epoch also pays for their set-up: on the example,
        # the time left read 2.9 times the truth there when the pace alone counted).
        trust = min(spent / expected, 1.0) if expected > 0 else 1.0
        return max(trust * paced + (1 - trust) * expected - spent, 0.0)

    def taken_seconds(self, key: str) -> float | None:
        """Measured duration of a stage that ended, extrapolated for one that runs; None
        before it has shown a pace."""
        if key not in self._begun:
            return None
        if key in self._ended:
            return self._ended[key] - self._begun[key]
        local = self._local.get(key, 0.0)
        if local <= 0.005:
            return None
        return (self.now() - self._begun[key]) / local

    def expected_seconds(self, stage: Stage) -> float | None:
        """Forecast duration of ``stage`` from the first stage of its kind that has begun
        (not itself), scaled by size; its prior, if any, when there is none yet."""
        scaled = self._scaled_from_kind(stage)
        return scaled if scaled is not None else stage.prior

    def _scaled_from_kind(self, stage: Stage) -> float | None:
        for ref in self.stages:
            if ref.kind != stage.kind or ref.key == stage.key:
                continue
            took = self.taken_seconds(ref.key)
            if took is None:
                continue
            ratio = stage.size / max(ref.size, 1e-9)
            exponent = 1.0 if stage.measured and ref.measured else EXPONENTS.get(stage.kind, 1.0)
            return took * ratio ** exponent
        return None
