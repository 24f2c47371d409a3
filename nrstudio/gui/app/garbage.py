"""Python's garbage collector kept on the GUI thread while workers run Python.

Python collects reference cycles on whichever thread happens to allocate when a generation
fills up. While a job runs, that is usually its worker. Cycles often hold Qt objects: the
wrappers of a closed window's pages, pyqtgraph's plots with their parentless menus. Collected
on a worker, their C++ destructors run off the GUI thread, which Qt does not allow: it can
crash the process or hang it. A CI run of the suite hung in a LIME job; a local run of the
GUI tests hung as a job imported torch, the worker's collection destroying an earlier
test's plot menu while the GUI thread destroyed another, each waiting for the other.

So while any worker runs Python, automatic collection is switched off and a timer on the GUI
thread collects the young generations as Python would have (the same thresholds). The oldest
generation is left until no worker runs and Python collects it itself: a full walk of the
heap would hold the window, and the garbage that lives long enough to reach it is little.
pyqtgraph's ``GarbageCollector`` does the first half of this for a whole process; here the
collector is Python's own again whenever no worker runs.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QObject, QTimer

# Every 50 ms: a worker allocates tens of thousands of objects at most in that time, and a
# collection of them takes a few ms of the window's thread.
COLLECT_INTERVAL_MS = 50

_lock = threading.Lock()
_workers = 0  # workers inside python_on_a_worker now
_switched_off = False  # collection is off because of them, until the GUI thread restores it
_collector: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    """A timer on the GUI thread that collects Python's young generations while automatic
    collection is off because a worker runs Python, and switches it back on once none does."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setInterval(COLLECT_INTERVAL_MS)
        self.timer.timeout.connect(self.collect_young)
        self.timer.start()

    def collect_young(self) -> int:
        """Collect generation 0 (and 1 when it is due) if Python would have by now, then
        give collection back to Python if no worker runs; the number of unreachable
        objects found. Nothing while Python collects by itself."""
        global _switched_off
        if not _switched_off:
            return 0
        found = 0
        young, middle, _old = gc.get_count()
        first, second, _third = gc.get_threshold()
        if 0 < first < young:
            found = gc.collect(1 if middle >= second else 0)
        with _lock:
            # Switched on here, never by the last worker as it leaves: generation 0 may be
            # full by then, and the worker's next allocation would collect it there.
            if _workers == 0 and _switched_off:
                gc.enable()
                _switched_off = False
        return found


def install_gui_thread_collector() -> GuiThreadCollector | None:
    """Start the application's collector (once; call on the GUI thread). None without a
    Qt application, where no worker of ours runs."""
    global _collector
    app = QCoreApplication.instance()
    if app is None:
        return None
    try:
        current = _collector is not None and _collector.parent() is app
    except RuntimeError:  # the application it belonged to is gone
        current = False
    if not current:
        _collector = GuiThreadCollector(app)
    return _collector


@contextmanager
def python_on_a_worker() -> Iterator[None]:
    """Wrap a worker thread's whole run: automatic collection is off from the first running
    worker's start until the GUI thread's collector finds none running (at once, as the
    last one leaves, where there is no collector)."""
    global _workers, _switched_off
    with _lock:
        if not _switched_off and gc.isenabled():
            gc.disable()
            _switched_off = True
        _workers += 1
    try:
        yield
    finally:
        with _lock:
            _workers -= 1
            if _workers == 0 and _switched_off and _collector is None:
                gc.enable()
                _switched_off = False


def workers_running_python() -> int:
    """How many workers are inside :func:`python_on_a_worker` now."""
    return _workers
