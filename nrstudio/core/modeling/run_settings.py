"""What an evaluation and a whole run depend on: protocols, folds, baselines, nested
augmentation, network and LIME settings (torch-free; stored with their results)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.baselines import BASELINE_NAMES
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.settings import (
    MAX_SEED,
    check_ranges,
    replace_settings,
    setting,
    settings_from_dict,
    settings_to_dict,
)

Protocol = Literal["honest", "paper"]
PROTOCOL_NAMES = {"honest": "leakage-free (held-out original samples)",
                  "paper": "paper (K-fold over original + synthetic rows)"}
# Short names for tables and plots; "validation" rows are the validation experiments.
PROTOCOL_LABELS = {"honest": "leakage-free", "paper": "paper", "validation": "validation expts"}
NETWORK = "network"
# A model's name in messages and tables (its stored key is an identifier).
SHORT_NAMES = {NETWORK: "network", "gaussian_process": "Gaussian process",
               "random_forest": "random forest", "ridge": "ridge", "mean": "the mean"}


@dataclass(frozen=True)
class EvaluationSettings:
    """Which protocols judge which models; ``augment`` and ``network`` are nested settings;
    ``targets`` None = every target of the table."""

    protocols: tuple[Protocol, ...] = setting(
        ("honest",), label="Protocols", choices=PROTOCOL_NAMES,
        help="Leakage-free holds out original samples and re-augments inside every fold; the "
             "paper's K-fold over original + synthetic rows overstates accuracy.")
    folds: int = setting(10, low=2, high=1000, label="Folds",
                         help="K of the paper protocol, and of the leakage-free one above the "
                              "leave-one-out limit.")
    loo_max: int = setting(50, low=1, high=100_000, label="Leave-one-out limit",
                           unit="samples",
                           help="Up to this many originals the leakage-free protocol leaves "
                                "one sample out at a time.")
    augment: SmoteRegSettings = field(default_factory=SmoteRegSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    baselines: tuple[str, ...] = setting(
        ("mean", "ridge", "random_forest", "gaussian_process"), label="Baselines",
        choices=BASELINE_NAMES, help="Reference models fitted on the original rows.")
    targets: tuple[str, ...] | None = None
    seed: int = setting(0, low=0, high=MAX_SEED, label="Random seed",
                        help="Seeds the fold assignment and the baselines.")
    level: float = setting(0.9, low=0.5, high=0.99, label="Interval level", decimals=2,
                           step=0.05,
                           help="Prediction intervals cover the truth this often; they are "
                                "calibrated on the leakage-free out-of-fold errors.")

    def check(self) -> None:
        check_ranges(self, "evaluation")
        if not self.protocols:
            raise DataError("evaluation: choose at least one protocol (leakage-free or paper)")
        self.network.check()


# Over this many training samples a run explains fewer of them by default: at 3,500 rows
# LIME took 3.9 s a sample on random forests and 7.5 s on a Gaussian process (2 cores),
# 13-25 minutes for 200 samples.
LARGE_TABLE = 1_000


@dataclass(frozen=True)
class RunSettings:
    """Everything a run of the pipeline depends on (stored with its results)."""

    evaluation: EvaluationSettings = field(default_factory=EvaluationSettings)
    members: int = setting(5, low=1, high=100, label="Ensemble members",
                           help="Networks per target in the final model, differing in their "
                                "seeds; their spread is the ensemble's uncertainty.")
    lime: LimeSettings = field(default_factory=LimeSettings)
    explain: bool = setting(True, label="Explain every sample",
                            help="Run LIME on every training sample after training.")
    explain_at_most: int = setting(
        200, low=0, high=1_000_000, label="Samples explained", unit="samples",
        help="A larger table has a representative subset of this many samples explained "
             "(the sample nearest each centre of a k-means clustering of the conditions); "
             "0 explains every sample, whatever the table's size.")
    explain_at_most_large: int = setting(
        50, low=1, high=1_000_000, label="Samples explained, large table", unit="samples",
        help=f"A table of more than {LARGE_TABLE:,} samples has at most this many explained "
             "(a representative subset, as above): there an explanation costs seconds (deeper "
             "trees, a Gaussian process conditioned on thousands of rows).")

    def samples_to_explain(self, samples: int) -> int:
        """How many of ``samples`` training samples a run explains (0: every one)."""
        if self.explain_at_most == 0:
            return 0
        if samples > LARGE_TABLE:
            return min(self.explain_at_most, self.explain_at_most_large)
        return self.explain_at_most

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> RunSettings:
        return settings_from_dict(cls, doc, "run settings")

    def to_dict(self) -> dict[str, Any]:
        return settings_to_dict(self)


@dataclass(frozen=True)
class RunChoices:
    """What the user chose for one run (command-line options, or the Train page's form), as
    changes by field name to each group of settings. ``seed``: one seed for the augmentation,
    the networks, LIME and the folds together (None keeps each group's own)."""

    seed: int | None = None
    augment: dict[str, Any] = field(default_factory=dict)
    network: dict[str, Any] = field(default_factory=dict)
    lime: dict[str, Any] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)


def merge_run_settings(base: RunSettings, choices: RunChoices,
                       augment: SmoteRegSettings | None = None,
                       lime: LimeSettings | None = None) -> RunSettings:
    """The settings a run uses: ``base`` (a project's last run, or the defaults) with the
    project's stored ``augment`` and ``lime`` settings where there are, then the single seed,
    then each group's ``choices``. Every group is checked; DataError names a bad value."""
    evaluation = base.evaluation
    augment = augment or evaluation.augment
    lime = lime or base.lime
    network = evaluation.network
    if choices.seed is not None:
        augment = dataclasses.replace(augment, seed=choices.seed)
        network = dataclasses.replace(network, seed=choices.seed)
        lime = dataclasses.replace(lime, seed=choices.seed)
    augment = replace_settings(augment, choices.augment)
    network = replace_settings(network, choices.network)
    lime = replace_settings(lime, choices.lime)
    changes: dict[str, Any] = {"augment": augment, "network": network, **choices.evaluation}
    if choices.seed is not None:
        changes["seed"] = choices.seed
    evaluation = replace_settings(evaluation, changes)
    evaluation.check()
    return replace_settings(dataclasses.replace(base, evaluation=evaluation, lime=lime),
                            choices.run)
