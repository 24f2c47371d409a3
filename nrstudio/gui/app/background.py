"""Short helper calls off the GUI thread (decoding thumbnails, previewing superpixels).

Long, cancellable work goes through :class:`~nrstudio.gui.app.jobs.JobRunner`, one job at a time
with the status bar. These are quick calls that must not wait for a job nor freeze the
window: each runs in a private thread pool and its result (or the exception it raised) is
delivered on the GUI thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

from nrstudio.gui.app.garbage import install_gui_thread_collector, python_on_a_worker


class _Relay(QObject):
    ready = Signal(object)


class _Call(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn, self.relay = fn, relay

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
            self.relay.ready.emit(result)


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
        self._relays: set[_Relay] = set()

    def submit(self, fn: Callable[[], Any], on_result: Callable[[Any], None]) -> None:
        # Created here, so its signal is delivered on the GUI thread; a child of this
        # object, so a result that arrives after the owner (a page) is gone is dropped
        # with it rather than delivered to deleted widgets.
        relay = _Relay(self)
        self._relays.add(relay)

        def deliver(value: object) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            on_result(value)

        relay.ready.connect(deliver)
        self.pool.start(_Call(fn, relay))

    def wait(self, msecs: int = 30_000) -> bool:
        """Finish the queued calls and deliver their results (for tests and scripts)."""
        done = self.pool.waitForDone(msecs)
        QCoreApplication.processEvents()
        return done

    def shutdown(self, msecs: int = 10_000) -> None:
        """Drop queued calls and wait for the running one (the window is closing)."""
        self.pool.clear()
        self.pool.waitForDone(msecs)
