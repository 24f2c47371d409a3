"""The GUI on a chemist's own table: find and replace, merging a second file, text
conditions in the Predict form, flagged explanations."""

import numpy as np
import pytest

pytest.importorskip("PySide6", reason="GUI tests need PySide6")
from helpers.gui import Dialogs, make_window, wheel
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QMessageBox

from nrstudio.core.data.synthetic_tables import ID_HEADER, TARGETS, make_synthesis_table
from nrstudio.core.data.table_io import dataset_from_raw, read_csv_bytes
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.pipeline import run_pipeline
from nrstudio.core.modeling.run_settings import EvaluationSettings, RunSettings
from nrstudio.core.project.file_format import save_project
from nrstudio.core.project.run_results import store_in_project
from nrstudio.core.project.sections import read_section
from nrstudio.core.project_model import Project

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    return Dialogs(monkeypatch, answer=QMessageBox.StandardButton.Discard)


@pytest.fixture(scope="module")
def table():
    return make_synthesis_table(50, n_numeric=5, n_categories=2, seed=21, split_outcomes=True)


@pytest.fixture
def conditions_project(tmp_path, table):
    path = tmp_path / "own.nrproj"
    ds = dataset_from_raw(read_csv_bytes(table.csv()))
    save_project(Project(dataset=ds), path)
    return path


@pytest.fixture(scope="module")
def trained_own(tmp_path_factory, table):
    from nrstudio.core.data.merge import merge_columns

    first = dataset_from_raw(read_csv_bytes(table.csv()))
    second = dataset_from_raw(read_csv_bytes(table.csv("outcomes")))
    ds = merge_columns(first, second, ID_HEADER).dataset
    project = Project(dataset=ds)
    settings = RunSettings(EvaluationSettings(augment=SmoteRegSettings(per_subset=1),
                                              network=NetworkSettings(max_epochs=3, patience=2),
                                              baselines=("mean",)),
                           members=1, lime=LimeSettings(num_samples=200, repeats=1))
    store_in_project(project, run_pipeline(ds, settings))
    path = tmp_path_factory.mktemp("own") / "trained.nrproj"
    save_project(project, path)
    return path


def test_find_and_replace_is_one_undoable_step(qtbot, tmp_path, conditions_project):
    w = make_window(qtbot, tmp_path, conditions_project)
    ds = w.doc.dataset
    name = "Reagent 1"
    before = ds.table[name].tolist()
    dialog = w.data_page.find_replace()
    dialog.find.setText("topo")
    dialog.replacement.setText("TOPO (90%)")
    dialog.column.setCurrentText(name)
    n = dialog.replace_all()
    assert n == before.count("TOPO") > 0 and "replaced" in dialog.result.text()
    assert w.doc.dataset.table[name].tolist().count("TOPO (90%)") == n
    dialog.find.setText("5")
    dialog.replacement.setText("five")
    dialog.column.setCurrentText("Condition 1 (nm)")
    dialog.whole.setChecked(False)
    assert dialog.replace_all() == 0 and "not a number" in dialog.result.text()  # refused
    w.window_actions.undo.trigger()
    assert w.doc.dataset.table[name].tolist() == before


def test_merge_columns_from_a_file_reports_unmatched_ids(qtbot, tmp_path, conditions_project,
                                                         table, monkeypatch):
    w = make_window(qtbot, tmp_path, conditions_project)
    outcomes = table.outcomes.iloc[2:]
    path = tmp_path / "outcomes.csv"
    outcomes.to_csv(path, index=False)
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: shown.append(a[2]))
    from nrstudio.gui.data.merge_file import merge_path

    assert merge_path(w.data_page, w.doc, str(path), ID_HEADER)
    assert w.doc.dataset.targets == list(TARGETS)
    assert "2 ids only in the first table" in shown[0]
    w.window_actions.undo.trigger()
    assert w.doc.dataset.targets == []


def test_predict_form_offers_levels_and_flags_an_unseen_one(qtbot, tmp_path, trained_own):
    w = make_window(qtbot, tmp_path, trained_own)
    page = w.predict_page
    assert page.model is not None
    combo, note = page.fields["Reagent 1"]
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == \
        page.model.feature_space.levels["Reagent 1"]
    x = page.read_inputs()
    assert x is not None and x[page.model.inputs.index("Reagent 1")] >= 0
    combo.setCurrentText("a ligand nobody used")
    x = page.read_inputs()
    assert x[page.model.inputs.index("Reagent 1")] == -1 and "never seen" in note.text()
    with qtbot.waitSignal(page.answered, timeout=20_000):
        page.predict_now()
    assert "Out of domain" in page.results.text() and "never seen" in page.results.text()


def test_flagged_explanations_are_shown_as_flagged(qtbot, tmp_path, trained_own):
    w = make_window(qtbot, tmp_path, trained_own)
    page = w.explain_page
    w.show_page("Explain")
    page.reload()
    expl = page.expl
    assert expl is not None and expl.features == page.model().inputs  # one per condition
    if expl.flagged.any():
        assert page.flag_note.isVisibleTo(page) and "flagged" in page.flag_note.text()
        i, k = map(int, np.argwhere(expl.flagged)[0])
        page.select_sample(i)
        assert page.bars.ci.getItem(0, k).titleLabel.text.startswith("⚠")
    else:  # a model this small may explain well everywhere; force the flag to be seen
        expl.fidelity[:] = 0.1
        page.draw_heatmaps()
        assert page.flag_note.isVisibleTo(page) and "flagged" in page.flag_note.text()


def test_a_model_can_be_picked_per_target_and_is_kept(qtbot, tmp_path, trained_own):
    import shutil

    mine = tmp_path / "mine.nrproj"
    shutil.copy(trained_own, mine)
    w = make_window(qtbot, tmp_path, mine)
    page = w.predict_page
    box, reason = page.choice_boxes["Length (nm)"]
    assert box.currentData() == "auto" and "leakage-free MAE" in reason.text()
    page.pick_model("Length (nm)", "mean")
    assert "chosen by you" in reason.text()
    with qtbot.waitSignal(page.answered, timeout=20_000):
        page.predict_now()
    assert page.prediction.models[0] == "mean"
    assert "90% interval" in page.results.text() and "the mean" in page.results.text()
    assert "spans most of the measured range" in page.results.text()  # the mean knows nothing
    assert read_section(w.doc.project, "model_choice").picks["Length (nm)"] == "mean"
    assert w.doc.dirty
    assert w.save()  # the pick is saved with the project and used when it is opened again
    again = make_window(qtbot, tmp_path, w.doc.path)
    assert again.predict_page.choice_boxes["Length (nm)"][0].currentData() == "mean"
    assert again.predict_page.model.choices()["Length (nm)"].model == "mean"


def design_window(qtbot, tmp_path, trained, name):
    """A window on a copy of the trained project, showing the Design page (which builds its
    form when it is seen); returns the copy's path and the window."""
    import shutil

    mine = tmp_path / name
    shutil.copy(trained, mine)
    w = make_window(qtbot, tmp_path, mine)
    w.show()
    w.show_page("Design")
    return mine, w


def designed(qtbot, tmp_path, trained_own, name):
    """A Design page that found conditions for a length of 60 ± 5 nm."""
    mine, w = design_window(qtbot, tmp_path, trained_own, name)
    page = w.design_page
    page.set_want("Length (nm)", 60.0, 5.0)
    with qtbot.waitSignal(w.jobs.idle, timeout=60_000):
        assert page.run_design()
    return mine, w, page


def reopened_design_page(qtbot, tmp_path, w, path):
    """Keep the form, save, and open the project again in a new window on its Design page."""
    w.design_page.keep_form()
    assert w.save()
    (tmp_path / "again").mkdir()
    again = make_window(qtbot, tmp_path / "again", path)
    again.show()
    again.show_page("Design")
    return again.design_page


def test_design_page_gives_the_cli_candidates_and_adds_a_planned_row(qtbot, tmp_path,
                                                                      trained_own):
    from nrstudio.core.modeling.design import DesignSettings, Want, design_conditions
    from nrstudio.core.project.file_format import load_project
    from nrstudio.core.project.stored_models import load_final_models

    mine, w, page = designed(qtbot, tmp_path, trained_own, "design.nrproj")
    assert page.table.rowCount() == 5
    core = design_conditions(load_final_models(load_project(mine)),
                             [Want("Length (nm)", 60.0, 5.0)], settings=DesignSettings())
    assert np.allclose([c.conditions for c in page.rows], [c.conditions for c in core.candidates])
    n = len(w.doc.dataset)
    page.table.selectRow(0)
    assert "e+" not in " ".join(page.table.item(0, j).text()
                                for j in range(page.table.columnCount() - 1))
    assert page.add_selected() and len(w.doc.dataset) == n + 1
    ds = w.doc.dataset
    originals = int(ds.is_original.sum())
    planned = ds.sample_ids().index(next(s for s in ds.sample_ids() if s.startswith("planned")))
    assert planned == originals - 1  # right after the other originals
    for name in page.models.inputs:
        value = ds.table.at[planned, name]
        if isinstance(value, float):  # rounded to the decimals the column is written with
            assert len(repr(value).split(".")[-1]) <= 6
    w.window_actions.undo.trigger()
    assert len(w.doc.dataset) == n
    page.suggest_form.widgets["mode"].setCurrentIndex(1)  # learn
    with qtbot.waitSignal(w.jobs.idle, timeout=60_000):
        assert page.run_suggest()
    why = page.table.item(0, page.table.columnCount() - 1).text()
    assert page.table.rowCount() == 3 and "knows least" in why
    # Both tables are kept in the project for its report, without an undo step.
    from nrstudio.core.project.sections import read_section

    records = read_section(w.doc.project, "design")
    assert records.design.wants == ["Length (nm) = 60 ± 5"] and len(records.design.table) == 5
    assert records.suggest.wants == [] and len(records.suggest.table) == 3
    assert w.doc.dirty
    # Reopened, the page shows the same form and the newest stored table.
    page.input_row(page.models.inputs[0]).mode.setCurrentText("fixed")
    other = reopened_design_page(qtbot, tmp_path, w, mine)
    kept = other.want_rows["Length (nm)"]
    assert kept.use.isChecked() and kept.value.text() == "60" and kept.tolerance.text() == "5"
    assert kept.aim_key == "window"
    assert other.input_row(other.models.inputs[0]).mode.currentText() == "fixed"
    assert other.table.rowCount() == 3 and "as stored" in other.limit.text()


def test_the_design_page_chooses_from_a_list_of_syntheses(qtbot, tmp_path, trained_own,
                                                         monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    _, w = design_window(qtbot, tmp_path, trained_own, "pool.nrproj")
    page = w.design_page
    # the list: new syntheses near the table's first rows, under the same headers (the
    # samples themselves are measured already: never suggested again)
    ds = w.doc.dataset
    inputs = page.models.inputs
    listed = ds.table[inputs].iloc[:8].copy()
    for name in inputs:
        if name not in page.models.space.levels:
            listed[name] = [round(float(v) * 1.07, 3) for v in listed[name]]
    path = tmp_path / "candidates.csv"
    listed.to_csv(path, index=False)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    page.suggest_form.widgets["mode"].setCurrentIndex(1)  # learn
    with qtbot.waitSignal(w.jobs.idle, timeout=60_000):
        page.pool_button.click()
    assert page.table.rowCount() >= 1
    why = page.table.item(0, page.table.columnCount() - 1).text()
    assert why.startswith("row ") and "of candidates.csv" in why
    k = int(why.split()[1]) - 1
    shown = [page.table.item(0, j).text() for j in range(len(inputs))]
    for name, text in zip(inputs, shown, strict=True):
        value = listed.iloc[k][name]
        assert text == str(value) or float(text) == pytest.approx(float(value), rel=1e-3)


def test_the_design_page_pushes_a_target_up_and_keeps_the_aim(qtbot, tmp_path, trained_own,
                                                              dialogs):
    from PySide6.QtCore import Qt

    from nrstudio.core.project.sections import read_section

    mine, w = design_window(qtbot, tmp_path, trained_own, "aim.nrproj")
    page = w.design_page
    target = page.models.targets[-1]
    for row in page.want_rows.values():
        row.use.setChecked(False)
    row = page.want_rows[target]
    row.use.click()
    row.aim.setCurrentIndex(row.aim.findData("highest"))
    assert row.use.isChecked() and not row.value.isEnabled()
    with qtbot.waitSignal(w.jobs.idle, timeout=60_000):
        qtbot.mouseClick(page.suggest_button, Qt.MouseButton.LeftButton)
    why = page.table.item(0, page.table.columnCount() - 1).text()
    assert page.table.rowCount() >= 1 and f"expected gain in {target}" in why
    assert read_section(w.doc.project, "design").suggest.wants == [
        f"{target} as high as possible"]
    # Find conditions pushes it too: the candidates are to beat the best measured
    with qtbot.waitSignal(w.jobs.idle, timeout=60_000):
        qtbot.mouseClick(page.design_button, Qt.MouseButton.LeftButton)
    why = page.table.item(0, page.table.columnCount() - 1).text()
    assert page.table.rowCount() >= 1 and "to be above the best measured" in why
    assert read_section(w.doc.project, "design").design.wants == [
        f"{target} as high as possible"]
    # two targets pushed at once: refused with the reason
    first = page.want_rows[page.models.targets[0]]
    first.use.setChecked(True)
    first.aim.setCurrentIndex(first.aim.findData("lowest"))
    assert not page.run_suggest()
    assert "only one target" in dialogs.shown[-1][1]
    first.use.setChecked(False)
    kept = reopened_design_page(qtbot, tmp_path, w, mine).want_rows
    assert kept[target].aim_key == "highest" and kept[target].use.isChecked()
    assert kept[page.models.targets[0]].aim_key == "lowest"


def test_a_planned_round_is_followed_in_the_campaign_tab_and_kept(qtbot, tmp_path,
                                                                  trained_own):
    mine, w, page = designed(qtbot, tmp_path, trained_own, "campaign.nrproj")
    page.table.selectRow(0)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert page.right_tabs.tabText(1) == "Campaign (1)"
    assert page.campaign_table.rowCount() == 1
    assert "No planned experiment" in page.campaign_note.text()
    # the chemist types in what the synthesis gave, on the Data page
    ds = w.doc.dataset
    row = next(i for i, s in enumerate(ds.sample_ids()) if s.startswith("planned"))
    model = w.data_page.model
    column = [c.name for c in ds.columns].index("Length (nm)") + 1  # after the validation flag
    assert model.setData(model.index(row, column), "62")
    headers = [page.campaign_table.horizontalHeaderItem(j).text()
               for j in range(page.campaign_table.columnCount())]
    assert page.campaign_table.item(0, headers.index("measured")).text() == "1"
    assert page.campaign_table.item(0, headers.index("inside")).text() == "1"
    assert "with experiment 1 of 1 measured" in page.campaign_note.text()
    again = reopened_design_page(qtbot, tmp_path, w, mine)
    assert again.campaign_table.rowCount() == 1 and "experiment 1 of 1" in again.campaign_note.text()


def test_typing_a_wanted_value_asks_for_that_target(qtbot, tmp_path, trained_own):
    # Seen with real clicks on a table whose first target is a PLQY: "490 ± 3" typed beside
    # the PL peak left that row unticked and the empty PLQY row ticked by default.
    _, w = design_window(qtbot, tmp_path, trained_own, "typed.nrproj")
    page = w.design_page
    first, last = (page.want_rows[t] for t in (page.models.targets[0], page.models.targets[-1]))
    assert first.use.isChecked() and not last.use.isChecked()  # the default
    qtbot.keyClicks(last.value, "12")
    qtbot.keyClicks(last.tolerance, "2")
    assert last.use.isChecked() and not first.use.isChecked()  # the untouched default yields
    assert [(x.target, x.value, x.tolerance) for x in page.wants()] == [(last.target, 12, 2)]
    # a row the user ticked stays ticked, empty or not: the request then says what is missing
    from PySide6.QtCore import QPoint

    box = QPoint(6, first.use.height() // 2)  # on the tick box
    qtbot.mouseClick(first.use, Qt.MouseButton.LeftButton, pos=box)
    qtbot.keyClicks(last.value, "5")
    assert first.use.isChecked() and first.touched
    # choosing an aim asks for the target too
    middle = page.want_rows[page.models.targets[1]]
    middle.aim.setFocus()
    qtbot.keyClick(middle.aim, Qt.Key.Key_Down)
    assert middle.use.isChecked() and middle.aim_key != "window"


def test_suggesting_with_nothing_wanted_says_how_to_ask(qtbot, tmp_path, trained_own, dialogs):
    # Seen with real clicks on a public gold-rod table: Suggest next experiments, pressed
    # before typing anything, said only that the ticked first target needed a value.
    _, w = design_window(qtbot, tmp_path, trained_own, "nothing.nrproj")
    page = w.design_page
    # Scrolling the page past its boxes leaves them as they were (the wheel goes on).
    boxes = [page.want_rows[page.models.targets[0]].aim, page.input_rows[0].mode,
             page.suggest_form.widgets["n"]]
    before = [b.currentIndex() if hasattr(b, "currentIndex") else b.value() for b in boxes]
    for b in boxes:
        wheel(b, -3)
    assert [b.currentIndex() if hasattr(b, "currentIndex") else b.value()
            for b in boxes] == before
    qtbot.mouseClick(page.suggest_button, Qt.MouseButton.LeftButton)
    assert "Nothing is wanted yet" in dialogs.shown[-1][1]
    assert "learn the most" in dialogs.shown[-1][1]
    # A ticked row with a value but no tolerance still says what is missing in that row.
    first = page.want_rows[page.models.targets[0]]
    qtbot.keyClicks(first.value, "40")
    qtbot.mouseClick(page.suggest_button, Qt.MouseButton.LeftButton)
    assert "give the wanted value and its tolerance" in dialogs.shown[-1][1]


def test_a_forest_explained_through_its_average_says_so(qtbot, tmp_path, trained_own):
    # Seen with real clicks: "Explain this point" said "predicted: PLQY 0.228" where the
    # Predict page said 0.0825 for the same conditions: LIME explains a forest's average
    # over nearby conditions, and the detail did not say so.
    w = make_window(qtbot, tmp_path, trained_own)
    page = w.explain_page
    w.show_page("Explain")
    page.reload()
    n = len(page.expl.targets)
    page.expl.models = ["random_forest"] + ["gaussian_process"] * (n - 1)
    page.select_sample(0)
    assert "forest averaged nearby" in page.detail.text()
    page.expl.models = ["gaussian_process"] * n
    page.select_sample(0)
    assert "averaged" not in page.detail.text()


def test_every_plot_shows_the_data_in_its_own_numbers(qtbot, tmp_path, trained_own):
    import pyqtgraph as pg

    from nrstudio.gui.app.plots import plain_axes

    # pyqtgraph alone rescales values below 1 (a PLQY of 0-0.9 read 0-900, "(x0.001)")
    alone = pg.PlotWidget()
    qtbot.addWidget(alone)
    alone.setLabel("left", "PLQY")
    alone.plot([0.0, 0.45, 0.9], [0.05, 0.5, 0.85])
    alone.getPlotItem().getAxis("left").setRange(0.0, 0.9)
    assert "(x" in alone.getPlotItem().getAxis("left").labelString()
    plain_axes(alone)
    assert "(x" not in alone.getPlotItem().getAxis("left").labelString()

    w = make_window(qtbot, tmp_path, trained_own)
    for page in ("Augment", "Train", "Design", "Explain", "Micrographs"):
        w.show_page(page)
        qtbot.wait(50)
    w.explain_page.reload()
    w.explain_page.select_sample(0)
    axes = [item for view in w.findChildren(pg.GraphicsView) for item in view.scene().items()
            if isinstance(item, pg.AxisItem) and item.isVisible()]  # not an image's hidden ones
    assert len(axes) >= 12  # loss, parity, design, heat maps, bars, histograms
    assert not [a for a in axes if a.autoSIPrefix]


def test_heat_maps_keep_their_width_and_scroll_sideways(qtbot, tmp_path, trained_own):
    from nrstudio.gui.modeling.explain_page import MAP_WIDTH

    w = make_window(qtbot, tmp_path, trained_own)
    w.resize(760, 700)  # narrower than three maps side by side
    w.show()
    w.show_page("Explain")
    page = w.explain_page
    page.reload()
    page.select_sample(0)
    qtbot.wait(100)
    n = len(page.expl.targets)
    assert n >= 3 and page.heat.width() >= n * MAP_WIDTH
    # every map and its colour bar in the scene's width, none squeezed under half of another
    widths = [m.plot.width() + m.bar.width() for m in page.maps]
    assert min(widths) > 0.5 * max(widths) and sum(widths) <= page.heat.width() + 1
