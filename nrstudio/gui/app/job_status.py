"""The status bar's view of the running background job: its stage, progress, the time left
and Cancel (the one Cancel every page's job answers to)."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from nrstudio.core.run_clock import about
from nrstudio.gui.app.jobs import JobRunner


def time_left(elapsed: float, fraction: float) -> float | None:
    """Seconds left of a job ``fraction`` done after ``elapsed`` seconds, by extrapolating
    its pace so far; None before there is enough to go on (2 s, and some progress). A run of
    the whole pipeline reports the share of its forecast time
    (:mod:`nrstudio.core.run_clock`), so this reads out that forecast; it reports 0 until
    its first stages have been timed, and a small share when the forecast is long (networks
    that will train for hours), which must still be read out."""
    if 0 < fraction < 1 and elapsed > 2:
        return elapsed * (1 - fraction) / fraction
    return None


def time_text(elapsed: float, fraction: float) -> str:
    """The status bar's words for a job ``fraction`` done after ``elapsed`` seconds: the time
    left and the whole job's expected length ("about 40 s left of about 2 min"), which is
    the steadier of the two (issue 31: from a run's first network epochs on, within 1.5x of
    the truth at every reading of ``benchmarks/bench_eta.py``, where the time left can read
    as little as 0.3 of the truth until the first networks stop); empty before there is
    anything to say."""
    left = time_left(elapsed, fraction)
    if left is not None:
        return f"{about(left)} left of {about(elapsed + left)}"
    if elapsed > 2 and fraction < 1:
        return "timing the first steps"
    return ""


def advance_bar(bar: QProgressBar, fraction: float) -> None:
    """Show ``fraction`` (of a bar of 1000 steps) unless the bar is further already: a job's
    fraction is its share of the expected time, which goes back when the forecast grows (or
    to 0 while a stage ahead cannot be forecast), and a bar that runs backwards reads as
    work undone. The time left is read from the fraction itself."""
    bar.setValue(max(bar.value(), round(1000 * fraction)))


class JobStatus(QWidget):
    """Status-bar widget of the running background job: stage, progress, time left, Cancel."""

    def __init__(self, jobs: JobRunner) -> None:
        super().__init__()
        self.jobs = jobs
        self.label = QLabel()
        self.bar = QProgressBar(maximum=1000)
        self.bar.setFixedWidth(220)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(jobs.cancel)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (self.label, self.bar, self.cancel):
            lay.addWidget(w)
        self._t0 = 0.0
        jobs.started.connect(self._started)
        jobs.progress.connect(self._progress)
        jobs.idle.connect(self.hide)
        self.hide()

    def _started(self, title: str) -> None:
        self._t0 = time.monotonic()
        self.bar.setValue(0)
        self.label.setText(title)
        self.cancel.setEnabled(True)
        self.show()

    def _progress(self, fraction: float, stage: str) -> None:
        advance_bar(self.bar, fraction)
        words = time_text(time.monotonic() - self._t0, fraction)
        self.label.setText(f"{self.jobs.title}: {stage}" + (f" — {words}" if words else ""))
