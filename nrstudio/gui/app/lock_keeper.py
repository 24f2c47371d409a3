"""The window's side of project locks (:mod:`nrstudio.core.project.project_lock`): hold the
lock of the project on screen, and ask before opening or saving over a project that another
copy of the app has open."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from nrstudio.core.project.project_lock import (
    LockHolder,
    ProjectLock,
    ProjectLocked,
    lock_path,
    other_holder,
)
from nrstudio.gui.app.document import ProjectDocument


def _held_by(path: Path, holder: LockHolder) -> str:
    return (f"{path.name} is open in NR Studio by {holder.describe()}.\n\nIf nobody has it "
            f"open any more (a computer that crashed), delete {lock_path(path).name} beside "
            "it and open it again.")


class LockKeeper(QObject):
    """Follows the document's path: the lock of the file shown is held, the previous one
    released."""

    def __init__(self, doc: ProjectDocument, window: QWidget) -> None:
        super().__init__(window)
        self.doc, self.window = doc, window
        self.lock: ProjectLock | None = None
        doc.path_changed.connect(self.on_path_changed)

    def on_path_changed(self) -> None:
        path = self.doc.path
        if self.lock is not None and self.lock.project == path:
            return
        self.release()
        if path is None:
            return
        lock = ProjectLock(path)
        try:
            lock.acquire()
        except ProjectLocked:  # taken between the question and now: keep working unlocked
            return
        self.lock = lock

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def open_copy_instead(self, path: Path) -> bool | None:
        """Before opening ``path``: None when nobody else has it open; True to open an
        untitled copy of it; False to not open it."""
        holder = other_holder(path)
        if holder is None:
            return None
        box = QMessageBox(QMessageBox.Icon.Warning, "Project already open",
                          _held_by(path, holder), parent=self.window)
        box.setInformativeText("Open a copy? Saving it asks for a new name, so neither "
                               "side's work is overwritten.")
        copy = box.addButton("Open a copy", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is copy

    def may_write(self, path: Path) -> bool:
        """Before saving to ``path``: False (after saying why) when another copy has it open."""
        holder = other_holder(path)
        if holder is None:
            return True
        QMessageBox.warning(self.window, "Not saved",
                            _held_by(path, holder) + "\n\nYour work is still open; save it "
                            "under another name with File ▸ Save As.")
        return False
