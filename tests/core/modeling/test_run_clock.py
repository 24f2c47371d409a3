"""The time-left forecast: when a batch of networks will stop, and the run's clock."""

from __future__ import annotations

import numpy as np
import pytest

from nrstudio.core.modeling.stopping_forecast import expected_last_epoch, harmonic_number
from nrstudio.core.progress import Reporter
from nrstudio.core.run_clock import RunClock, Stage


def test_harmonic_number():
    assert harmonic_number(0) == 0
    assert harmonic_number(3) == pytest.approx(1 + 1 / 2 + 1 / 3)


def test_the_end_is_never_before_a_network_can_stop():
    # one network improved at epoch 70: with a patience of 30 it runs to 100 at least
    best = np.array([5, 70])
    active = np.array([False, True])
    runs = np.array([35, 80])
    assert expected_last_epoch(80, best, runs, active, 30, 300) >= 100
    assert expected_last_epoch(80, best, runs, active, 30, 300, prior=90) == 100
    assert expected_last_epoch(80, best, runs, active, 30, 300, prior=120) == 120


def test_a_batch_that_outlives_its_prior_is_forecast_from_its_own_stops():
    m = 15
    active = np.zeros(m, bool)
    active[:6] = True  # 9 of 15 stopped; 6 still improving at epoch 140
    best = np.where(active, 130, 40)
    runs = np.where(active, 140, 70)
    own = expected_last_epoch(140, best, runs, active, 30, 1000)
    assert expected_last_epoch(140, best, runs, active, 30, 1000, prior=100) == own > 160


def test_before_any_stop_the_guess_stands_and_stops_bring_it_forward():
    m = 50
    early = expected_last_epoch(10, np.full(m, 10), np.full(m, 10), np.ones(m, bool), 30, 300)
    assert early == pytest.approx(3.5 * 30, rel=0.05)
    # by epoch 40, 45 of 50 networks have stopped just after the patience: the end comes
    # sooner than the guess, and never before the floor
    active = np.zeros(m, bool)
    active[:5] = True
    runs = np.where(active, 40, 32)
    best = np.where(active, 30, 2)
    late = expected_last_epoch(40, best, runs, active, 30, 300)
    assert 60 <= late < early


def test_limits_of_the_forecast():
    ones = np.ones(4, bool)
    assert expected_last_epoch(7, np.full(4, 7), np.full(4, 7), ones, 0, 250) == 250
    assert expected_last_epoch(12, np.full(4, 2), np.full(4, 12), ~ones, 10, 250) == 12
    assert expected_last_epoch(250, np.full(4, 249), np.full(4, 250), ones, 30, 250) == 250
    assert expected_last_epoch(5, np.full(4, 5), np.full(4, 5), ones, 1000, 300) == 300


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
    # progress forecasts their early stopping; the prior only stood until they ran); the
    # final batch costs half as much per epoch, so half of the cross-validation's time
    now.t = 12.0
    f = clock.fraction("cv nets", 0.2)
    assert time_left(12.0, f) == pytest.approx(40 + 0.5 * 50, rel=1e-6)
