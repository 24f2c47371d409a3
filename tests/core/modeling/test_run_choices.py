"""Run settings merged once, in the core: a project's stored settings, one seed, then the
user's choices (the command line's options and the Train page's form use the same code)."""

import pytest

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.run_settings import (
    EvaluationSettings,
    RunChoices,
    RunSettings,
    merge_run_settings,
)


def stored_run():
    return RunSettings(EvaluationSettings(protocols=("paper",), network=NetworkSettings(lr=0.01),
                                          baselines=("ridge",)), members=3)


def test_nothing_chosen_keeps_the_stored_run_with_the_stored_groups():
    augment, lime = SmoteRegSettings(per_subset=4), LimeSettings(num_samples=500)
    merged = merge_run_settings(stored_run(), RunChoices(), augment, lime)
    assert merged.evaluation.augment == augment and merged.lime == lime
    assert merged.evaluation.protocols == ("paper",) and merged.members == 3
    assert merged.evaluation.network.lr == 0.01
    # Without stored groups, the run's own are kept.
    assert merge_run_settings(stored_run(), RunChoices()) == stored_run()


def test_one_seed_reaches_every_group_and_choices_come_after_it():
    merged = merge_run_settings(stored_run(), RunChoices(
        seed=11, network={"max_epochs": 7, "seed": 5}, lime={"repeats": 2},
        evaluation={"protocols": ("honest", "paper")}, run={"explain": False}))
    ev = merged.evaluation
    assert (ev.seed, ev.augment.seed, merged.lime.seed) == (11, 11, 11)
    assert ev.network.seed == 5 and ev.network.max_epochs == 7 and ev.network.lr == 0.01
    assert merged.lime.repeats == 2 and not merged.explain
    assert ev.protocols == ("honest", "paper") and ev.baselines == ("ridge",)


@pytest.mark.parametrize("choices,words", [
    (RunChoices(network={"batch_size": 0}), "batch size"),
    (RunChoices(run={"members": 0}), "members"),
    (RunChoices(evaluation={"protocols": ()}), "protocol"),
])
def test_a_bad_choice_is_refused_by_name(choices, words):
    with pytest.raises(DataError, match=words):
        merge_run_settings(RunSettings(), choices)
