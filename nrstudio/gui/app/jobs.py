"""Background jobs: core functions run in a worker thread, never on the GUI thread.

A job is a callable ``fn(progress, cancel)`` from the core. The runner adapts the core's
progress callback and cancel check to Qt signals (the way Orange widgets adapt its
algorithms): progress arrives on the GUI thread as ``progress(fraction, stage)``, and
``cancel()`` sets a flag the core polls. One job runs at a time; the status bar shows it.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from nrstudio.core.errors import Cancelled, NRStudioError

JobFunction = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class _Signals(QObject):
    progress = Signal(float, str)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class _Task(QRunnable):
    def __init__(self, fn: JobFunction, signals: _Signals, stop: threading.Event) -> None:
        super().__init__()
        self.fn, self.signals, self.stop = fn, signals, stop
        self._last = 0.0
        self.setAutoDelete(True)

    def _progress(self, fraction: float, stage: str) -> None:
        now = time.monotonic()
        if now - self._last >= 0.05 or fraction >= 1.0:  # at most 20 updates a second
            self._last = now
            self.signals.progress.emit(float(fraction), stage)

    def run(self) -> None:
        try:
            result = self.fn(self._progress, self.stop.is_set)
        except Cancelled:
            self.signals.cancelled.emit()
        except NRStudioError as exc:
            self.signals.failed.emit(str(exc))
        except MemoryError:
            self.signals.failed.emit("out of memory")
        except Exception as exc:  # a defect: report it, keep the app alive
            traceback.print_exc()
            self.signals.failed.emit(f"internal error ({type(exc).__name__}: {exc})")
        else:
            self.signals.done.emit(result)


class JobRunner(QObject):
    """Runs one job at a time in a worker thread and relays its progress."""

    started = Signal(str)
    progress = Signal(float, str)
    finished = Signal(str, object)  # title, result
    failed = Signal(str, str)  # title, message
    cancelled = Signal(str)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.title = ""
        self._stop: threading.Event | None = None
        self._signals: _Signals | None = None
        self._on_done: Callable[[Any], None] | None = None

    @property
    def busy(self) -> bool:
        return self._stop is not None

    def start(self, title: str, fn: JobFunction,
              on_done: Callable[[Any], None] | None = None) -> bool:
        """Start ``fn`` in the background; False (and nothing started) if a job is running."""
        if self.busy:
            return False
        self.title = title
        self._stop = threading.Event()
        self._on_done = on_done
        sig = _Signals()
        sig.progress.connect(self.progress)
        sig.done.connect(self._done)
        sig.failed.connect(self._failed)
        sig.cancelled.connect(self._cancelled)
        self._signals = sig
        self.pool.start(_Task(fn, sig, self._stop))
        self.started.emit(title)
        return True

    def cancel(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)

    def _reset(self) -> tuple[str, Callable[[Any], None] | None]:
        title, cb = self.title, self._on_done
        self._stop, self._signals, self._on_done, self.title = None, None, None, ""
        return title, cb

    def _done(self, result: object) -> None:
        title, cb = self._reset()
        if cb is not None:
            cb(result)
        self.finished.emit(title, result)
        self.idle.emit()

    def _failed(self, message: str) -> None:
        title, _ = self._reset()
        self.failed.emit(title, message)
        self.idle.emit()

    def _cancelled(self) -> None:
        title, _ = self._reset()
        self.cancelled.emit(title)
        self.idle.emit()
