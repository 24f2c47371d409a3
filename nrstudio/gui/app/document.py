"""The open project as the GUI sees it: project data, file path, undo stack, unsaved state."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.findings import ValidationReport
from nrstudio.core.data.validation import validate_dataset
from nrstudio.core.project.template import new_project
from nrstudio.core.project_model import Project


class ProjectDocument(QObject):
    """Signals: ``dataset_reset`` (structure changed), ``cells_updated(first, last)`` (values
    in existing rows), ``dirty_changed(bool)``, ``path_changed``, ``results_changed``."""

    dataset_reset = Signal()
    cells_updated = Signal(int, int)
    dirty_changed = Signal(bool)
    path_changed = Signal()
    results_changed = Signal()

    def __init__(self, project: Project | None = None, path: Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project or new_project()
        self.path = path
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(500)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._extra_dirty = False  # changes outside the undo stack (results, images, notes)
        self._report: ValidationReport | None = None
        # Counts the projects shown; a background job records it at start, so that a result
        # computed for an earlier project is recognised and dropped (gui/app/jobs.py).
        self.generation = 0

    def _clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(self._extra_dirty or not clean)

    @property
    def dataset(self) -> Dataset:
        return self.project.dataset

    @property
    def dirty(self) -> bool:
        return self._extra_dirty or not self.undo_stack.isClean()

    @property
    def title(self) -> str:
        return self.path.name if self.path else "Untitled"

    def validation(self) -> ValidationReport:
        """The validation report of the current data (cached until the next change)."""
        if self._report is None:
            self._report = validate_dataset(self.dataset)
        return self._report

    def load(self, project: Project, path: Path | None, dirty: bool = False) -> None:
        """Show another project in this document (New, Open, Import, Restore)."""
        self.generation += 1
        self.project = project
        self.path = path
        self._report = None
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._extra_dirty = dirty
        self.dataset_reset.emit()
        self.results_changed.emit()
        self.path_changed.emit()
        self.dirty_changed.emit(self.dirty)

    # ---- called by undo commands ---------------------------------------------------------
    def replace_dataset(self, dataset: Dataset) -> None:
        self.project.dataset = dataset
        self._report = None
        self.dataset_reset.emit()

    def cells_changed(self, first: int, last: int) -> None:
        self._report = None
        self.cells_updated.emit(first, last)

    # ---- other changes --------------------------------------------------------------------
    # ---- the final models, loaded once per training run ------------------------------------
    def _models_key(self) -> tuple:
        from nrstudio.core.modeling.final_models import NETWORK_MODEL, TABULAR_MODEL
        from nrstudio.core.project.sections import stored_document

        p = self.project
        return (p.models.get(NETWORK_MODEL), p.models.get(TABULAR_MODEL),
                stored_document(p, "evaluation"))

    def final_models(self):  # type: ignore[no-untyped-def]
        """The project's FinalModels (None without a trained model), shared by the pages and
        rebuilt only when the stored models or the evaluation change. DataError when a
        stored model is damaged."""
        from nrstudio.core.project.stored_models import load_final_models

        key = self._models_key()
        cached = getattr(self, "_models_cache", None)
        if cached is not None and all(a is b for a, b in zip(cached[0], key, strict=True)):
            return cached[1]
        models = load_final_models(self.project)
        self._models_cache = (key, models)
        return models

    def remember_final_models(self, models) -> None:  # type: ignore[no-untyped-def]
        """Models built in a worker for what is stored now: the pages need not load them
        again on the GUI thread."""
        self._models_cache = (self._models_key(), models)

    def mark_changed(self, results: bool = True) -> None:
        """A change that is not undoable (new results, models, images, notes). ``results``
        False: nothing the pages show changed (a record kept only for the report)."""
        was = self.dirty
        self._extra_dirty = True
        if not was:
            self.dirty_changed.emit(True)
        if results:
            self.results_changed.emit()

    def mark_saved(self, path: Path) -> None:
        self.path = path
        self._extra_dirty = False
        self.undo_stack.setClean()
        self.dirty_changed.emit(False)
        self.path_changed.emit()
