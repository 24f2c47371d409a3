"""The time-left forecast: when a batch of networks will stop, and the run's clock."""

from __future__ import annotations

import numpy as np
import pytest

from nrstudio.core.modeling.stopping_forecast import (
    StoppingForecast,
    expected_last_epoch,
    improvement_hazard,
)
from nrstudio.core.progress import Reporter
from nrstudio.core.run_clock import RunClock, Stage


def history(epochs: int, *networks: list[int]) -> np.ndarray:
    """(M, epochs) bool: network i improved at the 1-based epochs listed for it."""
    out = np.zeros((len(networks), epochs), dtype=bool)
    for i, at in enumerate(networks):
        out[i, np.asarray(at) - 1] = True
    return out


def test_the_end_is_never_before_a_network_can_stop():
    # one network improved at epoch 70: with a patience of 30 it runs to 100 at least
    improved = history(80, [1, 5], [1, 20, 45, 70])
    active = np.array([False, True])
    assert expected_last_epoch(80, improved, active, 30, 300) >= 100
    assert expected_last_epoch(80, improved, active, 30, 300, prior=90) == 100
    assert expected_last_epoch(80, improved, active, 30, 300, prior=120) == 120


def test_a_batch_that_outlives_its_prior_is_forecast_from_its_own_history():
    improved = history(140, *[[1, 2, 5]] * 9, *[[1, 20, 50, 80, 110, 130]] * 6)
    active = np.arange(15) >= 9  # 9 of 15 stopped; 6 still improving at epoch 140
    own = expected_last_epoch(140, improved, active, 30, 1000)
    assert expected_last_epoch(140, improved, active, 30, 1000, prior=100) == own >= 160


def test_before_any_stop_the_guess_stands():
    m = 50
    improved = history(10, *[list(range(1, 11))] * m)
    early = expected_last_epoch(10, improved, np.ones(m, bool), 30, 300)
    assert early == pytest.approx(3.5 * 30)


def test_networks_that_keep_improving_are_forecast_to_run_longer():
    """The networks still training decide the end: the same stops, but survivors that
    improved every 8 epochs outlast survivors that improved once long ago."""
    stopped = [[1, 2]] * 45
    busy = history(60, *stopped, *[list(range(1, 61, 8))] * 5)
    idle = history(60, *stopped, *[[1, 25, 40]] * 5)
    active = np.arange(50) >= 45
    busy_end = expected_last_epoch(60, busy, active, 30, 1000)
    idle_end = expected_last_epoch(60, idle, active, 30, 1000)
    assert idle_end == 70  # no gap in the batch ended past 15 epochs: they stop at the floor
    assert busy_end > 100  # improvements every 8 epochs rarely leave a 30-epoch gap


def test_the_hazard_counts_gaps_open_gaps_and_stops():
    # gaps of 2 and 4 epochs; one network open for 3 epochs; one stopped (patience 5)
    improved = history(12, [1, 3, 7, 9], [1, 2, 4])
    active = np.array([True, False])
    hazard = improvement_hazard(improved, active, 5)
    # gaps (from the 2nd epoch's improvements on): 4 (3->7), 2 (7->9), 2 (2->4);
    # open: 3 epochs since 9; a stop after 4
    at_risk = np.array([0, 5, 5, 3, 2, 1])
    ends = np.array([0, 0, 2, 0, 1, 0])
    assert hazard == pytest.approx(ends / np.maximum(at_risk, 1))


def test_limits_of_the_forecast():
    ones = np.ones(4, bool)
    assert expected_last_epoch(7, history(7, *[[7]] * 4), ones, 0, 250) == 250
    assert expected_last_epoch(12, history(12, *[[2]] * 4), ~ones, 10, 250) == 12
    assert expected_last_epoch(250, history(250, *[[249]] * 4), ones, 30, 250) == 250
    assert expected_last_epoch(5, history(5, *[[5]] * 4), ones, 1000, 300) == 300


class FakeTime:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def time_left(elapsed: float, fraction: float) -> float:
    return elapsed * (1 - fraction) / fraction


def test_a_clock_forecasts_stages_ahead_from_their_kind():
    now = FakeTime()
    clock = RunClock([Stage("small fits", "fits", 2), Stage("nets", "networks", 80),
                      Stage("many fits", "fits", 20), Stage("final nets", "networks", 10)],
                     now)
    # a stage begins at its first report; nothing yet to forecast the networks from
    assert clock.fraction("small fits", 0.0) == 0
    now.t = 1.0
    assert clock.fraction("small fits", 0.5) == 0
    now.t = 2.0
    assert clock.fraction("nets", 0.0) == 0  # small fits took 2 s; the networks: unknown
    now.t = 12.0  # the networks run at 10% per second: 100 s in all
    f = clock.fraction("nets", 0.1)
    # left: 90 s of networks + 20 s of fits (10x the 2 s) + 100 * (10/80)**0.75 s
    expected = 90 + 20 + 100 * (10 / 80) ** 0.75
    assert time_left(12.0, f) == pytest.approx(expected, rel=1e-6)


def test_between_stages_the_last_one_is_over_and_unknown_work_keeps_the_last_share():
    now = FakeTime()
    clock = RunClock([Stage("a", "fits", 1), Stage("b", "fits", 3)], now)
    clock.fraction("a", 0.0)
    now.t = 1.0
    first = clock.fraction("a", 1.0)
    assert first == pytest.approx(1 / (1 + 3))  # b: three times a's second
    now.t = 1.5
    between = clock.fraction(None, 0.4)
    assert between == pytest.approx(1.5 / (1.5 + 3))
    assert clock.fraction("unlisted", 0.7) == between
    assert clock.fraction(None, 1.0) == 1.0


def test_a_stage_marked_known_later_counts_as_nothing_until_it_begins():
    now = FakeTime()
    clock = RunClock([Stage("a", "fits"), Stage("explain", "explain", known_later=True)], now)
    clock.fraction("a", 0.0)
    now.t = 2.0
    assert time_left(2.0, clock.fraction("a", 0.5)) == pytest.approx(2.0)


def test_resize_changes_the_forecast():
    now = FakeTime()
    clock = RunClock([Stage("a", "fits", 1), Stage("b", "fits", 1)], now)
    clock.resize("b", 5)
    clock.fraction("a", 0.0)
    now.t = 1.0
    assert time_left(1.0, clock.fraction("a", 1.0)) == pytest.approx(5.0)


def test_a_callee_wrapping_its_callers_report_reaches_the_clock():
    now = FakeTime()
    seen: list[float] = []
    clock = RunClock([Stage("a", "fits", 1), Stage("b", "fits", 1)], now)
    top = Reporter(lambda f, _s: seen.append(f)).timed(clock)

    def callee(progress):  # type: ignore[no-untyped-def]
        rep = Reporter(progress)
        a = rep.sub(0.0, 0.5, stage="a")
        a.report(0.0)
        now.t = 1.0
        a.report(1.0)
        b = rep.sub(0.5, 1.0, stage="b")
        b.report(0.0)
        now.t = 1.5
        b.report(0.5)

    callee(top.sub(0.2, 0.9).report)
    # a took 1 s, so b is forecast at 1 s; half done after 0.5 s of its own, it has 0.5 s
    # left by its pace and by its forecast alike
    assert seen[0] == 0 and seen[1] == pytest.approx(0.5)
    assert time_left(1.5, seen[3]) == pytest.approx(0.5)


def test_without_a_clock_the_fixed_ranges_apply():
    seen: list[float] = []
    rep = Reporter(lambda f, _s: seen.append(f))
    rep.sub(0.5, 1.0, stage="b").sub(0.5, 1.0).report(0.5)
    assert seen == [pytest.approx(0.875)]


def test_measured_costs_forecast_networks_before_they_run_and_scale_linearly():
    now = FakeTime()
    clock = RunClock([Stage("fits", "fits", 1), Stage("cv nets", "networks", 84),
                      Stage("final nets", "networks", 15)], now)
    clock.fraction("fits", 0.0)
    now.t = 1.0
    clock.fraction("fits", 0.5)
    # measured: an epoch of the cross-validation's batch takes 0.2 s, of the final one
    # 0.1 s (not (15/84)**0.75 of it); 120 epochs are expected of each
    clock.expect("cv nets", 0.2, 24.0)
    clock.expect("final nets", 0.1, 12.0)
    clock.resize("cv nets", 84)  # a count does not replace a measured cost
    assert time_left(1.0, clock.fraction("fits", 0.5)) == pytest.approx(1 + 24 + 12)
    now.t = 2.0
    clock.fraction("cv nets", 0.0)
    # the networks ran 10 s for 20% of their expected epochs: 50 s by their own pace (their
    # progress forecasts their early stopping); their pace is trusted as far as they have
    # run of the measured prior (10 of 24 s), so the first epochs, which also pay for the
    # set-up, do not swing the forecast. The final batch costs half as much per epoch: half
    # of the cross-validation's time by its pace
    now.t = 12.0
    f = clock.fraction("cv nets", 0.2)
    trust = 10 / 24
    running = trust * 50 + (1 - trust) * 24
    assert time_left(12.0, f) == pytest.approx(running - 10 + 0.5 * 50, rel=1e-6)
    # once they have run their prior's time, their own pace alone forecasts them
    now.t = 32.0
    f = clock.fraction("cv nets", 0.6)
    assert time_left(32.0, f) == pytest.approx(20 + 0.5 * 50, rel=1e-6)


def test_the_forecast_of_a_training_batch_is_renewed_when_a_network_stops_or_time_passes():
    improved = history(200, *[[1, 2]] * 40, *[list(range(1, 201, 6))] * 10)
    active = np.arange(50) >= 40
    forecast = StoppingForecast(30, 1000)
    first = forecast.end(100, improved[:, :100], active)
    assert first == expected_last_epoch(100, improved[:, :100], active, 30, 1000)
    # one epoch later, nothing stopped: the same forecast, not computed again
    assert forecast.end(101, improved[:, :101], active) == first
    # a network stops: forecast again
    fewer = active.copy()
    fewer[40] = False
    assert forecast.end(102, improved[:, :102], fewer) == expected_last_epoch(
        102, improved[:, :102], fewer, 30, 1000)
    # 5% more epochs: forecast again
    assert forecast.end(110, improved[:, :110], fewer) == expected_last_epoch(
        110, improved[:, :110], fewer, 30, 1000)
