"""Desktop shell: table model, undo/redo, clipboard, lifecycle, autosave and recovery."""

import json
import subprocess
import sys

import pytest
from helpers.paths import EXAMPLE

pytest.importorskip("PySide6", reason="GUI tests need PySide6")
from helpers.gui import Dialogs
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QMessageBox

from nrstudio.core.data.dataset import Kind, Role
from nrstudio.core.data.validation import validate_dataset
from nrstudio.core.errors import ProjectFileError
from nrstudio.core.modeling.augment import SmoteRegSettings, augment_smote_reg
from nrstudio.core.project.file_format import load_project

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    from nrstudio.gui.app.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings, recovery_folder=tmp_path / "recovery")
    qtbot.addWidget(w)
    project = tmp_path / "work.nrproj"
    project.write_bytes(EXAMPLE.read_bytes())
    assert w.open_path(project)
    w.dialogs = Dialogs(monkeypatch)
    return w


def cell(w, row, name):
    ds = w.doc.dataset
    return ds.table.iat[row, ds.table.columns.get_loc(name)]


def test_table_model_passes_qt_model_tester(qtmodeltester, window):
    doc = window.doc
    result = augment_smote_reg(doc.dataset, SmoteRegSettings(per_subset=1))
    doc.replace_dataset(result.dataset)
    qtmodeltester.check(window.data_page.model)
    qtmodeltester.check(window.data_page.proxy)


def test_edit_undo_redo_restores_exact_values(window):
    model = window.data_page.model
    index = model.index(3, 5)  # row 4, "Average Length (nm)"
    assert model.data(index, Qt.ItemDataRole.EditRole) == "21"
    assert model.setData(index, "21.125")
    assert cell(window, 3, "Average Length (nm)") == 21.125
    assert window.doc.dirty and window.isWindowModified()
    window.window_actions.undo.trigger()
    assert cell(window, 3, "Average Length (nm)") == 21.0
    assert not window.doc.dirty
    window.window_actions.redo.trigger()
    assert cell(window, 3, "Average Length (nm)") == 21.125


def test_non_numeric_entry_is_refused_with_a_reason(window, qtbot):
    model = window.data_page.model
    with qtbot.waitSignal(model.edit_refused) as sig:
        assert not model.setData(model.index(0, 3), "6O")
    assert "'6O' is not a number" in sig.args[0] and "Core amount" in sig.args[0]
    assert cell(window, 0, "Core amount (nmol)") == 60.0
    assert window.doc.undo_stack.count() == 0
    assert model.setData(model.index(0, 3), "4,5")  # a decimal comma is understood
    assert cell(window, 0, "Core amount (nmol)") == 4.5


def test_paste_a_3x4_block_and_undo(window):
    page = window.data_page
    page.view.setCurrentIndex(page.proxy.index(1, 2))
    block = "500\t11\t100\t30\n501\t12\t101\t31\n502\t13\t102\t32\n"
    assert page.paste(block)
    assert [cell(window, r, "Core absorption edge (nm)") for r in (1, 2, 3)] == [500, 501, 502]
    assert [cell(window, r, "Average Length (nm)") for r in (1, 2, 3)] == [30, 31, 32]
    assert window.doc.undo_stack.count() == 1
    window.window_actions.undo.trigger()
    assert cell(window, 1, "Core absorption edge (nm)") == 517.0


def test_paste_past_the_end_adds_rows_and_refuses_bad_values(window):
    page = window.data_page
    page.view.setCurrentIndex(page.proxy.index(27, 1))
    assert page.paste("29\t600\n30\t610\n")  # overwrites the last row, adds one
    assert len(window.doc.dataset) == 29
    assert cell(window, 27, "Sample") == "29" and cell(window, 28, "Sample") == "30"
    assert cell(window, 28, "Core absorption edge (nm)") == 610.0
    before = len(window.doc.dataset)
    page.view.setCurrentIndex(page.proxy.index(0, 2))
    assert not page.paste("480\nabc\n")
    assert window.dialogs.shown[-1][0] == "warning" and "'abc'" in window.dialogs.shown[-1][1]
    assert cell(window, 0, "Core absorption edge (nm)") == 489.0 and len(window.doc.dataset) == before


def test_copy_gives_tab_separated_text(window):
    page = window.data_page
    sel = page.view.selectionModel()
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    sel.select(QItemSelection(page.proxy.index(0, 1), page.proxy.index(1, 3)),
               QItemSelectionModel.SelectionFlag.ClearAndSelect)
    assert page.copy_selection() == "1\t489\t60\n2\t517\t15"


def test_rows_columns_and_roles_are_undoable(window):
    page = window.data_page
    page.view.selectRow(0)
    page.delete_rows()
    assert len(window.doc.dataset) == 27
    page.set_role("S amount (mg)", Role.IGNORED)
    assert "S amount (mg)" not in window.doc.dataset.inputs
    window.window_actions.undo.trigger()
    window.window_actions.undo.trigger()
    assert len(window.doc.dataset) == 28 and "S amount (mg)" in window.doc.dataset.inputs


def test_validation_flag_checkbox_and_highlight(window):
    model = window.data_page.model
    assert model.setData(model.index(2, 0), Qt.CheckState.Checked.value,
                         Qt.ItemDataRole.CheckStateRole)
    assert window.doc.dataset.is_validation[2]
    # a missing input leaves the row out: the cell is marked with the reason in its tooltip
    assert model.setData(model.index(4, 3), "")
    assert model.data(model.index(4, 3), Qt.ItemDataRole.BackgroundRole) is not None
    assert "left out of training" in model.data(model.index(4, 3), Qt.ItemDataRole.ToolTipRole)
    # a typo is an error, a missing-value marker is not
    assert not model.setData(model.index(5, 3), "2O")
    assert model.setData(model.index(5, 3), "n/a")
    assert window.doc.dataset.table.iat[5, 2] != window.doc.dataset.table.iat[5, 2]  # NaN
    # Many gaps in a column are one finding in the list, and still every cell is marked
    for row in range(6, 12):
        assert model.setData(model.index(row, 3), "")
    [summary] = [f for f in window.doc.validation().warnings if f.column == "Core amount (nmol)"]
    assert summary.message.startswith("missing input in 8 rows")
    for row in (4, 5, *range(6, 12)):
        assert model.data(model.index(row, 3), Qt.ItemDataRole.BackgroundRole) is not None
        assert "missing input in 8 rows" in model.data(model.index(row, 3),
                                                       Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(12, 3), Qt.ItemDataRole.BackgroundRole) is None


def test_synthetic_rows_are_read_only(window):
    doc = window.doc
    doc.replace_dataset(augment_smote_reg(doc.dataset, SmoteRegSettings(per_subset=2)).dataset)
    model = window.data_page.model
    synthetic_row = 30
    assert not model.flags(model.index(synthetic_row, 2)) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(model.index(synthetic_row, 2), "1")
    tip = model.data(model.index(synthetic_row, 2), Qt.ItemDataRole.ToolTipRole)
    assert "synthetic row" in tip


def test_filter_and_sort(window):
    page = window.data_page
    page.filter.setText("539")
    assert page.proxy.rowCount() == 3
    page.filter.setText("")
    # Sorting is in the header's menu (a header click selects the column).
    menu = page.column_menu(4)  # dataset column 4 = table column 5, the length
    next(a for a in menu.actions() if a.text() == "Sort descending").trigger()
    top = page.proxy.mapToSource(page.proxy.index(0, 5)).row()
    assert cell(window, top, "Average Length (nm)") == 128.0
    next(a for a in page.column_menu(4).actions() if a.text() == "File order").trigger()
    assert page.proxy.mapToSource(page.proxy.index(0, 5)).row() == 0


def test_close_with_unsaved_changes_asks(window, tmp_path):
    model = window.data_page.model
    model.setData(model.index(0, 5), "41")
    window.dialogs.answer = QMessageBox.StandardButton.Cancel
    assert not window.close()  # cancelled: still open, still dirty
    assert window.doc.dirty
    window.dialogs.answer = QMessageBox.StandardButton.Save
    assert window.close()
    assert load_project(tmp_path / "work.nrproj").dataset.values(["Average Length (nm)"])[0, 0] == 41


def test_failed_save_keeps_the_work(window, monkeypatch):
    model = window.data_page.model
    model.setData(model.index(0, 5), "42")

    def fail(*args, **kwargs):
        raise ProjectFileError("cannot save work.nrproj: the disk is full; nothing was overwritten")

    monkeypatch.setattr("nrstudio.gui.app.main_window.save_project", fail)
    assert not window.save()
    assert window.dialogs.shown[-1][0] == "critical" and "disk is full" in window.dialogs.shown[-1][1]
    assert window.doc.dirty and cell(window, 0, "Average Length (nm)") == 42.0


def test_bad_or_newer_file_shows_the_reason_and_keeps_the_open_project(window, tmp_path):
    bad = tmp_path / "bad.nrproj"
    bad.write_text("not a project")
    assert not window.open_path(bad)
    assert "not an NR Studio project" in window.dialogs.shown[-1][1]
    assert window.doc.path == tmp_path / "work.nrproj" and len(window.doc.dataset) == 28
    assert not window.open_path(tmp_path / "notes.docx")
    assert "opens .nrproj" in window.dialogs.shown[-1][1]


def test_autosave_writes_a_recovery_copy_and_next_start_offers_it(window, qtbot, tmp_path,
                                                                   monkeypatch):
    from nrstudio.gui.app.main_window import MainWindow

    assert not window.autosave()  # nothing unsaved, nothing written
    model = window.data_page.model
    model.setData(model.index(0, 5), "43")
    assert window.autosave()
    model.setData(model.index(0, 5), "44")  # an edit while the copy is written in the background
    assert window.autosaver.wait()
    assert window.recovery.path.is_file() and "Recovery copy saved" in \
        window.statusBar().currentMessage()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    # While the copy that wrote it runs, its recovery file is its own: not offered, not
    # removed by a second copy.
    running = MainWindow(settings, recovery_folder=tmp_path / "recovery")
    qtbot.addWidget(running)
    assert not running.offer_recovery() and window.recovery.path.is_file()
    # "crash": the first window's process is gone. A new start finds the copy and offers it.
    meta = window.recovery.path.with_suffix(".json")
    info = json.loads(meta.read_text())
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    info["pid"] = gone.pid
    meta.write_text(json.dumps(info))
    second = MainWindow(settings, recovery_folder=tmp_path / "recovery")
    qtbot.addWidget(second)
    window.dialogs.answer = QMessageBox.StandardButton.Yes
    assert second.offer_recovery()
    assert "did not close normally" in window.dialogs.shown[-1][1]
    assert cell(second, 0, "Average Length (nm)") == 43.0  # the copy is of the moment it began
    assert second.doc.dirty and second.doc.path == tmp_path / "work.nrproj"
    assert not second.offer_recovery()  # offered once


def test_import_table_through_the_dialog(window, tmp_path, monkeypatch):
    from nrstudio.gui.data.import_dialog import ImportDialog

    csv = tmp_path / "runs.csv"
    csv.write_text("Run;Core amount (nmol);S amount (mg);Average Length (nm)\n"
                   "a;10;110;40,5\nb;20;120;35,0\n")
    window.dialogs.answer = QMessageBox.StandardButton.Discard
    seen = {}

    def accept(dialog):
        dialog.wait_for_reads()  # read in the background
        seen["notes"] = dialog.notes.text()
        seen["roles"] = {n: str(dialog.role_of(n)[0]) for n in dialog.role_boxes}
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        dialog.wait_for_reads()  # typed by the confirmed roles in the background
        return dialog.result()

    monkeypatch.setattr(ImportDialog, "exec", accept)
    assert window.open_path(csv)
    assert "decimal comma" in seen["notes"]
    assert seen["roles"] == {"Run": "sample_id", "Core amount (nmol)": "input",
                             "S amount (mg)": "input", "Average Length (nm)": "target"}
    assert cell(window, 0, "Average Length (nm)") == 40.5
    assert window.doc.path is None and window.doc.dirty


def test_drop_a_project_file_opens_it(window, tmp_path):
    other = tmp_path / "other.nrproj"
    other.write_bytes(EXAMPLE.read_bytes())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.doc.path == other
    assert window.recent_files()[0] == str(other)


def test_background_job_reports_progress_and_cancels(window, qtbot):
    from nrstudio.core.modeling.network_settings import NetworkSettings
    from nrstudio.core.modeling.predict import train_final_models

    ds = window.doc.dataset
    seen = []
    window.jobs.progress.connect(lambda f, s: seen.append(f))
    with qtbot.waitSignal(window.jobs.finished, timeout=60_000) as done:
        window.jobs.start("Training", lambda ctx: train_final_models(
            ds, NetworkSettings(max_epochs=2), SmoteRegSettings(per_subset=1), 1,
            progress=ctx.progress, cancel=ctx.cancelled))
    assert done.args[0] == "Training" and seen and max(seen) == pytest.approx(1.0)
    with qtbot.waitSignal(window.jobs.cancelled, timeout=30_000):
        window.jobs.start("Long training", lambda ctx: train_final_models(
            ds, NetworkSettings(max_epochs=100_000, patience=0), progress=ctx.progress,
            cancel=ctx.cancelled))
        qtbot.wait(300)
        assert window.job_status.isVisible() or window.jobs.busy
        window.job_status.cancel.click()
    assert not window.jobs.busy


def test_new_project_is_the_nanorod_template(window):
    window.dialogs.answer = QMessageBox.StandardButton.Discard
    window.data_page.model.setData(window.data_page.model.index(0, 5), "1")
    window.new()
    ds = window.doc.dataset
    assert len(ds) == 0 and ds.inputs == ["Core absorption edge (nm)", "Core amount (nmol)",
                                          "S amount (mg)"]
    assert window.windowTitle().startswith("Untitled") and not window.doc.dirty


def test_import_dialog_types_a_column_by_its_confirmed_role(window, tmp_path):
    """A column guessed as text and confirmed as an input keeps the file's decimal comma."""
    from nrstudio.gui.data.import_dialog import ImportDialog

    csv = tmp_path / "notes.csv"
    csv.write_text("Run;Core amount (nmol);Remark;Average Length (nm)\n"
                   "a;10;4,5;40,5\nb;20;high;35,0\nc;30;much;30,0\n")
    dialog = ImportDialog(csv, window)
    dialog.wait_for_reads()
    assert dialog.role_of("Remark")[0] == Role.IGNORED
    dialog.choose("Remark", Role.INPUT, Kind.NUMBER)
    ds = dialog.dataset()
    assert ds.column("Remark").role == Role.INPUT
    assert ds.table["Remark"].tolist()[:2] == [4.5, "high"]  # a number, and a typo kept as text


def test_import_dialog_on_a_wide_own_table_scrolls_fits_and_explains(window, tmp_path):
    """33+ columns, markers, text conditions: the dialog fits 1366 x 768, its column list
    scrolls, it names why columns are ignored or left out, and the markers can change."""
    from nrstudio.core.data.synthetic_tables import make_synthesis_table
    from nrstudio.gui.data.import_dialog import ImportDialog

    t = make_synthesis_table(80, n_numeric=24, n_categories=5, seed=8)
    frame = t.conditions.copy()
    frame["Reference"] = [f"doi:10.1/{i}" for i in range(len(frame))]
    csv = tmp_path / "wide.csv"
    frame.to_csv(csv, index=False)
    window.resize(1366, 768)
    dialog = ImportDialog(csv, window)
    dialog.wait_for_reads()
    assert dialog.height() <= 768 and dialog.width() <= 1366
    assert dialog.roles_scroll.widget().sizeHint().height() > dialog.roles_scroll.height()
    reasons = {w.objectName(): w.text() for w in dialog.findChildren(QLabel)
               if w.objectName().startswith("why:")}
    assert "different text" in reasons["why:Reference"]
    assert "left out of the models" in reasons[f"why:{t.constant_input}"]
    assert dialog.role_of("Reagent 1") == (Role.INPUT, Kind.CATEGORY)
    assert not any("not a number" in f.message for f in validate_dataset(dialog.dataset()).errors)
    dialog.markers.setText("NA")
    dialog.markers.editingFinished.emit()
    dialog.wait_for_reads()
    assert validate_dataset(dialog.dataset()).has_errors  # '-' and '?' are now typos


def test_import_dialog_says_why_a_column_computed_from_an_outcome_is_a_target(window,
                                                                              tmp_path):
    """A band gap written as a script computed it from the peak is shown as a target, with
    the relation found beside its role."""
    from nrstudio.gui.data.import_dialog import ImportDialog

    peaks = [480.0 + 2.37 * k + 0.01 * k * k for k in range(12)]
    csv = tmp_path / "gap.csv"
    csv.write_text("Time (s),Abs_peak_nm,Eg_prime_eV\n" + "".join(
        f"{20 * (k + 1)},{p:.2f},{1240 / round(p, 2)!r}\n" for k, p in enumerate(peaks)),
        encoding="utf-8")
    dialog = ImportDialog(csv, window)
    dialog.wait_for_reads()
    assert dialog.role_of("Eg_prime_eV")[0] == Role.TARGET
    reasons = {w.objectName(): w.text() for w in dialog.findChildren(QLabel)
               if w.objectName().startswith("why:")}
    assert "a target:" in reasons["why:Eg_prime_eV"]
    assert "Eg_prime_eV = 1240 / Abs_peak_nm" in reasons["why:Eg_prime_eV"]
    assert "why:Time (s)" not in reasons


def test_import_dialog_opens_on_the_sheet_it_read(window, tmp_path):
    """A cover sheet of notes comes first: the dialog reads the data sheet and its sheet box
    says so (it showed the cover's name over the data's preview)."""
    import openpyxl

    from nrstudio.gui.data.import_dialog import ImportDialog

    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["Lengths from TEM"])
    data = wb.create_sheet("Runs")
    data.append(["Sample", "T (°C)", "Length (nm)"])
    for i in range(5):
        data.append([f"S{i}", 180 + 10 * i, 20 + i])
    path = tmp_path / "cover.xlsx"
    wb.save(path)
    dialog = ImportDialog(path, window)
    dialog.wait_for_reads()
    assert dialog.sheet.currentText() == "Runs"
    assert dialog.dataset().targets == ["Length (nm)"]


def test_the_status_bar_says_the_time_left_and_the_whole_runs_length():
    from nrstudio.gui.app.job_status import time_text

    assert time_text(1.0, 0.0) == ""  # nothing to go on yet
    assert time_text(5.0, 0.0) == "timing the first steps"
    assert time_text(30.0, 0.25) == "about 90 s left of about 2 min"
    assert time_text(60.0, 0.2) == "about 4 min left of about 5 min"
    assert time_text(60.0, 1.0) == ""


def test_the_status_bar_never_runs_backwards_when_the_forecast_grows(qtbot):
    """A job's fraction is its share of the expected time: it drops when the forecast grows
    (72% -> 67% on a 45-row table's networks) or while a stage ahead has no forecast (0)."""
    from nrstudio.gui.app.job_status import JobStatus
    from nrstudio.gui.app.jobs import JobRunner

    runner = JobRunner()
    status = JobStatus(runner)
    qtbot.addWidget(status)
    runner.started.emit("Training")
    for fraction in (0.2, 0.72, 0.67, 0.0, 0.8):
        runner.progress.emit(fraction, "epoch")
    assert status.bar.value() == 800
    runner.progress.emit(0.5, "epoch")
    assert status.bar.value() == 800
    runner.started.emit("Explaining")  # a new job starts from nothing
    assert status.bar.value() == 0


def test_the_command_lines_percent_never_goes_back(capsys):
    from nrstudio.commands.registry import progress_printer

    show = progress_printer()
    for fraction, stage in ((0.1, "a"), (0.72, "epoch 119"), (0.67, "epoch 120"),
                            (0.0, "b")):
        show(fraction, stage)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-2:] == ["[ 72%] epoch 120", "[ 72%] b"]
