"""Replicates (rows run at the same conditions) are held out together: a model that merely
remembers each condition's mean must not look like one that predicts a new synthesis."""

from __future__ import annotations

import numpy as np
import pytest

from nrstudio.core.data.dataset import Column, Dataset, Kind, Role
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.evaluation import EvaluationSettings, cross_validate
from nrstudio.core.modeling.folds import honest_folds
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.networks import inner_split
from nrstudio.core.modeling.predict import final_training_sets
from nrstudio.core.modeling.replicates import condition_units, count_conditions
from nrstudio.core.modeling.training_data import training_data

TINY_NETWORK = NetworkSettings(hidden=(8, 8), max_epochs=2, patience=1)


def replicate_table(conditions: int, replicates: int, seed: int = 0) -> Dataset:
    """``conditions`` random conditions, each run ``replicates`` times; the outcome is a
    random level per condition (nothing the inputs can tell) plus a little replicate
    noise, so only a model that has seen the held-out condition can predict it."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, (conditions, 3))
    level = rng.normal(50, 10, conditions)
    cols = [Column("Sample", Role.SAMPLE_ID, "", Kind.TEXT), Column("a (mg)", Role.INPUT, "mg"),
            Column("b (mg)", Role.INPUT, "mg"), Column("T (C)", Role.INPUT, "C"),
            Column("Size (nm)", Role.TARGET, "nm")]
    rows = [[f"s{c}-{r}", *x[c], level[c] + rng.normal(0, 0.3)]
            for r in range(replicates) for c in range(conditions)]
    return Dataset.from_records(cols, rows)


def test_conditions_are_numbered_in_order_of_first_appearance():
    x = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [5.0, np.nan], [3.0, 4.0],
                  [5.0, np.nan]])
    assert condition_units(x).tolist() == [0, 1, 0, 2, 1, 2]
    assert count_conditions(x) == 3
    distinct = np.random.default_rng(1).normal(size=(7, 3))
    assert condition_units(distinct).tolist() == list(range(7))
    # a run label joins rows at other conditions, and through them their replicates
    labels = ["A", None, None, "A", None, None]
    assert condition_units(x, labels).tolist() == [0, 1, 0, 0, 1, 0]


@pytest.mark.parametrize("loo_max, n_folds", [(50, 12), (5, 4)])
def test_no_fold_trains_on_a_replicate_of_what_it_holds_out(loo_max, n_folds):
    ds = replicate_table(12, 4)
    x, y = ds.values(ds.inputs), ds.values(ds.targets)
    folds = honest_folds(x, y, EvaluationSettings(loo_max=loo_max, folds=4,
                                                  augment=SmoteRegSettings(per_subset=2)))
    assert len(folds) == n_folds
    held = np.concatenate([f.test_source for f in folds])
    assert sorted(held.tolist()) == list(range(48))  # every row held out once
    for f in folds:
        trained = {tuple(r) for r in x[f.train_originals]}
        assert not trained & {tuple(r) for r in f.test_x}


def test_a_table_without_replicates_keeps_its_folds():
    x = np.random.default_rng(2).uniform(size=(23, 3))
    y = x.sum(axis=1, keepdims=True)
    settings = EvaluationSettings(loo_max=10, folds=5, seed=7)
    expected = np.array_split(np.random.default_rng(7).permutation(23), 5)
    folds = honest_folds(x, y, settings, augment=False)
    assert [f.test_source.tolist() for f in folds] == [e.tolist() for e in expected]
    loo = honest_folds(x, y, EvaluationSettings(loo_max=50), augment=False)
    assert [f.test_source.tolist() for f in loo] == [[i] for i in range(23)]


def test_remembering_replicates_does_not_pass_for_prediction():
    ds = replicate_table(15, 6)
    result = cross_validate(ds, EvaluationSettings(
        protocols=("honest",), baselines=("random_forest",), network=TINY_NETWORK,
        augment=SmoteRegSettings(per_subset=1)))
    r2 = result.metrics.set_index(["model", "metric"])["mean"][("random_forest", "R2")]
    # held out row by row, the forest scores about 0.9 by recalling each condition's level
    assert r2 < 0.3
    assert any("15 different conditions" in n and "held out together" in n
               for n in result.notes)


def test_early_stopping_holds_out_whole_conditions():
    data = training_data(replicate_table(10, 5))
    for s in final_training_sets(data, SmoteRegSettings(per_subset=2), members=2):
        train, val = inner_split(s, 0.2, seed=0)
        assert len(val)
        assert not set(s.sources[train].ravel()) & set(s.sources[val].ravel())
        # the sources are conditions: every replicate of a held-out one is held out
        originals = s.sources[:, 0] == s.sources[:, 1]
        val_conditions = {tuple(r) for r in s.x[np.intersect1d(val, np.flatnonzero(originals))]}
        assert not val_conditions & {tuple(r) for r in s.x[train]}


def test_two_conditions_cannot_be_cross_validated():
    with pytest.raises(DataError, match=r"different conditions.*2 \(10 rows, replicates"):
        cross_validate(replicate_table(2, 5), EvaluationSettings(
            protocols=("honest",), baselines=("mean",), network=TINY_NETWORK))


def aliquot_table(flasks: int = 10, times=(10, 30, 60, 120, 240), seed: int = 4) -> Dataset:
    """Aliquots taken over time from each flask (a 'Batch' label many rows share): the size
    grows with time and temperature, plus an offset of the flask's own that no condition
    tells."""
    rng = np.random.default_rng(seed)
    cols = [Column("Sample", Role.SAMPLE_ID, "", Kind.TEXT),
            Column("Batch", Role.IGNORED, "", Kind.TEXT), Column("Time (s)", Role.INPUT, "s"),
            Column("T (C)", Role.INPUT, "C"), Column("Size (nm)", Role.TARGET, "nm")]
    rows = []
    for f in range(flasks):
        temp, offset = round(rng.uniform(200, 250), 1), rng.normal(0, 3)
        rows += [[f"f{f}-{t}", f"B{f + 1}", float(t), temp,
                  2 + 0.01 * temp + np.log(t) + offset] for t in times]
    return Dataset.from_records(cols, rows)


def test_the_aliquots_of_one_flask_are_held_out_together():
    ds = aliquot_table()
    data = training_data(ds)
    assert data.batch_columns == ["Batch"] and data.count_units() == 10
    result = cross_validate(ds, EvaluationSettings(
        protocols=("honest",), baselines=("random_forest",), network=TINY_NETWORK,
        augment=SmoteRegSettings(per_subset=1)))
    p = result.predictions[result.predictions.model == "random_forest"]
    flask = p["sample"].str.split("-").str[0]
    assert (p.groupby(flask)["fold"].nunique() == 1).all()
    assert p["fold"].nunique() == 10  # leave-one-flask-out
    assert any("run or batch in Batch" in n for n in result.notes)


def test_a_label_of_many_recipes_or_of_every_row_groups_nothing():
    ds = aliquot_table()
    ds.table["Batch"] = "lot 7"  # one precursor lot for the whole table
    assert training_data(ds).batch_columns == []
    # a lot shared by syntheses of different recipes (both inputs vary within a lot)
    rng = np.random.default_rng(5)
    cols = [Column("Sample", Role.SAMPLE_ID, "", Kind.TEXT),
            Column("Batch", Role.IGNORED, "", Kind.TEXT), Column("Time (s)", Role.INPUT, "s"),
            Column("T (C)", Role.INPUT, "C"), Column("Size (nm)", Role.TARGET, "nm")]
    rows = [[f"s{i}", f"lot {i % 4}", float(rng.integers(10, 300)),
             round(float(rng.uniform(200, 250)), 1), float(rng.normal(10, 1))]
            for i in range(24)]
    data = training_data(Dataset.from_records(cols, rows))
    assert data.batch_columns == [] and data.count_units() == 24


def test_rows_that_share_a_label_in_any_grouping_column_are_one_synthesis():
    """Two copies of each sample (an imputed export's 'Sample') from flasks holding two
    samples each ('Flask'): rows of one flask are one synthesis whatever their sample label.
    Joined into one label per row ('S0 / F0', 'S1 / F0'), the two samples of a flask were
    two syntheses, and a held-out sample's flask-mate stayed in training."""
    cols = [Column("ID", Role.SAMPLE_ID, "", Kind.TEXT),
            Column("Sample", Role.IGNORED, "", Kind.TEXT),
            Column("Flask", Role.IGNORED, "", Kind.TEXT), Column("Time (s)", Role.INPUT, "s"),
            Column("T (C)", Role.INPUT, "C"), Column("Cd (mmol)", Role.INPUT, "mmol"),
            Column("Size (nm)", Role.TARGET, "nm")]
    rows = []
    for s in range(6):
        flask, t, temp = s // 2, 30.0 * (s % 2 + 1), 200.0 + 10 * (s // 2)
        for copy in range(2):
            rows.append([f"r{2 * s + copy}", f"S{s}", f"F{flask}", t, temp,
                         0.1 + 0.02 * flask, 5.0 + s + 0.1 * copy])
    data = training_data(Dataset.from_records(cols, rows))
    assert data.batch_columns == ["Sample", "Flask"]
    assert data.count_units() == 3
    assert data.units().tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
