"""The thread team follows the cores other programs leave free."""

from __future__ import annotations

import pytest
import torch

import nrstudio.core.compute_threads as ct


@pytest.fixture
def fake_cpu(monkeypatch, tmp_path):
    """Two CPUs whose busy and idle jiffies the test advances; this process uses none."""
    stat = tmp_path / "stat"
    state = {"busy": 1000, "idle": 1000, "clock": 0.0}

    def advance(busy: int, idle: int) -> None:
        state["busy"] += busy
        state["idle"] += idle
        stat.write_text(f"cpu  {state['busy']} 0 0 {state['idle']} 0 0 0 0 0 0\n")
        state["clock"] += 2.0

    advance(0, 0)
    monkeypatch.setattr(ct, "PROC_STAT", str(stat))
    monkeypatch.setattr(ct, "_own_jiffies", lambda: 0)
    monkeypatch.setattr(ct.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(ct.time, "monotonic", lambda: state["clock"])
    before = torch.get_num_threads()
    yield advance
    torch.set_num_threads(before)


def test_busy_cores_shrink_the_team_and_idle_ones_grow_it(fake_cpu):
    gov = ct.ThreadGovernor(cores=2)
    gov.update()  # the starting point
    fake_cpu(busy=200, idle=0)  # both cores busy with other programs
    assert gov.update() == 1 and torch.get_num_threads() == 1
    fake_cpu(busy=0, idle=200)  # quiet again
    assert gov.update() == 2 and torch.get_num_threads() == 2
    fake_cpu(busy=100, idle=100)  # one core taken
    assert gov.update() == 1
    gov.restore()
    assert torch.get_num_threads() == 2


def test_without_proc_stat_the_defaults_stay(monkeypatch):
    monkeypatch.setattr(ct, "PROC_STAT", "/nonexistent/stat")
    before = torch.get_num_threads()
    gov = ct.ThreadGovernor()
    assert gov.update() == 0 and gov.update() == 0
    assert torch.get_num_threads() == before


def test_work_outside_torch_uses_the_team_size_chosen_or_every_cpu_before(monkeypatch):
    governor = ct.ThreadGovernor()
    monkeypatch.setattr(ct.os, "cpu_count", lambda: 6)
    assert governor.allowed() == 6  # not looked yet
    governor.threads = 2
    assert governor.allowed() == 2
    monkeypatch.setattr(ct.os, "cpu_count", lambda: None)
    governor.threads = 0
    assert governor.allowed() == 1
