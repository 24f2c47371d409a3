"""A lock beside an open project: a second copy is told who has it, a dead copy's lock is
taken over, and only the owner removes it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from nrstudio.core.project.project_lock import (
    ProjectLock,
    ProjectLocked,
    check_not_open,
    lock_path,
    other_holder,
    read_holder,
)


def _lock_by(project, pid: int, host: str | None = None) -> None:
    lock_path(project).write_text(json.dumps({
        "user": "ana", "host": host or socket.gethostname(), "pid": pid,
        "since": "2026-12-04 09:00"}), encoding="utf-8")


@pytest.fixture
def other_process():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc.pid
    proc.kill()
    proc.wait()


def test_the_lock_is_taken_and_released(tmp_path):
    project = tmp_path / "p.nrproj"
    lock = ProjectLock(project)
    assert lock.acquire() and lock_path(project).is_file()
    assert read_holder(project).pid == os.getpid()
    assert other_holder(project) is None  # this process's own lock is no obstacle
    lock.release()
    assert not lock_path(project).exists()


def test_a_live_copy_elsewhere_is_named(tmp_path, other_process):
    project = tmp_path / "p.nrproj"
    _lock_by(project, other_process)
    with pytest.raises(ProjectLocked, match=rf"ana on .* \(process {other_process}"):
        ProjectLock(project).acquire()
    with pytest.raises(ProjectLocked):
        check_not_open(project)
    assert other_holder(project).user == "ana"


def test_another_computer_counts_as_holding_it(tmp_path):
    project = tmp_path / "p.nrproj"
    _lock_by(project, 1, host="lab-pc-7")
    assert other_holder(project).host == "lab-pc-7"
    with pytest.raises(ProjectLocked, match="lab-pc-7"):
        ProjectLock(project).acquire()


def test_a_dead_copys_lock_is_taken_over(tmp_path):
    project = tmp_path / "p.nrproj"
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    _lock_by(project, proc.pid)
    assert other_holder(project) is None
    lock = ProjectLock(project)
    assert lock.acquire()
    assert read_holder(project).pid == os.getpid()


def test_a_damaged_lock_counts_as_someone_unknown(tmp_path):
    project = tmp_path / "p.nrproj"
    lock_path(project).write_text('{"user": 3, "pid": "x"}', encoding="utf-8")
    assert other_holder(project).user == "someone"
    lock_path(project).write_text("\x00\xff", encoding="latin-1")
    with pytest.raises(ProjectLocked, match="someone on an unknown computer"):
        ProjectLock(project).acquire()


def test_release_leaves_a_lock_that_is_not_its_own(tmp_path, other_process):
    project = tmp_path / "p.nrproj"
    lock = ProjectLock(project)
    lock.acquire()
    _lock_by(project, other_process)  # someone removed ours and took it
    lock.release()
    assert read_holder(project).pid == other_process


def test_a_folder_that_takes_no_lock_leaves_the_project_unlocked(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only share")

    monkeypatch.setattr(os, "open", refuse)
    assert ProjectLock(tmp_path / "p.nrproj").acquire() is False


def test_a_command_does_not_write_into_a_project_open_elsewhere(tmp_path, other_process,
                                                               paper_csv):
    from nrstudio.cli import main

    out = tmp_path / "p.nrproj"
    _lock_by(out, other_process)
    assert main(["import", str(paper_csv), "--out", str(out)]) != 0
    assert not out.exists()
