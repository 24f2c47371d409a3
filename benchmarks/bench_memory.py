"""Memory of an app left open all day (prints a table).

The real main window runs offscreen. Each cycle opens a copy of the example project, trains
it through the Train page's button (small networks so that a cycle takes seconds; the point is
what is kept alive afterwards, not the training), shows the Train, Explain and Predict pages,
then closes the project. The resident memory after every cycle and the peak are printed, and
the growth per cycle over the second half (after caches and libraries have warmed up): it
should be near zero.

Usage: python benchmarks/bench_memory.py [--cycles 20] [--epochs 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from nrstudio.core.project.example import example_project_path
from nrstudio.gui.app.launch import settle_memory
from nrstudio.gui.app.main_window import MainWindow


def rss_mb() -> tuple[float, float]:
    """(resident now, peak resident) of this process in MB, from /proc."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def wait_idle(window: MainWindow, timeout_s: float = 600) -> None:
    loop = QEventLoop()
    window.jobs.idle.connect(loop.quit)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    window.jobs.idle.disconnect(loop.quit)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    # Closing a trained project asks to save: answer "discard" without a dialog.
    QMessageBox.question = staticmethod(  # type: ignore[method-assign]
        lambda *a, **k: QMessageBox.StandardButton.Discard)
    folder = Path(tempfile.mkdtemp(prefix="nrstudio-memory-"))
    project = folder / "example.nrproj"
    shutil.copy(example_project_path(), project)
    window = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat),
                       recovery_folder=folder / "recovery")
    window.resize(1366, 768)
    window.show()
    settle_memory()  # as the app does at launch
    print(f"{'cycle':>5} {'RSS MB':>8} {'peak MB':>8} {'seconds':>8}")
    after: list[float] = []
    for cycle in range(1, args.cycles + 1):
        t = time.perf_counter()
        assert window.open_path(project)
        page = window.train_page
        page.epochs.setValue(args.epochs)
        page.members.setValue(2)
        page.hidden.setText("16, 16")
        QTest.mouseClick(page.start, Qt.MouseButton.LeftButton)
        wait_idle(window)
        for name in ("Train", "Explain", "Predict"):
            window.show_page(name)
            app.processEvents()
        window.close_project()
        app.processEvents()
        gc.collect()
        now, peak = rss_mb()
        after.append(now)
        print(f"{cycle:>5} {now:>8.0f} {peak:>8.0f} {time.perf_counter() - t:>8.1f}", flush=True)
    half = after[len(after) // 2:]
    slope = float(np.polyfit(np.arange(len(half)), half, 1)[0]) if len(half) > 1 else 0.0
    print("\n| cycles | RSS after cycle 1 | after last | peak | growth per cycle, 2nd half |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| {args.cycles} | {after[0]:.0f} MB | {after[-1]:.0f} MB | {rss_mb()[1]:.0f} MB | "
          f"{slope:+.1f} MB |")
    window.close()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
