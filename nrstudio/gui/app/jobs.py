"""The one contract for background jobs: core functions run in a worker thread, never on the
GUI thread, and their results land only in the project they were computed for.

A page starts a job with::

    jobs.start(title, work, on_done, settings=settings, on_partial=None)

``work(ctx)`` runs in the worker with a :class:`JobContext`: ``ctx.progress`` and
``ctx.cancelled`` are the core's progress callback and cancel check (the way Orange adapts
its algorithms through ``TaskState``), and ``ctx.partial(value)`` hands a partial result
(live loss curves) to ``on_partial(value)`` on the GUI thread. ``on_done(result, settings)``
receives the settings recorded at start, so what is stored with a result is what it ran with.

At start the runner records which project is open (its document generation). A result or a
partial result that arrives after that project was closed or replaced (New, Open, Import,
Restore) is dropped and the status bar says so: it never touches the new project. One job
runs at a time; the status bar's Cancel and every page's busy state follow ``started`` and
``idle``, which is emitted after every job whatever its end, even when ``on_done`` raises.

A result that arrives after Cancel was pressed is dropped like a cancelled job's: the user
asked for no result. A failure reaches the pages as :class:`JobFailure` (the message and the
traceback), and the traceback is written to the error log (:mod:`nrstudio.gui.app.error_log`).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from nrstudio.core.errors import Cancelled, NRStudioError
from nrstudio.gui.app.garbage import install_gui_thread_collector, python_on_a_worker


class JobContext:
    """What a job's worker function gets: progress, the cancel check, partial results."""

    def __init__(self, signals: _Signals, stop: threading.Event) -> None:
        self._signals, self._stop = signals, stop
        self._last = 0.0

    def progress(self, fraction: float, stage: str) -> None:
        now = time.monotonic()
        if now - self._last >= 0.05 or fraction >= 1.0:  # at most 20 updates a second
            self._last = now
            self._signals.progress.emit(float(fraction), stage)

    def cancelled(self) -> bool:
        return self._stop.is_set()

    def partial(self, value: object) -> None:
        """Send a partial result to the GUI thread (throttle before calling: each is drawn)."""
        self._signals.partial.emit(value)


JobFunction = Callable[[JobContext], Any]


@dataclass(frozen=True)
class JobFailure:
    """Why a job failed: the message a user reads and the traceback for the log ("" for an
    expected failure, such as bad data, whose message says it all)."""

    message: str
    details: str = ""
    defect: bool = False  # an internal error, not the data's or the user's


class _Signals(QObject):
    progress = Signal(float, str)
    partial = Signal(object)
    done = Signal(object)
    failed = Signal(object)  # JobFailure
    cancelled = Signal()


class _Task(QRunnable):
    def __init__(self, fn: JobFunction, signals: _Signals, stop: threading.Event) -> None:
        super().__init__()
        self.fn, self.signals, self.stop = fn, signals, stop
        self.setAutoDelete(True)

    def run(self) -> None:
        with python_on_a_worker():
            self._run()

    def _run(self) -> None:
        try:
            result = self.fn(JobContext(self.signals, self.stop))
        except Cancelled:
            self.signals.cancelled.emit()
        except NRStudioError as exc:
            self.signals.failed.emit(JobFailure(str(exc)))
        except MemoryError:
            self.signals.failed.emit(JobFailure("out of memory", traceback.format_exc()))
        except Exception as exc:  # a defect: report it, keep the app alive
            self.signals.failed.emit(JobFailure(
                f"internal error ({type(exc).__name__}: {exc})", traceback.format_exc(), True))
        else:
            self.signals.done.emit(result)


@dataclass
class Job:
    """A running job: what it is, the project generation and the settings it started on."""

    title: str
    generation: int
    settings: Any
    on_done: Callable[[Any, Any], None] | None
    on_partial: Callable[[Any], None] | None
    stop: threading.Event
    signals: _Signals


class JobRunner(QObject):
    """Runs one job at a time in a worker thread and delivers its results to the project it
    started on. ``generation()`` tells which project is open now (the document's counter)."""

    started = Signal(str)
    progress = Signal(float, str)
    finished = Signal(str, object)  # title, result
    failed = Signal(str, str)  # title, message
    failure = Signal(str, object)  # title, JobFailure (with its traceback)
    cancelled = Signal(str)
    dropped = Signal(str)  # title: the result came after its project was closed or replaced
    idle = Signal()

    def __init__(self, generation: Callable[[], int] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        install_gui_thread_collector()
        self.generation = generation or (lambda: 0)
        self.job: Job | None = None

    @property
    def busy(self) -> bool:
        return self.job is not None

    @property
    def title(self) -> str:
        return self.job.title if self.job else ""

    def start(self, title: str, fn: JobFunction,
              on_done: Callable[[Any, Any], None] | None = None, *, settings: Any = None,
              on_partial: Callable[[Any], None] | None = None) -> bool:
        """Start ``fn(ctx)`` in the background; False (and nothing started) if a job runs."""
        if self.busy:
            return False
        sig = _Signals()
        job = Job(title, self.generation(), settings, on_done, on_partial, threading.Event(),
                  sig)
        sig.progress.connect(self.progress)
        sig.partial.connect(lambda value: self._partial(job, value))
        sig.done.connect(lambda result: self._done(job, result))
        sig.failed.connect(lambda failure: self._failed(job, failure))
        sig.cancelled.connect(lambda: self._cancelled(job))
        self.job = job
        self.pool.start(_Task(fn, sig, job.stop))
        self.started.emit(title)
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.job.stop.set()

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)

    def still_current(self, job: Job) -> bool:
        """True while the project the job started on is still open."""
        return job.generation == self.generation()

    def _finish(self, job: Job) -> None:
        if self.job is job:
            self.job = None

    def _partial(self, job: Job, value: object) -> None:
        if job.on_partial is not None and self.job is job and self.still_current(job):
            job.on_partial(value)

    def _done(self, job: Job, result: object) -> None:
        self._finish(job)
        try:
            if job.stop.is_set():  # finished just after Cancel: the user asked for nothing
                self.cancelled.emit(job.title)
            elif not self.still_current(job):
                self.dropped.emit(job.title)
            else:
                if job.on_done is not None:
                    job.on_done(result, job.settings)
                self.finished.emit(job.title, result)
        except Exception as exc:  # a defect in a page's handler: say so, keep the app usable
            self._report(job, JobFailure(f"internal error while showing the result "
                                         f"({type(exc).__name__}: {exc})",
                                         traceback.format_exc(), True))
        finally:
            self.idle.emit()

    def _failed(self, job: Job, failure: JobFailure) -> None:
        self._finish(job)
        try:
            if self.still_current(job):
                self._report(job, failure)
            else:
                self.dropped.emit(job.title)
        finally:
            self.idle.emit()

    def _report(self, job: Job, failure: JobFailure) -> None:
        if failure.details:
            from nrstudio.gui.app.error_log import log_error

            log_error(job.title, failure.message, failure.details)
        self.failed.emit(job.title, failure.message)
        self.failure.emit(job.title, failure)

    def _cancelled(self, job: Job) -> None:
        self._finish(job)
        self.cancelled.emit(job.title)
        self.idle.emit()
