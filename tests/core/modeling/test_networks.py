import numpy as np
import pytest
import torch

from nrstudio.core.errors import Cancelled
from nrstudio.core.modeling.metrics import regression_metrics
from nrstudio.core.modeling.network_math import (
    backward,
    forward,
)
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.network_training import train_networks
from nrstudio.core.modeling.networks import (
    NetworkStack,
    TrainingSet,
    inner_split,
)


def test_hand_written_backward_matches_autograd():
    g = torch.Generator().manual_seed(0)
    ws = [torch.randn(4, 3, 8, generator=g), torch.randn(4, 8, 5, generator=g),
          torch.randn(4, 5, 1, generator=g)]
    bs = [torch.randn(4, 1, 8, generator=g), torch.randn(4, 1, 5, generator=g),
          torch.randn(4, 1, 1, generator=g)]
    x = torch.randn(4, 6, 3, generator=g)
    dout = torch.randn(4, 6, 1, generator=g)
    acts = forward(ws, bs, x)
    gw, gb = backward(ws, acts, dout)
    ws_ = [w.clone().requires_grad_() for w in ws]
    bs_ = [b.clone().requires_grad_() for b in bs]
    (forward(ws_, bs_, x)[-1] * dout).sum().backward()
    for a, b in zip(gw + gb, ws_ + bs_, strict=True):
        assert torch.allclose(a, b.grad, atol=1e-5)


def test_models_in_a_batch_do_not_influence_each_other():
    rng = np.random.default_rng(0)
    x = rng.random((64, 3))
    a = TrainingSet(x, x @ [1.0, 2.0, 3.0], seed=1)
    b = TrainingSet(x, np.sin(5 * x[:, 0]) * 100, seed=2)
    c = TrainingSet(rng.random((64, 3)), rng.random(64), seed=3)
    s = NetworkSettings(hidden=(8,), max_epochs=5, patience=0)
    with_b = train_networks([a, b], s)
    with_c = train_networks([a, c], s)
    for w1, w2 in zip(with_b.weights, with_c.weights, strict=True):
        assert np.array_equal(w1[0], w2[0])  # A's neighbour leaves no trace on A
        assert not np.array_equal(w1[1], w2[1])
    alone = train_networks([a], s)  # other kernels round differently; Adam amplifies that
    np.testing.assert_allclose(alone.predict(x)[0], with_b.predict(x)[0], rtol=0.02)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_fits_a_smooth_function_and_is_deterministic(optimizer):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (400, 2))
    y = 3 * x[:, 0] - 2 * x[:, 1] ** 2 + 10
    s = NetworkSettings(hidden=(32, 32), optimizer=optimizer, max_epochs=40, patience=10,
                        seed=3)
    st1 = train_networks([TrainingSet(x, y)], s)
    st2 = train_networks([TrainingSet(x, y)], s)
    xt = rng.uniform(-1, 1, (200, 2))
    pred = st1.predict(xt)[0]
    assert regression_metrics(3 * xt[:, 0] - 2 * xt[:, 1] ** 2 + 10, pred)["R2"] > 0.95
    assert np.array_equal(pred, st2.predict(xt)[0])


def test_early_stopping_keeps_best_weights_and_stops():
    rng = np.random.default_rng(1)
    x = rng.random((40, 3))
    y = rng.random(40)  # pure noise: validation loss soon stops improving
    st = train_networks([TrainingSet(x, y)], NetworkSettings(max_epochs=500, patience=5))
    assert st.epochs[0] < 500 and st.best_epoch[0] == st.epochs[0] - 5
    assert np.nanargmin(st.history_val[0]) + 1 == st.best_epoch[0]


def test_inner_split_by_samples_keeps_sides_apart():
    sources = np.array([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [0, 1], [2, 3], [0, 4], [3, 4]])
    s = TrainingSet(np.zeros((9, 1)), np.zeros(9), seed=0, sources=sources)
    tr, va = inner_split(s, 0.4, seed=0)
    val_orig = set(sources[va].ravel())
    assert val_orig and not val_orig & set(sources[tr].ravel())


def test_stack_round_trips_through_tensors():
    x = np.random.default_rng(0).random((30, 3))
    st = train_networks([TrainingSet(x, x.sum(1)), TrainingSet(x, x[:, 0])],
                        NetworkSettings(hidden=(4, 4), max_epochs=2))
    back = NetworkStack.from_tensors(st.to_tensors())
    np.testing.assert_array_equal(back.predict(x), st.predict(x))


def test_cancel_stops_training():
    x = np.random.default_rng(0).random((5000, 3))
    seen = []

    def progress(fraction, stage):
        seen.append(fraction)

    with pytest.raises(Cancelled):
        train_networks([TrainingSet(x, x.sum(1))], NetworkSettings(max_epochs=1000),
                       progress, cancel=lambda: len(seen) >= 2)
    assert max(seen) < 0.01  # stopped in the second epoch of 1000


def test_tiny_numbers_are_flushed_only_while_networks_train():
    import torch

    from nrstudio.core.modeling.network_math import flushing_denormals

    def tiny() -> float:  # a float32 below the normal range, made on the CPU
        return float(torch.tensor([1e-30], dtype=torch.float32)[0] * 1e-9)

    assert tiny() > 0  # the CPU's default keeps it
    with flushing_denormals():
        assert tiny() == 0.0
    assert tiny() > 0  # restored for the rest of the app


TEAM_PROBE = """
import threading
import numpy as np
import torch
from nrstudio.core.modeling.network_math import flushing_denormals
from nrstudio.core.modeling.openmp_team import on_every_team_thread

torch.set_num_threads(2)
a = torch.randn(1024, 1024)
a @ a  # starts this thread's OpenMP team before any flag is set

def probe():
    seen = []
    def one():  # a float32 below the normal range, made in each team thread
        seen.append((threading.get_ident(), float(np.float32(1e-30) * np.float32(1e-9))))
    assert on_every_team_thread(one, 2)
    return seen

with flushing_denormals():
    inside = probe()
after = probe()
print(len({i for i, _ in inside}), max(v for _, v in inside), min(v for _, v in after) > 0)
"""


def test_every_thread_of_an_earlier_team_flushes_while_networks_train():
    """The team torch's products run on was started before training: its threads flush
    denormals too while networks train (they kept the default before, 1.6x slower), and
    all get the default back after."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", TEAM_PROBE], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out == ["2", "0.0", "True"]
