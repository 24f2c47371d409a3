"""The log of errors a user can send: every failed job's traceback, with the time and the job,
appended to ``nrstudio.log`` in the user's data folder (also in the frozen app, which has no
console). Help ▸ Show log opens it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from nrstudio.gui.app.user_folders import user_data_path

MAX_LOG_BYTES = 2_000_000  # past this the log starts again (the last one kept as .1)


def log_path() -> Path:
    return user_data_path("NRSTUDIO_LOG", "nrstudio.log")


def log_error(title: str, message: str, details: str) -> Path | None:
    """Append one failure; None when the log cannot be written (never raises: a failing log
    must not hide the error it records)."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            path.replace(path.with_suffix(path.suffix + ".1"))
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {stamp} pid {os.getpid()} job '{title}': {message}\n{details}\n")
    except OSError:
        return None
    return path


def show_log(parent) -> bool:  # type: ignore[no-untyped-def]
    """Help ▸ Show log: open the log in the system's viewer, or say where it will be when
    nothing has been logged. True when a log was opened."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QMessageBox

    path = log_path()
    if not path.exists():
        QMessageBox.information(parent, "Log", f"No error has been logged. The log will be "
                                               f"written to {path}.")
        return False
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        QMessageBox.information(parent, "Log", f"The log is {path}.")
    return True
