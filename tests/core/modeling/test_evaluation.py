import numpy as np
import pytest
from sklearn.metrics import r2_score

from nrstudio.core.data.dataset import Column, Dataset, Kind, Role
from nrstudio.core.errors import Cancelled, DataError
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.evaluation import EvaluationSettings, cross_validate
from nrstudio.core.modeling.explain import LimeSettings, explain_points
from nrstudio.core.modeling.folds import honest_folds, paper_folds
from nrstudio.core.modeling.metrics import regression_metrics
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.predict import EnsembleModel, train_final_models

COEF = np.array([4.0, -2.0, 0.5])


def linear_dataset(n=30, seed=0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, (n, 3))
    y = x @ COEF + 50
    cols = [Column("Sample", Role.SAMPLE_ID, "", Kind.TEXT), Column("a (mg)", Role.INPUT, "mg"),
            Column("b (mg)", Role.INPUT, "mg"), Column("c (mg)", Role.INPUT, "mg"),
            Column("Length (nm)", Role.TARGET, "nm")]
    return Dataset.from_records(cols, [[f"s{i}", *x[i], y[i]] for i in range(n)])


FAST = NetworkSettings(hidden=(32, 32), max_epochs=150, patience=25)
SMALL_AUG = SmoteRegSettings(per_subset=6)


def test_r2_uses_truth_then_prediction():
    truth = np.array([1.0, 2.0, 3.0, 4.0])
    pred = np.array([1.5, 1.5, 3.5, 3.0])
    assert regression_metrics(truth, pred)["R2"] == pytest.approx(r2_score(truth, pred))
    assert regression_metrics(truth, pred)["R2"] != pytest.approx(r2_score(pred, truth))


def test_leakage_free_folds_never_train_on_held_out_samples_or_descendants():
    ds = linear_dataset(12)
    x, y = ds.values(ds.inputs), ds.values(ds.targets)
    settings = EvaluationSettings(augment=SmoteRegSettings())
    folds = honest_folds(x, y, settings)
    assert len(folds) == 12  # leave-one-out for small n
    for f in folds:
        assert not set(f.sources.ravel()) & set(f.test_source.tolist())
        assert not set(f.train_originals.tolist()) & set(f.test_source.tolist())
        assert len(f.x) == 11 + 55 * 7  # re-augmented from the 11 training originals only
    # the paper protocol, by contrast, trains on descendants of held-out originals
    leaks = [set(f.sources.ravel()) & set(f.test_source[f.test_source >= 0].tolist())
             for f in paper_folds(x, y, EvaluationSettings(folds=4))]
    assert any(leaks)


@pytest.mark.slow
def test_network_learns_a_linear_law_under_the_leakage_free_protocol():
    ds = linear_dataset()
    result = cross_validate(ds, EvaluationSettings(protocols=("honest",), augment=SMALL_AUG,
                                                   network=FAST, baselines=("mean",)))
    m = result.metrics.set_index(["model", "metric"])["mean"]
    assert m[("network", "R2")] > 0.95
    assert m[("mean", "R2")] < 0.1
    preds = result.predictions
    assert len(preds[preds.model == "network"]) == 30  # one out-of-fold prediction per sample


@pytest.mark.slow
def test_lime_recovers_signs_and_ranking_of_a_linear_law():
    ds = linear_dataset()
    final = train_final_models(ds, FAST, SMALL_AUG, members=2)
    x = final.train_x
    expl = explain_points(final.predict_mean, x, x[:6], final.inputs, final.targets,
                          settings=LimeSettings(num_samples=2000, repeats=2))
    w = expl.weights[:, 0, :]  # (points, inputs) per SD of each input
    expected = COEF * x.std(axis=0)
    assert (np.sign(w) == np.sign(expected)).all()
    assert (np.argsort(-np.abs(w), axis=1) == np.argsort(-np.abs(expected))).all()
    assert (expl.fidelity > 0.9).all()


def test_lime_is_reproducible_and_calls_the_model_once_per_perturbation_set():
    calls = []

    def model(x):
        calls.append(len(x))
        return np.column_stack([x @ COEF, x[:, 0] ** 2])

    x = np.random.default_rng(0).uniform(0, 10, (20, 3))
    s = LimeSettings(num_samples=500, repeats=3, seed=4)
    a = explain_points(model, x, x[:4], ["a", "b", "c"], ["t1", "t2"], settings=s)
    # 4 points x 3 repeats, both targets from one call; then one call on the training rows
    # (the model's spread) and one per point for the slopes.
    assert calls == [500] * 12 + [20] + [6] * 4
    b = explain_points(model, x, x[:4], ["a", "b", "c"], ["t1", "t2"], settings=s)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.weight_std, b.weight_std)
    frame = a.to_frame()
    assert list(frame.columns) == ["sample", "target", "feature", "weight", "weight_std",
                                   "fidelity", "slope_error", "locality", "flag"]
    assert len(frame) == 4 * 2 * 3


def test_cancel_stops_cross_validation_promptly():
    ds = linear_dataset(20)
    stages = []

    def progress(fraction, stage):
        stages.append(fraction)

    settings = EvaluationSettings(augment=SMALL_AUG, network=NetworkSettings(max_epochs=5000))
    with pytest.raises(Cancelled):
        cross_validate(ds, settings, progress, cancel=lambda: len(stages) > 5)
    assert max(stages) < 0.1


def test_training_refuses_data_with_errors():
    ds = linear_dataset(10)
    ds.table.iat[3, 1] = "x1"
    with pytest.raises(DataError, match="block training; first: error: row 4"):
        cross_validate(ds, EvaluationSettings(network=NetworkSettings(max_epochs=1)))


def test_prediction_flags_domain_and_aspect_ratio(paper_dataset, tmp_path):
    final = train_final_models(paper_dataset, NetworkSettings(hidden=(8,), max_epochs=3),
                               SmoteRegSettings(per_subset=2), members=3)
    inside = paper_dataset.values(paper_dataset.inputs)[11]
    p = final.predict(np.array([inside, [532.0, 10.0, 400.0], [900.0, 900.0, 900.0]]))
    assert p.mean.shape == (3, 3) and (p.std > 0).all()
    assert p.out_of_range[0] == [] and p.out_of_range[1] == ["S amount (mg)"]
    assert not p.far[0] and p.far[2]
    assert p.out_of_domain.tolist() == [False, True, True]
    assert np.allclose(p.ar_from_lw, p.mean[:, 0] / p.mean[:, 1])
    assert np.allclose(p.ar_disagreement, np.abs(p.mean[:, 2] - p.ar_from_lw) / p.ar_from_lw)
    # the final model survives a trip through a project file
    from nrstudio.core.project.file_format import load_project, save_project
    from nrstudio.core.project_model import Project

    project = Project(paper_dataset, models={"final": final.to_stored("final")})
    save_project(project, tmp_path / "p.nrproj")
    back = EnsembleModel.from_stored(load_project(tmp_path / "p.nrproj").models["final"])
    np.testing.assert_array_equal(back.predict(inside).mean, final.predict(inside).mean)


def test_the_baselines_come_first_in_batches_and_their_figures_stand():
    """Results as they come: the quick baselines, then the Gaussian process, each handed
    over before any network trains; the final evaluation holds the same baseline rows."""
    from nrstudio.core.modeling.run_settings import NETWORK

    events = []
    ev = EvaluationSettings(protocols=("honest",), augment=SMALL_AUG,
                            network=NetworkSettings(hidden=(8,), max_epochs=3, patience=0))

    def on_fast(result, batch):
        events.append(("fast", batch, result))

    def on_epoch(protocol, report):
        events.append(("epoch", protocol, None))

    final = cross_validate(linear_dataset(12), ev, on_epoch=on_epoch, on_fast=on_fast)
    kinds = [e[1] for e in events if e[0] == "fast"]
    assert kinds == [("mean", "ridge", "random_forest"), ("gaussian_process",)]
    assert [e[0] for e in events[:2]] == ["fast", "fast"]  # before the first epoch
    quick, with_gp = events[0][2], events[1][2]
    assert set(quick.metrics.model) == {"mean", "ridge", "random_forest"}
    assert set(with_gp.metrics.model) == {"mean", "ridge", "random_forest", "gaussian_process"}
    assert NETWORK in set(final.metrics.model) and not quick.epochs
    key = ["model", "target", "subset", "metric"]
    same = final.metrics[final.metrics.model != NETWORK].merge(with_gp.metrics, on=key)
    assert len(same) == len(with_gp.metrics)
    np.testing.assert_array_equal(same.mean_x, same.mean_y)


def test_final_networks_run_no_longer_than_the_evaluation_did():
    # A patience longer than the run: without the cap every network would run all 40
    # epochs; the cross-validation's batch ran 6, so the final networks stop there, and
    # the stored settings stay the ones the user chose.
    ds = linear_dataset(n=20)
    network = NetworkSettings(hidden=(8,), max_epochs=40, patience=100)
    final = train_final_models(ds, network, SmoteRegSettings(per_subset=2), members=2,
                               expected_epochs=6.0)
    assert final.stack.epochs.max() == 6
    assert final.network.max_epochs == 40
    longer = train_final_models(ds, network, SmoteRegSettings(per_subset=2), members=2)
    assert longer.stack.epochs.max() == 40


def test_leakage_free_k_fold_figures_are_pooled_over_every_held_out_sample():
    # Folds of a few rows make a fold's own R² swing by whole units; the figures a user
    # reads are those of all out-of-fold predictions together, as with leave-one-out.
    ds = linear_dataset(40, seed=3)
    result = cross_validate(ds, EvaluationSettings(
        protocols=("honest",), loo_max=5, folds=8, augment=SmoteRegSettings(per_subset=1),
        network=NetworkSettings(hidden=(8, 8), max_epochs=2, patience=1),
        baselines=("mean", "ridge")))
    m = result.metrics[result.metrics.subset == "original"]
    assert set(m.aggregation[m.metric == "R2"]) == {"pooled"}
    for model in ("mean", "ridge"):
        p = result.predictions[(result.predictions.model == model)
                               & (result.predictions.origin == "original")]
        r2 = m[(m.model == model) & (m.metric == "R2")]["mean"].item()
        assert r2 == pytest.approx(r2_score(p.truth, p.prediction))
