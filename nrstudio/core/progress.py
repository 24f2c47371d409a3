"""Progress reporting and cancellation shared by every long function of the core.

A long function takes ``progress: ProgressCallback | None`` and ``cancel: CancelCheck | None``.
``progress(fraction, stage)`` receives a fraction in [0, 1] and a short stage text;
``cancel()`` returns True when the user asked to stop, and the function then raises
:class:`~nrstudio.core.errors.Cancelled` at its next check. The GUI adapts both to Qt signals in
its workers; the CLI prints them; tests pass plain callables.

A function made of stages whose costs vary names them with ``Reporter.sub(..., stage=key)``;
when the caller gave the reporter a :class:`~nrstudio.core.run_clock.RunClock`, the fraction
passed on is the share of the run's expected time done (so a time-left estimate follows the
pace measured so far), otherwise the fixed sub-ranges apply as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nrstudio.core.compute_threads import GOVERNOR
from nrstudio.core.errors import Cancelled

if TYPE_CHECKING:
    from nrstudio.core.run_clock import RunClock

ProgressCallback = Callable[[float, str], None]
CancelCheck = Callable[[], bool]


@dataclass
class Reporter:
    """Maps the progress of one step onto a sub-range of its caller's progress bar."""

    progress: ProgressCallback | None = None
    cancel: CancelCheck | None = None
    start: float = 0.0
    stop: float = 1.0
    clock: RunClock | None = None
    stage: str | None = None  # the clock's stage this step belongs to
    stage_start: float = 0.0  # the stage's range on the caller's bar
    stage_stop: float = 1.0

    def __post_init__(self) -> None:
        # A callee wrapping its caller's ``report`` joins the caller's reporter, so that
        # stages it names reach the caller's clock.
        parent = getattr(self.progress, "__self__", None)
        if isinstance(parent, Reporter) and self.clock is None:
            span = parent.stop - parent.start
            self.start, self.stop = (parent.start + span * self.start,
                                     parent.start + span * self.stop)
            self.progress, self.clock = parent.progress, parent.clock
            self.stage, self.stage_start, self.stage_stop = (parent.stage, parent.stage_start,
                                                             parent.stage_stop)

    def report(self, fraction: float, stage: str = "") -> None:
        """Report ``fraction`` (0..1) of this step, then honour a pending cancel request."""
        if self.progress is not None:
            f = min(max(fraction, 0.0), 1.0)
            mapped = self.start + (self.stop - self.start) * f
            if self.clock is not None:
                span = max(self.stage_stop - self.stage_start, 1e-12)
                mapped = self.clock.fraction(self.stage, (mapped - self.stage_start) / span)
            self.progress(mapped, stage)
        self.check()

    def check(self) -> None:
        """Raise :class:`Cancelled` if the user asked to stop; let the thread team follow
        the cores other programs leave free (:mod:`nrstudio.core.compute_threads`)."""
        if self.cancel is not None and self.cancel():
            raise Cancelled()
        GOVERNOR.update()

    def sub(self, start: float, stop: float, stage: str | None = None) -> Reporter:
        """A reporter for a step that covers ``start..stop`` of this one; ``stage`` names
        the clock's stage it is (it keeps its parent's otherwise)."""
        span = self.stop - self.start
        lo, hi = self.start + span * start, self.start + span * stop
        if stage is None:
            return Reporter(self.progress, self.cancel, lo, hi, self.clock, self.stage,
                            self.stage_start, self.stage_stop)
        return Reporter(self.progress, self.cancel, lo, hi, self.clock, stage, lo, hi)

    def resize(self, stage: str, size: float) -> None:
        """Tell the clock, if any, the size of a stage once it is known (networks to train,
        models to fit)."""
        if self.clock is not None:
            self.clock.resize(stage, size)

    def expect(self, stage: str, unit_seconds: float, prior: float | None) -> None:
        """Tell the clock, if any, the measured cost of a unit of a stage's work and its
        expected duration (:meth:`~nrstudio.core.run_clock.RunClock.expect`)."""
        if self.clock is not None:
            self.clock.expect(stage, unit_seconds, prior)

    def timed(self, clock: RunClock) -> Reporter:
        """This reporter with ``clock`` turning its stages' progress into time shares."""
        return Reporter(self.progress, self.cancel, self.start, self.stop, clock)
