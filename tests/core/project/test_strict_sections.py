"""Every stored section is read strictly: a string is not a number, a boolean not a number
and the string "false" not a boolean; a negative spread is refused; the section is named."""

from __future__ import annotations

import copy

import pytest

from nrstudio.core.errors import DataError
from nrstudio.core.project.sections import SECTIONS
from nrstudio.core.strict_json import number_array

EVALUATION = {
    "metrics": {"protocol": ["honest"], "model": ["ridge"], "target": ["L"],
                "subset": ["original"], "metric": ["MAE"], "mean": [1.5], "std": [0.2],
                "n": [28], "aggregation": ["folds"]},
    "predictions": {"protocol": ["honest"], "model": ["ridge"], "target": ["L"], "fold": [0],
                    "sample": ["s1"], "origin": ["original"], "truth": [40.0],
                    "prediction": [41.0]},
    "epochs": {"honest": [31, 40]}, "notes": ["a note"],
}
VALIDATION = {"sample": ["v1"], "target": ["L"], "truth": [40.0], "prediction": [41.0],
              "std": [2.0], "out_of_domain": [False]}
LIME = {"points": ["s1"], "targets": ["L"], "features": ["a", "b"],
        "inputs": [[1.0, 2.0]], "weights": [[[0.1, 0.2]]], "weight_std": [[[0.0, 0.0]]],
        "fidelity": [[0.9]], "intercept": [[1.0]], "local_prediction": [[40.0]],
        "model_prediction": [[40.5]], "models": ["ridge"]}
IMAGE_MODEL = {"target": "L", "sample_ids": ["s1", "s2"], "truth": [1.0, 2.0],
               "predicted": [1.1, 2.1], "baseline": [1.5, 1.5], "metrics": {"MAE": 0.1},
               "baseline_metrics": {"MAE": 0.5}, "skipped": []}
DESIGN = {"design": {"kind": "design", "wants": ["L = 60 ± 5"], "made": "2026-12-04",
                     "notes": [], "columns": ["a", "L"], "rows": [["1.5", "60"]]},
          "suggest": None}
DESIGN_FORM = {"wants": {"L": [True, "60", "5"]},
               "inputs": {"a": ["free", "1.5", "1", "2", ""]}}
GOOD = {"evaluation": EVALUATION, "validation_predictions": VALIDATION,
        "lime_weights": LIME, "image_model": IMAGE_MODEL, "design": DESIGN,
        "design_form": DESIGN_FORM}


@pytest.mark.parametrize("key", list(GOOD))
def test_the_well_formed_section_reads(key):
    assert SECTIONS[key].load(copy.deepcopy(GOOD[key])) is not None


def _spoil(doc, path, value):
    doc = copy.deepcopy(doc)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize("key,path,value,match", [
    ("evaluation", ("metrics", "mean", 0), "1.5", "column 'mean', row 1"),
    ("evaluation", ("metrics", "mean", 0), True, "not a number"),
    ("evaluation", ("metrics", "std", 0), -0.2, "out of range"),
    ("evaluation", ("metrics", "n", 0), 28.5, "not whole"),
    ("evaluation", ("predictions", "truth", 0), "nan", "not a number"),
    ("evaluation", ("predictions", "fold", 0), "0", "not a number"),
    ("evaluation", ("metrics", "model", 0), 3, "not text"),
    ("evaluation", ("epochs", "honest", 0), "31", "epochs of 'honest'"),
    ("validation_predictions", ("out_of_domain", 0), "false", "not true or false"),
    ("validation_predictions", ("prediction", 0), "1e999", "not a number"),
    ("validation_predictions", ("std", 0), -1.0, "out of range"),
    ("lime_weights", ("fidelity", 0, 0), "0.9", "fidelity"),
    ("lime_weights", ("weights",), [[[0.1]], [[0.2, 0.3]]], "weights"),
    ("lime_weights", ("weight_std", 0, 0, 0), -0.5, "negative spread"),
    ("lime_weights", ("points", 0), 7, "not text"),
    ("image_model", ("truth", 0), "1.0", "not a number"),
    ("image_model", ("metrics", "MAE"), "0.1", "not a number"),
    ("design", ("design", "rows", 0, 0), 1.5, "not text"),
    ("design", ("design", "made"), 20261204, "not a date"),
    ("design_form", ("wants", "L", 0), "true", "ticked"),
    ("design_form", ("inputs", "a", 0), "loose", "free|fixed"),
    ("design_form", ("inputs", "a", 2), 1.0, "free|fixed"),
])
def test_a_wrongly_typed_value_is_refused_naming_the_section(key, path, value, match):
    with pytest.raises(DataError, match=match) as exc:
        SECTIONS[key].load(_spoil(GOOD[key], path, value))
    assert f"section '{key}'" in str(exc.value)


def test_number_arrays_keep_their_shape_and_read_none_as_missing():
    arr = number_array([[1, None], [2.5, 3]], "x")
    assert arr.shape == (2, 2) and arr[0, 1] != arr[0, 1]
    with pytest.raises(DataError, match="regular"):
        number_array([[1, 2], [3]], "x")
