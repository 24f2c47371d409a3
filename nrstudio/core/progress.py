"""Progress reporting and cancellation shared by every long function of the core.

A long function takes ``progress: ProgressCallback | None`` and ``cancel: CancelCheck | None``.
``progress(fraction, stage)`` receives a fraction in [0, 1] and a short stage text;
``cancel()`` returns True when the user asked to stop, and the function then raises
:class:`~nrstudio.core.errors.Cancelled` at its next check. The GUI adapts both to Qt signals in
its workers; the CLI prints them; tests pass plain callables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nrstudio.core.compute_threads import GOVERNOR
from nrstudio.core.errors import Cancelled

ProgressCallback = Callable[[float, str], None]
CancelCheck = Callable[[], bool]


@dataclass
class Reporter:
    """Maps the progress of one step onto a sub-range of its caller's progress bar."""

    progress: ProgressCallback | None = None
    cancel: CancelCheck | None = None
    start: float = 0.0
    stop: float = 1.0

    def report(self, fraction: float, stage: str = "") -> None:
        """Report ``fraction`` (0..1) of this step, then honour a pending cancel request."""
        if self.progress is not None:
            f = min(max(fraction, 0.0), 1.0)
            self.progress(self.start + (self.stop - self.start) * f, stage)
        self.check()

    def check(self) -> None:
        """Raise :class:`Cancelled` if the user asked to stop; let the thread team follow
        the cores other programs leave free (:mod:`nrstudio.core.compute_threads`)."""
        if self.cancel is not None and self.cancel():
            raise Cancelled()
        GOVERNOR.update()

    def sub(self, start: float, stop: float) -> Reporter:
        """A reporter for a step that covers ``start..stop`` of this one."""
        span = self.stop - self.start
        return Reporter(
            self.progress, self.cancel, self.start + span * start, self.start + span * stop
        )
