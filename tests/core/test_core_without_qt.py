"""nrstudio.core must import and work on a machine without any Qt binding."""

import subprocess
import sys

from helpers.paths import REPO

BLOCKER = r"""
import importlib.abc, pkgutil, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6", "qtpy"):
            raise ImportError(f"blocked {name}")
        return None

sys.meta_path.insert(0, Block())
import nrstudio.core
names = []
for mod in pkgutil.walk_packages(nrstudio.core.__path__, "nrstudio.core."):
    __import__(mod.name)
    names.append(mod.name)
qt = [m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph")]
assert not qt, qt
print(len(names))
"""


def test_every_core_module_imports_with_qt_blocked():
    out = subprocess.run([sys.executable, "-c", BLOCKER], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 8  # the walk really found the modules


def test_blocker_really_blocks():
    code = BLOCKER.replace("import nrstudio.core", "import PySide6")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode != 0 and "blocked PySide6" in out.stderr
