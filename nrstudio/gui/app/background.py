"""Short helper calls off the GUI thread (decoding thumbnails, previewing superpixels).

Long, cancellable work goes through :class:`~nrstudio.gui.app.jobs.JobRunner`, one job at a time
with the status bar. These are quick calls that must not wait for a job nor freeze the
window: each runs in a private thread pool and its result (or the exception it raised) is
delivered on the GUI thread.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

from nrstudio.gui.app.garbage import install_gui_thread_collector, python_on_a_worker


class _Relay(QObject):
    ready = Signal(int, object)  # the call's number, its result


class _Call(QRunnable):
    def __init__(self, fn: Callable[[], Any], number: int, relay: _Relay) -> None:
        super().__init__()
        self.fn, self.number, self.relay = fn, number, relay

    def run(self) -> None:
        with python_on_a_worker():
            self._run()

    def _run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the caller, never raised in a pool thread
            result = exc
        # RuntimeError: the owner was deleted meanwhile; nobody waits for this result.
        with contextlib.suppress(RuntimeError):
            self.relay.ready.emit(self.number, result)


class BackgroundCalls(QObject):
    """Runs ``fn()`` calls one after another in a worker thread; ``on_result(value)`` gets
    the return value, or the exception, on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        # The thread ends as soon as no call waits (Qt keeps an idle one for 30 s). A call
        # that predicts starts a team of torch's OpenMP threads in it, and while two teams
        # live GNU OpenMP makes every team wait through the kernel on 2 cores: a network
        # trained by a job took 31 s instead of 7.5 s beside a thread that had predicted
        # one row and was idle. A thread costs well under a millisecond to start again.
        self.pool.setExpiryTimeout(0)
        install_gui_thread_collector()
        # One relay for every call, made after the pool: children are destroyed in the
        # order they were made, and the pool waits for its running call first, so no
        # worker is still inside emit() when the relay goes. (A relay per call, deleted
        # once its result was delivered, could be deleted on this thread while the worker
        # that emitted was still returning from emit(): a use after free.) A result that
        # arrives after the owner (a page) is gone is dropped with the relay.
        self._relay = _Relay(self)
        self._relay.ready.connect(self._deliver)
        self._waiting: dict[int, Callable[[Any], None]] = {}
        self._numbers = itertools.count()

    def submit(self, fn: Callable[[], Any], on_result: Callable[[Any], None]) -> None:
        number = next(self._numbers)
        self._waiting[number] = on_result
        self.pool.start(_Call(fn, number, self._relay))

    def _deliver(self, number: int, value: object) -> None:
        on_result = self._waiting.pop(number, None)
        if on_result is not None:
            on_result(value)

    def wait(self, msecs: int = 30_000) -> bool:
        """Finish the queued calls and deliver their results (for tests and scripts)."""
        done = self.pool.waitForDone(msecs)
        QCoreApplication.processEvents()
        return done

    def shutdown(self, msecs: int = 10_000) -> None:
        """Drop queued calls and wait for the running one (the window is closing)."""
        self.pool.clear()
        self.pool.waitForDone(msecs)
        self._waiting.clear()
