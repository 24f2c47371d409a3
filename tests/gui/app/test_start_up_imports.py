"""The window opens without torch, scikit-learn or scipy (issue 30: the window opens before
the heavy libraries); they load on a worker once the window is up."""

import subprocess
import sys


def _python(code: str, env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a fresh interpreter (nothing imported yet); its standard output."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_main_window_opens_without_the_heavy_libraries(tmp_path):
    loaded = "print(*(name in sys.modules for name in HEAVY_LIBRARIES)); "
    code = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]); "
            "from nrstudio.gui.app.launch import HEAVY_LIBRARIES, "
            "load_heavy_libraries_in_background; "
            "from nrstudio.gui.app.main_window import MainWindow; w = MainWindow(); w.show(); "
            f"app.processEvents(); {loaded}"
            f"load_heavy_libraries_in_background(w).wait(); {loaded}")
    out = _python(code, {"QT_QPA_PLATFORM": "offscreen", "PATH": "", "HOME": str(tmp_path)})
    # torch, scikit-learn, scipy: none with the window, then all loaded off the GUI thread
    assert out.splitlines() == ["False False False", "True True True"]


def test_a_network_stack_predicts_without_the_training_modules_loaded_first():
    code = ("import numpy as np; from nrstudio.core.modeling.networks import NetworkStack; "
            "s = NetworkStack([np.ones((1, 2, 1), np.float32)], [np.zeros((1, 1, 1), np.float32)],"
            " np.zeros((1, 2), np.float32), np.ones((1, 2), np.float32),"
            " np.zeros(1, np.float32), np.ones(1, np.float32)); "
            "print(s.predict(np.array([[1.0, 2.0]]))[0, 0])")
    assert float(_python(code)) == 3.0
