"""The trained tile CNN in a project: its weights as the model ``image-cnn`` and its
leave-samples-out evaluation as the ``image_model`` section. Imports torch (through the
tile CNN): import it only when an image model is trained or used."""

from __future__ import annotations

from nrstudio.core.image_models.tile_cnn import IMAGE_MODEL, ImageModelResult, ImageRegressor
from nrstudio.core.project.sections import SECTIONS, write_section
from nrstudio.core.project_model import Project


def store_image_model(project: Project, result: ImageModelResult) -> None:
    project.models[IMAGE_MODEL] = result.regressor.to_stored({"evaluation": result.to_json()})
    write_section(project, "image_model", SECTIONS["image_model"].read(result.to_json()))


def stored_image_model(project: Project) -> ImageRegressor | None:
    stored = project.models.get(IMAGE_MODEL)
    return ImageRegressor.from_stored(stored) if stored is not None else None
