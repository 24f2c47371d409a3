"""A run hands over its fast models before its networks: they predict on their own, and a
project that stores them (then the whole run) reads back the right models."""

import numpy as np
import pytest
from helpers.paths import EXAMPLE

from nrstudio.core.modeling.augment import SmoteRegSettings, augment_smote_reg
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.final_models import TABULAR_MODEL
from nrstudio.core.modeling.network_pace import NetworkBatch
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.networks import inner_split
from nrstudio.core.modeling.pipeline import (
    FINAL_MODEL,
    network_batches,
    representative_rows,
    run_clock,
    run_pipeline,
)
from nrstudio.core.modeling.predict import final_training_sets
from nrstudio.core.modeling.run_settings import EvaluationSettings, RunSettings
from nrstudio.core.modeling.training_data import training_data
from nrstudio.core.project.file_format import load_project
from nrstudio.core.project.run_results import apply_payload, fast_payload, project_payload
from nrstudio.core.project.stored_models import load_final_models

# A leakage-free run that is quick: few synthetic rows, tiny networks, three baselines.
SMALL_RUN = RunSettings(EvaluationSettings(
    protocols=("honest",), augment=SmoteRegSettings(per_subset=2),
    network=NetworkSettings(hidden=(8,), max_epochs=3, patience=0),
    baselines=("mean", "ridge", "gaussian_process")), members=2, lime=LimeSettings(),
    explain=False)


def test_fast_models_predict_before_the_networks_and_the_project_follows():
    project = load_project(EXAMPLE)
    settings = SMALL_RUN
    seen = []
    epochs_then = []
    result = run_pipeline(project.dataset, settings,
                          on_epoch=lambda stage, r: epochs_then.append(len(seen)),
                          on_fast=seen.append)
    assert len(seen) == 2 and epochs_then and min(epochs_then) == 2
    quick, with_gp = seen
    assert quick.models.ensemble is None
    assert set(quick.models.available()[quick.models.targets[0]]) == {"mean", "ridge"}
    assert {c.model for c in with_gp.models.choices().values()} <= {"mean", "ridge",
                                                                    "gaussian_process"}
    x = quick.models.space.conditions(project.dataset, np.arange(3))
    prediction = with_gp.models.predict(x)
    assert np.isfinite(prediction.mean).all() and (prediction.upper > prediction.lower).all()

    store = load_project(EXAMPLE)
    apply_payload(store, project_payload(result))
    apply_payload(store, fast_payload(with_gp))  # a later run, cancelled during its networks
    assert FINAL_MODEL not in store.models and TABULAR_MODEL in store.models
    models = load_final_models(store)
    assert models.ensemble is None and "gaussian_process" in models.available()[models.targets[0]]
    apply_payload(store, project_payload(result))
    assert load_final_models(store).ensemble is not None


def test_the_run_clock_lists_the_baselines_in_the_order_they_run():
    stages = [s.key for s in run_clock(RunSettings(), 28, 3).stages]
    assert stages[:5] == ["augmenting", "honest quick fits", "final quick fits",
                          "honest gaussian_process fits", "final gaussian_process fits"]
    assert stages[5:] == ["honest networks", "final augmentation", "final networks", "explain"]


def test_a_run_explains_a_representative_subset_and_says_so():
    project = load_project(EXAMPLE)
    settings = RunSettings(EvaluationSettings(
        protocols=("honest",), augment=SmoteRegSettings(per_subset=2),
        network=NetworkSettings(hidden=(8,), max_epochs=2, patience=0), baselines=("mean",)),
        members=1, lime=LimeSettings(num_samples=200, repeats=1), explain_at_most=6)
    result = run_pipeline(project.dataset, settings)
    points = result.explanations.points
    assert len(points) == 6 == len(set(points)) and set(points) <= set(result.final.sample_ids)
    assert any("LIME explained 6 of 28 training samples" in n for n in result.notes())


def test_representative_rows_cover_the_clusters_and_keep_small_tables_whole():
    rng = np.random.default_rng(0)
    # three clusters of very different sizes: each gets a row, the largest the most
    x = np.vstack([rng.normal(0, 0.1, (300, 2)), rng.normal(5, 0.1, (60, 2)),
                   rng.normal((0, 9), 0.1, (10, 2))])
    rows = representative_rows(x, 12, seed=1)
    assert len(rows) == 12 == len(set(rows)) and (np.diff(rows) > 0).all()
    counts = [np.sum(rows < 300), np.sum((rows >= 300) & (rows < 360)), np.sum(rows >= 360)]
    assert all(c >= 1 for c in counts) and counts[0] >= counts[2]
    np.testing.assert_array_equal(representative_rows(x[:10], 12), np.arange(10))
    np.testing.assert_array_equal(representative_rows(x, 0), np.arange(len(x)))


def test_replicates_are_explained_once():
    # 164 conditions run ~20 times each (a public flow-synthesis table): an explanation of a
    # replicate repeats its condition's
    rng = np.random.default_rng(2)
    x = np.repeat(rng.normal(size=(15, 3)), 6, axis=0)[rng.permutation(90)]
    rows = representative_rows(x, 10, seed=0)
    assert len(rows) == 10 == len({tuple(r) for r in x[rows]})
    every = representative_rows(x, 40, seed=0)  # more asked for than there are conditions
    assert len(every) == 15 == len({tuple(r) for r in x[every]})


def test_a_large_table_has_fewer_samples_explained_unless_every_one_is_asked_for():
    from nrstudio.core.modeling.run_settings import LARGE_TABLE

    default = RunSettings()
    assert default.samples_to_explain(250) == 200
    assert default.samples_to_explain(LARGE_TABLE) == 200
    assert default.samples_to_explain(3500) == 50
    assert RunSettings(explain_at_most=30).samples_to_explain(3500) == 30  # the smaller
    assert RunSettings(explain_at_most=0).samples_to_explain(3500) == 0  # every sample
    assert RunSettings(explain_at_most_large=400).samples_to_explain(3500) == 200
    # settings stored before the field existed read back with its default
    assert RunSettings.from_dict({"explain_at_most": 100}).samples_to_explain(3500) == 50


def test_the_networks_are_timed_before_they_train_and_the_later_results_say_how_long():
    project = load_project(EXAMPLE)
    settings = SMALL_RUN
    stages: list[str] = []

    def progress(_f: float, stage: str) -> None:
        stages.append(stage)

    seen = []
    run_pipeline(project.dataset, settings, progress, on_fast=seen.append)
    quick, with_gp = seen
    assert quick.networks_seconds is None  # timed after the first results, not before
    assert with_gp.networks_seconds is not None and with_gp.networks_seconds > 0
    assert stages.index("timing the networks") < stages.index("leakage-free: Gaussian process")
    # The status bar shows these words: the app's names, never stored keys.
    keys = ("honest", "gaussian_process", "random_forest")
    assert not [s for s in stages if any(k in s for k in keys)]


def test_network_batches_have_the_shapes_the_run_trains():
    project = load_project(EXAMPLE)
    settings = RunSettings(EvaluationSettings(protocols=("honest", "paper"),
                                              augment=SmoteRegSettings(per_subset=2)),
                           members=5)
    data = training_data(project.dataset, None)
    augmented = augment_smote_reg(project.dataset, settings.evaluation.augment)
    batches = network_batches(settings, data, augmented)
    rows = len(augmented.dataset.table)
    # an epoch runs the rows the inner split leaves for training: the final ensemble's split
    # holds out whole samples and drops the rows bridging the two sides
    sets = final_training_sets(data, settings.evaluation.augment, 5)
    trained = max(len(inner_split(s, 0.2, settings.evaluation.network.seed)[0]) for s in sets)
    share = batches["final networks"].rows / rows
    assert 0.4 < share < 0.8  # fewer than the random split's 80%
    assert batches["final networks"].models == 15
    assert batches["final networks"].rows == pytest.approx(trained, rel=0.1)
    assert batches["honest networks"] == NetworkBatch(28 * 3, round(rows * share * 27 / 28), 3)
    assert batches["paper networks"] == NetworkBatch(10 * 3, round(rows * 0.8 * 9 / 10), 3)
