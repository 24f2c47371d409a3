"""Autosave to a recovery folder, and finding what a crashed session left there.

Each window writes ``<id>.nrproj`` plus ``<id>.json`` (original path, time). A clean close
removes them; after a crash they stay, and the next start offers to restore them.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject

from nrstudio.core.project.file_format import save_project
from nrstudio.core.project_model import Project, now_iso
from nrstudio.gui.app.background import BackgroundCalls
from nrstudio.gui.app.user_folders import user_data_path


def recovery_dir() -> Path:
    return user_data_path("NRSTUDIO_RECOVERY_DIR", "recovery")


@dataclass
class RecoveryFile:
    project_path: Path
    original: Path | None
    saved: str

    def remove(self) -> None:
        self.project_path.unlink(missing_ok=True)
        self.project_path.with_suffix(".json").unlink(missing_ok=True)
        Path(str(self.project_path) + ".bak").unlink(missing_ok=True)


class RecoverySlot:
    """The recovery file of one open window."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or recovery_dir()
        self.path = self.folder / f"{uuid.uuid4().hex}.nrproj"

    def write(self, project: Project, original: Path | None) -> None:
        """Save a recovery copy (raises ProjectFileError on failure)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        save_project(project, self.path)
        self.path.with_suffix(".json").write_text(json.dumps(
            {"original": str(original) if original else None, "saved": now_iso(),
             "pid": os.getpid(), "host": socket.gethostname()}))

    def clear(self) -> None:
        RecoveryFile(self.path, None, "").remove()


def owner_running(info: dict) -> bool:
    """True when the copy of NR Studio that wrote a recovery file still runs on this
    machine: its file is its own, not one left by a crash (two copies open at once deleted
    each other's)."""
    pid, host = info.get("pid"), info.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists, under another user
    return True


def pending_recoveries(folder: Path | None = None) -> list[RecoveryFile]:
    """Recovery files left behind by sessions that did not close cleanly (not those of a
    copy of NR Studio still running)."""
    folder = folder or recovery_dir()
    found = []
    for meta in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        project = meta.with_suffix(".nrproj")
        if not project.is_file():
            continue
        try:
            info = json.loads(meta.read_text())
            if owner_running(info):
                continue
            original = Path(info["original"]) if info.get("original") else None
            found.append(RecoveryFile(project, original, str(info.get("saved", ""))))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


class Autosaver(QObject):
    """Writes the open project's recovery copy from a snapshot in the background: writing
    a project on the GUI thread paused the window for 0.3-0.5 s, during whatever job ran.
    ``status(text, ms)`` shows how it went."""

    def __init__(self, doc, slot: RecoverySlot, status, parent: QObject | None = None  # type: ignore[no-untyped-def]
                 ) -> None:
        super().__init__(parent)
        self.doc, self.slot, self.status = doc, slot, status
        self.calls = BackgroundCalls(self)
        self.busy = False

    def autosave(self) -> bool:
        """Start writing a copy when there are unsaved changes; True if one was started."""
        if not self.doc.dirty or self.busy:
            return False
        snapshot, original = self.doc.project.snapshot(), self.doc.path
        self.busy = True

        def done(result: object) -> None:
            self.busy = False
            if isinstance(result, Exception):
                self.status(f"Autosave failed: {result}", 10000)
            else:
                self.status("Recovery copy saved", 3000)

        self.calls.submit(lambda: self.slot.write(snapshot, original), done)
        return True

    def wait(self, msecs: int = 30_000) -> bool:
        """Finish a copy being written (tests, and before the copy is removed)."""
        return self.calls.wait(msecs)

    def forget(self) -> None:
        """Remove the recovery copy, after any copy still being written."""
        self.wait()
        self.slot.clear()


def offer_restore(parent, doc, slot: RecoverySlot, folder) -> bool:  # type: ignore[no-untyped-def]
    """After a crash, ask whether to restore the newest recovery copy (other than this
    window's own ``slot``) into ``doc``; every found copy is removed afterwards. True if
    restored."""
    from PySide6.QtWidgets import QMessageBox

    from nrstudio.core.errors import ProjectFileError
    from nrstudio.core.project.file_format import load_project

    found = [r for r in pending_recoveries(folder) if r.project_path != slot.path]
    if not found:
        return False
    newest = max(found, key=lambda r: r.saved)
    name = newest.original.name if newest.original else "an untitled project"
    answer = QMessageBox.question(
        parent, "Restore unsaved work?",
        f"NR Studio did not close normally. Restore the unsaved changes to {name} "
        f"(autosaved {newest.saved})?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    restored = False
    if answer == QMessageBox.StandardButton.Yes:
        try:
            project = load_project(newest.project_path)
        except ProjectFileError as exc:
            QMessageBox.warning(parent, "Cannot restore", str(exc))
        else:
            doc.load(project, newest.original, dirty=True)
            restored = True
    for r in found:
        r.remove()
    return restored
