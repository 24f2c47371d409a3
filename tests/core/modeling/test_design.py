"""Inverse design and next experiments on a known function."""

import numpy as np
import pytest

from nrstudio.core.data.dataset import Column, Dataset, Role
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.design import (
    DesignSettings,
    DesignSpace,
    Want,
    design_conditions,
)
from nrstudio.core.modeling.evaluation import cross_validate
from nrstudio.core.modeling.final_models import FinalModels, fit_tabular_set
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.predict import FAR_FACTOR
from nrstudio.core.modeling.run_settings import EvaluationSettings
from nrstudio.core.modeling.suggest import SuggestSettings, suggest_experiments


def law(x):
    """Length (nm) of a made-up synthesis: core amount a, sulfur s (0..100), a ligand."""
    return 20 + 0.6 * x[:, 0] + 0.004 * (x[:, 1] - 40) ** 2


COLUMNS = [Column("Sample", Role.SAMPLE_ID), Column("Core (nmol)", Role.INPUT, "nmol"),
           Column("S (mg)", Role.INPUT, "mg"), Column("Length (nm)", Role.TARGET, "nm")]


@pytest.fixture(scope="module")
def models():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 100, (40, 2))
    y = law(x) + 0.5 * rng.standard_normal(40)
    ds = Dataset.from_records(COLUMNS, [[f"s{i}", *x[i], y[i]] for i in range(40)])
    ev = cross_validate(ds, EvaluationSettings(
        baselines=("gaussian_process",), network=NetworkSettings(max_epochs=2, patience=1),
        folds=10, loo_max=1))
    return FinalModels(None, fit_tabular_set(ds, ("gaussian_process",)), ev), ds


def test_designed_conditions_give_the_wanted_size_on_the_true_function(models):
    m, _ = models
    result = design_conditions(m, [Want("Length (nm)", 60.0, 3.0)])
    assert result.limit == "" and len(result.candidates) == 5
    truth = law(np.array([c.conditions for c in result.candidates]))
    assert np.all(np.abs(truth - 60.0) <= 3.0), truth
    assert result.candidates[0].probability > 0.5 and "P(success)" in result.candidates[0].reason


def test_fixed_inputs_bounds_and_steps_are_respected_and_candidates_distinct(models):
    m, _ = models
    space = DesignSpace(fixed={"Core (nmol)": 50.0}, bounds={"S (mg)": (10.0, 90.0)},
                        steps={"S (mg)": 5.0})
    result = design_conditions(m, [Want("Length (nm)", 52.0, 2.0)], space,
                               DesignSettings(min_separation=0.3))
    x = np.array([c.conditions for c in result.candidates])
    assert np.all(x[:, 0] == 50.0)
    assert np.all((x[:, 1] >= 10.0) & (x[:, 1] <= 90.0))
    assert np.allclose(x[:, 1] / 5.0, np.round(x[:, 1] / 5.0))
    assert len({tuple(r) for r in x}) == len(x)  # no copies of one optimum
    z = (m.space.encode(x) - m.domain.mean) / m.domain.std
    d = np.sqrt(((z[:, None] - z[None]) ** 2).sum(-1)) / m.domain.typical_spacing
    assert np.all(d[np.triu_indices(len(x), 1)] >= 0.3 - 1e-9)


def test_an_unreachable_size_is_said_plainly(models):
    m, _ = models
    result = design_conditions(m, [Want("Length (nm)", 500.0, 1.0)])
    assert "No candidate reaches a useful probability" in result.limit
    assert "spans only" in result.limit  # the bounds limit it, not the model
    with pytest.raises(DataError, match="not an input"):
        design_conditions(m, [Want("Length (nm)", 50.0, 1.0)], DesignSpace(fixed={"T": 1}))


def test_suggestions_stay_in_the_domain_apart_and_away_from_pending_rows(models):
    m, ds = models
    planned = ds.copy()
    from nrstudio.core.data.editing import insert_rows

    insert_rows(planned, len(planned), cells=[["planned 1", 50.0, 50.0, float("nan")]])
    for mode, wants in (("learn", []), ("reach", [Want("Length (nm)", 75.0, 2.0)])):
        result = suggest_experiments(m, wants, settings=SuggestSettings(n=3, mode=mode),
                                     dataset=planned)
        assert result.n_pending == 1 and len(result.suggestions) == 3
        x = np.array([s.conditions for s in result.suggestions])
        assert all(s.distance <= FAR_FACTOR and s.reason for s in result.suggestions)
        z = (m.space.encode(x) - m.domain.mean) / m.domain.std
        zp = (m.space.encode(np.array([[50.0, 50.0]])) - m.domain.mean) / m.domain.std
        spacing = m.domain.typical_spacing
        assert np.all(np.sqrt(((z - zp) ** 2).sum(-1)) / spacing > 0.3)
        d = np.sqrt(((z[:, None] - z[None]) ** 2).sum(-1)) / spacing
        assert np.all(d[np.triu_indices(3, 1)] > 0.3)


def test_the_same_seed_gives_the_same_candidates(models):
    m, _ = models
    a = design_conditions(m, [Want("Length (nm)", 60.0, 3.0)], settings=DesignSettings(seed=7))
    b = design_conditions(m, [Want("Length (nm)", 60.0, 3.0)], settings=DesignSettings(seed=7))
    assert np.array_equal(np.array([c.conditions for c in a.candidates]),
                          np.array([c.conditions for c in b.candidates]))


def test_only_rows_the_user_planned_are_pending(models):
    from nrstudio.core.data.editing import (
        PLANNED_COLUMN,
        add_planned_experiments,
        insert_rows,
        planned_rows,
    )

    m, ds = models
    table = ds.copy()
    # a synthesis whose length was never measured: missing, but not planned
    insert_rows(table, len(table), cells=[["failed 1", 20.0, 80.0, float("nan")]])
    add_planned_experiments(table, [{"Core (nmol)": 50.0, "S (mg)": 50.0}])
    assert table.column(PLANNED_COLUMN).role == Role.IGNORED
    assert planned_rows(table).sum() == 1
    result = suggest_experiments(m, [], settings=SuggestSettings(n=2, mode="learn"), dataset=table)
    assert result.n_pending == 1
    # a row the user marks by hand counts too; the planned row's id does not matter
    j = [c.name for c in table.columns].index(PLANNED_COLUMN)
    failed = int(np.flatnonzero(np.array(table.sample_ids()) == "failed 1")[0])
    table.table.iat[failed, j] = "Yes"
    assert planned_rows(table).sum() == 2


def test_a_short_batch_says_what_was_measured(models):
    m, _ = models
    wide = DesignSpace(bounds={"Core (nmol)": (1e4, 2e4), "S (mg)": (1e4, 2e4)})
    result = suggest_experiments(m, [], wide, SuggestSettings(n=3, mode="learn"))
    assert not result.suggestions
    assert "none of the" in result.notes[0] and "too wide" in result.notes[0]
    assert "covered" not in result.notes[0]


def test_candidates_keep_the_precision_the_data_are_written_with():
    rng = np.random.default_rng(5)
    x = np.column_stack([np.round(rng.uniform(0, 100, 30), 1),  # 0.1 nmol
                         np.round(rng.uniform(0, 100, 30) / 5) * 5])  # whole mg (5s)
    y = law(x) + 0.3 * rng.standard_normal(30)
    ds = Dataset.from_records(COLUMNS, [[f"s{i}", *x[i], y[i]] for i in range(30)])
    m = FinalModels(None, fit_tabular_set(ds, ("gaussian_process",)), cross_validate(
        ds, EvaluationSettings(baselines=("gaussian_process",),
                               network=NetworkSettings(max_epochs=2, patience=1),
                               folds=5, loo_max=1)))
    designed = design_conditions(m, [Want("Length (nm)", 50.0, 3.0)])
    suggested = suggest_experiments(m, [Want("Length (nm)", 50.0, 3.0)],
                                    settings=SuggestSettings(n=5))
    for c in [c.conditions for c in designed.candidates] + [
            s.conditions for s in suggested.suggestions]:
        assert c[0] == pytest.approx(round(c[0], 1)) and c[1] == pytest.approx(round(c[1]))
    rows = [tuple(s.conditions) for s in suggested.suggestions]
    assert len(set(rows)) == len(rows)  # distinct after rounding


def test_the_measured_range_is_read_from_the_evaluation_once(models):
    import dataclasses

    import pandas as pd

    m, _ = models
    evaluation = dataclasses.replace(m.evaluation)
    fresh = FinalModels(None, m.tabular, evaluation)
    p = evaluation.predictions
    truth = p[(p.origin == "original") & (p.target == "Length (nm)")].truth.to_numpy(float)
    assert fresh.target_range("Length (nm)") == float(np.ptp(truth)) > 0
    evaluation.predictions = pd.DataFrame()  # not read again: every target's kept
    assert fresh.target_range("Length (nm)") == float(np.ptp(truth))
    assert np.isnan(fresh.target_range("Width (nm)"))
