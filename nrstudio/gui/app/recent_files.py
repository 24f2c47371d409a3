"""The recent-files list and the last folder, kept in QSettings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings


class RecentFiles:
    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def paths(self) -> list[str]:
        value = self.settings.value("recentFiles", [])
        return [str(v) for v in (value if isinstance(value, list) else [value]) if v]

    def remember(self, path: Path, keep: int) -> None:
        """``path`` first, at most ``keep`` entries; its folder becomes the last folder."""
        recent = [str(path)] + [p for p in self.paths() if p != str(path)]
        self.settings.setValue("recentFiles", recent[:keep])
        self.settings.setValue("lastFolder", str(path.parent))

    def last_folder(self) -> str:
        return str(self.settings.value("lastFolder", str(Path.home())))
