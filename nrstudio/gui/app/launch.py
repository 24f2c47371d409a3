"""Start the desktop application."""

from __future__ import annotations

import gc
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QObject

    from nrstudio.gui.app.background import BackgroundCalls


# How often a thread running Python must offer the interpreter lock to another that waits
# for it (Python's default is 5 ms). The window's thread enters Python for every timer, model
# read and paint callback, and each entry waited up to a whole interval while a job's worker
# ran Python: 100-150 ms pauses as training began (folds, the mean and ridge). At 0.5 ms
# they were gone (longest gaps 50-51 ms in three runs of bench_gui.py's training). A thread
# alone pays nothing: the lock is offered only when another thread asks for it.
INTERPRETER_SWITCH_SECONDS = 0.0005


def share_the_interpreter_with_the_window() -> None:
    """Let the window's thread take the interpreter lock within 0.5 ms of asking for it."""
    sys.setswitchinterval(INTERPRETER_SWITCH_SECONDS)


def settle_memory() -> None:
    """Move everything alive after start-up (modules of pandas, scikit-learn, Qt...:
    hundreds of thousands of objects that live until exit) out of the garbage collector's
    reach. Without this, each full collection walks them all and freezes the window for
    100-200 ms during long jobs (measured by benchmarks/bench_gui.py)."""
    gc.collect()
    gc.freeze()


HEAVY_LIBRARIES = ("torch", "sklearn", "scipy", "lime", "skimage.segmentation")


def preload_torch_libraries() -> bool:
    """Load torch's shared libraries through the C library's ``dlopen`` called by ctypes,
    which lets go of Python's global lock while the call runs. ``import torch`` loads the
    same 470 MB of libraries holding the lock, and the window could not paint for 0.25-0.3 s
    meanwhile, however the import was put on a worker; loaded first this way, the import
    finds them in memory (the longest pause measured fell to 15-60 ms). The flags are
    Python's own for extension modules (``RTLD_NOW``, local symbols), so nothing is loaded
    differently. Linux and macOS; False where it did not apply or failed (the import then
    loads them itself)."""
    import ctypes
    import importlib.util

    suffix = {"linux": ".so", "darwin": ".dylib"}.get(sys.platform.rstrip("0123456789"))
    spec = importlib.util.find_spec("torch")
    if suffix is None or spec is None or not spec.submodule_search_locations:
        return False
    library = os.path.join(spec.submodule_search_locations[0], "lib", f"libtorch_python{suffix}")
    if not os.path.exists(library):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.dlopen.restype = ctypes.c_void_p
        libc.dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
        return bool(libc.dlopen(os.fsencode(library), os.RTLD_NOW))
    except (OSError, AttributeError):
        return False


def import_heavy_libraries() -> None:
    """Import torch (its libraries loaded first without the global lock), scikit-learn, the
    parts of scipy the app uses, LIME and the scikit-image functions the app calls. LIME and
    scikit-image were imported by the first job that needed them: a LIME job's worker spent
    its first 50 ms importing them, Python code holding the interpreter, and a plot the
    window made meanwhile took 83 ms instead of about 30 (``bench_gui.py --stacks``)."""
    preload_torch_libraries()
    import scipy.linalg
    import scipy.optimize
    import scipy.special
    import scipy.stats  # noqa: F401
    import sklearn.ensemble
    import sklearn.gaussian_process
    import sklearn.linear_model  # noqa: F401

    import nrstudio.core.modeling.network_math  # noqa: F401  (imports torch)

    import_explainers_and_image_tools()


def import_explainers_and_image_tools() -> None:
    """LIME and the scikit-image functions the app calls (scikit-image loads a submodule at
    its first use, so each is named)."""
    import lime.lime_image
    import lime.lime_tabular  # noqa: F401
    from skimage.filters import threshold_otsu  # noqa: F401
    from skimage.measure import label, regionprops  # noqa: F401
    from skimage.morphology import disk  # noqa: F401
    from skimage.segmentation import (  # noqa: F401
        felzenszwalb,
        find_boundaries,
        quickshift,
        relabel_sequential,
        slic,
    )
    from skimage.transform import rescale, resize  # noqa: F401


def load_heavy_libraries_in_background(window: QObject) -> BackgroundCalls:
    """Import torch, scikit-learn, the parts of scipy the app uses, LIME and scikit-image's
    functions on a worker (the window's BackgroundCalls, as thumbnails are made) once the
    window is up: the window opens without them (torch about 1.2 s, scipy's statistics,
    optimisers and linear algebra and scikit-learn about 1.1 s more), and they are ready
    before a training, a design or a micrograph's selection check needs them (the check runs
    on the GUI thread, where a first import of scipy.stats would stall the window for half a
    second). Their objects are then moved out of the collector's reach, as at start-up. A
    failure is left to the first use, which reports it properly. Returns the worker (tests
    wait on it)."""
    from nrstudio.gui.app.background import BackgroundCalls

    calls = BackgroundCalls(window)  # a child of the window: dropped with it
    calls.submit(import_heavy_libraries,
                 lambda result: None if isinstance(result, Exception) else gc.freeze())
    return calls


def launch_gui(path: str | None = None) -> int:
    """Open the main window, on ``path`` if given; returns the process exit code."""
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        print(f"nrstudio: error: the desktop app needs PySide6 ({exc})", file=sys.stderr)
        return 1
    from nrstudio.gui.app.platform_check import platform_problem

    problem = platform_problem() if QApplication.instance() is None else ""
    if problem:
        print(f"nrstudio: error: {problem}", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    share_the_interpreter_with_the_window()
    app.setApplicationName("NR Studio")
    app.setOrganizationName("NR Studio")
    from nrstudio.gui.app.main_window import MainWindow

    window = MainWindow()
    settle_memory()
    window.show()
    from nrstudio.gui.app.widget_map import start_widget_map

    window.widget_map_writer = start_widget_map(app)  # kept alive with the window
    from PySide6.QtCore import QTimer

    QTimer.singleShot(300, lambda: load_heavy_libraries_in_background(window))  # after the paint
    restored = window.offer_recovery()
    if path and not restored:
        from pathlib import Path

        from nrstudio.core.project.example import example_project_path

        if Path(path).resolve() == Path(example_project_path()).resolve():
            window.open_example()  # an untitled copy: Save never overwrites the shipped file
        else:
            window.open_path(path)
    if os.environ.get("NRSTUDIO_QUIT_WHEN_SHOWN"):
        # For start-up timing (packaging/smoke_test_linux.sh): leave once the window has
        # been painted.
        QTimer.singleShot(0, lambda: (print("window shown", flush=True), app.quit()))
    return app.exec()
