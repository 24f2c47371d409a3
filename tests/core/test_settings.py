"""Settings declared once: ranges, storable form and types come from the field declarations."""

import dataclasses
import importlib
import inspect
import pkgutil
import typing

import pytest

import nrstudio.core
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.run_settings import EvaluationSettings, RunSettings
from nrstudio.core.settings import (
    check_ranges,
    describe,
    setting_fields,
    settings_from_dict,
    settings_to_dict,
)


def _settings_classes() -> list[type]:
    """Every dataclass in ``nrstudio.core`` with at least one field declared by ``setting()``:
    found by walking the package, so a new settings class is checked without being listed."""
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(nrstudio.core.__path__, "nrstudio.core."):
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (obj.__module__ == module.__name__ and dataclasses.is_dataclass(obj)
                    and any("nrstudio" in f.metadata for f in dataclasses.fields(obj))):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


SETTINGS = tuple(_settings_classes())


# Fields that are not user-tunable numbers or choices, each checked where it is used.
NOT_DECLARED = {
    "EvaluationSettings.targets": "which targets a run covers; set from the table's roles",
    "ImageLimeSettings.params": "the segmenter's own parameters; resolved_params checks them",
}


def _holds_settings(tp: object) -> bool:
    """A field whose type is a settings dataclass, or a container or optional of them."""
    if dataclasses.is_dataclass(tp):
        return True
    return any(_holds_settings(arg) for arg in typing.get_args(tp))


def test_discovery_finds_the_known_settings():
    # Guards the walk itself: if it found nothing, the parametrised checks would pass vacuously.
    assert {SmoteRegSettings, NetworkSettings, LimeSettings, RunSettings} <= set(SETTINGS)
    assert len(SETTINGS) >= 8


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_every_field_is_declared_with_label_and_help(cls):
    declared = {f.name for f in setting_fields(cls)}
    hints = typing.get_type_hints(cls)
    nested = {f.name for f in dataclasses.fields(cls) if _holds_settings(hints[f.name])}
    exempt = {k.split(".")[1] for k in NOT_DECLARED if k.split(".")[0] == cls.__name__}
    assert {f.name for f in dataclasses.fields(cls)} - nested - exempt <= declared
    for f in setting_fields(cls):
        assert f.info.label and f.info.help, f.name


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_defaults_pass_their_own_checks(cls):
    check_ranges(cls())


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_defaults_survive_the_stored_form(cls):
    assert settings_from_dict(cls, settings_to_dict(cls())) == cls()


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
    run = RunSettings(EvaluationSettings(network=NetworkSettings(hidden=(16, 8)),
                                         augment=SmoteRegSettings(per_subset=7)), members=3)
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


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_settings_cannot_change_after_a_run_used_them(cls):
    # "The settings it ran with" is a promise: a change makes a new object.
    name = setting_fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(cls(), name, getattr(cls(), name))


def test_a_report_names_choices_by_their_labels_not_their_stored_keys():
    """The report's run settings read 'random forest (100 trees)', never 'random_forest'."""
    shown = dict(describe(EvaluationSettings(baselines=("random_forest", "ridge"))))
    assert shown["Baselines"] == "random forest (100 trees), ridge regression (alpha by internal CV)"
    assert "leakage-free" in shown["Protocols"]
    assert dict(describe(NetworkSettings()))["Device"] != "auto"
