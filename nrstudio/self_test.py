"""``nrstudio --self-test``: proves an installation works, offline and without a display.

It opens the bundled example in the real main window (offscreen), then runs each part of the
stack the app is built on for a moment: SMOTE-REG, a tiny training with its evaluation, a
prediction with its interval, one LIME explanation, a micrograph measurement, a Velox .emd
micrograph (HDF5), the report (HTML and PDF) and the ONNX runtime. The same code runs in a
source checkout and in the frozen app, so a part that a trimmed installer left out fails here
with its name.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from nrstudio import __version__


def _steps(folder: Path) -> list[tuple[str, Callable[[dict], str]]]:
    def window(state: dict) -> str:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from nrstudio.core.project.file_format import load_project
        from nrstudio.gui.app.main_window import MainWindow
        from nrstudio.resources import example_project

        # Read without the window's dialogs: a failure must be a line here, not a message
        # box waiting for a click on a screen nobody sees.
        project = load_project(example_project())
        app = QApplication.instance() or QApplication(sys.argv[:1])
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        w = MainWindow(settings, folder / "recovery")
        w.show()
        w.doc.load(project, None)
        app.processEvents()
        state.update(app=app, window=w, project=w.doc.project.snapshot())
        n = len(w.doc.dataset)
        w.doc.mark_saved(folder / "example.nrproj")  # nothing to ask when it closes
        w.close()
        return f"window on the example ({n} samples, {app.platformName()})"

    def augmentation(state: dict) -> str:
        from nrstudio.core.modeling.augment import SmoteRegSettings, augment_smote_reg

        result = augment_smote_reg(state["project"].dataset, SmoteRegSettings(per_subset=1))
        return f"SMOTE-REG ({len(result.dataset)} rows)"

    def training(state: dict) -> str:
        from nrstudio.core.modeling.augment import SmoteRegSettings
        from nrstudio.core.modeling.network_settings import NetworkSettings
        from nrstudio.core.modeling.pipeline import run_pipeline
        from nrstudio.core.modeling.run_settings import EvaluationSettings, RunSettings

        settings = RunSettings(EvaluationSettings(
            protocols=("honest",), folds=3, loo_max=1, augment=SmoteRegSettings(per_subset=1),
            network=NetworkSettings(hidden=(8, 8), max_epochs=3, patience=0),
            baselines=("mean", "ridge")), members=1, explain=False)
        result = run_pipeline(state["project"].dataset, settings)
        state["models"] = result.models
        import torch

        return f"training (torch {torch.__version__}, {'CUDA' if torch.cuda.is_available() else 'CPU'})"

    def prediction(state: dict) -> str:
        import numpy as np

        models = state["models"]
        p = models.predict(models.train_x[:1])
        if not (np.isfinite(p.mean).all() and (p.upper >= p.lower).all()):
            raise RuntimeError(f"a prediction is not a number: {p.mean}")
        return "prediction with intervals"

    def lime(state: dict) -> str:
        import numpy as np

        from nrstudio.core.modeling.explain import LimeSettings

        models = state["models"]
        expl = models.explain(models.train_x[:1], ["first"], LimeSettings(num_samples=200,
                                                                          repeats=1))
        if not np.isfinite(expl.weights).all():
            raise RuntimeError("LIME weights are not numbers")
        return "LIME explanation"

    def micrograph(state: dict) -> str:
        from nrstudio.core.micrographs.measure import analyse_image

        image = state["project"].images[0]
        analysis = analyse_image(image.data, image.filename, image.nm_per_px)
        return f"micrograph ({analysis.measurement.summary().count} rods)"

    def microscope_file(state: dict) -> str:
        # A Velox .emd is HDF5: the one micrograph format read through a compiled library
        # (h5py) that a trimmed installer could leave out.
        import io
        import json

        import h5py
        import numpy as np

        from nrstudio.core.micrographs.images import read_micrograph

        meta = json.dumps({"BinaryResult": {"PixelUnitX": "m",
                                            "PixelSize": {"width": "2.5e-10"}}}).encode()
        out = io.BytesIO()
        with h5py.File(out, "w") as f:
            group = f.create_group("Data/Image/0")
            group.create_dataset("Data", data=np.arange(48 * 64, dtype=np.uint16)
                                 .reshape(48, 64, 1))
            group.create_dataset("Metadata", data=np.frombuffer(meta, np.uint8)[:, None])
        image = read_micrograph(out.getvalue(), "self-test.emd")
        if image.pixels.shape != (48, 64) or image.nm_per_px != 0.25:
            raise RuntimeError(f"read {image.pixels.shape} at {image.nm_per_px} nm per pixel")
        return "a Velox .emd micrograph"

    def report(state: dict) -> str:
        from nrstudio.core.report.export import write_report

        files = write_report(state["project"], folder / "report", pdf=True, title="self-test")
        if files.pdf is None or files.pdf.stat().st_size < 1000:
            raise RuntimeError("the PDF is empty")
        return "report (HTML + PDF)"

    def onnx(state: dict) -> str:
        import onnxruntime

        providers = onnxruntime.get_available_providers()
        if not providers:
            raise RuntimeError("onnxruntime has no execution provider")
        return f"onnxruntime {onnxruntime.__version__}"

    return [("opening the example in the window", window), ("augmentation", augmentation),
            ("training", training), ("prediction", prediction), ("LIME", lime),
            ("measuring a micrograph", micrograph),
            ("reading a microscope's file", microscope_file), ("writing the report", report),
            ("the ONNX runtime", onnx)]


def run_self_test() -> int:
    """Print one line and return 0 when every step passes; else the failing step and why, 1."""
    started = time.perf_counter()
    done: list[str] = []
    state: dict = {}
    with tempfile.TemporaryDirectory(prefix="nrstudio-self-test-") as tmp:
        for name, step in _steps(Path(tmp)):
            try:
                done.append(step(state))
            except Exception as exc:  # every failure is reported as the step that failed
                print(f"NR Studio {__version__} self-test FAILED at {name}: "
                      f"{type(exc).__name__}: {exc}", flush=True)
                if os.environ.get("NRSTUDIO_TRACEBACK"):  # for whoever builds an installer
                    import traceback

                    traceback.print_exc()
                return 1
    print(f"NR Studio {__version__} self-test passed in {time.perf_counter() - started:.1f} s: "
          + ", ".join(done), flush=True)
    return 0
