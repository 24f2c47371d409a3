"""Qt-free model layer of NR Studio.

Nothing under this package may import PySide6, pyqtgraph or any other GUI toolkit: the same
code serves the desktop app, the command line and the tests (``tests/test_core_without_qt.py``).
"""
