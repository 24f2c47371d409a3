"""Typed, versioned project sections: validated at load, only known fields kept, older
versions migrated (on fixture files saved before sections were versioned)."""

import json

import pytest
from helpers.paths import REPO
from helpers.projects import rewrite

from nrstudio.core.errors import ProjectFileError
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.project.attachments import measurement_of
from nrstudio.core.project.file_format import load_project, save_project
from nrstudio.core.project.sections import SECTIONS, read_section, write_section

FIXTURE = REPO / "tests" / "fixtures" / "project-v1-unversioned-sections.nrproj"


def test_unversioned_sections_load_as_version_1_with_known_fields_only():
    project = load_project(FIXTURE)
    aug = read_section(project, "augment")
    assert aug == SmoteRegSettings(per_subset=3, seed=4)
    assert "an_old_option" not in project.settings["augment"]
    assert project.settings["augment"]["version"] == 1
    assert read_section(project, "lime") == LimeSettings(num_samples=300, repeats=2)
    val = read_section(project, "validation_predictions")
    assert list(val.prediction) == [41.5]
    # Another program's key is kept as it is, and not used.
    assert project.results["from_another_tool"] == {"anything": [1, 2]}


def test_measurement_without_method_is_migrated_to_the_current_version():
    project = load_project(FIXTURE)
    stored = project.images[0].meta["measurement"]
    assert stored["version"] == 3 and stored["method"] == "outline"
    # Version 2 -> 3: no rod was corrected by hand; the method's verdict is kept.
    assert stored["rods"]["by_hand"] == [False] * len(stored["rods"]["id"])
    assert stored["rods"]["auto_accepted"] == stored["rods"]["accepted"]
    m = measurement_of(project.images[0])
    assert m is not None and m.method == "outline" and len(m.accepted()) == 1
    assert not any(r.by_hand for r in m.rods)


def test_saved_sections_read_back_the_same(tmp_path):
    project = load_project(FIXTURE)
    write_section(project, "augment", SmoteRegSettings(minority=3, neighbors=2))
    save_project(project, tmp_path / "p.nrproj")
    again = load_project(tmp_path / "p.nrproj")
    assert read_section(again, "augment") == SmoteRegSettings(minority=3, neighbors=2)
    assert again.settings == project.settings


def _tamper_settings(tmp_path, change):
    bad = tmp_path / "bad.nrproj"

    def edit(members):
        doc = json.loads(members["project.json"])
        change(doc)
        members["project.json"] = json.dumps(doc).encode()

    rewrite(FIXTURE, bad, edit)
    return bad


@pytest.mark.parametrize("change,msg", [
    (lambda d: d["settings"]["augment"].update(minority="two"),
     "section 'augment': augment.minority: expected a whole number"),
    (lambda d: d["settings"]["augment"].update(neighbors=10_000),
     "neighbours k must be between 1 and 49"),
    (lambda d: d["settings"]["lime"].update(version=7), "written by a newer NR Studio"),
    (lambda d: d["settings"]["lime"].update(version="1"), "invalid version"),
    (lambda d: d["images"][0]["meta"]["measurement"]["rods"].pop("row"),
     "image 's1.png': section 'measurement'"),
    (lambda d: d["settings"]["external_image_model"].update(channels=2),
     "section 'external_image_model': the model input must have 1 or 3 channels"),
    (lambda d: d["settings"]["external_image_model"].update(input_size=[1, 2, 3]),
     "section 'external_image_model': input_size must be two numbers"),
    (lambda d: d["settings"].update(model_choice=["ridge"]), "section 'model_choice'"),
])
def test_damaged_sections_are_refused_naming_the_section(tmp_path, change, msg):
    with pytest.raises(ProjectFileError, match=msg):
        load_project(_tamper_settings(tmp_path, change))


def test_every_section_has_an_owner_class_and_a_version():
    import importlib

    for section in SECTIONS.values():
        module, _, name = section.owner.rpartition(".")
        assert isinstance(getattr(importlib.import_module(module), name), type), section.owner
        assert section.version >= 1
        assert all(v in section.migrations for v in range(1, section.version))


def test_bare_model_picks_and_own_model_declarations_become_sections():
    # The fixture holds both as the app wrote them before they were sections.
    from nrstudio.core.image_models.own_models import ExternalModelSpec
    from nrstudio.core.modeling.model_choice import ModelPicks

    project = load_project(FIXTURE)
    # version 1 -> 2 puts the bare mapping under "picks"; an unknown model is dropped
    assert read_section(project, "model_choice") == ModelPicks({"Average Length (nm)": "ridge"})
    assert project.settings["model_choice"]["version"] == 2
    spec = read_section(project, "external_image_model")
    assert spec == ExternalModelSpec("/home/lab/models/rods.onnx", input_size=(128, 96),
                                     channels=1, mean=(0.4,), std=(0.2,))
    assert project.settings["external_image_model"]["version"] == 1
