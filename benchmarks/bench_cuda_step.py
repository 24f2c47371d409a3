"""Where a training step's time goes on a CUDA device (prints tables; needs CUDA).

Usage: python benchmarks/bench_cuda_step.py [--epochs N]
Trains the paper protocol's 30 networks for a few epochs with and without CUDA graphs, prints
the wall time per optimiser step of each, then the GPU kernels of the graphed run by total
time (from torch.profiler), so that the kernels worth fusing are named by measurement.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from nrstudio.core.modeling.evaluation import EvaluationSettings
from nrstudio.core.modeling.folds import paper_folds
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.network_training import prepare_training, train_networks
from nrstudio.core.modeling.networks import TrainingSet
from nrstudio.core.project.file_format import load_project

EXAMPLE = Path(__file__).resolve().parents[1] / "resources/examples/cdse-cds-nanorods.nrproj"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("needs a CUDA device")
    ds = load_project(EXAMPLE).dataset
    folds = paper_folds(ds.values(ds.inputs), ds.values(ds.targets), EvaluationSettings())
    sets = [TrainingSet(f.x, f.y[:, t], seed=t * 100 + k) for t in range(3)
            for k, f in enumerate(folds)]
    net = NetworkSettings(max_epochs=args.epochs, patience=0)
    n_tr = prepare_training(sets, net).n_tr
    steps = args.epochs * math.ceil(int(n_tr.max()) / net.batch_size)
    print(f"{torch.cuda.get_device_name()}, CUDA {torch.version.cuda}, torch {torch.__version__}, "
          f"{steps} steps\n")
    print("| mode | wall s | us per step |\n| --- | --- | --- |")
    for mode in ("0", "1", "1"):
        os.environ["NRSTUDIO_CUDA_GRAPHS"] = mode
        torch.cuda.synchronize()
        t = time.perf_counter()
        train_networks(sets, net)
        torch.cuda.synchronize()
        secs = time.perf_counter() - t
        label = "CUDA graphs" if mode == "1" else "step by step"
        print(f"| {label} | {secs:.2f} | {1e6 * secs / steps:.0f} |")
    os.environ["NRSTUDIO_CUDA_GRAPHS"] = "1"
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        train_networks(sets, net)
        torch.cuda.synchronize()
    print()
    print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=25))


if __name__ == "__main__":
    main()
