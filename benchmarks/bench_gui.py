"""GUI responsiveness while background jobs run (prints a table).

The real main window runs offscreen on the example project; a 10 ms QTimer on the GUI thread
records when it fires while (1) SMOTE-REG (from the Augment page, which draws its result as it
lands), (2) a training run (leakage-free + paper protocols,
default settings), (3) the LIME heat map, (4) measuring the rods of a 3500 x 2564 micrograph
(../shared/data/tem-dev/01.jpg when present, else the example's synthetic one; and 12.jpg,
whose long rods are traced, when present), (5) training the image model and (6) LIME on a
512 px micrograph region run in the worker. The longest gap
between ticks is how long the window could not react: the goal is under 100 ms. Each job's
three longest gaps are printed with the stage the job reported then; the page switches before
a job are timed on their own.

``--table CSV`` runs the three table jobs on a table of one's own instead of the example (imported
with the roles the app guesses, as a new project; for instance
``../shared/data/luber-cspbbr3/dataset_synthesizer.csv``, 289 real syntheses), with
``--repeat N`` repeats of each chosen job.

Usage: python benchmarks/bench_gui.py [--epochs N] [--only TEXT[,TEXT...]] [--stacks]
       [--table CSV] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from nrstudio.core.project.example import example_project_path
from nrstudio.gui.app.launch import (
    import_heavy_libraries,
    settle_memory,
    share_the_interpreter_with_the_window,
)
from nrstudio.gui.app.main_window import PAGES, MainWindow

TABLE_JOBS = ("SMOTE-REG", "training (both protocols)", "LIME heat map")


def watch_for_stalls(ticks: list[float], out: list[tuple[float, str]]) -> None:
    """Every 10 ms: when the GUI thread's last timer tick is more than 70 ms old, keep every
    thread's Python stack (once per stall). A GUI thread shown inside ``app.exec()`` only was
    in Qt's own code, or waiting for Python's global lock held by another thread."""
    gui, me = threading.main_thread().ident, threading.get_ident()
    seen = 0.0
    while True:
        time.sleep(0.01)
        if not ticks or ticks[-1] == seen or time.perf_counter() - ticks[-1] < 0.07:
            continue
        seen = ticks[-1]
        frames = sys._current_frames()
        text = "".join(
            f"  -- {'GUI thread' if tid == gui else f'thread {tid}'}:\n"
            + "".join(traceback.format_stack(frame, limit=14))
            for tid, frame in frames.items() if tid != me)
        out.append((time.perf_counter() - seen, text))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--only", default="",
                    help="run only the jobs whose name holds this text (or one of several, "
                         "separated by commas)")
    ap.add_argument("--stacks", action="store_true",
                    help="print every thread's Python stack whenever the GUI thread is more "
                         "than 70 ms late, to find what a stall comes from")
    ap.add_argument("--table", type=Path, default=None,
                    help="a CSV or XLSX table to open as a new project instead of the example")
    ap.add_argument("--repeat", type=int, default=1, help="run each chosen job this often")
    args = ap.parse_args()
    # The app loads torch, scikit-learn and scipy on a worker once its window shows, before
    # any job can start (the pause that costs is measured in the README); loaded here, the
    # jobs below are measured as the app runs them.
    import_heavy_libraries()
    share_the_interpreter_with_the_window()  # as the app does at start-up
    app = QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    w = MainWindow(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat), tmp / "rec")
    w.resize(1400, 860)
    settle_memory()  # as nrstudio.gui.app.launch does at start-up
    w.show()
    project = tmp / "example.nrproj"
    if args.table is not None:
        from nrstudio.core.data.table_io import import_table
        from nrstudio.core.project.file_format import save_project
        from nrstudio.core.project_model import Project

        save_project(Project(import_table(args.table)), project)
    else:
        project.write_bytes(example_project_path().read_bytes())
    w.open_path(str(project))
    w.train_page.paper.setChecked(True)
    w.train_page.epochs.setValue(args.epochs)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    late_stacks: list[tuple[float, str]] = []
    if args.stacks:
        threading.Thread(target=watch_for_stalls, args=(ticks, late_stacks),
                         daemon=True).start()
    results = []
    micro = w.micrographs_page
    dev = Path(__file__).resolve().parents[2] / "shared" / "data" / "tem-dev" / "01.jpg"
    long_rods = dev.with_name("12.jpg")
    attached = {}
    if dev.is_file() and args.table is None:
        from nrstudio.core.project.attachments import set_scale

        for path, sample, nm_per_px, source in (
                (dev, "1", 200 / 499, "scale bar 499 px = 200 nm"),
                (long_rods, "12", 100 / 249, "scale bar 249 px = 100 nm")):
            if path.is_file():
                micro.measure.strip.sample.setCurrentIndex(micro.measure.strip.sample.findText(sample))
                attached[sample] = micro.measure.strip.attach_files([path])[0]
                set_scale(attached[sample], nm_per_px, source)

    def show_image(sample: str) -> None:
        # What the user does before pressing Measure: timed on its own, not part of the job.
        t0 = time.perf_counter()
        w.show_page("Micrographs")
        micro.tabs.setCurrentIndex(0)
        micro.measure.strip.sample.setCurrentIndex(micro.measure.strip.sample.findText(sample))
        for i in range(micro.measure.strip.thumbs.count()):
            item = micro.measure.strip.thumbs.item(i)
            image = micro.measure.strip.image_by_id(item.data(Qt.ItemDataRole.UserRole))
            if sample in attached and image is attached[sample]:
                micro.measure.strip.thumbs.setCurrentItem(item)
        app.processEvents()
        switches.append((f"showing the micrograph of sample {sample}",
                         time.perf_counter() - t0))
        micro.measure.wait_for_image()  # decoded on a worker thread; Measure needs it

    def show_lime_tab() -> None:
        # What the user does before pressing Explain: timed on its own, not part of the job.
        t0 = time.perf_counter()
        w.show_page("Micrographs")
        micro.tabs.setCurrentIndex(2)
        micro.lime.side.setValue(512)
        app.processEvents()  # the new page painted
        switches.append(("switching to LIME on images", time.perf_counter() - t0))

    def lime_region() -> None:
        micro.lime.explain()

    jobs = [("SMOTE-REG", w.augment_page.run), ("training (both protocols)", w.train_page.run),
            ("LIME heat map", w.explain_page.run),
            ("measuring rods" + (" (01, 3500 x 2564)" if dev.is_file() else ""),
             micro.measure.panel.measure),
            *([("measuring rods (12, traced)", micro.measure.panel.measure)]
              if long_rods.is_file() else []),
            ("image model (5 folds + final)", micro.model.train),
            ("LIME on a 512 px region", lime_region)]
    wanted = args.only.split(",")
    if args.table is not None:  # the micrograph jobs need the example's samples
        jobs = [job for job in jobs if job[0] in TABLE_JOBS]
    jobs = [job for job in jobs if any(text in job[0] for text in wanted)
            for _ in range(max(args.repeat, 1))]
    state = {"t0": 0.0, "idle": 0.0, "name": ""}
    switches: list[tuple[str, float]] = []  # (what, seconds) of page switches before a job
    stages: list[tuple[float, str]] = []  # (time, stage) of the job's progress reports
    w.jobs.progress.connect(lambda _f, stage: stages.append((time.perf_counter(), stage)))

    def stage_at(t: float) -> str:
        before = [s for when, s in stages if when <= t]
        return before[-1] if before else "(before the first report)"

    def start_next() -> None:
        if not jobs:
            timer.stop()
            app.exit(0)
            return
        name, fn = jobs.pop(0)
        if name == "SMOTE-REG":
            # Run from its own page, as a user does: the result is drawn as it lands.
            t0 = time.perf_counter()
            w.show_page("Augment")
            app.processEvents()
            switches.append(("switching to Augment", time.perf_counter() - t0))
        if name.startswith("measuring rods"):
            show_image("12" if "(12" in name else "1")
        if name.startswith("LIME on a"):
            show_lime_tab()
        ticks.clear()
        stages.clear()
        state.update(t0=time.perf_counter(), name=name)
        timer.start()
        fn()
        if not w.jobs.busy:  # e.g. LIME on a region with --only and no image model trained
            timer.stop()
            print(f"{name}: did not start (it needs a job before it that --only left out)",
                  flush=True)
            QTimer.singleShot(0, start_next)

    def finished() -> None:
        # Ticks go on for 0.3 s after the job: pages draw a result in later turns of the
        # event loop, and those count too.
        state["idle"] = time.perf_counter()
        QTimer.singleShot(300, measured)

    def measured() -> None:
        t1 = time.perf_counter()
        timer.stop()
        stamps = np.array([state["t0"], *ticks, t1])
        gaps = np.diff(stamps) * 1e3
        worst = int(np.argmax(gaps))
        print(f"{state['name']}: longest gap starts {stamps[worst] - state['t0']:.2f} s into "
              f"the job ({t1 - stamps[worst]:.2f} s before its end)", flush=True)
        for k in np.argsort(gaps)[::-1][:3]:
            stage = ("after the job: drawing its result" if stamps[k] >= state["idle"]
                     else stage_at(stamps[k]))
            print(f"    {gaps[k]:5.0f} ms at {stamps[k] - state['t0']:6.2f} s, while "
                  f"'{stage}'", flush=True)
        results.append((state["name"], state["idle"] - state["t0"], len(ticks), gaps.max(),
                        np.percentile(gaps, 99), gaps.mean()))
        # Move the page under the pointer like a user would, to include repaint work.
        w.pages.setCurrentRow((w.pages.currentRow() + 1) % len(PAGES))
        QTimer.singleShot(300, start_next)

    w.jobs.idle.connect(finished)
    QTimer.singleShot(300, start_next)
    app.exec()
    w.doc._extra_dirty = False
    w.doc.undo_stack.setClean()
    print(f"{'job':<28}{'duration':>10}{'ticks':>8}{'max gap':>10}{'p99 gap':>10}{'mean':>8}")
    for name, secs, n, mx, p99, mean in results:
        print(f"{name:<28}{secs:>9.1f}s{n:>8}{mx:>8.0f}ms{p99:>8.0f}ms{mean:>6.1f}ms")
    for late, stacks in late_stacks:
        print(f"==== the GUI thread {1e3 * late:.0f} ms late; the stacks then:\n{stacks}")
    for what, secs in switches:
        print(f"{what}: {1e3 * secs:.0f} ms on the GUI thread, painting included")
    print("\n| job | duration | max gap between 10 ms ticks | 99th percentile |\n| --- | --- | --- | --- |")
    for name, secs, _n, mx, p99, _mean in results:
        print(f"| {name} | {secs:.1f} s | {mx:.0f} ms | {p99:.0f} ms |")


if __name__ == "__main__":
    main()
