"""Evaluation protocols: the paper's K-fold over the augmented set, and the leakage-free
protocol (the app's default) that holds out ORIGINAL samples and re-augments inside each fold.

Every network of a protocol (targets x folds) is trained in one batched program
(:func:`nrstudio.core.modeling.network_training.train_networks`); baselines are fitted on the
original training rows of each fold. Each target is judged on its own rows: targets measured
on the same rows share their folds (see :class:`TrainingData.groups`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.baselines import baseline_batches, batch_name, fit_predict_baseline
from nrstudio.core.modeling.conformal import fewest_for_interval, interval_rows
from nrstudio.core.modeling.folds import FoldSet, honest_folds, paper_folds
from nrstudio.core.modeling.metrics import METRICS, regression_metrics
from nrstudio.core.modeling.networks import EpochReport, TrainingSet
from nrstudio.core.modeling.run_settings import (
    NETWORK,
    PROTOCOL_LABELS,
    SHORT_NAMES,
    EvaluationSettings,
)
from nrstudio.core.modeling.training_data import TrainingData, training_data
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.strict_json import column_frame, texts


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
        metrics = column_frame(doc.get("metrics"), "metrics",
                               text=("protocol", "model", "target", "subset", "metric",
                                     "aggregation"),
                               numbers=("mean", "std"), whole=("n",),
                               optional=("aggregation",), nonnegative=("std", "n"))
        predictions = column_frame(doc.get("predictions"), "predictions",
                                   text=("protocol", "model", "target", "sample", "origin"),
                                   whole=("fold",), numbers=("truth", "prediction"))
        epochs = doc.get("epochs", {})
        if not isinstance(epochs, dict):
            raise DataError("epochs is not an object")
        for key, values in epochs.items():
            if not isinstance(values, list) or not all(
                    isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
                raise DataError(f"epochs of '{key}' are not whole numbers of epochs")
        return cls(metrics, predictions, {str(k): list(v) for k, v in epochs.items()},
                   texts(doc.get("notes", []), "notes"))

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
        over_rows = regression_metrics(t, p)
        spread = {"MAE": np.std(np.abs(p - t)), "MSE": np.std((p - t) ** 2)}
        for metric in METRICS:
            rows.append(dict(protocol=protocol, model=model, target=target, subset=subset,
                             metric=metric, mean=over_rows[metric],
                             std=float(spread.get(metric, np.nan)), n=n, aggregation="pooled"))
    return rows


def cross_validate(
    dataset: Dataset,
    settings: EvaluationSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_epoch: Callable[[str, EpochReport], None] | None = None,
    on_fast: Callable[[EvaluationResult, tuple[str, ...]], None] | None = None,
) -> EvaluationResult:
    """Run the chosen protocols for the network and the baselines on every target.

    Results as they come: the baselines of every protocol are evaluated first, on the same
    folds as the networks, the quick ones together and then each slow one
    (:func:`~nrstudio.core.modeling.baselines.baseline_batches`). After each batch,
    ``on_fast(result, batch)`` receives the evaluation of every baseline so far (no network
    rows) and the kinds just added, so that a front end can show them while the rest runs.
    ``on_epoch(protocol, report)`` sees every epoch of the batched network training."""
    settings = settings or EvaluationSettings()
    settings.check()
    rep = Reporter(progress, cancel)
    data = training_data(dataset, list(settings.targets or dataset.targets))
    groups = data.groups()
    for g in groups:
        conditions = data.count_units(g.rows)
        if conditions < 3:
            names = ", ".join(data.targets[t] for t in g.targets)
            held = (f" ({len(g.rows)} rows, replicates of {conditions})"
                    if conditions < len(g.rows) else "")
            raise DataError(f"cross-validation needs at least 3 training samples at "
                            f"different conditions; {names} has {conditions}{held}")
    protocols = settings.protocols
    n_prot = len(protocols)
    fold_sets: dict[str, dict[tuple[int, ...], list[FoldSet]]] = {}
    fast: dict[str, dict[str, dict[int, list[np.ndarray]]]] = {}
    batches = baseline_batches(settings.baselines)
    def prepare(protocol: str, augment: bool) -> dict[tuple[int, ...], list[FoldSet]]:
        """The folds of ``protocol`` per group of targets; the leakage-free folds without
        their synthetic rows (``augment`` False) until the networks need them."""
        return {tuple(g.targets): (
            honest_folds(data.x[g.rows], data.y[np.ix_(np.asarray(g.rows), np.asarray(g.targets))], settings,
                         data.space.categorical, augment, data.units(g.rows))
            if protocol == "honest" else
            paper_folds(data.x[g.rows], data.y[np.ix_(np.asarray(g.rows), np.asarray(g.targets))], settings,
                        data.space.categorical)) for g in groups}

    for pi, protocol in enumerate(protocols):
        rep.report(0.02 * pi / n_prot, f"{PROTOCOL_LABELS[protocol]}: preparing folds")
        fold_sets[protocol] = prepare(protocol, augment=False)
        n_nets = sum(len(k) * len(f) for k, f in fold_sets[protocol].items())
        rep.resize(f"{protocol} networks", n_nets)
        for batch in batches:  # one fit of each model per network
            rep.resize(f"{protocol} {batch_name(batch)} fits", n_nets)
        fast[protocol] = {}
    for bi, batch in enumerate(batches):
        for pi, protocol in enumerate(protocols):
            step = (bi * n_prot + pi) / (len(batches) * n_prot)
            sub = rep.sub(0.02 + 0.18 * step, 0.02 + 0.18 * (step + 1 / (len(batches) * n_prot)),
                          stage=f"{protocol} {batch_name(batch)} fits")
            fast[protocol].update(_baseline_predictions(protocol, data, groups,
                                                        fold_sets[protocol], settings, batch,
                                                        sub))
        if on_fast is not None:
            on_fast(_evaluation(dataset, data, groups, settings, fold_sets, fast, {}), batch)
    networks: dict[str, tuple[dict[int, list[np.ndarray]], list[int]]] = {}
    for pi, protocol in enumerate(protocols):
        sub = rep.sub(0.2 + 0.8 * pi / n_prot, 0.2 + 0.8 * (pi + 1) / n_prot)
        sub.report(0.0, f"{PROTOCOL_LABELS[protocol]}: preparing the networks' folds")
        if protocol == "honest":  # SMOTE-REG inside every fold, now that it is needed
            fold_sets[protocol] = prepare(protocol, augment=True)
        n_nets = sum(len(k) * len(f) for k, f in fold_sets[protocol].items())
        sub.report(0.0, f"{PROTOCOL_LABELS[protocol]}: training {n_nets} networks")
        networks[protocol] = _network_predictions(
            protocol, data, fold_sets[protocol], settings,
            sub.sub(0.0, 1.0, stage=f"{protocol} networks"), cancel, on_epoch)
        sub.report(1.0, f"{PROTOCOL_LABELS[protocol]}: done")
    return _evaluation(dataset, data, groups, settings, fold_sets, fast, networks)


def _evaluation(dataset: Dataset, data: TrainingData, groups: list,
                settings: EvaluationSettings,
                fold_sets: dict[str, dict[tuple[int, ...], list[FoldSet]]],
                fast: dict[str, dict[str, dict[int, list[np.ndarray]]]],
                networks: dict[str, tuple[dict[int, list[np.ndarray]], list[int]]],
                ) -> EvaluationResult:
    """The evaluation of every protocol from its out-of-fold predictions (the networks'
    first, as the tables always listed them; a protocol without networks yet has none)."""
    metrics: list[dict] = []
    pred_frames: list[dict[str, np.ndarray]] = []
    epochs: dict[str, list[int]] = {}
    for protocol in settings.protocols:
        by_model = {k: fast[protocol][k] for k in settings.baselines if k in fast[protocol]}
        if protocol in networks:
            net, epochs[protocol] = networks[protocol]
            by_model = {NETWORK: net, **by_model}
        m, frames = _scores(protocol, data, groups, fold_sets[protocol], by_model,
                            settings.level)
        metrics += m
        pred_frames += frames
    notes = []
    n = len(data.x)
    conditions = data.count_units()
    if "honest" in settings.protocols and conditions == n:
        notes.append("leakage-free: " + ("leave-one-out" if n <= settings.loo_max else
                                         f"{settings.folds}-fold") +
                     f" over {n} original samples; SMOTE-REG recomputed inside every fold")
    elif "honest" in settings.protocols:
        unit = "synthesis" if data.batch_columns else "condition"
        held = (f"{conditions} syntheses (rows at the same conditions, or of one run or batch "
                f"in {', '.join(data.batch_columns)}, held out together)"
                if data.batch_columns else f"{conditions} different conditions, the "
                "replicates of a condition held out together")
        notes.append("leakage-free: " + (f"leave-one-{unit}-out"
                                          if conditions <= settings.loo_max else
                                          f"{settings.folds}-fold over {unit}s")
                     + f": {n} original samples from {held}; SMOTE-REG recomputed inside "
                     "every fold")
    for name, reason in data.left_out.items():
        notes.append(f"'{name}' is left out of the models and explanations: {reason}")
    if len(groups) > 1:
        notes.append("targets measured on different rows are judged on their own rows: "
                     + "; ".join(f"{', '.join(data.targets[t] for t in g.targets)}: "
                                 f"{len(g.rows)} rows" for g in groups))
    fewest = fewest_for_interval(settings.level)
    unbounded = [data.targets[t] for g in groups for t in g.targets if len(g.rows) < fewest]
    if "honest" in settings.protocols and unbounded:
        notes.append(f"no {round(100 * settings.level)}% interval for {', '.join(unbounded)}: "
                     f"fewer than {fewest} samples measured "
                     f"{'it' if len(unbounded) == 1 else 'each'}, too few to calibrate one: "
                     "its width reads — (inf in tables) and predictions carry none")
    if "paper" in settings.protocols:
        notes.append("paper protocol: synthetic rows in the test folds have near-copies in the "
                     "training folds, so its figures overstate accuracy on new syntheses")
    # One frame from whole columns: concatenating hundreds of small frames held the
    # interpreter long enough to keep the window waiting (about 90 ms).
    predictions = pd.DataFrame({c: np.concatenate([f[c] for f in pred_frames])
                                for c in PREDICTION_COLUMNS})
    notes += impossible_notes(predictions, [t for t in data.targets
                                            if dataset.column(t).positive_only])
    return EvaluationResult(pd.DataFrame(metrics), predictions, epochs, notes)


def impossible_notes(predictions: pd.DataFrame, non_negative: list[str]) -> list[str]:
    """A sentence per (protocol, model, target) with out-of-fold predictions below zero for
    a target that cannot be negative."""
    bad = predictions[predictions.target.isin(non_negative) & (predictions.prediction < 0)
                      & (predictions.origin == "original")]
    return [f"{target} ({PROTOCOL_LABELS.get(protocol, protocol)}): {len(grp)} out-of-fold "
            f"predictions of {SHORT_NAMES.get(model, model)} are negative, which is physically "
            f"impossible (as low as {grp.prediction.min():.3g}; flagged in cv_predictions.csv)"
            for (protocol, model, target), grp in bad.groupby(["protocol", "model", "target"],
                                                              sort=False)]


def _network_predictions(
    protocol: str, data: TrainingData, folds: dict[tuple[int, ...], list[FoldSet]],
    settings: EvaluationSettings, rep: Reporter, cancel: CancelCheck | None,
    on_epoch: Callable[[str, EpochReport], None] | None,
) -> tuple[dict[int, list[np.ndarray]], list[int]]:
    """Train every network of one protocol in one batch: target -> out-of-fold predictions
    per fold, and the epochs each network ran. Networks are ordered target-major over all
    targets (seed ``t * 100_003 + fold``), as a table without gaps always was."""
    space = data.space
    order = sorted((t, key, k) for key, fs in folds.items() for t in key
                   for k in range(len(fs)))
    # The paper split its inner validation rows at random; the leakage-free protocol
    # holds out whole samples there too, with their replicates (see TrainingSet.sources).
    units = {tuple(g.targets): data.units(g.rows) for g in data.groups()}
    sets = [TrainingSet(space.encode(folds[key][k].x),
                        folds[key][k].y[:, key.index(t)], seed=t * 100_003 + k,
                        sources=units[key][folds[key][k].sources] if protocol == "honest"
                        else None)
            for t, key, k in order]

    def epoch_hook(r: EpochReport) -> None:
        if on_epoch is not None:
            on_epoch(protocol, r)

    # torch loads with the first training, not when the window opens (issue 30)
    from nrstudio.core.modeling.network_training import train_networks

    stack = train_networks(sets, settings.network, rep.report, cancel, epoch_hook)
    preds = stack.predict_rows([space.encode(folds[key][k].test_x) for _, key, k in order])
    out: dict[int, list[np.ndarray]] = {}
    for (t, _, _), p in zip(order, preds, strict=True):
        out.setdefault(t, []).append(p)
    return out, [int(e) for e in stack.epochs]


def _baseline_predictions(
    protocol: str, data: TrainingData, groups: list,
    folds: dict[tuple[int, ...], list[FoldSet]], settings: EvaluationSettings,
    kinds: tuple[str, ...], rep: Reporter,
) -> dict[str, dict[int, list[np.ndarray]]]:
    """Fit every baseline of ``kinds`` on the original training rows of every fold:
    model -> target -> out-of-fold predictions per fold."""
    space = data.space
    group_of = {t: (g, key) for g, key in zip(groups, folds, strict=True) for t in key}
    by_model: dict[str, dict[int, list[np.ndarray]]] = {}
    n_fits = max(len(kinds) * sum(len(folds[group_of[t][1]])
                                  for t in range(len(data.targets))), 1)
    done = 0
    for name in kinds:
        by_model[name] = {}
        for t in range(len(data.targets)):
            g, key = group_of[t]
            xg = space.encode(data.x[g.rows])
            yg = data.y[g.rows, t]
            by_model[name][t] = []
            for f in folds[key]:
                rep.report(done / n_fits,
                           f"{PROTOCOL_LABELS[protocol]}: {SHORT_NAMES.get(name, name)}")
                by_model[name][t].append(
                    fit_predict_baseline(name, xg[f.train_originals], yg[f.train_originals],
                                         space.encode(f.test_x), settings.seed))
                done += 1
    rep.report(1.0, f"{PROTOCOL_LABELS[protocol]}: "
                    f"{', '.join(SHORT_NAMES.get(k, k) for k in kinds)} done")
    return by_model


PREDICTION_COLUMNS = ("protocol", "model", "target", "fold", "sample", "origin", "truth",
                      "prediction")


def _scores(protocol: str, data: TrainingData, groups: list,
            folds: dict[tuple[int, ...], list[FoldSet]],
            by_model: dict[str, dict[int, list[np.ndarray]]], level: float,
            ) -> tuple[list[dict], list[dict[str, np.ndarray]]]:
    """The metric rows and out-of-fold predictions (columns of PREDICTION_COLUMNS, one
    block per fold) of one protocol's models."""
    group_of = {t: (g, key) for g, key in zip(groups, folds, strict=True) for t in key}
    metrics: list[dict] = []
    frames: list[dict[str, np.ndarray]] = []
    for model, per_target in by_model.items():
        for t, target in enumerate(data.targets):
            g, key = group_of[t]
            fs = folds[key]
            col = key.index(t)
            ids = [data.ids[r] for r in g.rows]
            pairs = [(f.test_y[:, col], per_target[t][k]) for k, f in enumerate(fs)]
            orig = [(tt[f.test_source >= 0], pp[f.test_source >= 0])
                    for (tt, pp), f in zip(pairs, fs, strict=True)]
            if protocol == "paper":
                metrics += metric_rows(protocol, model, target, "all", pairs)
            # Leakage-free figures are pooled over every held-out original: folds of a
            # dozen rows make a fold's R² swing by whole units (its own variance is small),
            # and their mean once read -1.07 for a model with a lower MSE than the mean's.
            metrics += metric_rows(protocol, model, target, "original", orig,
                                   pooled=protocol == "honest")
            if protocol == "honest":
                metrics += interval_rows(protocol, model, target,
                                         np.concatenate([tt for tt, _ in orig]),
                                         np.concatenate([pp for _, pp in orig]), level)
            for k, f in enumerate(fs):
                m = len(f.test_source)
                frames.append({
                    "protocol": np.full(m, protocol, dtype=object),
                    "model": np.full(m, model, dtype=object),
                    "target": np.full(m, target, dtype=object),
                    "fold": np.full(m, k, dtype=np.int64),
                    "sample": np.array([ids[s] if s >= 0 else "" for s in f.test_source],
                                       dtype=object),
                    "origin": np.where(f.test_source >= 0, "original",
                                       "synthetic").astype(object),
                    "truth": np.asarray(f.test_y[:, col], dtype=np.float64),
                    "prediction": np.asarray(per_target[t][k], dtype=np.float64)})
    return metrics, frames
