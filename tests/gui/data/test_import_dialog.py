"""The import dialog reads, guesses and types a table off the window's thread; a file it
cannot read closes it with the reason; a workbook's sheets (XLSX or ODS) are chosen in it."""

import threading
import time

import pandas as pd
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from nrstudio.core.data.dataset import Role
from nrstudio.gui.data import import_dialog
from nrstudio.gui.data.import_dialog import ImportDialog


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    from helpers.gui import Dialogs, make_window

    w = make_window(qtbot, tmp_path)
    w.dialogs = Dialogs(monkeypatch, QMessageBox.StandardButton.Discard)
    return w


def _csv(tmp_path, name="runs.csv"):
    path = tmp_path / name
    path.write_text("Run,T (°C),t (min),L (nm)\n" + "\n".join(
        f"r{i},{180 + i},{5 + i % 3},{20 + i}" for i in range(8)) + "\n", encoding="utf-8")
    return path


def test_the_table_is_read_and_typed_off_the_windows_thread(window, tmp_path, monkeypatch):
    threads = []
    slow_preview, slow_typed = import_dialog.preview_import, import_dialog._typed

    def preview(*args, **kwargs):
        threads.append(threading.current_thread())
        time.sleep(0.3)  # a large table
        return slow_preview(*args, **kwargs)

    def typed(*args, **kwargs):
        threads.append(threading.current_thread())
        return slow_typed(*args, **kwargs)

    monkeypatch.setattr(import_dialog, "preview_import", preview)
    monkeypatch.setattr(import_dialog, "_typed", typed)
    started = time.perf_counter()
    dialog = ImportDialog(_csv(tmp_path), window)
    assert time.perf_counter() - started < 0.25  # the dialog did not wait for the read
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and not dialog.role_boxes and "Reading" in dialog.notes.text()
    dialog.wait_for_reads()
    assert ok.isEnabled() and dialog.role_of("L (nm)")[0] == Role.TARGET
    ok.click()
    dialog.wait_for_reads()
    assert dialog.result() == 1 and dialog.imported is not None
    assert dialog.imported.targets == ["L (nm)"]
    assert len(threads) == 2 and threading.main_thread() not in threads


def test_a_file_that_cannot_be_read_closes_the_dialog_with_the_reason(window, tmp_path):
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b\n1,2\n3,4,5,6\n", encoding="utf-8")
    # Should the dialog stay open, this ends the test instead of waiting for a click.
    QTimer.singleShot(20_000, lambda: (m := QApplication.activeModalWidget()) and m.reject())
    assert not window.open_path(bad)  # the real exec(): its event loop gets the failure
    [(kind, text)] = window.dialogs.shown
    assert kind == "warning" and "ragged.csv: line 3 has 4 fields" in text


def test_opening_an_ods_workbook_chooses_among_its_sheets(window, tmp_path, monkeypatch):
    path = tmp_path / "book.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame({"Remarks": ["nothing here"]}).to_excel(writer, sheet_name="Notes",
                                                             index=False)
        pd.DataFrame({"T (°C)": [180, 190, 200, 210, 220, 230],
                      "PL peak (nm)": [470, 480, 490, 500, 505, 512]}).to_excel(
            writer, sheet_name="Runs", index=False)
    seen = {}

    def choose_sheet(dialog):
        dialog.wait_for_reads()
        seen["sheets"] = [dialog.sheet.itemText(i) for i in range(dialog.sheet.count())]
        # the first sheet holds no table (one column of notes): the dialog opens on 'Runs'
        seen["first"] = (dialog.sheet.currentText(), list(dialog.role_boxes))
        dialog.sheet.setCurrentText("Notes")  # still there to choose
        dialog.wait_for_reads()
        seen["notes"] = list(dialog.role_boxes)
        dialog.sheet.setCurrentText("Runs")
        dialog.wait_for_reads()
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        dialog.wait_for_reads()
        return dialog.result()

    monkeypatch.setattr(ImportDialog, "exec", choose_sheet)
    assert window.open_path(path)
    assert seen == {"sheets": ["Notes", "Runs"], "first": ("Runs", ["T (°C)", "PL peak (nm)"]),
                    "notes": ["Remarks"]}
    assert window.doc.dataset.targets == ["PL peak (nm)"] and len(window.doc.dataset) == 6


def _reagent_list(tmp_path, reagents=300, slots=6):
    """A literature table's reagent list: ``slots`` (amount, reagent) pairs over
    ``reagents`` reagents, spread on import into one column per reagent."""
    header = ["Sample", "T (°C)"] + ["amount/mmol", "reagent"] * slots + ["D (nm)"]
    lines = [",".join(header)]
    for i in range(reagents * 2):
        pairs = [f"{1 + (i + k) % 5},R{(i * 7 + k * 13) % reagents}" for k in range(slots)]
        lines.append(",".join([f"s{i}", str(150 + i % 90), *pairs, str(4 + i % 11)]))
    path = tmp_path / "list.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_wide_table_lists_its_columns_a_lot_at_a_time(window, qtbot, tmp_path):
    """A reagent list spread into hundreds of columns: the column list is built a lot at a
    time between turns of the event loop (built at once it held the window's thread for
    0.5 s), and OK pressed meanwhile still confirms every column."""
    dialog = ImportDialog(_reagent_list(tmp_path), window)
    qtbot.waitUntil(lambda: dialog.raw is not None, timeout=30_000)
    assert len(dialog.raw.header) == 303
    assert 0 < len(dialog.role_boxes) < 303  # the first lots only
    assert dialog.preview.model().columnCount() == 303
    assert dialog.preview.model().rowCount() == import_dialog.PREVIEW_ROWS
    qtbot.waitUntil(lambda: len(dialog.role_boxes) == 303, timeout=30_000)
    # Read again (the no-value marks changed): a new list, a lot at a time again.
    dialog.markers.setText("NA, ?")
    dialog.markers.editingFinished.emit()
    qtbot.waitUntil(lambda: 0 < len(dialog.role_boxes) < 303, timeout=30_000)
    dialog.choose("R5 (mmol)", Role.IGNORED)  # a row not built yet is built to be chosen
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.click()
    dialog.wait_for_reads()
    assert dialog.imported is not None and len(dialog.imported.columns) == 303
    assert dialog.imported.column("R5 (mmol)").role == Role.IGNORED
    assert dialog.imported.column("R6 (mmol)").role == Role.INPUT
