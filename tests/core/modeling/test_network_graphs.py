"""The planned epochs that CUDA graphs replay: the same training as step by step.

The plan itself (masks for models with fewer rows, per-model Adam step counts) runs on any
device and is checked here on the CPU. Capture and replay need a CUDA device; those tests are
skipped, with that reason, where there is none.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nrstudio.core.modeling.network_training as network_training
from nrstudio.core.modeling.network_graphs import GraphedEpochs
from nrstudio.core.modeling.network_math import init_weights, layer_views
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.networks import TrainingSet

NO_CUDA = not torch.cuda.is_available()


def _sets(sizes: list[int]) -> list[TrainingSet]:
    rng = np.random.default_rng(3)
    out = []
    for k, n in enumerate(sizes):
        x = rng.normal(size=(n, 3))
        y = x @ np.array([1.0, 2.0, -1.0]) + np.sin(3 * x[:, 0]) + 0.1 * rng.normal(size=n)
        out.append(TrainingSet(x, y, seed=k))
    return out


def _train(sets: list[TrainingSet], settings: NetworkSettings, planned: bool,
           monkeypatch: pytest.MonkeyPatch) -> network_training.NetworkStack:
    monkeypatch.setattr(network_training, "graphs_wanted", lambda device: planned)
    return network_training.train_networks(sets, settings)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_planned_epochs_train_as_step_by_step(optimizer: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Row counts that leave some models without rows in an epoch's last steps, and early
    # stopping that takes models out at different epochs.
    sets = _sets([40, 57, 71, 90, 64, 33])
    settings = NetworkSettings(max_epochs=40, patience=4, batch_size=16, optimizer=optimizer,
                               device="cpu")
    stepwise = _train(sets, settings, False, monkeypatch)
    planned = _train(sets, settings, True, monkeypatch)
    assert list(planned.epochs) == list(stepwise.epochs)
    assert list(planned.best_epoch) == list(stepwise.best_epoch)
    assert len(set(stepwise.epochs)) > 1  # the case is not trivial: models stopped apart
    x = np.random.default_rng(0).normal(size=(20, 3))
    np.testing.assert_allclose(planned.predict(x), stepwise.predict(x), rtol=1e-4, atol=1e-4)


def test_a_model_without_rows_in_a_step_is_left_untouched() -> None:
    # Two models, 20 and 50 rows, batch 16: in steps 2 and 3 the first has no rows.
    sets = _sets([20, 50])
    settings = NetworkSettings(batch_size=16, validation_fraction=0.0, device="cpu")
    data = network_training.prepare_training(sets, settings)
    shapes = [(3, 8), (8, 1)]
    ws, bs = init_weights(shapes, data.seeds, 0)
    flat = torch.cat([p.reshape(-1) for p in ws + bs])
    grad, s1, s2 = (torch.zeros_like(flat) for _ in range(3))
    views, gviews = layer_views(flat, 2, shapes), layer_views(grad, 2, shapes)
    epochs = GraphedEpochs(data.X, data.Y, data.n_tr, flat, grad, s1, s2, views, gviews,
                           "adam", 1e-3, 16, torch.Generator().manual_seed(0))
    assert epochs.n_steps == 4 and not epochs.uniform
    seen: list[torch.Tensor] = []
    real_optimise = epochs._optimise

    def watch(step: int) -> None:
        before = [v[0].clone() for v in views]
        real_optimise(step)
        if step >= 2:  # model 0 has no rows left
            seen.extend(a - v[0] for a, v in zip(before, views, strict=True))

    epochs._optimise = watch  # type: ignore[method-assign]
    epochs.run()
    assert seen and all(float(d.abs().max()) == 0.0 for d in seen)
    assert epochs.t_each.tolist() == [2.0, 4.0]


@pytest.mark.skipif(NO_CUDA, reason="needs a CUDA device; this machine has none")
@pytest.mark.parametrize("sizes", [[300, 300, 300, 300], [300, 257, 311, 290]])
def test_cuda_graph_replays_the_planned_epoch(sizes: list[int],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The same plan, captured and replayed or run op by op on the same GPU, must give the
    # same networks: capture changes when kernels are launched, not what they compute.
    sets = _sets(sizes)
    settings = NetworkSettings(max_epochs=30, patience=0, batch_size=32, device="cuda")
    made: list[GraphedEpochs] = []
    stacks = []
    for capture in (True, False):
        def build(*args, capture=capture, **kwargs):  # type: ignore[no-untyped-def]
            made.append(GraphedEpochs(*args, capture=capture, **kwargs))
            return made[-1]

        monkeypatch.setattr(network_training, "GraphedEpochs", build)
        stacks.append(network_training.train_networks(sets, settings))
    assert made[0].graph is not None and made[1].graph is None
    x = np.random.default_rng(1).normal(size=(50, 3))
    np.testing.assert_allclose(stacks[0].predict(x), stacks[1].predict(x), rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(NO_CUDA, reason="needs a CUDA device; this machine has none")
def test_cuda_and_cpu_reach_the_same_accuracy() -> None:
    sets = _sets([400, 380, 420])
    test = _sets([200])[0]
    errors = {}
    for device in ("cpu", "cuda"):
        stack = network_training.train_networks(
            sets, NetworkSettings(max_epochs=60, patience=10, device=device))
        pred = stack.predict(test.x)
        errors[device] = np.abs(pred - test.y[None]).mean(axis=1)
    # Not bit for bit (sums run in another order), but within a small share of the error.
    np.testing.assert_allclose(errors["cuda"], errors["cpu"], rtol=0.1)


def test_models_are_grouped_by_their_steps_per_epoch() -> None:
    order, ends = network_training.by_steps_per_epoch(np.array([40, 57, 20, 64, 33]), 16)
    # steps: 3, 4, 2, 4, 3 -> fewest first, stable within a run
    assert order.tolist() == [2, 0, 4, 1, 3] and ends == [1, 3, 5]


def test_a_run_without_rows_in_a_step_is_left_untouched_and_keeps_its_count() -> None:
    shapes = [(3, 4), (4, 1)]
    m = 4
    flat = torch.randn(sum(m * (a * b + b) for a, b in shapes))
    grad = torch.randn_like(flat)
    opt = network_training._Optimiser(flat, grad, torch.zeros_like(flat),
                                      torch.zeros_like(flat), shapes, "adam", 1e-2,
                                      torch.zeros(()), torch.zeros(m), [2, 4], [1, 2])
    active = torch.ones(m, dtype=torch.bool)
    opt.step(None, active, 0)  # everyone has rows: one shared step
    before = [v.clone() for v in opt.views]
    opt.step(torch.tensor([True, True, False, False]), active, 1)  # models 0, 1: no rows
    for old, new in zip(before, opt.views, strict=True):
        assert torch.equal(old[:2], new[:2]) and not torch.equal(old[2:], new[2:])
    assert opt._t_runs is not None and opt._t_runs.tolist() == [1.0, 2.0]


def test_a_reordered_batch_gives_its_models_back_in_the_callers_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # 6, 3, 5, 3 steps of 16: trained in the order 1, 3, 2, 0; targets of unlike scales
    sets = [TrainingSet(s.x, s.y * 10.0 ** k, s.seed)
            for k, s in enumerate(_sets([90, 33, 71, 40]))]
    settings = NetworkSettings(max_epochs=5, patience=0, batch_size=16, device="cpu")
    stack = _train(sets, settings, False, monkeypatch)
    data = network_training.prepare_training(sets, settings)
    np.testing.assert_allclose(stack.x_mean, np.array(data.x_mean), rtol=1e-6)
    np.testing.assert_allclose(stack.y_std, np.array(data.y_std), rtol=1e-6)
    # each model predicts on its own set's scale
    for k, s in enumerate(sets):
        own = np.abs(stack.predict(s.x)[k] - s.y).mean()
        assert own < np.abs(s.y - s.y.mean()).mean()
