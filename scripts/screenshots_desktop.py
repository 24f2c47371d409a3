"""Screenshots of the desktop habits at 1366 x 768: the start page, the help window, the
Train page with its one-line intro and icons, and the window as the X server shows it.

Run under a display: ``Xvfb :99 -screen 0 1366x768x24 & DISPLAY=:99 .venv/bin/python
scripts/screenshots_desktop.py [OUT_DIR]`` (default docs/screenshots).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from nrstudio.core.project.example import example_project_path
from nrstudio.gui.app.main_window import MainWindow


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    settings = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
    example = tmp / "example.nrproj"
    example.write_bytes(example_project_path().read_bytes())
    settings.setValue("recentFiles", [str(example), str(tmp / "moved-away.nrproj")])
    window = MainWindow(settings, tmp / "rec")
    window.show()
    window.show_start_page()
    steps = []

    def grab(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        widget.grab().save(str(out / name))
        print(out / name, widget.width(), "x", widget.height())

    def start() -> None:
        grab(window, "start-page.png")
        subprocess.run(["import", "-window", "root", str(out / "start-page-screen.png")],
                       check=False)
        window.open_path(str(example))
        window.show_page("Train")
        QTimer.singleShot(500, helping)

    def helping() -> None:
        grab(window, "train-page-intro.png")
        window.show_help("design")
        QTimer.singleShot(500, shot_help)

    def shot_help() -> None:
        grab(window.help_window, "help-window.png")
        window.help_window.close()
        window.close()
        app.quit()

    steps.append(start)
    QTimer.singleShot(800, start)
    app.exec()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
