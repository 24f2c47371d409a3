"""Speed and accuracy of the modelling core on the paper's 28 rows (prints a table).

Usage: python benchmarks/bench_modeling.py [--epochs N] [--quick] [--threads N] [--eager-too]
Measures: SMOTE-REG; the paper protocol (3 targets x 10 folds) against Table 1, with its
arithmetic (FLOPs), the machine's large matrix-product throughput at the same thread count and
the ratio of the two (how far the run is from the machine's arithmetic limit), and the floor
that the library's kernels set (the 64-wide products of 32-row batches and the Adam step,
timed alone); the leakage-free leave-one-out protocol; the LIME heat map (28 x 3 at 5,000
samples); batched training against a plain per-model PyTorch loop at equal epochs; cancel
latency.
On a CUDA device, --eager-too also times the paper protocol without CUDA graphs.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import threading
import time
from pathlib import Path

import numpy as np
import torch

from nrstudio.core.errors import Cancelled
from nrstudio.core.modeling.augment import augment_smote_reg
from nrstudio.core.modeling.evaluation import EvaluationSettings, cross_validate
from nrstudio.core.modeling.explain import LimeSettings, explain_points
from nrstudio.core.modeling.folds import paper_folds
from nrstudio.core.modeling.metrics import regression_metrics
from nrstudio.core.modeling.network_math import fused_adam
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.network_training import prepare_training, train_networks
from nrstudio.core.modeling.networks import TrainingSet
from nrstudio.core.modeling.predict import train_final_models
from nrstudio.core.project.file_format import load_project

EXAMPLE = Path(__file__).resolve().parents[1] / "resources/examples/cdse-cds-nanorods.nrproj"
TABLE1 = {  # the paper's Table 1: MAE, R2 over original + generated rows
    "Average Length (nm)": (5.93, 0.749),
    "Average width (nm)": (0.131, 0.580),
    "Aspect Ratio": (1.57, 0.706),
}
rows: list[tuple[str, str, str]] = []


def row(what: str, value: str, note: str = "") -> None:
    rows.append((what, value, note))
    print(f"{what:<48} {value:>14}  {note}", flush=True)


def timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def gemm_throughput(device: torch.device) -> float:
    """FLOP/s of a large float32 matrix product on ``device`` (best of 5)."""
    n = 8192 if device.type == "cuda" else 2048
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    best = float("inf")
    for _ in range(6):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        a @ b
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best


def protocol_flops(sets: list[TrainingSet], net: NetworkSettings) -> float:
    """Arithmetic of training ``sets`` for net.max_epochs epochs without early stopping:
    per row and epoch, forward and backward on training rows (6 FLOP per weight) and the
    forward on validation rows (2 FLOP per weight)."""
    data = prepare_training(sets, net)
    widths = (data.n_inputs, *net.hidden, 1)
    weights = sum(i * o for i, o in itertools.pairwise(widths))
    rows = 6 * data.n_tr.sum().item() + 2 * data.n_va.sum().item()
    return float(net.max_epochs * rows * weights)


def kernel_floor(sets: list[TrainingSet], net: NetworkSettings, device: torch.device) -> float:
    """Seconds that the protocol's largest kernels alone need, each timed on its own in a
    loop (best of 3): per optimiser step, the three products of the 64-wide hidden layer
    (forward, weight gradient, gradient to the layer below; every model's batch of
    ``net.batch_size`` rows) and one fused Adam step over every model's parameters. A bound
    below which no ordering of the same library calls can go: the products of a 32-row batch
    run slower than a large product, and Adam reads and writes every weight each step."""
    data = prepare_training(sets, net)
    m, b, w = data.n_models, net.batch_size, net.hidden[-1]
    steps = net.max_epochs * math.ceil(int(data.n_tr.max()) / b)
    h = torch.rand(m, b, w, device=device)
    d = torch.randn(m, b, w, device=device)
    weights = torch.randn(m, w, w, device=device)
    out, grad = torch.empty(m, b, w, device=device), torch.empty(m, w, w, device=device)
    widths = (data.n_inputs, *net.hidden, 1)
    n_par = m * sum((i + 1) * o for i, o in itertools.pairwise(widths))
    p, g = torch.randn(n_par, device=device), torch.randn(n_par, device=device)
    s1, s2, t = torch.zeros_like(p), torch.zeros_like(p), torch.zeros((), device=device)

    def products() -> None:
        torch.bmm(h, weights, out=out)
        torch.bmm(h.transpose(1, 2), d, out=grad)
        torch.bmm(d, weights.transpose(1, 2), out=out)

    def adam() -> None:
        t.add_(1)
        fused_adam([[p], [g], [s1], [s2]], [t], lr=1e-3)

    per_step = 0.0
    for kernel in (products, adam):
        best = float("inf")
        for _ in range(3):
            for _ in range(20):
                kernel()
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(200):
                kernel()
            if device.type == "cuda":
                torch.cuda.synchronize()
            best = min(best, (time.perf_counter() - start) / 200)
        per_step += best
    return per_step * steps


def loop_training(sets: list[TrainingSet], epochs: int, seed: int = 0) -> list[torch.nn.Module]:
    """The reference: one nn.Sequential and one torch.optim.Adam per model, one after another."""
    models = []
    for k, s in enumerate(sets):
        torch.manual_seed(seed + k)
        x = torch.tensor(s.x, dtype=torch.float32)
        y = torch.tensor(s.y, dtype=torch.float32)[:, None]
        n_val = round(0.2 * len(x))
        x, y = x[n_val:], y[n_val:]
        mu, sd = x.mean(0), x.std(0)
        ym, ysd = y.mean(), y.std()
        x, y = (x - mu) / sd, (y - ym) / ysd
        net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.ReLU(),
                                  torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        for _ in range(epochs):
            perm = torch.randperm(len(x))
            for i in range(0, len(x), 32):
                idx = perm[i:i + 32]
                opt.zero_grad()
                loss = ((net(x[idx]) - y[idx]) ** 2).mean()
                loss.backward()
                opt.step()
        net.scale = (mu, sd, ym, ysd)  # type: ignore[assignment]
        models.append(net)
    return models


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=500, help="paper-protocol epochs")
    ap.add_argument("--loop-epochs", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="skip the slowest measurements")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads for torch")
    ap.add_argument("--eager-too", action="store_true",
                    help="on CUDA, also time the paper protocol without CUDA graphs")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ds = load_project(EXAMPLE).dataset
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"device {'cuda' if torch.cuda.is_available() else 'cpu'}\n")

    times = [timed(lambda: augment_smote_reg(ds))[1] for _ in range(5)]
    row("SMOTE-REG 28 -> 9,100 rows (median of 5)", f"{1e3 * np.median(times):.1f} ms", "< 500 ms")

    net = NetworkSettings(max_epochs=args.epochs, patience=0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    xo = ds.values(ds.inputs)
    yo = ds.values(ds.targets)
    folds = paper_folds(xo, yo, EvaluationSettings())
    sets = [TrainingSet(f.x, f.y[:, t], seed=t * 100 + k) for t in range(3)
            for k, f in enumerate(folds)]
    flops = protocol_flops(sets, net)
    gemm = gemm_throughput(device)
    if args.eager_too and device.type == "cuda":
        os.environ["NRSTUDIO_CUDA_GRAPHS"] = "0"
        _, secs = timed(lambda: cross_validate(ds, EvaluationSettings(
            protocols=("paper",), network=net, baselines=())))
        os.environ.pop("NRSTUDIO_CUDA_GRAPHS")
        row(f"paper protocol, {args.epochs} epochs, without CUDA graphs", f"{secs:.1f} s")
    res, secs = timed(lambda: cross_validate(ds, EvaluationSettings(
        protocols=("paper",), network=net, baselines=())))
    row(f"paper protocol, 30 networks x {args.epochs} epochs", f"{secs:.1f} s", "< 60 s")
    row("  its arithmetic", f"{flops / 1e12:.2f} TFLOP",
        f"large float32 GEMM here: {gemm / 1e9:.0f} GFLOP/s ({device.type})")
    row("  time / arithmetic limit", f"{secs / (flops / gemm):.1f}x",
        f"limit {flops / gemm:.1f} s; goal <= 1.5x on a CPU")
    floor = kernel_floor(sets, net, device)
    row("  floor of the library's kernels / limit", f"{floor / (flops / gemm):.1f}x",
        f"{floor:.1f} s: the 64-wide products at batch {net.batch_size} and Adam alone")
    m = res.metrics
    for target, (mae1, r21) in TABLE1.items():
        sel = m[(m.target == target) & (m.subset == "all")].set_index("metric")
        row(f"  {target}: MAE / R2 (all test rows)",
            f"{sel.loc['MAE', 'mean']:.3g} / {sel.loc['R2', 'mean']:.3f}",
            f"Table 1: {mae1} / {r21}; std {sel.loc['MAE', 'std']:.2g} / {sel.loc['R2', 'std']:.2g}")

    res, secs = timed(lambda: cross_validate(ds, EvaluationSettings(protocols=("honest",))))
    row("leakage-free LOO (84 networks + 4 baselines)", f"{secs:.1f} s", "< 120 s")
    m = res.metrics
    for target in TABLE1:
        sel = m[(m.target == target) & (m.model == "network")].set_index("metric")["mean"]
        best = m[(m.target == target) & (m.metric == "R2")].sort_values("mean").iloc[-1]
        row(f"  {target}: network MAE / R2", f"{sel['MAE']:.3g} / {sel['R2']:.3f}",
            f"best R2: {best.model} {best['mean']:.3f}")

    final, secs = timed(lambda: train_final_models(ds))
    row("final ensemble (3 targets x 5 members)", f"{secs:.1f} s")
    x = final.train_x
    for repeats in (1, 5):
        _, secs = timed(lambda r=repeats: explain_points(
            final.predict_mean, x, x, final.inputs, final.targets, final.sample_ids,
            LimeSettings(repeats=r)))
        row(f"LIME heat map 28 x 3, 5,000 samples, {repeats} seed(s)", f"{secs:.1f} s",
            "< 5 s" if repeats == 1 else "with stability")

    # Batched vs loop at equal epochs on the paper protocol's folds
    tests = [(f.test_x, f.test_y[:, t]) for t in range(3) for f in folds]
    e = args.loop_epochs
    stack, t_batched = timed(lambda: train_networks(
        sets, NetworkSettings(max_epochs=e, patience=0, validation_fraction=0.2)))
    mae_b = np.mean([regression_metrics(ty, p)["MAE"] for (tx, ty), p in
                     zip(tests, stack.predict_rows([tx for tx, _ in tests]), strict=True)][:10])
    if not args.quick:
        models, t_loop = timed(lambda: loop_training(sets, e))
        maes = []
        for (tx, ty), net_ in list(zip(tests, models, strict=True))[:10]:
            mu, sd, ym, ysd = net_.scale
            with torch.no_grad():
                p = net_((torch.tensor(tx, dtype=torch.float32) - mu) / sd)[:, 0] * ysd + ym
            maes.append(regression_metrics(ty, p.numpy())["MAE"])
        row(f"30 networks x {e} epochs: batched / loop", f"{t_batched:.1f} / {t_loop:.1f} s",
            f"speed-up {t_loop / t_batched:.1f}x (>= 10x)")
        row("  length MAE after those epochs: batched / loop",
            f"{mae_b:.2f} / {np.mean(maes):.2f} nm")

    # Cancel latency: ask to stop 2 s into a long run
    flag = threading.Event()
    asked = [0.0]

    def ask() -> None:
        time.sleep(2.0)
        asked[0] = time.perf_counter()
        flag.set()

    threading.Thread(target=ask, daemon=True).start()
    try:
        cross_validate(ds, EvaluationSettings(protocols=("paper",),
                                              network=NetworkSettings(max_epochs=10_000)),
                       cancel=flag.is_set)
    except Cancelled:
        row("cancel latency (paper protocol running)",
            f"{1e3 * (time.perf_counter() - asked[0]):.0f} ms", "< 1 s")

    print("\n| measurement | value | target / note |\n| --- | --- | --- |")
    for what, value, note in rows:
        print(f"| {what.strip()} | {value} | {note} |")


if __name__ == "__main__":
    main()
