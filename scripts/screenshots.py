"""Start the real main window, open the example project and save a PNG of every page.

Run under a display, e.g. ``xvfb-run -a .venv/bin/python scripts/screenshots.py OUT_DIR``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from nrstudio.core.example import example_project_path
from nrstudio.gui.main_window import PAGES, MainWindow


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    window = MainWindow()
    window.resize(1200, 720)
    window.show()
    window.open_path(str(example_project_path()))

    def shoot() -> None:
        for row, name in enumerate(PAGES):
            window.pages.setCurrentRow(row)
            app.processEvents()
            path = out / f"page-{name.lower()}.png"
            window.grab().save(str(path))
            print(path)
        app.quit()

    QTimer.singleShot(500, shoot)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
