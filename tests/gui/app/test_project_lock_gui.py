"""A project open in another copy of the app: the window says who has it, opens a copy on
request, and never saves over it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

pytest.importorskip("PySide6", reason="GUI tests need PySide6")
from helpers.gui import Dialogs, make_window
from PySide6.QtWidgets import QMessageBox

from nrstudio.core.project.project_lock import lock_path, read_holder

pytestmark = pytest.mark.gui


@pytest.fixture
def project(example):
    return example


@pytest.fixture
def held_elsewhere(project):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    lock_path(project).write_text(json.dumps({
        "user": "ana", "host": socket.gethostname(), "pid": proc.pid,
        "since": "2026-12-04 09:00"}), encoding="utf-8")
    yield proc.pid
    proc.kill()
    proc.wait()


def _answer_lock_question(monkeypatch, button: str, asked: list[str]) -> None:
    def exec_(box):
        asked.append(box.text())
        chosen = [b for b in box.buttons() if b.text().replace("&", "") == button]
        chosen[0].click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)


def test_the_open_project_is_locked_and_released_on_close(qtbot, tmp_path, project,
                                                          monkeypatch):
    Dialogs(monkeypatch, answer=QMessageBox.StandardButton.Discard)
    w = make_window(qtbot, tmp_path, project)
    assert read_holder(project) is not None
    w.close_project()
    assert not lock_path(project).exists()


def test_a_project_open_elsewhere_opens_as_a_copy(qtbot, tmp_path, project, held_elsewhere,
                                                  monkeypatch):
    Dialogs(monkeypatch, answer=QMessageBox.StandardButton.Discard)
    asked: list[str] = []
    _answer_lock_question(monkeypatch, "Open a copy", asked)
    w = make_window(qtbot, tmp_path)
    assert w.open_path(project)
    assert "by ana on" in asked[0] and f"process {held_elsewhere}" in asked[0]
    assert w.doc.path is None and len(w.doc.dataset) == 28  # untitled: Save asks a name
    assert read_holder(project).pid == held_elsewhere  # their lock stays


def test_cancel_leaves_it_unopened(qtbot, tmp_path, project, held_elsewhere, monkeypatch):
    Dialogs(monkeypatch, answer=QMessageBox.StandardButton.Discard)
    _answer_lock_question(monkeypatch, "Cancel", [])
    w = make_window(qtbot, tmp_path)
    assert not w.open_path(project)
    assert w.doc.path != project


def test_saving_over_a_project_open_elsewhere_is_refused(qtbot, tmp_path, project,
                                                          held_elsewhere, monkeypatch):
    dialogs = Dialogs(monkeypatch, answer=QMessageBox.StandardButton.Discard)
    w = make_window(qtbot, tmp_path)
    before = project.read_bytes()
    assert not w._write(project)
    assert project.read_bytes() == before
    assert any("by ana on" in text and "Save As" in text for _, text in dialogs.shown)
