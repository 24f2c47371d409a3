"""Garbage is collected on the GUI thread while a job's worker runs Python: Qt objects in
reference cycles must never be destroyed on a worker."""

import gc
import threading
from typing import ClassVar

import pytest

pytest.importorskip("PySide6", reason="GUI tests need PySide6")

from nrstudio.gui.app.background import BackgroundCalls
from nrstudio.gui.app.garbage import (
    install_gui_thread_collector,
    python_on_a_worker,
    workers_running_python,
)
from nrstudio.gui.app.jobs import JobRunner

pytestmark = pytest.mark.gui


class _Cycle:
    """An object in a reference cycle that notes the thread that destroys it."""

    threads: ClassVar[list[int]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.threads.append(threading.get_ident())


def _churn() -> int:
    """Allocate cycles the way a worker's Python does: enough to fill generation 0 many
    times over (its threshold is 700)."""
    for _ in range(50_000):
        a: list = []
        a.append(a)
    return 1


@pytest.fixture(autouse=True)
def collector_on(qtbot):
    install_gui_thread_collector()
    # An earlier test's worker may still be finishing; the collector then hands collection
    # back to Python at its next tick.
    qtbot.waitUntil(lambda: workers_running_python() == 0 and gc.isenabled(), timeout=30_000)
    gc.collect()
    _Cycle.threads = []
    yield
    assert workers_running_python() == 0


def _collects_by_itself_again(qtbot):
    """Every worker left: the collector's next tick hands collection back to Python."""
    qtbot.waitUntil(gc.isenabled, timeout=2_000)


def test_a_jobs_garbage_is_collected_on_the_gui_thread(qtbot):
    runner = JobRunner()
    gui = threading.get_ident()
    for _ in range(200):
        _Cycle()
    with qtbot.waitSignal(runner.idle, timeout=20_000):
        assert runner.start("churn", lambda ctx: _churn())
    _collects_by_itself_again(qtbot)
    gc.collect()
    assert len(_Cycle.threads) == 200
    assert set(_Cycle.threads) == {gui}


def test_a_background_calls_garbage_is_collected_on_the_gui_thread(qtbot):
    calls = BackgroundCalls()
    gui = threading.get_ident()
    got = []
    for _ in range(200):
        _Cycle()
    calls.submit(_churn, got.append)
    assert calls.wait()
    qtbot.waitUntil(lambda: got == [1], timeout=5_000)
    _collects_by_itself_again(qtbot)
    gc.collect()
    assert set(_Cycle.threads) == {gui}


def test_the_collector_collects_while_a_worker_holds_python(qtbot):
    collector = install_gui_thread_collector()
    assert collector is not None
    inside, leave = threading.Event(), threading.Event()

    def worker():
        with python_on_a_worker():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert inside.wait(10)
        assert not gc.isenabled() and workers_running_python() == 1
        for _ in range(5000):
            _Cycle()
        # The timer finds generation 0 over its threshold and collects it here.
        qtbot.waitUntil(lambda: len(_Cycle.threads) == 5000, timeout=5_000)
        assert set(_Cycle.threads) == {threading.get_ident()}
    finally:
        leave.set()
        thread.join(10)
    assert workers_running_python() == 0
    _collects_by_itself_again(qtbot)


def test_collection_stays_off_until_the_last_of_two_workers_leaves(qtbot):
    first_in, second_in = threading.Event(), threading.Event()
    first_out, second_out = threading.Event(), threading.Event()

    def worker(entered, leave):
        with python_on_a_worker():
            entered.set()
            leave.wait(10)

    one = threading.Thread(target=worker, args=(first_in, first_out))
    two = threading.Thread(target=worker, args=(second_in, second_out))
    one.start()
    two.start()
    assert first_in.wait(10) and second_in.wait(10)
    first_out.set()
    one.join(10)
    assert not gc.isenabled() and workers_running_python() == 1
    qtbot.wait(3 * 50)  # the collector's ticks: a worker still runs
    assert not gc.isenabled()
    second_out.set()
    two.join(10)
    assert workers_running_python() == 0
    _collects_by_itself_again(qtbot)
