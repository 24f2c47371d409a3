"""Screenshots of the real window on a chemist's own table (generated: 20 number inputs,
5 text conditions, missing markers, a constant column): the import dialog at 1366 x 768, then
Train (coverage columns, parity with intervals), Predict (levels, intervals, model choice),
Design (candidates) and Explain (flagged explanations).

Run under a display: ``xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python
scripts/screenshots_own_table.py [OUT_DIR] [--rows 120]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from nrstudio.core.data.synthetic_tables import make_synthesis_table
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.pipeline import run_pipeline
from nrstudio.core.modeling.run_settings import EvaluationSettings, RunSettings
from nrstudio.core.project.file_format import save_project
from nrstudio.core.project.run_results import store_in_project
from nrstudio.core.project_model import Project
from nrstudio.gui.app.main_window import MainWindow
from nrstudio.gui.data.import_dialog import ImportDialog


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default="docs/screenshots")
    ap.add_argument("--rows", type=int, default=120)
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    table = make_synthesis_table(args.rows, seed=3)
    frame = table.conditions.copy()
    frame["Reference"] = [f"doi:10.1000/{i}" for i in range(len(frame))]
    csv = tmp / "own-syntheses.csv"
    frame.to_csv(csv, index=False)

    window = MainWindow(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat), tmp / "rec")
    window.resize(1366, 740)
    window.show()
    dialog = ImportDialog(csv, window)
    dialog.wait_for_reads()
    dialog.show()
    app.processEvents()
    dialog.roles_scroll.verticalScrollBar().setValue(400)
    app.processEvents()
    dialog.grab().save(str(out / "own-import-dialog.png"))
    dataset = dialog.dataset()
    dialog.close()

    settings = RunSettings(EvaluationSettings(network=NetworkSettings(max_epochs=150)),
                           members=3, lime=LimeSettings(num_samples=1000, repeats=2))
    project = Project(dataset=dataset)
    store_in_project(project, run_pipeline(dataset, settings))
    path = tmp / "own.nrproj"
    save_project(project, path)
    window.open_path(str(path))

    def shoot(name: str) -> None:
        app.processEvents()
        window.grab().save(str(out / f"own-{name}.png"))

    def train() -> None:
        window.show_page("Train")
        window.train_page.tabs.setCurrentIndex(1)
        QTimer.singleShot(400, lambda: (shoot("train-metrics"), parity()))

    def parity() -> None:
        window.train_page.tabs.setCurrentIndex(2)
        QTimer.singleShot(600, lambda: (shoot("train-parity"), predict()))

    def predict() -> None:
        window.show_page("Predict")
        page = window.predict_page
        page.predict_now()
        QTimer.singleShot(1500, lambda: (shoot("predict"), design()))

    def design() -> None:
        window.show_page("Design")
        page = window.design_page
        page.set_want("Length (nm)", 75.0, 3.0)
        window.jobs.idle.connect(after_design)
        page.run_design()

    def after_design() -> None:
        window.jobs.idle.disconnect(after_design)
        QTimer.singleShot(600, lambda: (shoot("design"), explain()))

    def explain() -> None:
        window.show_page("Explain")
        window.explain_page.reload()
        window.explain_page.select_sample(0)
        QTimer.singleShot(800, lambda: (shoot("explain"), app.quit()))

    QTimer.singleShot(500, train)
    app.exec()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
