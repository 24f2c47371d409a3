"""The whole modelling pipeline, headless: augment -> evaluate -> final models -> explain.

Used by ``nrstudio run`` and by the GUI's "run everything"; results can be written to a
folder (CSV and PNG) and stored in a project.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.exports import write_table
from nrstudio.core.data.table_io import export_table
from nrstudio.core.modeling.augment import AugmentResult, augment_smote_reg
from nrstudio.core.modeling.baselines import baseline_batches, batch_name
from nrstudio.core.modeling.evaluation import (
    EvaluationResult,
    cross_validate,
    metric_rows,
)
from nrstudio.core.modeling.explanation_readability import advice_when_flagged
from nrstudio.core.modeling.explanations import Explanations
from nrstudio.core.modeling.final_models import (
    NETWORK_MODEL,
    FinalModels,
    TabularSet,
    fit_tabular_set,
    merge_tabular_sets,
)
from nrstudio.core.modeling.model_choice import leakage_free_mae
from nrstudio.core.modeling.network_pace import NetworkBatch, expected_epochs, seconds_per_epoch
from nrstudio.core.modeling.networks import EpochReport, TrainingSet, inner_split
from nrstudio.core.modeling.predict import (
    EnsembleModel,
    augmented_group,
    train_final_models,
)
from nrstudio.core.modeling.run_settings import RunSettings
from nrstudio.core.modeling.training_data import TrainingData, training_data
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.run_clock import RunClock, Stage, about

FINAL_MODEL = NETWORK_MODEL


@dataclass
class RunResult:
    augmented: AugmentResult
    evaluation: EvaluationResult
    final: EnsembleModel
    validation: pd.DataFrame  # predictions of validation experiments by the chosen models
    explanations: Explanations | None
    settings: RunSettings
    tabular: TabularSet | None = None
    chosen: FinalModels | None = None  # with the picks the run was given

    @property
    def models(self) -> FinalModels:
        """The final models with this run's evaluation (calibration and automatic choice)."""
        if self.chosen is not None:
            return self.chosen
        return FinalModels(self.final, self.tabular, self.evaluation,
                           level=self.settings.evaluation.level)

    def notes(self) -> list[str]:
        """Plain sentences a user must read beside the metrics: augmentation sized by the
        budget, inputs left out, untrustworthy explanations, impossible predictions."""
        plans = self.augmented.plans
        several = len(plans) > 1
        out = [f"{', '.join(names)}: {p.note}" if several else p.note
               for names, p in zip(self.augmented.groups, plans, strict=True) if p.note]
        out += self.evaluation.notes
        if self.explanations is not None:
            explained = len(self.explanations.points)
            if self.explanations.of_samples > explained:
                out.append(f"LIME explained {explained} of {self.explanations.of_samples} "
                           "training samples: a representative subset (the samples nearest "
                           "the centres of a k-means clustering of the conditions, "
                           "replicates once). The "
                           "Explain page or --explain-at-most 0 explains them all")
            flagged = int(self.explanations.flagged.sum())
            if flagged:
                out.append(f"{flagged} of {self.explanations.flagged.size} explanations are "
                           "flagged (low local fidelity, weights that disagree with the "
                           "model's slope, or non-finite weights): see the 'flag' column of "
                           "lime_weights.csv; do not read them as normal results")
                advice = advice_when_flagged(self.explanations)
                if advice:
                    out.append(advice)
        if len(self.validation) and self.validation["impossible"].any():
            out.append(f"{int(self.validation['impossible'].sum())} validation-experiment "
                       "predictions are negative, which is physically impossible")
        return out


@dataclass
class FastResult:
    """What a run knows before its networks train: the fast models' leakage-free
    evaluation (no network rows), their final fits, and the predictions of validation
    experiments by each target's best fast model. ``models`` predict on their own."""

    evaluation: EvaluationResult
    tabular: TabularSet
    validation: pd.DataFrame
    settings: RunSettings
    models: FinalModels
    networks_seconds: float | None = None  # measured forecast of the networks still to train

    def networks_forecast(self) -> str:
        """How long the networks will take, in words, once they have been timed."""
        if self.networks_seconds is None:
            return ""
        return (f"The networks will take {about(self.networks_seconds)} on this machine "
                "(one epoch of each batch timed, times the epochs early stopping is "
                "expected to allow).")

    def best_fast_model(self) -> dict[str, tuple[str, float]]:
        """Target -> (chosen fast model, its leakage-free R² on held-out originals)."""
        return {target: (choice.model, leakage_free_mae(self.evaluation, target, "R2").get(
                    choice.model, float("nan")))
                for target, choice in self.models.choices().items()}


def predict_validation_experiments(dataset: Dataset, models: FinalModels) -> pd.DataFrame:
    """Predictions of rows flagged as validation experiments by each target's chosen model,
    with their truth, interval and flags (``impossible``: a negative prediction of a target
    that cannot be negative)."""
    rows = np.flatnonzero(dataset.is_original & dataset.is_validation)
    cols = ["sample", "target", "model", "truth", "prediction", "lower", "upper", "std",
            "out_of_domain", "impossible"]
    if len(rows) == 0:
        return pd.DataFrame(columns=cols)
    x = models.space.conditions(dataset, rows)
    ok = np.isfinite(x).all(axis=1)
    rows, x = rows[ok], x[ok]
    if len(rows) == 0:
        return pd.DataFrame(columns=cols)
    pred = models.predict(x)
    truth = dataset.values(models.targets, rows)
    ids = dataset.sample_ids()
    assert pred.impossible is not None and pred.lower is not None and pred.upper is not None
    records = [(ids[r], target, pred.models[t], truth[i, t], pred.mean[i, t], pred.lower[i, t],
                pred.upper[i, t], pred.std[i, t], bool(pred.out_of_domain[i]),
                bool(pred.impossible[i, t]))
               for i, r in enumerate(rows) for t, target in enumerate(models.targets)]
    return pd.DataFrame(records, columns=cols)


def _with_validation(evaluation: EvaluationResult, validation: pd.DataFrame
                     ) -> EvaluationResult:
    """``evaluation`` with the metrics of the validation experiments (rows flagged as
    such; ``validation`` from :func:`predict_validation_experiments`)."""
    if len(validation):
        rows = []
        for (target, model), grp in validation.groupby(["target", "model"], sort=False):
            rows += metric_rows("validation", model, target, "validation experiments",
                                [(grp.truth.to_numpy(float), grp.prediction.to_numpy(float))],
                                pooled=True)
        evaluation.metrics = pd.concat([evaluation.metrics, pd.DataFrame(rows)],
                                       ignore_index=True)
    return evaluation


def representative_rows(features: np.ndarray, at_most: int, seed: int = 0) -> np.ndarray:
    """Indices (sorted) of at most ``at_most`` rows of (n, f) encoded conditions that
    represent them: all rows when there are no more (or ``at_most`` is 0), else the row
    nearest each centre of a seeded k-means clustering of the standardised conditions (a
    dense region gets more rows than an outlier, as it holds more syntheses). Replicates
    (rows at the same conditions) count once: their explanations would be the same."""
    n = len(features)
    if at_most <= 0 or n <= at_most:
        return np.arange(n)
    from sklearn.cluster import KMeans

    z = features - features.mean(axis=0)
    sd = z.std(axis=0)
    z = z / np.where(sd > 0, sd, 1.0)
    centres = KMeans(at_most, n_init=1, random_state=seed).fit(z).cluster_centers_
    chosen: list[int] = []
    taken = np.zeros(n, dtype=bool)
    for centre in centres:  # the nearest row not yet taken: duplicates would waste a slot
        d = ((z - centre) ** 2).sum(axis=1)
        d[taken] = np.inf
        best = int(np.argmin(d))
        if taken[best]:
            break  # every condition has its row
        taken |= (z == z[best]).all(axis=1)
        chosen.append(best)
    return np.sort(np.array(chosen))


def folds_per_protocol(settings: RunSettings, n_conditions: int) -> dict[str, int]:
    """Protocol -> its number of folds (leave-one-out for a small table's leakage-free one;
    ``n_conditions``: the samples' different syntheses, :meth:`TrainingData.count_units`)."""
    ev = settings.evaluation
    return {protocol: (n_conditions if protocol == "honest" and n_conditions <= ev.loo_max
                       else ev.folds) for protocol in ev.protocols}


def network_batches(settings: RunSettings, data: TrainingData,
                    augmented: AugmentResult) -> dict[str, NetworkBatch]:
    """Clock stage -> the shape of the batch of networks it trains. The final ensemble
    trains on every augmented row of a target; a fold on about ``(k - 1) / k`` of them (the
    leakage-free folds augment their own rows, to within about 10% as many). Of those rows
    an epoch runs only the ones its inner split leaves for training: a random share for
    the paper's protocol, and fewer where the split holds out whole samples (the
    leakage-free folds and the final ensemble drop the synthetic rows bridging the two
    sides, a third of them or more)."""
    n_targets = len(data.targets)
    inputs = data.space.encode(data.x[:1]).shape[1]
    rows = int(max(np.isfinite(augmented.dataset.values([t])).sum() for t in data.targets))
    held_out = training_share(settings, data)
    random_share = 1.0 - settings.evaluation.network.validation_fraction
    out = {}
    for p, k in folds_per_protocol(settings, data.count_units()).items():
        share = held_out if p == "honest" else random_share
        out[f"{p} networks"] = NetworkBatch(k * n_targets, round(rows * share * (k - 1) / k),
                                            inputs)
    out["final networks"] = NetworkBatch(settings.members * n_targets, round(rows * held_out),
                                         inputs)
    return out


def training_share(settings: RunSettings, data: TrainingData) -> float:
    """The share of a target's augmented rows that the inner split of early stopping leaves
    for training when it holds out whole samples (measured on the first group of targets
    only: the share depends on the samples' neighbours, not on the target)."""
    x, y, sources = augmented_group(data, data.groups()[0], settings.evaluation.augment)
    network = settings.evaluation.network
    train, _ = inner_split(TrainingSet(x, y[:, 0], sources=sources),
                           network.validation_fraction, network.seed)
    return len(train) / max(len(x), 1)


def expect_networks(settings: RunSettings, batches: dict[str, NetworkBatch], rep: Reporter,
                    cancel: CancelCheck | None) -> float:
    """Measure one epoch of every batch of networks, give the run's clock their costs, and
    return the seconds all of them are expected to take (each runs the epochs early
    stopping is guessed to allow; the clock corrects this from the first batch's pace)."""
    network = settings.evaluation.network
    epochs = expected_epochs(network)
    total = 0.0
    for stage, batch in batches.items():
        per_epoch = seconds_per_epoch(batch, network, cancel)
        rep.expect(stage, per_epoch, per_epoch * epochs)
        total += per_epoch * epochs
    return total


def run_clock(settings: RunSettings, n_conditions: int, n_targets: int) -> RunClock:
    """The stages of :func:`run_pipeline` in order, sized for the time-left forecast:
    networks by their number, model fits by theirs (per kind of model), until
    :func:`expect_networks` has measured the networks' cost."""
    ev = settings.evaluation
    folds = folds_per_protocol(settings, n_conditions)
    # The baselines first, a batch at a time (their evaluation in every protocol, then their
    # final fits), so that each batch's results can be shown at once; then the networks.
    stages = [Stage("augmenting", "augmentation")]
    for batch in baseline_batches(ev.baselines):
        name = batch_name(batch)
        stages += [Stage(f"{p} {name} fits", f"{name} fits", k * n_targets)
                   for p, k in folds.items()]
        stages.append(Stage(f"final {name} fits", f"{name} fits", n_targets))
    stages += [Stage(f"{p} networks", "networks", k * n_targets) for p, k in folds.items()]
    stages.append(Stage("final augmentation", "augmentation"))  # the same rows again
    stages.append(Stage("final networks", "networks", settings.members * n_targets))
    if settings.explain:
        stages.append(Stage("explain", "explain", known_later=True))
    return RunClock(stages)


def run_pipeline(
    dataset: Dataset,
    settings: RunSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_epoch: Callable[[str, EpochReport], None] | None = None,
    picks: dict[str, str] | None = None,
    on_fast: Callable[[FastResult], None] | None = None,
) -> RunResult:
    """Augment, cross-validate, train the final ensembles and the other final models,
    predict validation experiments and (optionally) explain every training sample, both
    with each target's chosen model (``picks``: target -> model or "auto"; by default the
    lowest leakage-free MAE). ``on_epoch(stage, report)`` sees every epoch of every batched
    training run (stage: "honest", "paper" or "final").

    Results as they come: once the fast models (the baselines) are fitted and evaluated,
    before the first network trains, ``on_fast`` receives a :class:`FastResult`, their
    evaluation with final models, intervals and model choice that predict on their own."""
    settings = settings or RunSettings()
    ev = settings.evaluation
    targets = list(ev.targets) if ev.targets else None
    data = training_data(dataset, targets)  # refuse bad data up front
    rep = Reporter(progress, cancel).timed(run_clock(settings, data.count_units(),
                                                      len(data.targets)))
    rep.report(0.0, "augmenting")
    augmented = augment_smote_reg(dataset, ev.augment,
                                  rep.sub(0.0, 0.02, stage="augmenting").report, cancel)
    fitted: list[TabularSet] = []
    networks_seconds: list[float] = []

    def fast_results(fast: EvaluationResult, batch: tuple[str, ...]) -> None:
        """A batch of baselines is evaluated: fit its final models, hand every baseline so
        far to ``on_fast``, and time the networks (once)."""
        fitted.append(fit_tabular_set(
            dataset, batch, targets, ev.seed,
            rep.sub(0.06, 0.07, stage=f"final {batch_name(batch)} fits").report, cancel))
        if on_fast is not None:
            tabular = merge_tabular_sets(fitted, ev.baselines)
            models = FinalModels(None, tabular, fast, dict(picks or {}), ev.level)
            validation = predict_validation_experiments(dataset, models)
            on_fast(FastResult(_with_validation(fast, validation), tabular, validation,
                               settings, models,
                               networks_seconds[0] if networks_seconds else None))
        if not networks_seconds:  # after the first results: the probe loads torch
            rep.report(0.07, "timing the networks")
            networks_seconds.append(expect_networks(
                settings, network_batches(settings, data, augmented), rep, cancel))

    evaluation = cross_validate(dataset, ev, rep.sub(0.02, 0.72).report, cancel, on_epoch,
                                fast_results)
    tabular = merge_tabular_sets(fitted, ev.baselines) if fitted else None
    cv_epochs = [e for runs in evaluation.epochs.values() for e in runs]
    final = train_final_models(dataset, ev.network, ev.augment, settings.members, targets,
                               rep.sub(0.72, 0.88).report, cancel,
                               (lambda r: on_epoch("final", r)) if on_epoch else None,
                               float(max(cv_epochs)) if cv_epochs else None)
    models = FinalModels(final, tabular, evaluation, dict(picks or {}), ev.level)
    validation = predict_validation_experiments(dataset, models)
    evaluation = _with_validation(evaluation, validation)
    explanations = None
    if settings.explain:
        rows = representative_rows(models.space.encode(final.train_x),
                                   settings.samples_to_explain(len(final.train_x)),
                                   settings.lime.seed)
        explanations = models.explain(final.train_x[rows], [final.sample_ids[r] for r in rows],
                                      settings.lime,
                                      rep.sub(0.88, 1.0, stage="explain").report, cancel)
        explanations.of_samples = len(final.train_x)
    rep.report(1.0, "done")
    return RunResult(augmented, evaluation, final, validation, explanations, settings, tabular,
                     models)


def write_outputs(result: RunResult, out_dir: str | Path) -> list[Path]:
    """augmented.csv, metrics.csv, cv_predictions.csv, validation_predictions.csv,
    lime_weights.csv and PNG figures (parity per protocol, LIME heat map)."""
    from nrstudio.core.modeling.figures import lime_heatmap, parity_plot

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    export_table(result.augmented.dataset, out / "augmented.csv")
    written.append(out / "augmented.csv")
    metrics = result.evaluation.metrics[["target", "model", "protocol", "subset", "metric",
                                         "mean", "std", "n", "aggregation"]]
    cv = result.evaluation.predictions.copy()
    cv["impossible"] = cv.target.isin(result.final.non_negative) & (cv.prediction < 0)
    for name, frame in (("metrics.csv", metrics),
                        ("cv_predictions.csv", cv),
                        ("validation_predictions.csv", result.validation)):
        write_table(frame, out / name, "%.10g")
        written.append(out / name)
    for protocol in result.settings.evaluation.protocols:
        written.append(parity_plot(result.evaluation, protocol, out / f"parity_{protocol}.png"))
    if result.explanations is not None:
        write_table(result.explanations.to_frame(), out / "lime_weights.csv", "%.10g")
        written.append(out / "lime_weights.csv")
        written.append(lime_heatmap(result.explanations, out / "lime_heatmap.png"))
    return written
