"""Workflow pages driven through their buttons, on the example data with tiny settings."""

import math
import re
import shutil

import numpy as np
import pyqtgraph as pg
import pytest
from helpers.paths import EXAMPLE

from nrstudio.core.modeling.model_choice import SHORT_NAMES

pytest.importorskip("PySide6", reason="GUI tests need PySide6")
from helpers.gui import Dialogs, make_window
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.pipeline import FINAL_MODEL, run_pipeline
from nrstudio.core.modeling.run_settings import EvaluationSettings, RunSettings
from nrstudio.core.project.file_format import load_project, save_project
from nrstudio.core.project.run_results import store_in_project
from nrstudio.gui.modeling.train_results import chosen_models

pytestmark = pytest.mark.gui
TINY_NET = NetworkSettings(hidden=(16, 16), max_epochs=3, patience=0)


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    """No real dialog may block a test (closing a window with unsaved results asks)."""
    return Dialogs(monkeypatch, answer=QMessageBox.StandardButton.Discard)


@pytest.fixture(scope="module")
def trained_file(tmp_path_factory):
    """The example project with tiny models, LIME weights and results, built headless once."""
    path = tmp_path_factory.mktemp("trained") / "trained.nrproj"
    project = load_project(EXAMPLE)
    settings = RunSettings(EvaluationSettings(protocols=("honest",),
                                              augment=SmoteRegSettings(per_subset=2),
                                              network=TINY_NET, baselines=("mean",)),
                           members=2, lime=LimeSettings(num_samples=300, repeats=2))
    store_in_project(project, run_pipeline(project.dataset, settings))
    save_project(project, path)
    return path


@pytest.fixture
def trained(tmp_path, trained_file):
    path = tmp_path / "trained.nrproj"
    shutil.copy(trained_file, path)
    return path


def run_job(qtbot, window, start, timeout=120_000):
    """Start a job through ``start()`` and wait for it; returns progress fractions seen."""
    seen = []
    window.jobs.progress.connect(lambda f, s: seen.append(f))
    with qtbot.waitSignal(window.jobs.idle, timeout=timeout):
        start()
    return seen


# ---- Augment --------------------------------------------------------------------------------
def test_augment_page_runs_through_its_button_and_is_undoable(qtbot, tmp_path, example):
    w = make_window(qtbot, tmp_path, example)
    page = w.augment_page
    page.mode_fixed.setChecked(True)
    page.per_subset.setValue(2)
    assert "28 originals + 378 subsets × 2 = 784 rows" in page.preview.text()
    seen = run_job(qtbot, w, lambda: qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton))
    assert seen and seen[-1] == pytest.approx(1.0)
    ds = w.doc.dataset
    assert len(ds) == 784 and int((~ds.is_original).sum()) == 756
    assert w.data_page.model.rowCount() == 784  # shown on the Data page
    w.show_page("Augment")
    page.redraw()
    # A part per turn of the event loop: the frame first, each colour's points, then each
    # histogram.
    assert page.drawing.running
    assert not [i for i in page.matrix_plot.items if isinstance(i, pg.ScatterPlotItem)]
    qtbot.waitUntil(lambda: not page.drawing.running)
    # 30 off-diagonal panels: all 28 originals and a sample of the 756 synthetic rows in each,
    # made into plot items a part at a time
    from nrstudio.gui.modeling.augment_page import MAX_SCATTER_POINTS, POINTS_PER_TURN

    def points_drawn() -> tuple[int, int]:
        scatters = [i for i in page.matrix_plot.items if isinstance(i, pg.ScatterPlotItem)]
        assert all(len(s.data) <= POINTS_PER_TURN for s in scatters)
        return (sum(len(s.data) for s in scatters if s.opts["size"] == 2),
                sum(len(s.data) for s in scatters if s.opts["size"] == 5))

    assert points_drawn() == (30 * MAX_SCATTER_POINTS, 30 * 28)
    assert len(page.hists.ci.items) == 6
    # Drawn again with the same columns, the plots are kept and filled anew, not stacked.
    plot, hists = page.matrix_plot, list(page.hists.ci.items)
    before = [list(h.items) for h in hists]
    page.redraw()
    page.redraw()  # twice in a row: the first drawing's remaining parts are dropped
    qtbot.waitUntil(lambda: not page.drawing.running)
    assert page.matrix_plot is plot and list(page.hists.ci.items) == hists
    assert points_drawn() == (30 * MAX_SCATTER_POINTS, 30 * 28)
    assert all(list(h.items) != b for h, b in zip(hists, before, strict=True))
    assert all(len(h.items) == 2 for h in hists)  # synthetic and original, once each
    w.window_actions.undo.trigger()
    assert len(w.doc.dataset) == 28


def test_augment_preview_warns_about_the_cap_and_bad_settings(qtbot, tmp_path, example):
    w = make_window(qtbot, tmp_path, example)
    page = w.augment_page
    page.minority.setValue(3)
    page.cap.setValue(100)
    assert "exceed the cap" in page.preview.text() and "100 will be used" in page.preview.text()
    page.minority.setValue(10)
    page.mode_fixed.setChecked(True)
    page.per_subset.setValue(100_000)
    assert "row budget limits" in page.preview.text() and page.run_button.isEnabled()
    page.budget.setValue(page.budget.minimum())  # "no limit": the paper-style setting explodes
    assert "too many rows" in page.preview.text() and not page.run_button.isEnabled()


# ---- Train ----------------------------------------------------------------------------------
def test_train_page_runs_stores_results_and_they_survive_reopening(qtbot, tmp_path, example):
    w = make_window(qtbot, tmp_path, example)
    page = w.train_page
    page.epochs.setValue(3)
    page.members.setValue(2)
    page.hidden.setText("16, 16")
    page.paper.setChecked(True)
    page.baseline_boxes["gaussian_process"].setChecked(False)
    curves = []
    draw = page._plot_losses  # live curves arrive as the job's partial results
    page._plot_losses = lambda history: (curves.append(history), draw(history))
    seen = run_job(qtbot, w, lambda: qtbot.mouseClick(page.start, Qt.MouseButton.LeftButton))
    assert page.progress.value() == 1000 and seen[-1] == pytest.approx(1.0)
    assert curves and {"honest", "paper", "final"} <= set(curves[-1])
    assert FINAL_MODEL in w.doc.project.models and w.doc.dirty
    rows = page.metrics.table.rowCount()
    assert rows >= 3 * 3 * 2  # targets x models x protocols
    assert "mean" in page.metrics.verdict.text().lower()
    # The chosen model of each target is the first and the bold row of its group, and the
    # parity plot opens on it; no number in scientific notation.
    table = page.metrics.table
    chosen = chosen_models(page.evaluation(), {})
    first_rows = {}
    for i in range(rows):
        key = tuple(table.item(i, j).text() for j in range(3))
        first_rows.setdefault(key, i)
        assert "e+" not in " ".join(table.item(i, j).text() for j in range(4, 8))
    for (_, _, target), i in first_rows.items():
        assert table.item(i, 3).text().endswith("(chosen)") and table.item(i, 3).font().bold()
        assert SHORT_NAMES[chosen[target]] in table.item(i, 3).text()
    assert page.parity_view.parity_model.currentData() == chosen[next(iter(chosen))]
    chooser = page.parity_view.parity_protocol
    protocols = [chooser.itemData(i) for i in range(chooser.count())]
    assert protocols == ["honest", "paper"]
    w.show()
    w.show_page("Train")
    page.tabs.setCurrentIndex(2)  # the parity plots are drawn when they are seen
    assert len(page.parity_view.parity.ci.items) == 3
    assert w.predict_page.model is not None  # the Predict page picked the model up
    assert w.save()
    (tmp_path / "b").mkdir()
    again = make_window(qtbot, tmp_path / "b", example)
    assert again.train_page.metrics.table.rowCount() == rows
    assert again.predict_page.model is not None and again.predict_page.model.ensemble.members == 2


def test_cancel_stops_training_and_keeps_the_previous_models(qtbot, tmp_path, trained):
    w = make_window(qtbot, tmp_path, trained)
    before = {k: v.copy() for k, v in w.doc.project.models[FINAL_MODEL].tensors.items()}
    evaluation_before = w.doc.project.results["evaluation"]
    page = w.train_page
    page.epochs.setValue(100_000)
    page.patience.setValue(0)
    with qtbot.waitSignal(w.jobs.cancelled, timeout=30_000):
        qtbot.mouseClick(page.start, Qt.MouseButton.LeftButton)
        qtbot.wait(300)  # before the first models are evaluated (28 leave-one-out folds)
        assert w.jobs.busy and page.cancel.isEnabled() and page.fast_note.isHidden()
        qtbot.mouseClick(page.cancel, Qt.MouseButton.LeftButton)
    after = w.doc.project.models[FINAL_MODEL].tensors
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert w.doc.project.results["evaluation"] is evaluation_before
    assert "unchanged" in page.stage.text() and page.start.isEnabled()


def test_fast_models_are_shown_and_used_before_the_networks_finish(qtbot, tmp_path, trained):
    """Results as they come: the baselines' leakage-free metrics, the model choice and a
    ready Predict page while the networks still train; Cancel then keeps them."""
    w = make_window(qtbot, tmp_path, trained)
    page = w.train_page
    page.epochs.setValue(100_000)  # networks that would train for hours
    page.patience.setValue(0)
    page.baseline_boxes["gaussian_process"].setChecked(False)
    qtbot.mouseClick(page.start, Qt.MouseButton.LeftButton)
    try:
        qtbot.waitUntil(lambda: not page.fast_note.isHidden() or not w.jobs.busy,
                        timeout=60_000)
    finally:
        if page.fast_note.isHidden():  # no thread may outlive the test
            w.jobs.cancel()
            w.jobs.wait()
    assert w.jobs.busy, "the run ended before its fast models were shown"
    assert FINAL_MODEL not in w.doc.project.models  # the last run's networks are not mixed in
    table = page.metrics.table
    models = {table.item(i, 3).text().replace(" (chosen)", "") for i in range(table.rowCount())}
    assert models == {SHORT_NAMES[k] for k in ("mean", "ridge", "random_forest")}
    assert page.tabs.currentIndex() == 1 and "Predict and Design use them" in page.fast_note.text()
    model = w.predict_page.model
    assert model is not None and model.ensemble is None and model.tabular is not None
    # the networks were timed before they train: 100,000 epochs are said to take hours
    try:
        qtbot.waitUntil(lambda: "The networks need" in page.fast_note.text(), timeout=30_000)
    finally:
        if "The networks need" not in page.fast_note.text():  # no thread may outlive the test
            w.jobs.cancel()
            w.jobs.wait()
    wait = re.search(r"The networks need about (\d+) (s|min)", page.fast_note.text())
    assert wait is not None and wait.group(2) == "min" and int(wait.group(1)) > 60
    with qtbot.waitSignal(w.jobs.cancelled, timeout=30_000):
        qtbot.mouseClick(page.cancel, Qt.MouseButton.LeftButton)
    assert "fast models' results are kept" in page.stage.text()
    assert "final tabular models" in w.doc.project.models and w.doc.dirty
    assert w.save()
    reopened = load_project(w.doc.path)
    assert FINAL_MODEL not in reopened.models and "evaluation" in reopened.results


def test_train_settings_are_checked(qtbot, tmp_path, example, dialogs):
    w = make_window(qtbot, tmp_path, example)
    w.train_page.hidden.setText("64, many")
    assert not w.train_page.run()
    assert "whole numbers" in dialogs.shown[-1][1]
    w.train_page.hidden.setText("64")
    w.train_page.honest.setChecked(False)
    assert not w.train_page.run()
    assert "protocol" in dialogs.shown[-1][1]


# ---- Predict --------------------------------------------------------------------------------
def fill(page, *values):
    for (edit, _), value in zip(page.fields.values(), values, strict=True):
        edit.setText(value)
    page.debounce.stop()
    page.predict_now()


def wait_prediction(qtbot, page):
    with qtbot.waitSignal(page.answered, timeout=10_000):
        pass


def test_predict_form_refuses_bad_input_and_flags_extrapolation(qtbot, tmp_path, trained):
    w = make_window(qtbot, tmp_path, trained)
    page = w.predict_page
    with qtbot.waitSignal(page.answered, timeout=10_000):
        fill(page, "532", "10", "110")
    assert "90% interval" in page.results.text() and "In domain" in page.results.text()
    assert page.prediction.mean.shape == (1, 3)
    fill(page, "532", "ten", "110")
    notes = [n.text() for _, n in page.fields.values()]
    assert "'ten' is not a number" in notes[1] and not page.add_button.isEnabled()
    fill(page, "532", "-5", "110")
    assert "negative" in [n.text() for _, n in page.fields.values()][1]
    with qtbot.waitSignal(page.answered, timeout=10_000):
        fill(page, "532", "10", "300")
    assert "outside the samples' range" in list(page.fields.values())[2][1].text()
    assert "Out of domain" in page.results.text()


def test_stale_predictions_are_discarded(qtbot, tmp_path, trained):
    w = make_window(qtbot, tmp_path, trained)
    page = w.predict_page
    with qtbot.waitSignal(page.answered, timeout=10_000):
        fill(page, "532", "10", "110")
    shown = page.results.text()
    stale = page.prediction
    page._changed()  # the user typed again
    page._show(page.request - 1, stale)  # an answer to the previous request arrives late
    assert page.results.text() == shown and page.debounce.isActive()


def test_add_as_planned_experiment_is_undoable(qtbot, tmp_path, trained):
    w = make_window(qtbot, tmp_path, trained)
    page = w.predict_page
    with qtbot.waitSignal(page.answered, timeout=10_000):
        fill(page, "540", "25", "120")
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    ds = w.doc.dataset
    assert len(ds) == 29 and ds.sample_ids()[-1] == "planned 1"
    assert ds.values(ds.inputs)[-1].tolist() == [540.0, 25.0, 120.0]
    assert np.isnan(ds.values(ds.targets)[-1]).all()
    w.window_actions.undo.trigger()
    assert len(w.doc.dataset) == 28


def test_batch_prediction_and_export(qtbot, tmp_path, trained, dialogs, monkeypatch):
    w = make_window(qtbot, tmp_path, trained)
    page = w.predict_page
    conditions = tmp_path / "plan.csv"
    conditions.write_text("Run;Core absorption edge;Core amount;S amount\n"
                          "A;532;10;110\nB;539;40;110\nC;700;5;110\n")
    assert page.predict_file(conditions)
    assert page.batch_table.rowCount() == 0  # read and predicted off the window's thread
    page.calls.wait()
    assert page.batch_table.rowCount() == 3
    frame = page.batch_frame
    assert frame["out of domain"].tolist() == [False, False, True]
    out = tmp_path / "pred.csv"
    # clicked, as a user does: the button's 'checked' argument once became the path
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "CSV"))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert "Average Length (nm) predicted" in out.read_text().splitlines()[0]
    bad = tmp_path / "bad.csv"
    bad.write_text("Core amount (nmol),S amount (mg)\n10,110\n")
    page.predict_file(bad)
    page.calls.wait()
    assert "no column for 'Core absorption edge (nm)'" in dialogs.shown[-1][1]


# ---- Explain --------------------------------------------------------------------------------
def test_explain_page_heat_maps_hover_click_and_export(qtbot, tmp_path, trained):
    w = make_window(qtbot, tmp_path, trained)
    page = w.explain_page
    w.show_page("Explain")
    assert page.expl is not None and len(page.plots) == 3  # stored weights shown on opening
    page.samples.setValue(300)
    page.repeats.setValue(2)
    seen = run_job(qtbot, w, lambda: qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton))
    assert seen[-1] == pytest.approx(1.0)
    assert page.expl.weights.shape == (28, 3, 3)
    # hover over the middle of the first heat map names a sample, a feature and the spread
    plot = page.plots[0]
    center = plot.vb.mapViewToScene(QPointF(1.5, 10.5))
    page._hover(center)
    assert "weight" in page.hover.text() and "±" in page.hover.text()
    cell = page._cell_at(center)
    assert cell is not None and cell[2] == 1
    page.select_sample(0)
    bar_plots = list(page.bars.ci.items)
    page.select_sample(cell[1])
    assert list(page.bars.ci.items) == bar_plots and len(bar_plots) == 3  # refilled
    weights = page.expl.weights[cell[1], 0]
    low, high = bar_plots[0].vb.childrenBounds()[1]  # what the y range follows
    assert low <= min(weights.min(), 0) and high >= max(weights.max(), 0)
    assert "predicted" in page.detail.text()
    plots = list(page.plots)
    page.sort.setCurrentIndex(page.sort.findText("weight of Core amount"))
    order = page.orders[0]
    w_sorted = page.expl.weights[order, 0, 1]
    assert (np.diff(w_sorted) <= 1e-12).all()
    # The maps are refilled, not made again; the selected sample's outline follows its row.
    assert page.plots == plots and len(page.heat.ci.items) == 6
    _, y = page.maps[0].mark.getData()
    assert y[0] == int(np.flatnonzero(order == cell[1])[0])
    assert np.array_equal(page.maps[0].image.image, page.expl.weights[order, 0, :])
    out = tmp_path / "weights.csv"
    assert page.export_csv(str(out))
    assert len(out.read_text().splitlines()) == 1 + 28 * 3 * 3
    from nrstudio.gui.app.plots import export_scene

    assert export_scene(page.heat.scene(), tmp_path / "heat.svg").stat().st_size > 1000
    assert export_scene(page.heat.scene(), tmp_path / "heat.png").stat().st_size > 1000


def test_a_click_on_a_heat_map_selects_its_sample(qtbot, tmp_path, trained):
    """Where the app says a heat map is (the map that walkthroughs click by), a mouse click
    selects the sample of that row and shows its bars."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication

    from nrstudio.gui.app.widget_map import widget_map

    w = make_window(qtbot, tmp_path, trained)
    w.resize(1366, 740)
    w.show()
    w.show_page("Explain")
    qtbot.waitExposed(w)
    page = w.explain_page
    found = widget_map(QApplication.instance())
    assert "field:sort" in found
    x, y = found[f"heatmap:{page.expl.targets[1]}"]
    view = page.heat.viewport()
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.mapFromGlobal(QPoint(x, y)))
    order = page.orders[1]
    assert page.selected in order[len(order) // 2 - 1:len(order) // 2 + 1]
    assert "predicted" in page.detail.text() and len(page.bars.ci.items) == 3


def test_heat_maps_are_made_ahead_while_nothing_runs(qtbot, tmp_path, trained):
    """Made as the result landed, three heat maps with their colour bars held the window for
    about 100 ms: without explanations, the page puts up the targets' empty heat maps while
    the app is idle, one per turn of the event loop, and a result fills them."""
    from nrstudio.core.project.sections import write_section

    project = load_project(trained)
    write_section(project, "lime_weights", None)
    path = tmp_path / "no-lime.nrproj"
    save_project(project, path)
    w = make_window(qtbot, tmp_path, path)
    page = w.explain_page
    assert page.expl is None and "No explanations yet" in page.flag_note.text()
    qtbot.waitUntil(lambda: len(page.maps) == 3, timeout=10_000)
    made_ahead = list(page.maps)
    assert [m.plot.titleLabel.text for m in made_ahead] == w.doc.dataset.targets
    page.samples.setValue(300)
    page.repeats.setValue(1)
    with qtbot.waitSignal(w.jobs.idle, timeout=60_000):
        assert page.run()
    assert page.maps == made_ahead and len(page.heat.ci.items) == 6
    assert page.maps[0].image.image.shape == (28, 3)


def test_empty_heat_maps_stand_for_the_tables_targets(qtbot, tmp_path, trained):
    """Explanations cleared after the targets changed (a retraining on others): the empty
    maps are titled by the table's targets, one per target."""
    from nrstudio.core.data.dataset import Role
    from nrstudio.core.project.sections import write_section

    w = make_window(qtbot, tmp_path, trained)
    page = w.explain_page
    assert page.expl is not None and len(page.maps) == 3
    ratio = next(c for c in w.doc.dataset.columns if c.name == "Aspect Ratio")
    ratio.role = Role.IGNORED
    write_section(w.doc.project, "lime_weights", None)
    w.doc.mark_changed()
    assert page.expl is None and len(page.maps) == 2
    assert [m.plot.titleLabel.text for m in page.maps] == w.doc.dataset.targets
    assert w.doc.dataset.targets == ["Average Length (nm)", "Average width (nm)"]


def test_explain_this_point_from_the_predict_page(qtbot, tmp_path, trained):
    w = make_window(qtbot, tmp_path, trained)
    page = w.predict_page
    with qtbot.waitSignal(page.answered, timeout=10_000):
        fill(page, "545", "30", "115")
    w.explain_page.samples.setValue(300)
    w.explain_page.repeats.setValue(1)
    with qtbot.waitSignal(w.jobs.idle, timeout=60_000):
        qtbot.mouseClick(page.explain_button, Qt.MouseButton.LeftButton)
    assert w.current_page() is w.explain_page
    point = w.explain_page.point
    assert point is not None and point.points == ["new point"]
    assert point.inputs[0].tolist() == [545.0, 30.0, 115.0]
    assert "new point" in w.explain_page.detail.text()


def test_results_survive_save_and_reopen(qtbot, tmp_path, trained):
    w = make_window(qtbot, tmp_path, trained)
    w.explain_page.samples.setValue(300)
    w.explain_page.repeats.setValue(1)
    run_job(qtbot, w, w.explain_page.run)
    weights = w.explain_page.expl.weights.copy()
    assert w.doc.dirty and w.save()
    other = tmp_path / "other"
    other.mkdir()
    again = make_window(qtbot, other, trained)
    assert np.array_equal(again.explain_page.expl.weights, weights)
    assert again.train_page.metrics.table.rowCount() > 0
    assert not math.isnan(again.predict_page.model.predict_mean([[532, 10, 110]])[0, 0])


def test_export_report_from_the_file_menu(qtbot, tmp_path, trained, dialogs, monkeypatch):
    from nrstudio.gui.app.report_export import ReportDialog

    w = make_window(qtbot, tmp_path, trained)
    assert w.window_actions.report in w.menuBar().actions()[0].menu().actions()
    out = tmp_path / "my report"

    def accept(dialog):
        assert dialog.folder.text().endswith("trained-report")  # offered beside the project
        dialog.folder.setText(str(out))
        return 1

    monkeypatch.setattr(ReportDialog, "exec", accept)
    assert w.export_report()
    qtbot.waitUntil(lambda: not w.jobs.busy, timeout=60_000)
    assert (out / "report.html").is_file() and (out / "report.pdf").is_file()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Model per target" in html and "report_files/parity-chosen.png" in html
    assert any("Report written" in text or "report is in" in text for _, text in dialogs.shown)


def test_every_workflow_page_fits_a_small_laptop_screen(qtbot, tmp_path, trained):
    """In the window's first size (1200 x 740, what a 1366 x 768 screen gets) no page may need
    more width than the window leaves it: long choice labels (the Design page's Mode) and a
    row of seven controls once pushed pages wider, half off the screen."""
    from nrstudio.gui.app.main_window import PAGES
    from nrstudio.gui.app.window_state import DEFAULT_SIZE

    w = make_window(qtbot, tmp_path, trained)
    w.show()
    w.resize(*DEFAULT_SIZE)  # the offscreen screen is smaller than a laptop's
    for name in PAGES:
        w.show_page(name)
        qtbot.wait(50)
        page = w.current_page()
        room = w.stack.width()
        assert page.minimumSizeHint().width() <= room, (name, page.minimumSizeHint(), room)


def test_metrics_table_cells(qtbot):
    """One row per (protocol, rows, target, model) with its errors, n and interval figures;
    a metric that was not computed reads as a dash."""
    import pandas as pd

    from nrstudio.core.modeling.evaluation import EvaluationResult
    from nrstudio.gui.modeling.train_results import MetricsView

    def row(model, metric, mean, std=0.5, n=28):
        return dict(protocol="honest", model=model, target="L", subset="original",
                    metric=metric, mean=mean, std=std, n=n, aggregation="conformal 90%")

    metrics = pd.DataFrame([row("ridge", "coverage", 0.893), row("ridge", "MAE", 4.21),
                            row("ridge", "RMSE", 5.0), row("ridge", "interval width", 17.04),
                            row("mean", "MAE", 9.9, n=27)])
    view = MetricsView()
    qtbot.addWidget(view)
    view.show_result(EvaluationResult(metrics, pd.DataFrame()))
    table = view.table
    cells = [[table.item(i, j).text() for j in range(table.columnCount())]
             for i in range(table.rowCount())]
    # The lower MAE is the chosen model; MSE is left to the exports.
    assert [c[3] for c in cells] == ["ridge (chosen)", "the mean"]
    # The spread beside the MAE; RMSE's in its tooltip, so coverage fits beside it.
    assert cells[0][4:] == ["4.21 ± 0.5", "5", "—", "28", "89%", "17"]
    assert table.item(0, 5).toolTip() == "RMSE over the folds: 5 ± 0.5"
    assert cells[1][4:8] == ["9.9 ± 0.5", "—", "—", "27"]
    assert table.horizontalHeaderItem(8).text() == "Coverage\n90%"
    assert table.isColumnHidden(0) and table.isColumnHidden(1)  # one protocol, one subset
