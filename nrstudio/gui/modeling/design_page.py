"""The Design page: conditions for a wanted size (inverse design) and the next experiments
to run, with the probability of success, the intervals, the domain flag and a reason for
each; a candidate becomes a planned experiment in one (undoable) click."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.data.dataset import Dataset, parse_typed_number
from nrstudio.core.data.editing import add_planned_experiments
from nrstudio.core.data.table_io import import_table
from nrstudio.core.data.training_rows import choose_inputs
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.design import (
    DesignResult,
    DesignSettings,
    DesignSpace,
    Want,
    design_conditions,
)
from nrstudio.core.modeling.design_form import DesignForm
from nrstudio.core.modeling.design_record import (
    candidate_table,
    honesty_notes,
    stored_rows,
)
from nrstudio.core.modeling.final_models import FinalModels
from nrstudio.core.modeling.suggest import (
    Optimise,
    SuggestResult,
    SuggestSettings,
    candidate_list,
    suggest_experiments,
)
from nrstudio.core.project.design_history import keep_record, record_round
from nrstudio.core.project.sections import read_section, write_section
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.file_types import TABLE_FILTER
from nrstudio.gui.app.jobs import JobContext, JobRunner
from nrstudio.gui.app.settings_form import SettingsForm
from nrstudio.gui.app.undo import SnapshotCommand
from nrstudio.gui.app.when_shown import WhenShown
from nrstudio.gui.app.widgets import disable_while_busy, scroll_column
from nrstudio.gui.modeling.design_inputs import InputRow, WantRow, fill_form, form_of
from nrstudio.gui.modeling.design_views import CampaignView, ProposalsView


class DesignPage(QWidget):
    def __init__(self, doc: ProjectDocument, jobs: JobRunner, seed: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.jobs = doc, jobs
        self.models: FinalModels | None = None
        self.want_rows: dict[str, WantRow] = {}
        self.input_rows: list[InputRow] = []
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.wants_box = QGroupBox("Wanted (value ± tolerance, or as high or low as possible)")
        self.wants_grid = QGridLayout(self.wants_box)
        self.inputs_box = QGroupBox("Conditions (fixed, or free within bounds and steps)")
        self.inputs_grid = QGridLayout(self.inputs_box)
        self.design_form = SettingsForm(DesignSettings, ("top", "seed"), DesignSettings(seed=seed))
        self.suggest_form = SettingsForm(SuggestSettings, ("n", "mode"), SuggestSettings())
        self.design_button = QPushButton("Find conditions")
        self.design_button.clicked.connect(self.run_design)
        self.suggest_button = QPushButton("Suggest next experiments")
        self.suggest_button.clicked.connect(lambda: self.run_suggest())
        self.pool_button = QPushButton("Choose from a list of syntheses…")
        self.pool_button.setToolTip("Suggest among the candidate syntheses of a table (a column "
                                    "per input), instead of searching the ranges")
        self.pool_button.clicked.connect(lambda: self.suggest_from_list())
        scroll = scroll_column(self.info, self.wants_box, self.inputs_box, self.design_form,
                               self.design_button, self.suggest_form, self.suggest_button,
                               self.pool_button)

        self.proposals = ProposalsView()
        self.proposals.add_button.clicked.connect(self.add_selected)
        # The proposals' widgets, as the page's own (tests and the walkthrough use them).
        self.honesty, self.limit = self.proposals.honesty, self.proposals.limit
        self.table, self.add_button = self.proposals.table, self.proposals.add_button
        self.plot_x, self.plot_y = self.proposals.plot_x, self.proposals.plot_y
        self.campaign = CampaignView()
        self.campaign_note, self.campaign_table = self.campaign.note, self.campaign.table
        self.right_tabs = QTabWidget()
        self.right_tabs.addTab(self.proposals, "Proposals")
        self.right_tabs.addTab(self.campaign, "Campaign")
        right = self.right_tabs
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setSizes([500, 870])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        disable_while_busy(jobs, self.design_button, self.suggest_button, self.pool_button)
        # Rebuilt when seen: the form of a wide table is a few hundred widgets, and building
        # it the moment training ends kept the window waiting. The first build is at once.
        self._built = False
        self.form_building = WhenShown(self, self._build_form)
        doc.results_changed.connect(self.reload)
        doc.dataset_reset.connect(self.show_campaign)
        doc.cells_updated.connect(lambda _r, _c: self.show_campaign())
        # What the proposals table holds: "design" or "suggest", and what was wanted for it
        # (None for proposals read back from the project: the form, restored with them).
        self._shown_kind = ""
        self._shown_wants: list[Want | Optimise] | None = None
        self._build_form()
        self.show_campaign()

    # ---- the form --------------------------------------------------------------------------
    def reload(self) -> None:
        self.form_building.request()

    def _build_form(self) -> None:
        damaged = ""
        try:
            models = self.doc.final_models()  # the same object while the models are the same
        except DataError as exc:
            models, damaged = None, str(exc)
        if models is self.models and self._built and not damaged:
            return
        self._built = True
        self.models = models
        for grid in (self.wants_grid, self.inputs_grid):
            while grid.count():
                item = grid.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
        self.want_rows, self.input_rows = {}, []
        self._show_rows([], "")
        enabled = self.models is not None
        for w in (self.design_button, self.suggest_button, self.wants_box, self.inputs_box):
            w.setEnabled(enabled)
        if self.models is None:
            self.info.setText(f"The stored models cannot be used: {damaged}" if damaged else
                              "No trained model yet: train one on the Train page.")
            return
        m = self.models
        self.info.setText("Give the sizes you want, fix what you already have, and find "
                          "conditions; or ask for the next experiments. Each target uses "
                          "its model from the Predict page.")
        for k, target in enumerate(m.targets):
            row = WantRow(target, on_asked=self._on_target_asked)
            row.use.setChecked(k == 0)
            for c, w in enumerate((row.use, row.value, row.tolerance, row.aim)):
                self.wants_grid.addWidget(w, k, c)
            self.want_rows[target] = row
        for c, head in enumerate(("input", "", "fixed value", "low / levels", "high", "step")):
            self.inputs_grid.addWidget(QLabel(f"<small>{head}</small>"), 0, c)
        for j, name in enumerate(m.inputs):
            r = InputRow(m, j)
            self.input_rows.append(r)
            for c, w in enumerate((QLabel(name), r.mode, r.value, r.low, r.high, r.step)):
                self.inputs_grid.addWidget(w, j + 1, c)
        for box in (self.plot_x, self.plot_y):
            box.blockSignals(True)
            box.clear()
            box.addItems([n for n in m.inputs if n not in m.space.levels] or m.inputs)
            box.blockSignals(False)
        if self.plot_y.count() > 1:
            self.plot_y.setCurrentIndex(1)
        self._show_honesty()
        self._restore_form()
        self._restore_rows()

    def _on_target_asked(self, asked: WantRow) -> None:
        """The user asked for ``asked``: a target ticked only by default (never touched, its
        window empty) is unticked, so that it does not stop the request with "give the
        wanted value"."""
        for row in self.want_rows.values():
            if row is not asked and row.use.isChecked() and not row.touched and row.is_empty:
                row.use.setChecked(False)

    def _show_honesty(self) -> None:
        if self.models is None:
            return
        mae, beats = self.models.errors()
        parts = []
        for t in self.models.targets:
            text = f"{t}: leakage-free MAE {mae[t]:.3g}" if math.isfinite(mae[t]) else \
                f"{t}: no leakage-free error"
            if not beats[t]:
                text += (" — <b style='color:#b00020'>its model does not beat predicting the "
                         "mean</b>: designs for it are guesses")
            parts.append(text)
        self.honesty.setText("<br>".join(parts))

    def wants(self) -> list[Want]:
        """The ticked windows (value ± tolerance)."""
        asked = [row.want() for row in self.want_rows.values()]
        return [w for w in asked if isinstance(w, Want)]

    def optimise(self) -> Optimise | None:
        """The ticked target to push as high or as low as possible; DataError for two."""
        asked = [w for w in (row.want() for row in self.want_rows.values())
                 if isinstance(w, Optimise)]
        if len(asked) > 1:
            raise DataError("only one target can be as high or as low as possible; give the "
                            "others a window (value ± tolerance)")
        return asked[0] if asked else None

    def set_want(self, target: str, value: float, tolerance: float) -> None:
        row = self.want_rows[target]
        row.use.setChecked(True)
        row.touched = True
        row.set_aim("window")
        row.value.setText(f"{value:g}")
        row.tolerance.setText(f"{tolerance:g}")

    def design_space(self) -> DesignSpace:
        space = DesignSpace()
        for r in self.input_rows:
            r.apply(space)
        return space

    def input_row(self, name: str) -> InputRow:
        return next(r for r in self.input_rows if r.name == name)

    # ---- running ---------------------------------------------------------------------------
    def run_design(self) -> bool:
        models = self.models
        if models is None:
            return False
        try:
            wants, space = self.wants(), self.design_space()
            settings = DesignSettings(**self.design_form.values())
            optimise = self.optimise()
            if not wants and optimise is None:
                raise DataError("tick at least one wanted size and give its value")
        except DataError as exc:
            QMessageBox.warning(self, "Cannot design", str(exc))
            return False

        self._asked: list[Want | Optimise] = [*wants, *([optimise] if optimise else [])]
        self.keep_form()

        def work(ctx: JobContext) -> DesignResult:
            return design_conditions(models, wants, space, settings, ctx.progress, ctx.cancelled,
                                     optimise)

        return self.jobs.start("Design", work, self._designed, settings=settings)

    def _designed(self, result: DesignResult, _settings: DesignSettings) -> None:
        self.result = result
        self._shown_kind, self._shown_wants = "design", list(self._asked)
        self._show_rows(result.candidates, result.limit)
        self._keep("design", self._asked, result.candidates,
                   ([result.limit] if result.limit else []) + honesty_notes(result))

    def suggest_from_list(self, path: str | None = None) -> bool:
        """Suggest among the syntheses listed in a table file (asked for when not given)."""
        if self.models is None:
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Candidate syntheses", "",
                                                  TABLE_FILTER)
            if not path:
                return False
        return self.run_suggest(Path(path))

    def run_suggest(self, pool_file: Path | None = None) -> bool:
        """Suggest next experiments in the ranges, or among the syntheses listed in
        ``pool_file`` (read with the suggestions, off the GUI thread)."""
        models = self.models
        if models is None:
            return False
        try:
            settings = SuggestSettings(**self.suggest_form.values())
            if settings.mode == "reach" and not any(r.asks() for r in self.want_rows.values()):
                raise DataError("Nothing is wanted yet: give a ticked target a value and a "
                                "tolerance (Wanted, at the top), or choose Mode: learn the "
                                "most, for the experiments the models would learn most from.")
            wants = self.wants() if settings.mode == "reach" else []
            optimise = self.optimise() if settings.mode == "reach" else None
            space = self.design_space()
        except DataError as exc:
            QMessageBox.warning(self, "Cannot suggest", str(exc))
            return False
        dataset = self.doc.dataset.copy()
        self._asked = [*wants, *([optimise] if optimise else [])]
        self.keep_form()

        def work(ctx: JobContext) -> SuggestResult:
            listed = None
            if pool_file is not None:
                try:
                    listed = candidate_list(models, import_table(pool_file),
                                            choose_inputs(dataset).restated)
                except OSError as exc:
                    raise DataError(f"{pool_file.name}: {exc}") from None
            result = suggest_experiments(models, wants, space, settings, dataset,
                                         pool=listed.conditions if listed else None,
                                         optimise=optimise, progress=ctx.progress,
                                         cancel=ctx.cancelled)
            if listed is not None and pool_file is not None:
                for s in result.suggestions:
                    s.reason = f"row {listed.list_row(s) + 1} of {pool_file.name}; {s.reason}"
                result.notes[:0] = listed.skipped
            return result

        return self.jobs.start("Next experiments", work, self._suggested, settings=settings)

    def _suggested(self, result: SuggestResult, _settings: SuggestSettings) -> None:
        self.result = result
        self._shown_kind, self._shown_wants = "suggest", list(self._asked)
        note = "; ".join(result.notes)
        if result.n_pending:
            note = (f"{result.n_pending} planned rows count as pending and are not suggested "
                    "again. " + note)
        self._show_rows(result.suggestions, note, red=False)
        self._keep("suggest", self._asked, result.suggestions, [*result.notes, *honesty_notes(result)])

    def form(self) -> DesignForm:
        """The form as typed, for the project (:mod:`nrstudio.core.modeling.design_form`)."""
        return form_of(self.want_rows, self.input_rows)

    def keep_form(self) -> None:
        write_section(self.doc.project, "design_form", self.form())
        self.doc.mark_changed(results=False)

    def _restore_form(self) -> None:
        """Fill the form from the project; a damaged stored form is left out and the form
        keeps its defaults."""
        try:
            stored = read_section(self.doc.project, "design_form")
        except DataError:
            stored = None
        if stored is not None:
            fill_form(self.want_rows, self.input_rows, stored)

    def _restore_rows(self) -> None:
        """Show the newest stored design or suggestions again (read back from their cells)."""
        try:
            records = read_section(self.doc.project, "design")
        except DataError:
            records = None
        kept = [r for r in (records.design, records.suggest) if r is not None] if records else []
        # Stored to the second: on a tie, suggestions (usually asked after the design) count
        # as the newer.
        newest = max(kept, key=lambda r: (r.made, r.kind == "suggest"), default=None)
        if newest is None or self.models is None:
            return
        rows = stored_rows(self.models, newest)
        if rows:
            self._shown_kind, self._shown_wants = newest.kind, None
            made = newest.made[:16].replace("T", " ")
            self._show_rows(rows, f"<span style='color:#555'>{newest.kind} of {made}, as "
                                  "stored in the project</span>", red=False)

    def _keep(self, kind: str, wants: list[Want | Optimise], rows: list,
              notes: list[str]) -> None:
        """The newest design and suggestions go into the project, for its report."""
        models = self.models
        if models is None:
            return
        keep_record(self.doc.project, kind, wants, candidate_table(models, rows), notes)
        self.doc.mark_changed(results=False)

    # ---- results ---------------------------------------------------------------------------
    def _show_rows(self, rows: list, limit: str, red: bool = True) -> None:
        self.proposals.show_rows(self.models, rows, limit, red)

    @property
    def rows(self) -> list:
        """The candidates or suggestions shown."""
        return self.proposals.rows

    def add_selected(self) -> bool:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        m = self.models
        if not rows or m is None:
            return False
        space = m.space
        names = {c.name for c in self.doc.dataset.columns}
        conditions = [{name: space.level_text(name, v) if name in space.levels else float(v)
                       for name, v in zip(m.inputs, self.rows[i].conditions, strict=True)
                       if name in names} for i in rows]

        steps = {r.name: float(step) for r in self.input_rows
                 if (step := parse_typed_number(r.step.text())) is not None and step > 0}

        added: list[str] = []

        def add(ds: Dataset) -> None:
            added[:] = add_planned_experiments(ds, conditions, steps)

        try:
            self.doc.undo_stack.push(SnapshotCommand(
                self.doc, f"Add {len(conditions)} planned experiment(s)", add))
        except (DataError, ValueError) as exc:
            QMessageBox.warning(self, "Not added", str(exc))
            return False
        self._record_round(added)
        return True

    # ---- the campaign ----------------------------------------------------------------------
    def _record_round(self, samples: list[str]) -> None:
        """The rows just planned become a round of the project's campaign, with what was
        wanted when they were proposed (the form's wants for proposals read back from the
        project)."""
        asked = self._shown_wants
        if asked is None:
            try:
                optimise = self.optimise()
                asked = [*self.wants(), *([optimise] if optimise else [])]
            except DataError:
                asked = []
        record_round(self.doc.project, self._shown_kind or "design", list(asked), samples)
        self.doc.mark_changed(results=False)
        self.show_campaign()

    def show_campaign(self) -> None:
        """Every round of the campaign against the table's current values."""
        rounds = self.campaign.show_rounds(self.doc.project, self.doc.dataset)
        self.right_tabs.setTabText(1, f"Campaign ({rounds})" if rounds else "Campaign")
