"""Crash-safe file replacement: a reader sees the old file or the new one, never a mix."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _fsync_dir(folder: Path) -> None:
    # The rename itself must reach the disk too; not every platform can open a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux's
    /proc); elsewhere read once here, at import, before any worker thread writes files (it
    can only be read by setting it, and setting it while another thread creates a file gives
    that file the wrong mode)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


PROCESS_UMASK = _read_umask()


def atomic_write(
    path: str | os.PathLike[str],
    write: Callable[[BinaryIO], None],
    *,
    backup_suffix: str | None = None,
    verify: Callable[[Path], None] | None = None,
) -> None:
    """Write ``path`` through ``write(file)`` so that a crash leaves the old or the new file.

    The content goes to a temporary file in the same folder, is flushed and fsynced, optionally
    checked by ``verify(temp_path)``, and then renamed over ``path``. With ``backup_suffix`` the
    previous file is kept as ``path + backup_suffix`` (hard link, else copy) before the rename.
    Raises OSError (or what ``write``/``verify`` raise) and then leaves ``path`` untouched.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    remove_stale_temporaries(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o666 & ~PROCESS_UMASK)
        if verify is not None:
            verify(tmp)
        if backup_suffix and target.exists():
            _keep_backup(target, Path(str(target) + backup_suffix))
        os.replace(tmp, target)
        _fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


STALE_AFTER_S = 3600.0


def remove_stale_temporaries(target: Path, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Delete the hidden ``.NAME.*.tmp`` files that a save killed midway left beside
    ``target`` (an hour old at least, so a save running in another program is not touched).
    Returns what was removed."""
    folder = target.parent if str(target.parent) else Path(".")
    removed = []
    now = time.time()
    for pattern in (f".{target.name}.*.tmp", f".{target.name}{'.bak'}.*.tmp"):
        for tmp in folder.glob(pattern):
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime >= older_than_s and tmp.is_file():
                    tmp.unlink()
                    removed.append(tmp)
    return removed


def _keep_backup(target: Path, backup: Path) -> None:
    fd, staged_name = tempfile.mkstemp(prefix=f".{backup.name}.", suffix=".tmp", dir=backup.parent)
    os.close(fd)
    staged = Path(staged_name)
    try:
        staged.unlink()
        try:
            os.link(target, staged)
        except OSError:
            with open(target, "rb") as src, open(staged, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
        os.replace(staged, backup)
    except BaseException:
        with contextlib.suppress(OSError):
            staged.unlink()
        raise
