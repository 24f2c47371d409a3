"""Process-wide settings are constants: the umask is never toggled, the Pillow guard never
switched off around a decode."""

from __future__ import annotations

import io
import os

import numpy as np
from PIL import Image

from nrstudio.core import atomic
from nrstudio.core.micrographs.images import PILLOW_LIMIT, read_micrograph


def test_atomic_write_reads_the_umask_without_setting_it(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "umask", lambda *a: calls.append(a) or 0o022)
    atomic.atomic_write(tmp_path / "f.txt", lambda fh: fh.write(b"x"))
    assert calls == []
    mode = (tmp_path / "f.txt").stat().st_mode & 0o777
    assert mode == 0o666 & ~atomic.PROCESS_UMASK


def test_the_pillow_guard_stays_on_after_a_decode():
    buf = io.BytesIO()
    Image.fromarray(np.zeros((40, 50), np.uint8)).save(buf, format="PNG")
    read_micrograph(buf.getvalue(), "a.png")
    assert Image.MAX_IMAGE_PIXELS == PILLOW_LIMIT
