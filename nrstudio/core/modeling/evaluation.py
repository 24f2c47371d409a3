"""Evaluation protocols: the paper's K-fold over the augmented set, and the leakage-free
protocol (the app's default) that holds out ORIGINAL samples and re-augments inside each fold.

Every network of a protocol (targets x folds) is trained in one batched program
(:func:`nrstudio.core.modeling.networks.train_networks`); baselines are fitted on the original training
rows of each fold.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.validation import validate_dataset
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import SmoteRegSettings, smote_reg_arrays
from nrstudio.core.modeling.baselines import fit_predict_baseline
from nrstudio.core.modeling.metrics import METRICS, regression_metrics
from nrstudio.core.modeling.network_training import train_networks
from nrstudio.core.modeling.networks import EpochReport, TrainingSet
from nrstudio.core.modeling.run_settings import (
    NETWORK,
    EvaluationSettings,
)
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter


@dataclass
class FoldSet:
    """One fold of a protocol, in terms of the training originals (0..n-1).

    x, y: the fold's network training rows (originals and synthetic; (m, d), (m, t));
    sources: (m, 2) the original rows each training row comes from (an original: itself
    twice; a synthetic row: its two parents); test_x/test_y: held-out rows; test_source:
    original index of a held-out original, -1 for a held-out synthetic row."""

    x: np.ndarray
    y: np.ndarray
    sources: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    test_source: np.ndarray
    train_originals: np.ndarray  # indices of the originals the baselines may train on


def _augmented(x: np.ndarray, y: np.ndarray, rows: np.ndarray, settings: SmoteRegSettings
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Originals ``rows`` plus their SMOTE-REG rows: x, y and sources (indices into x)."""
    syn = smote_reg_arrays(x[rows], y[rows], settings)
    xa = np.vstack([x[rows], syn.x])
    ya = np.vstack([y[rows], syn.y])
    src = np.vstack([np.column_stack([rows, rows]), rows[syn.parents]])
    return xa, ya, src


def honest_folds(x: np.ndarray, y: np.ndarray, settings: EvaluationSettings) -> list[FoldSet]:
    """Leakage-free folds: hold out originals; augment only the fold's training originals."""
    n = len(x)
    if n <= settings.loo_max:
        groups = [np.array([i]) for i in range(n)]
    else:
        perm = np.random.default_rng(settings.seed).permutation(n)
        groups = np.array_split(perm, settings.folds)
    folds = []
    for k, test in enumerate(groups):
        train = np.setdiff1d(np.arange(n), test)
        aug = dataclasses.replace(settings.augment, seed=settings.augment.seed + 7919 * (k + 1))
        xa, ya, src = _augmented(x, y, train, aug)
        folds.append(FoldSet(xa, ya, src, x[test], y[test], test, train))
    return folds


def paper_folds(x: np.ndarray, y: np.ndarray, settings: EvaluationSettings) -> list[FoldSet]:
    """The paper's protocol: augment all originals once, shuffle, K contiguous folds."""
    n = len(x)
    xa, ya, src = _augmented(x, y, np.arange(n), settings.augment)
    is_orig = np.arange(len(xa)) < n
    perm = np.random.default_rng(settings.seed).permutation(len(xa))
    folds = []
    for test in np.array_split(perm, settings.folds):
        train = np.setdiff1d(perm, test)
        test_source = np.where(is_orig[test], src[test, 0], -1)
        train_orig = np.flatnonzero(is_orig[train])
        folds.append(FoldSet(xa[train], ya[train], src[train], xa[test], ya[test], test_source,
                             src[train[train_orig], 0]))
    return folds


@dataclass
class EvaluationResult:
    """metrics: one row per (protocol, model, target, subset, metric) with columns
    protocol, model, target, subset, metric, mean, std, n, aggregation ("folds": mean and
    std over folds; "pooled": one value over all out-of-fold predictions, std of per-row
    errors for MAE/MSE). predictions: out-of-fold predictions, one row per (protocol, model,
    target, test row): protocol, model, target, fold, sample, origin, truth, prediction."""

    metrics: pd.DataFrame
    predictions: pd.DataFrame
    epochs: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self, compact: bool = False) -> dict:
        """JSON-ready dict. ``compact`` keeps baseline predictions of original rows only (the
        paper protocol has ~9,000 synthetic test rows per target and model)."""
        pred = self.predictions
        if compact and len(pred):
            pred = pred[(pred.model == NETWORK) | (pred.origin == "original")]
        return {"metrics": _frame_json(self.metrics), "predictions": _frame_json(pred),
                "epochs": self.epochs, "notes": self.notes}

    @classmethod
    def from_json(cls, doc: dict) -> EvaluationResult:
        try:
            return cls(pd.DataFrame(doc["metrics"]), pd.DataFrame(doc["predictions"]),
                       dict(doc.get("epochs", {})), list(doc.get("notes", [])))
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"stored evaluation is damaged ({exc})") from None

    def table(self, protocol: str, subset: str = "original") -> pd.DataFrame:
        """Table-1 layout: rows (target, model), columns metric -> 'mean ± std'."""
        m = self.metrics[(self.metrics.protocol == protocol) & (self.metrics.subset == subset)]
        return m.pivot_table(index=["target", "model"], columns="metric", values="mean",
                             aggfunc="first")


def _frame_json(df: pd.DataFrame) -> dict:
    return {c: [None if isinstance(v, float) and not np.isfinite(v) else v
                for v in df[c].tolist()] for c in df.columns}


def metric_rows(protocol: str, model: str, target: str, subset: str,
                per_fold: list[tuple[np.ndarray, np.ndarray]], pooled: bool = False) -> list[dict]:
    """Rows of EvaluationResult.metrics for (truth, prediction) pairs per fold: mean ± std
    over folds when every fold has at least 3 rows (and ``pooled`` is not asked), else one
    value over all rows with the spread of per-row errors as std for MAE and MSE."""
    per_fold = [(t, p) for t, p in per_fold if len(t)]
    if not per_fold:
        return []
    rows = []
    n = sum(len(t) for t, _ in per_fold)
    if not pooled and min(len(t) for t, _ in per_fold) >= 3:
        vals = [regression_metrics(t, p) for t, p in per_fold]
        for metric in METRICS:
            arr = np.array([v[metric] for v in vals])
            rows.append(dict(protocol=protocol, model=model, target=target, subset=subset,
                             metric=metric, mean=float(np.nanmean(arr)),
                             std=float(np.nanstd(arr)), n=n, aggregation="folds"))
    else:
        t = np.concatenate([t for t, _ in per_fold])
        p = np.concatenate([p for _, p in per_fold])
        pooled = regression_metrics(t, p)
        spread = {"MAE": np.std(np.abs(p - t)), "MSE": np.std((p - t) ** 2)}
        for metric in METRICS:
            rows.append(dict(protocol=protocol, model=model, target=target, subset=subset,
                             metric=metric, mean=pooled[metric],
                             std=float(spread.get(metric, np.nan)), n=n, aggregation="pooled"))
    return rows


def training_arrays(dataset: Dataset, targets: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Inputs (n, d), targets (n, t) and sample ids of the rows that may train a model."""
    report = validate_dataset(dataset)
    if report.has_errors:
        first = report.errors[0]
        raise DataError(f"the data has {len(report.errors)} error(s) that block training; "
                        f"first: {first}")
    mask = dataset.is_original & ~dataset.is_validation
    y_all = dataset.values(targets)
    mask &= ~np.isnan(y_all).any(axis=1)
    idx = np.flatnonzero(mask)
    ids = [dataset.sample_ids()[i] for i in idx]
    return dataset.values(dataset.inputs, idx), y_all[idx], ids


def cross_validate(
    dataset: Dataset,
    settings: EvaluationSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_epoch: Callable[[str, EpochReport], None] | None = None,
) -> EvaluationResult:
    """Run the chosen protocols for the network and the baselines on every target.
    ``on_epoch(protocol, report)`` sees every epoch of the batched network training."""
    settings = settings or EvaluationSettings()
    settings.check()
    rep = Reporter(progress, cancel)
    targets = list(settings.targets or dataset.targets)
    x, y, ids = training_arrays(dataset, targets)
    if len(x) < 3:
        raise DataError(f"cross-validation needs at least 3 training samples; there are {len(x)}")
    metrics: list[dict] = []
    pred_frames: list[pd.DataFrame] = []
    epochs: dict[str, list[int]] = {}
    n_prot = len(settings.protocols)
    for pi, protocol in enumerate(settings.protocols):
        sub = rep.sub(pi / n_prot, (pi + 1) / n_prot)
        sub.report(0.0, f"{protocol}: preparing folds")
        folds = (honest_folds if protocol == "honest" else paper_folds)(x, y, settings)
        sub.report(0.05, f"{protocol}: training {len(targets) * len(folds)} networks")
        # The paper split its inner validation rows at random; the leakage-free protocol
        # holds out whole samples there too (see TrainingSet.sources).
        sets = [TrainingSet(f.x, f.y[:, t], seed=t * 100_003 + k,
                            sources=f.sources if protocol == "honest" else None)
                for t in range(len(targets)) for k, f in enumerate(folds)]

        def epoch_hook(r: EpochReport, protocol: str = protocol) -> None:
            if on_epoch is not None:
                on_epoch(protocol, r)

        stack = train_networks(sets, settings.network, sub.sub(0.05, 0.85).report, cancel,
                               epoch_hook)
        epochs[protocol] = [int(e) for e in stack.epochs]
        preds = stack.predict_rows([f.test_x for _ in targets for f in folds])
        model_preds: dict[str, list[list[np.ndarray]]] = {NETWORK: [
            [preds[t * len(folds) + k] for k in range(len(folds))] for t in range(len(targets))]}
        for bi, name in enumerate(settings.baselines):
            sub.report(0.85 + 0.15 * bi / max(len(settings.baselines), 1), f"{protocol}: {name}")
            model_preds[name] = [[fit_predict_baseline(name, x[f.train_originals],
                                                       y[f.train_originals, t], f.test_x,
                                                       settings.seed)
                                  for f in folds] for t in range(len(targets))]
        for model, per_target in model_preds.items():
            for t, target in enumerate(targets):
                pairs = [(f.test_y[:, t], per_target[t][k]) for k, f in enumerate(folds)]
                orig = [(tt[f.test_source >= 0], pp[f.test_source >= 0])
                        for (tt, pp), f in zip(pairs, folds, strict=True)]
                if protocol == "paper":
                    metrics += metric_rows(protocol, model, target, "all", pairs)
                metrics += metric_rows(protocol, model, target, "original", orig)
                for k, f in enumerate(folds):
                    pred_frames.append(pd.DataFrame({
                        "protocol": protocol, "model": model, "target": target, "fold": k,
                        "sample": [ids[s] if s >= 0 else "" for s in f.test_source],
                        "origin": np.where(f.test_source >= 0, "original", "synthetic"),
                        "truth": f.test_y[:, t], "prediction": per_target[t][k]}))
        sub.report(1.0, f"{protocol}: done")
    notes = []
    if "honest" in settings.protocols:
        notes.append("leakage-free: " + ("leave-one-out" if len(x) <= settings.loo_max else
                                         f"{settings.folds}-fold") +
                     f" over {len(x)} original samples; SMOTE-REG recomputed inside every fold")
    if "paper" in settings.protocols:
        notes.append("paper protocol: synthetic rows in the test folds have near-copies in the "
                     "training folds, so its figures overstate accuracy on new syntheses")
    return EvaluationResult(pd.DataFrame(metrics), pd.concat(pred_frames, ignore_index=True),
                            epochs, notes)
