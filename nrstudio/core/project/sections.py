"""Typed, versioned sections of a project: every settings group and every stored result has
one owner, one dataclass and one version (listed in docs/project-format.md).

A section is stored as a JSON object under its key in ``project.settings`` or
``project.results`` (a rod measurement: in its image's ``meta``), with a ``"version"`` entry.
Reading validates it through its dataclass, keeps only known fields, and first converts an
older version with the section's migrations; an object without ``"version"`` was written
before sections were versioned and is version 1. Pages, the pipeline and the command line
go through :func:`read_section` and :func:`write_section`, never through raw keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nrstudio.core.errors import DataError
from nrstudio.core.project_model import AttachedImage, Project
from nrstudio.core.strict_json import column_frame, number, number_array, texts

Migration = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """One kind of stored document. ``read`` turns the stored dict (without "version") into
    the typed object and raises DataError when it is damaged; ``write`` is its inverse."""

    key: str
    place: str  # "settings", "results" or "image" (an attached image's meta)
    version: int
    owner: str  # the class ``read`` returns, as "module.Class"
    read: Callable[[dict[str, Any]], Any]
    write: Callable[[Any], dict[str, Any]]
    migrations: dict[int, Migration] = field(default_factory=dict)

    def load(self, stored: object) -> Any:
        """Typed object from a stored JSON object; DataError naming the section."""
        if not isinstance(stored, dict):
            raise DataError(f"section '{self.key}' is not an object")
        doc = dict(stored)
        version = doc.pop("version", 1)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise DataError(f"section '{self.key}' has an invalid version {version!r}")
        if version > self.version:
            raise DataError(f"section '{self.key}' was written by a newer NR Studio (version "
                            f"{version}; this one reads up to {self.version})")
        for v in range(version, self.version):
            doc = self.migrations[v](doc)
        try:
            return self.read(doc)
        except DataError as exc:
            raise DataError(f"section '{self.key}': {exc}") from None
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise DataError(f"section '{self.key}' is damaged ({type(exc).__name__}: "
                            f"{str(exc)[:80]})") from None

    def dump(self, obj: Any) -> dict[str, Any]:
        return {"version": self.version, **self.write(obj)}


# ---- the sections' readers ------------------------------------------------------------------
def _settings(cls_path: str, key: str) -> tuple[Callable[[dict[str, Any]], Any],
                                              Callable[[Any], dict]]:
    from nrstudio.core.settings import settings_from_dict, settings_to_dict

    def cls() -> type:
        module, name = cls_path.rsplit(".", 1)
        return getattr(__import__(module, fromlist=[name]), name)

    return (lambda doc: settings_from_dict(cls(), doc, key),
            settings_to_dict)


VALIDATION_COLUMNS = ("sample", "target", "truth", "prediction", "std", "out_of_domain")


def _read_validation(doc: dict[str, Any]) -> pd.DataFrame:
    """Predictions of validation experiments: equal-length columns of VALIDATION_COLUMNS."""
    if not doc:
        return pd.DataFrame(columns=list(VALIDATION_COLUMNS))
    frame = column_frame(doc, "validation predictions", text=("sample", "target"),
                         numbers=("truth", "prediction", "std"), booleans=("out_of_domain",),
                         nonnegative=("std",))
    return frame[list(VALIDATION_COLUMNS)]


def _write_validation(frame: pd.DataFrame) -> dict[str, Any]:
    return {c: frame[c].tolist() for c in frame.columns}


@dataclass
class ImageModelEvaluation:
    """The stored leave-samples-out evaluation of the tile CNN (its weights are a model)."""

    target: str
    sample_ids: list[str]
    truth: np.ndarray  # (n,)
    predicted: np.ndarray  # (n,)
    baseline: np.ndarray  # (n,)
    metrics: dict[str, float]
    baseline_metrics: dict[str, float]
    skipped: list[str]


def _read_image_evaluation(doc: dict[str, Any]) -> ImageModelEvaluation:
    ids = texts(doc["sample_ids"], "sample_ids")
    arrays = [number_array(doc[k], k) for k in ("truth", "predicted", "baseline")]
    if any(a.shape != (len(ids),) for a in arrays):
        raise DataError("per-sample values do not match the samples")

    def scores(key: str) -> dict[str, float]:
        if not isinstance(doc[key], dict):
            raise DataError(f"{key} is not an object")
        return {str(k): number(v, f"{key} '{k}'", allow_none=True)
                for k, v in doc[key].items()}

    truth, predicted, baseline = arrays
    return ImageModelEvaluation(texts([doc["target"]], "target")[0], ids, truth, predicted,
                                baseline,
                                scores("metrics"), scores("baseline_metrics"),
                                texts(doc.get("skipped", []), "skipped"))


def _write_image_evaluation(e: ImageModelEvaluation) -> dict[str, Any]:
    return {"target": e.target, "sample_ids": e.sample_ids, "truth": e.truth.tolist(),
            "predicted": e.predicted.tolist(), "baseline": e.baseline.tolist(),
            "metrics": e.metrics, "baseline_metrics": e.baseline_metrics, "skipped": e.skipped}


def _read_evaluation(doc: dict[str, Any]) -> Any:
    from nrstudio.core.modeling.evaluation import EvaluationResult

    return EvaluationResult.from_json(doc)


def _write_evaluation(result: Any) -> dict[str, Any]:
    return result.to_json(compact=True)


def _read_lime(doc: dict[str, Any]) -> Any:
    from nrstudio.core.modeling.explanations import Explanations

    return Explanations.from_json(doc)


def _read_design(doc: dict[str, Any]) -> Any:
    from nrstudio.core.modeling.design_record import DesignRecords

    return DesignRecords.from_json(doc)


def _read_campaign(doc: dict[str, Any]) -> Any:
    from nrstudio.core.modeling.campaign import Campaign

    return Campaign.from_json(doc)


def _read_design_form(doc: dict[str, Any]) -> Any:
    from nrstudio.core.modeling.design_form import DesignForm

    return DesignForm.from_json(doc)


def _read_measurement(doc: dict[str, Any]) -> Any:
    from nrstudio.core.micrographs.rod_model import RodMeasurement

    return RodMeasurement.from_json(doc)


def _measurement_v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    # Measurements made before centre-line tracing existed carry no method: outlines.
    return {**doc, "method": doc.get("method", "outline")}


def _measurement_v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
    # Before hand corrections every rod is the method's own verdict.
    rods = dict(doc.get("rods") or {})
    n = len(rods.get("id", []))
    rods["by_hand"] = [False] * n
    rods["auto_accepted"] = list(rods.get("accepted", [None] * n))
    return {**doc, "rods": rods}


def _read_picks(doc: dict[str, Any]) -> Any:
    from nrstudio.core.modeling.model_choice import ModelPicks

    return ModelPicks.from_json(doc)


def _picks_v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    # Version 1 was the bare mapping target -> model.
    return {"picks": dict(doc)}


def _read_external_model(doc: dict[str, Any]) -> Any:
    from nrstudio.core.image_models.own_models import ExternalModelSpec

    return ExternalModelSpec.from_json(doc)


_run = _settings("nrstudio.core.modeling.run_settings.RunSettings", "run")
_augment = _settings("nrstudio.core.modeling.augment.SmoteRegSettings", "augment")
_lime = _settings("nrstudio.core.modeling.explain.LimeSettings", "lime")

SECTIONS: dict[str, Section] = {s.key: s for s in (
    Section("augment", "settings", 1, "nrstudio.core.modeling.augment.SmoteRegSettings", *_augment),
    Section("run", "settings", 1, "nrstudio.core.modeling.run_settings.RunSettings", *_run),
    Section("lime", "settings", 1, "nrstudio.core.modeling.explain.LimeSettings", *_lime),
    Section("evaluation", "results", 1, "nrstudio.core.modeling.evaluation.EvaluationResult",
            _read_evaluation, _write_evaluation),
    Section("validation_predictions", "results", 1, "pandas.DataFrame",
            _read_validation, _write_validation),
    Section("lime_weights", "results", 1, "nrstudio.core.modeling.explanations.Explanations",
            _read_lime, lambda e: e.to_json()),
    Section("image_model", "results", 1, "nrstudio.core.project.sections.ImageModelEvaluation",
            _read_image_evaluation, _write_image_evaluation),
    Section("design", "results", 1, "nrstudio.core.modeling.design_record.DesignRecords",
            _read_design, lambda d: d.to_json()),
    Section("campaign", "results", 1, "nrstudio.core.modeling.campaign.Campaign",
            _read_campaign, lambda c: c.to_json()),
    Section("design_form", "settings", 1, "nrstudio.core.modeling.design_form.DesignForm",
            _read_design_form, lambda d: d.to_json()),
    Section("model_choice", "settings", 2, "nrstudio.core.modeling.model_choice.ModelPicks",
            _read_picks, lambda m: m.to_json(), {1: _picks_v1_to_v2}),
    Section("external_image_model", "settings", 1,
            "nrstudio.core.image_models.own_models.ExternalModelSpec", _read_external_model,
            lambda s: s.to_json()),
    Section("measurement", "image", 3, "nrstudio.core.micrographs.rod_model.RodMeasurement",
            _read_measurement, lambda m: m.to_json(),
            {1: _measurement_v1_to_v2, 2: _measurement_v2_to_v3}),
)}
# Stored keys where they differ from the section's name (results/"lime" holds the weights).
_STORED_KEY = {"lime_weights": "lime"}


def _place(project: Project, section: Section) -> dict[str, Any]:
    return project.settings if section.place == "settings" else project.results


def _project_level(key: str) -> Section:
    section = SECTIONS[key]
    if section.place == "image":
        # An image's section lives in that image's meta, not in the project's settings or
        # results: reading it here would silently find nothing.
        raise ValueError(f"section '{key}' belongs to an image; use read_image_section")
    return section


def read_section(project: Project, key: str) -> Any:
    """The typed object of a settings or results section, or None when it is absent."""
    stored = stored_document(project, key)
    return None if stored is None else SECTIONS[key].load(stored)


def stored_document(project: Project, key: str) -> object | None:
    """The stored form of a project section, as it is, or None: a page compares it by
    identity to tell whether the section changed since it last read it (read it with
    :func:`read_section`)."""
    return _place(project, _project_level(key)).get(_STORED_KEY.get(key, key))


def write_section(project: Project, key: str, obj: Any) -> None:
    """Store ``obj`` as section ``key`` (None removes it)."""
    write_stored(project, key, None if obj is None else _project_level(key).dump(obj))


def write_stored(project: Project, key: str, stored: dict[str, Any] | None) -> None:
    """Store an already converted section (``SECTIONS[key].dump(obj)``, made in a worker
    thread so that the GUI thread only assigns it); None removes the section."""
    place, name = _place(project, _project_level(key)), _STORED_KEY.get(key, key)
    if stored is None:
        place.pop(name, None)
    else:
        place[name] = stored


def _image_level(key: str) -> Section:
    section = SECTIONS[key]
    if section.place != "image":
        raise ValueError(f"section '{key}' belongs to the project; use read_section")
    return section


def read_image_section(image: AttachedImage, key: str) -> Any:
    """The typed object of an attached image's section (``measurement``), or None when it is
    absent; DataError when it is damaged."""
    section = _image_level(key)
    stored = image.meta.get(key)
    return None if stored is None else section.load(stored)


def write_image_section(image: AttachedImage, key: str, obj: Any) -> None:
    """Store ``obj`` as the image's section ``key``, with its version (None removes it)."""
    section = _image_level(key)
    if obj is None:
        image.meta.pop(key, None)
    else:
        image.meta[key] = section.dump(obj)


def check_sections(project: Project) -> None:
    """Validate every known section of a freshly loaded project and store it in its current
    version with only known fields. Unknown keys (another program's, or a newer NR Studio's
    additions) are kept as they are and not used. DataError names the first bad section."""
    for key, section in SECTIONS.items():
        if section.place == "image":
            for image in project.images:
                stored = image.meta.get(key)
                if stored is not None:
                    where = f"image '{image.filename}'"
                    try:
                        image.meta[key] = section.dump(section.load(stored))
                    except DataError as exc:
                        raise DataError(f"{where}: {exc}") from None
            continue
        place, name = _place(project, section), _STORED_KEY.get(key, key)
        if name in place and place[name] is not None:
            place[name] = section.dump(section.load(place[name]))
