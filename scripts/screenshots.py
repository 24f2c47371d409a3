"""Start the real main window, open the example project, run the whole workflow through the
pages (augment, train with both protocols, explain, predict) and save a PNG of every page.

Run under a display: ``xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python
scripts/screenshots.py [OUT_DIR] [--epochs N]`` (default docs/screenshots, 300 epochs).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from nrstudio.core.project.example import example_project_path
from nrstudio.gui.app.main_window import PAGES, MainWindow


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default="docs/screenshots")
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--sample", default="4", help="sample whose micrograph is measured")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    window = MainWindow(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat), tmp / "rec")
    window.resize(1400, 860)
    window.show()
    project = tmp / "example.nrproj"
    project.write_bytes(example_project_path().read_bytes())
    window.open_path(str(project))
    window.train_page.paper.setChecked(True)
    window.train_page.epochs.setValue(args.epochs)

    def predict() -> None:
        window.micrographs_page.tabs.setCurrentIndex(0)
        page = window.predict_page
        for name, value in zip(page.fields, ("532", "12", "110"), strict=False):
            page.fields[name][0].setText(value)
        window.explain_page.select_sample(11)
        QTimer.singleShot(800, shoot)

    def measure() -> None:
        tab = window.micrographs_page.measure
        tab.strip.sample.setCurrentIndex(tab.strip.sample.findText(args.sample))
        tab.wait_for_image()
        tab.panel.measure()

    def image_model() -> None:
        window.micrographs_page.model.train()

    def lime_image() -> None:
        window.pages.setCurrentRow(PAGES.index("Micrographs"))
        window.micrographs_page.tabs.setCurrentIndex(2)
        lime = window.micrographs_page.lime
        lime.image_box.setCurrentIndex(lime.image_box.findText(
            f"{args.sample} — synthetic-{args.sample}.jpg"))
        lime.side.setValue(384)
        lime.wait_for_preview()
        lime.explain()

    steps = [window.augment_page.run, window.train_page.run, window.explain_page.run, measure,
             image_model, lime_image, predict]

    def next_step() -> None:
        if steps:
            step = steps.pop(0)
            print(f"running {getattr(step, '__qualname__', step)}", flush=True)
            step()

    def shoot() -> None:
        for row, name in enumerate(PAGES):
            window.pages.setCurrentRow(row)
            for _ in range(5):
                app.processEvents()
            path = out / f"page-{name.lower()}.png"
            window.grab().save(str(path))
            print(path, flush=True)
        for page, tabs, shots in (("Train", window.train_page.tabs, ((0, "loss"), (2, "parity"))),
                                  ("Micrographs", window.micrographs_page.tabs,
                                   ((1, "model"), (2, "lime")))):
            window.pages.setCurrentRow(PAGES.index(page))
            for tab, name in shots:
                tabs.setCurrentIndex(tab)
                for _ in range(5):
                    app.processEvents()
                window.grab().save(str(out / f"page-{page.lower()}-{name}.png"))
        app.exit(0)  # quit() would close the window, which asks to save the run

    window.jobs.idle.connect(lambda: QTimer.singleShot(200, next_step))
    window.jobs.failed.connect(lambda t, m: print(f"FAILED {t}: {m}", flush=True))
    QTimer.singleShot(300, next_step)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
