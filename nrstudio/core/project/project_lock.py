"""Who has a project open: a small lock file beside it (``name.nrproj.lock``).

Two copies of the app, or two people on a shared drive, that open the same project and both
save would silently lose one side's work. The copy that opens a project first writes a lock
file naming its user, host and process; another copy finds it and is told who has the project
open, then opens a copy or saves under another name. The lock is advisory: it protects
against accidents, not against someone deleting it.

A lock whose process is gone (same host, no such process) is stale and is taken over. A lock
from another host cannot be checked from here, so it counts as held. A folder where no lock
can be written (a read-only share, the installed example) leaves the project unlocked.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nrstudio.core.errors import NRStudioError


class ProjectLocked(NRStudioError):
    """The project is open elsewhere; ``holder`` says where."""

    def __init__(self, path: Path, holder: LockHolder) -> None:
        super().__init__(f"{path.name} is open in NR Studio by {holder.describe()}")
        self.path = path
        self.holder = holder


@dataclass(frozen=True)
class LockHolder:
    """Who wrote a lock file: user name, host name, process id, local time it was taken."""

    user: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        return f"{self.user} on {self.host} (process {self.pid}, since {self.since})"

    def is_this_process(self) -> bool:
        return self.host == _host() and self.pid == os.getpid()

    def is_alive(self) -> bool:
        """False only when it can be shown gone: same host and no such process."""
        if self.host != _host():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except OSError:  # exists but belongs to another user
            return True
        return True


UNKNOWN = LockHolder("someone", "an unknown computer", 0, "an unknown time")


def _host() -> str:
    return socket.gethostname() or "localhost"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "an unnamed user"


def lock_path(project: Path) -> Path:
    return project.with_name(project.name + ".lock")


def read_holder(project: Path) -> LockHolder | None:
    """The holder named in the project's lock file; None without one. A lock file that
    cannot be read or parsed counts as held by someone unknown."""
    path = lock_path(project)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # unreadable, or not text
        return UNKNOWN
    try:
        raw = json.loads(text)
        fields = (raw["user"], raw["host"], raw["pid"], raw["since"])
    except (ValueError, KeyError, TypeError):
        return UNKNOWN
    if not (all(isinstance(f, str) for f in fields[:2] + fields[3:])
            and isinstance(fields[2], int) and not isinstance(fields[2], bool)):
        return UNKNOWN
    return LockHolder(raw["user"], raw["host"], raw["pid"], raw["since"])


def other_holder(project: Path) -> LockHolder | None:
    """Who else has ``project`` open now; None when nobody else does (no lock, a stale lock,
    or this process's own)."""
    holder = read_holder(project)
    if holder is None or holder.is_this_process() or not holder.is_alive():
        return None
    return holder


def check_not_open(project: Path) -> None:
    """Raise ProjectLocked when another running copy has ``project`` open (before a command
    writes into it)."""
    holder = other_holder(Path(project))
    if holder is not None:
        raise ProjectLocked(Path(project), holder)


class ProjectLock:
    """The lock of one project file, held by this process from :meth:`acquire` until
    :meth:`release`."""

    def __init__(self, project: Path) -> None:
        self.project = Path(project)
        self.held = False

    def acquire(self) -> bool:
        """Take the lock. True when held; False when the folder takes no lock file (the
        project stays unlocked). Raises ProjectLocked when another live copy holds it."""
        path = lock_path(self.project)
        me = LockHolder(_user(), _host(), os.getpid(),
                        datetime.now().strftime("%Y-%m-%d %H:%M"))
        for _ in range(3):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = read_holder(self.project)
                if holder is not None and holder.is_this_process():
                    self.held = True
                    return True
                if holder is not None and holder.is_alive():
                    raise ProjectLocked(self.project, holder) from None
                path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            except OSError:
                return False
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"user": me.user, "host": me.host, "pid": me.pid,
                           "since": me.since}, f)
            self.held = True
            return True
        return False

    def release(self) -> None:
        """Remove the lock file if it is still this process's own."""
        if not self.held:
            return
        self.held = False
        holder = read_holder(self.project)
        if holder is not None and holder.is_this_process():
            # A folder that became read-only keeps the file; it goes stale with the process.
            with contextlib.suppress(OSError):
                lock_path(self.project).unlink(missing_ok=True)
