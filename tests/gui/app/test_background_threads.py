"""A helper call's thread ends when no call waits: a thread that lingers keeps the team of
OpenMP threads its torch prediction started, and two live teams slow a job's training."""

import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6", reason="GUI tests need PySide6")

from nrstudio.gui.app.background import BackgroundCalls

pytestmark = pytest.mark.gui
TASKS = Path("/proc/self/task")


@pytest.mark.skipif(not TASKS.is_dir(), reason="threads are listed in /proc only on Linux")
def test_the_helper_thread_ends_after_its_calls(qtbot):
    calls = BackgroundCalls()
    seen: list[int] = []
    calls.submit(lambda: threading.get_native_id(), seen.append)
    # not calls.wait(): Qt's waitForDone ends the pool's threads itself
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    assert seen[0] != threading.get_native_id()
    deadline = time.monotonic() + 5.0  # Qt's default keeps an idle thread for 30 s
    while (TASKS / str(seen[0])).exists() and time.monotonic() < deadline:
        qtbot.wait(20)
    assert not (TASKS / str(seen[0])).exists()
    # and a later call still runs, in a thread of its own
    calls.submit(lambda: threading.get_native_id(), seen.append)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    calls.shutdown()
    qtbot.wait(50)  # the relays' deferred deletes, before the object goes
