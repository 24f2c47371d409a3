"""Settings declared once: ranges, storable form and types come from the field declarations."""

import dataclasses

import pytest

from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.run_settings import RunSettings
from nrstudio.core.settings import (
    check_ranges,
    setting_fields,
    settings_from_dict,
    settings_to_dict,
)

SETTINGS = (SmoteRegSettings, NetworkSettings, LimeSettings, RunSettings)


@pytest.mark.parametrize("cls", SETTINGS)
def test_every_field_is_declared_with_label_and_help(cls):
    declared = {f.name for f in setting_fields(cls)}
    nested = {f.name for f in dataclasses.fields(cls) if dataclasses.is_dataclass(f.type)
              or f.name in ("augment", "network", "lime", "evaluation", "targets")}
    assert {f.name for f in dataclasses.fields(cls)} - nested <= declared
    for f in setting_fields(cls):
        assert f.info.label and f.info.help, f.name


@pytest.mark.parametrize("cls", SETTINGS)
def test_defaults_pass_their_own_checks(cls):
    check_ranges(cls())


def test_out_of_range_names_the_setting():
    with pytest.raises(DataError, match="batch size must be between 1 and 65,536"):
        check_ranges(NetworkSettings(batch_size=70_000))
    with pytest.raises(DataError, match="LIME: samples must be between 100 and 1,000,000"):
        LimeSettings(num_samples=10).check()
    with pytest.raises(DataError, match="optimiser must be one of adam, rmsprop"):
        NetworkSettings(optimizer="sgd").check()  # type: ignore[arg-type]
    with pytest.raises(DataError, match="hidden layers"):
        NetworkSettings(hidden=(64, 0)).check()


def test_round_trip_keeps_values_and_nesting():
    run = RunSettings(members=3)
    run.evaluation.network.hidden = (16, 8)
    run.evaluation.augment.per_subset = 7
    doc = settings_to_dict(run)
    assert doc["evaluation"]["network"]["hidden"] == [16, 8]
    back = settings_from_dict(RunSettings, doc)
    assert back == run


def test_unknown_keys_are_dropped_and_missing_take_defaults():
    back = settings_from_dict(SmoteRegSettings, {"minority": 3, "from_a_newer_version": 1})
    assert back == SmoteRegSettings(minority=3)


@pytest.mark.parametrize("doc,msg", [
    ({"minority": "2"}, "augmentation.minority: expected a whole number"),
    ({"minority": True}, "expected a whole number"),
    ({"percent": float("inf")}, "expected a finite number"),
    ({"minority": 500}, "minority size T must be between 2 and 50"),
    ([1, 2], "expected a group of settings"),
])
def test_bad_stored_values_are_refused_with_where(doc, msg):
    with pytest.raises(DataError, match=msg):
        settings_from_dict(SmoteRegSettings, doc, "augmentation")
