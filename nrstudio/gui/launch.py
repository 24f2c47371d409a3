"""Start the desktop application."""

from __future__ import annotations

import sys


def launch_gui(path: str | None = None) -> int:
    """Open the main window, on ``path`` if given; returns the process exit code."""
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        print(f"nrstudio: error: the desktop app needs PySide6 ({exc})", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("NR Studio")
    app.setOrganizationName("NR Studio")
    from nrstudio.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    restored = window.offer_recovery()
    if path and not restored:
        window.open_path(path)
    return app.exec()
