"""The design campaign: rounds recorded when proposals are planned, read against the table,
kept in the project, and compared with a random order of the table's own syntheses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers.paths import EXAMPLE

from nrstudio.core.data.editing import add_planned_experiments, remove_rows, set_cell
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.campaign import (
    Aim,
    Campaign,
    campaign_status,
    window_distance,
)
from nrstudio.core.modeling.design import Want
from nrstudio.core.modeling.suggest import Optimise
from nrstudio.core.project.design_history import record_round
from nrstudio.core.project.file_format import load_project, save_project
from nrstudio.core.project.sections import SECTIONS, read_section

LENGTH = "Average Length (nm)"
WIDTH = "Average width (nm)"


def _plan(project, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    ds = project.dataset
    conditions = [{"Core absorption edge (nm)": 560.0 + 5 * k, "Core amount (nmol)": 50.0,
                   "S amount (mg)": 10.0} for k in range(n)]
    return add_planned_experiments(ds, conditions)


def _measure(project, sample: str, **values: float) -> None:  # type: ignore[no-untyped-def]
    ds = project.dataset
    row = ds.sample_ids().index(sample)
    for name, value in values.items():
        set_cell(ds, row, {"length": LENGTH, "width": WIDTH}[name], value)


def test_window_distance_is_in_tolerances_and_nan_until_measured():
    aims = [Aim(LENGTH, 40.0, 5.0), Aim(WIDTH, 4.0, 0.5)]
    assert window_distance({LENGTH: 43.0, WIDTH: 4.2}, aims) == 0
    assert window_distance({LENGTH: 55.0, WIDTH: 4.2}, aims) == pytest.approx(2.0)
    assert math.isnan(window_distance({LENGTH: 43.0}, aims))
    assert math.isnan(window_distance({LENGTH: 43.0}, [Aim(LENGTH, highest=True)]))


def test_rounds_follow_what_the_table_says_and_are_kept_in_the_project(tmp_path):
    project = load_project(EXAMPLE)
    lengths = project.dataset.values([LENGTH])[:, 0]
    lengths = lengths[np.isfinite(lengths)]
    want = Want(LENGTH, 40.0, 5.0)
    first = _plan(project, 2)
    record_round(project, "design", [want], first)
    second = _plan(project, 1)
    record_round(project, "suggest", [want, Optimise(WIDTH, highest=True)], second)

    status = campaign_status(read_section(project, "campaign"), project.dataset)
    assert [r.planned for r in status.rounds] == [2, 1]
    assert [r.measured for r in status.rounds] == [0, 0]
    assert "No planned experiment" in " ".join(status.summary)

    _measure(project, first[0], length=60.0)  # 3 tolerances outside
    _measure(project, first[1], length=44.0)  # inside
    _measure(project, second[0], length=41.0, width=5.5)
    status = campaign_status(read_section(project, "campaign"), project.dataset)
    r1, r2 = status.rounds
    assert (r1.measured, r1.in_window, r1.best_distance) == (2, 1, 0.0)
    assert r2.best_value == {WIDTH: 5.5} and r2.kind == "suggest"
    frame = status.to_frame()
    assert list(frame["closest"]) == ["inside", "inside"]
    assert list(frame["from"]) == ["Find", "Suggest"]
    # The newest round has other aims than the first, but the same window: the campaign's
    # experiments under it are 60, 44, 41 nm, the first inside is the second.
    text = " ".join(status.summary)
    assert "with experiment 2 of 3 measured" in text
    hits = int(np.sum(np.abs(lengths - 40.0) <= 5.0))
    n = len(lengths)
    assert f"{n} measured syntheses ({hits} inside)" in text
    assert f"needs {(n + 1) / (hits + 1):.1f} experiments" in text

    path = tmp_path / "campaign.nrproj"
    save_project(project, path)
    again = load_project(path)
    kept = read_section(again, "campaign")
    assert [r.samples for r in kept.rounds] == [first, second]
    assert kept.rounds[1].aims[1] == Aim(WIDTH, highest=True)
    assert campaign_status(kept, again.dataset).rounds[0].in_window == 1


def test_rows_removed_after_planning_are_said_and_not_counted():
    project = load_project(EXAMPLE)
    planned = _plan(project, 2)
    record_round(project, "design", [Want(LENGTH, 40.0, 5.0)], planned)
    remove_rows(project.dataset, [project.dataset.sample_ids().index(planned[0])])
    status = campaign_status(read_section(project, "campaign"), project.dataset)
    assert status.rounds[0].missing == 1
    assert "no longer in the table" in status.summary[0]


def test_a_damaged_campaign_names_what_is_wrong():
    section = SECTIONS["campaign"]
    with pytest.raises(DataError, match=r"campaign.*tolerance"):
        section.load({"version": 1, "rounds": [{"kind": "design", "made": "", "samples": [],
                                                "aims": [{"target": "L", "value": 1,
                                                          "tolerance": 0}]}]})
    with pytest.raises(DataError, match=r"campaign.*kind"):
        section.load({"rounds": [{"kind": "guess", "samples": [], "aims": []}]})
    assert section.load({"rounds": []}) == Campaign()
