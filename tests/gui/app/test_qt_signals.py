"""Guard against the Qt binding's refcount bug: PySide6-Essentials 6.12.0 released a
reference to True/False/None on every signal emission, so a long session (a training run
emits thousands of progress signals) crashed the interpreter. 6.11.3 is pinned."""

import subprocess
import sys

import pytest

pytest.importorskip("PySide6", reason="needs PySide6")

CODE = r"""
import threading
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
app = QCoreApplication([])
class S(QObject):
    obj = Signal(object)
    pair = Signal(float, str)
    bare = Signal()
s = S()
got = []
s.obj.connect(lambda v: got.append(v))
s.pair.connect(lambda a, b: got.append(a))
s.bare.connect(lambda: got.append(0))
def work():
    for _ in range(20000):
        s.obj.emit(None)
        s.pair.emit(0.5, "stage")
        s.bare.emit()
t = threading.Thread(target=work)
t.start()
t.join()
work()
QTimer.singleShot(50, app.quit)
app.exec()
print(len(got))
"""


def test_many_signal_emissions_do_not_corrupt_the_interpreter():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         timeout=300, env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.strip() == "120000"
