"""The job contract: a result lands only in the project it was computed for, with the
settings it ran with; partial results follow the same rule; New asks to cancel."""

import shutil
import threading

import pytest
from helpers.gui import Dialogs, make_window
from helpers.paths import EXAMPLE

pytest.importorskip("PySide6", reason="GUI tests need PySide6")
from PySide6.QtWidgets import QMessageBox

from nrstudio.core.project.template import new_project
from nrstudio.gui.app.jobs import JobRunner

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    return Dialogs(monkeypatch, answer=QMessageBox.StandardButton.Discard)


@pytest.fixture
def window(qtbot, tmp_path):
    path = tmp_path / "example.nrproj"
    shutil.copy(EXAMPLE, path)
    w = make_window(qtbot, tmp_path, path)
    yield w
    w.micrographs_page.shutdown()


def _replace_while_running(qtbot, w, start):
    """Start a page's job, open another project before it ends, wait for the job."""
    messages = []
    w.statusBar().messageChanged.connect(messages.append)
    with qtbot.waitSignal(w.jobs.idle, timeout=180_000):
        assert start()
        assert w.jobs.busy
        w.doc.load(new_project(), None)  # what New / Open do once they may go on
        fresh = w.doc.project
    assert w.doc.project is fresh
    assert not fresh.results and not fresh.models and not fresh.images
    assert not fresh.settings and len(fresh.dataset) == 0
    assert any("was not used" in m for m in messages)


def _tiny_training(page):
    page.hidden.setText("8")
    page.epochs.setValue(2)
    page.members.setValue(1)
    for name, box in page.baseline_boxes.items():
        box.setChecked(name == "mean")


def test_augment_result_after_new_is_dropped(qtbot, window):
    _replace_while_running(qtbot, window, window.augment_page.run)


def test_training_result_and_loss_curves_after_new_are_dropped(qtbot, window):
    page = window.train_page
    _tiny_training(page)
    drawn = []
    page._plot_losses = drawn.append  # partial results are delivered through on_partial
    _replace_while_running(qtbot, window, page.run)
    assert drawn == []


def test_micrograph_jobs_after_new_are_dropped(qtbot, window):
    page = window.micrographs_page
    page.measure.strip.sample.setCurrentIndex(page.measure.strip.sample.findText("1"))
    assert page.measure.wait_for_image()  # full images are decoded off the GUI thread
    _replace_while_running(qtbot, window, page.measure.panel.measure)


def test_image_model_result_after_new_is_dropped(qtbot, window):
    tab = window.micrographs_page.model
    tab.epochs.setValue(1)
    tab.folds.setValue(2)
    _replace_while_running(qtbot, window, tab.train)


def test_explain_result_after_new_is_dropped(qtbot, tmp_path, window):
    # A trained project first (tiny settings), then LIME, replaced while it runs.
    _tiny_training(window.train_page)
    with qtbot.waitSignal(window.jobs.idle, timeout=180_000):
        assert window.train_page.run()
    page = window.explain_page
    page.samples.setValue(20_000)
    _replace_while_running(qtbot, window, page.run)


def test_settings_stored_are_those_the_job_ran_with(qtbot, window):
    page = window.augment_page
    page.mode_fixed.setChecked(True)
    page.per_subset.setValue(2)
    with qtbot.waitSignal(window.jobs.idle, timeout=60_000):
        assert page.run()
        page.per_subset.setValue(9)  # changed while the job runs
    assert window.doc.project.settings["augment"]["per_subset"] == 2
    assert len(window.doc.dataset) == 28 + 378 * 2


def test_runner_drops_late_results_and_partials(qtbot):
    generation = [0]
    runner = JobRunner(lambda: generation[0])
    go = threading.Event()
    got, partials, dropped = [], [], []
    runner.dropped.connect(dropped.append)

    def work(ctx):
        ctx.partial("early")
        go.wait(10)
        ctx.partial("late")
        return 42

    with qtbot.waitSignal(runner.idle, timeout=20_000):
        runner.start("job", work, lambda r, s: got.append((r, s)), settings="as started",
                     on_partial=partials.append)
        qtbot.waitUntil(lambda: partials == ["early"], timeout=10_000)
        generation[0] += 1
        go.set()
    assert got == [] and partials == ["early"] and dropped == ["job"]
    with qtbot.waitSignal(runner.idle, timeout=20_000):
        runner.start("again", lambda ctx: 7, lambda r, s: got.append((r, s)), settings={"a": 1})
    assert got == [(7, {"a": 1})]


def test_new_while_a_job_runs_asks_to_cancel(qtbot, window, dialogs):
    page = window.train_page
    _tiny_training(page)
    page.epochs.setValue(100_000)
    page.patience.setValue(0)
    dialogs.answer = QMessageBox.StandardButton.No
    with qtbot.waitSignal(window.jobs.idle, timeout=120_000):
        assert page.run()
        window.new()
        assert "is still running" in dialogs.shown[-1][1]
        assert window.jobs.busy and len(window.doc.dataset) == 28  # nothing changed
        dialogs.answer = QMessageBox.StandardButton.Yes
        window.new()  # cancels; the project was unchanged, so no save question
    assert len(window.doc.dataset) == 0 and not window.jobs.busy


def test_a_result_that_arrives_after_cancel_is_dropped(qtbot):
    runner = JobRunner()
    go = threading.Event()
    got, cancelled = [], []
    runner.cancelled.connect(cancelled.append)

    def work(ctx):
        go.wait(10)
        return 42  # finishes without looking at the cancel check

    with qtbot.waitSignal(runner.idle, timeout=20_000):
        runner.start("late", work, lambda r, s: got.append(r))
        runner.cancel()
        go.set()
    assert got == [] and cancelled == ["late"]


def test_idle_follows_a_handler_that_raises_and_the_traceback_is_logged(qtbot, tmp_path,
                                                                         monkeypatch):
    log = tmp_path / "nrstudio.log"
    monkeypatch.setenv("NRSTUDIO_LOG", str(log))
    runner = JobRunner()
    failures = []
    runner.failure.connect(lambda title, f: failures.append((title, f)))

    def broken_handler(result, settings):
        raise ValueError("a page's defect")

    with qtbot.waitSignal(runner.idle, timeout=20_000):
        runner.start("shows", lambda ctx: 1, broken_handler)
    assert not runner.busy
    assert failures and failures[0][1].defect and "a page's defect" in failures[0][1].message
    assert "Traceback" in log.read_text() and "broken_handler" in log.read_text()

    def defect(ctx):
        return {}["missing"]

    with qtbot.waitSignal(runner.idle, timeout=20_000):
        runner.start("work", defect)
    title, failure = failures[-1]
    assert title == "work" and "KeyError" in failure.message
    assert "def defect" in failure.details or "defect" in failure.details
    assert log.read_text().count("--- ") == 2
