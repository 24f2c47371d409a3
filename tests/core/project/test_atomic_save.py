"""Saves killed mid-write (SIGKILL at random moments) never leave a corrupt project."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.paths import REPO

from nrstudio.core.project.file_format import load_project

CHILD = r"""
import os, sys
sys.path.insert(0, "tests")
from helpers.projects import rich_project
from nrstudio.core.project.file_format import save_project
path = sys.argv[1]
k = 0
while True:
    k += 1
    p = rich_project(image_bytes=os.urandom(12 * 1024 * 1024))
    p.notes = f"version {k}"
    save_project(p, path)
    print(k, flush=True)
"""


@pytest.mark.slow
def test_killed_saves_leave_old_or_new_file(tmp_path):
    path = tmp_path / "work.nrproj"
    rng = random.Random(1234)
    seen_versions = set()
    for _ in range(12):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], cwd=REPO,
                                 stdout=subprocess.PIPE, text=True)
        if not path.exists():
            child.stdout.readline()  # first ever save finished
        time.sleep(rng.uniform(0.05, 0.8))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        project = load_project(path)  # must always be whole
        seen_versions.add(project.notes)
        backup = Path(str(path) + ".bak")
        if backup.exists():
            load_project(backup)
    leftovers = [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    # Kills do leave temporary files behind; they are hidden and never the project itself.
    assert all(f.startswith(".") for f in leftovers)
    assert len(seen_versions) >= 2  # the kills did land during different saves
