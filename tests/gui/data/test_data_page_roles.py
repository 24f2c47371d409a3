"""The Data page under real input: roles for several columns in one menu, the merge's roles
step, every finding listed with a click to its cell, left-out inputs marked in the header,
and the offer to keep the frequent levels of a text condition with too many."""

import pytest

pytest.importorskip("PySide6", reason="GUI tests need PySide6")
from helpers.gui import Dialogs, make_window
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from nrstudio.core.data.dataset import Kind, Role
from nrstudio.core.data.frequent_levels import OTHER_LEVEL
from nrstudio.core.data.table_io import dataset_from_raw, read_csv_bytes
from nrstudio.core.project.file_format import save_project
from nrstudio.core.project_model import Project
from nrstudio.gui.data.import_dialog import ImportDialog

pytestmark = pytest.mark.gui

CONDITIONS = ("Amostra,Qseed (uL),Qctab (uL),Solvent,Note\n"
              "A1,10,200,water,x\nA2,20,200,water,y\nA3,30,abc,ethanol,z\n"
              "A4,40,200,ethanol,w\nA5,50,200,water,v\n")
OUTCOMES = ("Amostra,WL 2º Pico,Abs 1º Pico,Resultado\n"
            "A1,650,0.8,F\nA2,700,0.9,FI\nA3,720,1.1,NF\nA4,760,1.2,F\nA5,800,1.3,F\n")


@pytest.fixture
def dialogs(monkeypatch):
    return Dialogs(monkeypatch, answer=QMessageBox.StandardButton.Discard)


@pytest.fixture
def window(qtbot, tmp_path, dialogs):
    path = tmp_path / "gold.nrproj"
    save_project(Project(dataset=dataset_from_raw(read_csv_bytes(CONDITIONS.encode()))), path)
    w = make_window(qtbot, tmp_path, path)
    w.resize(1366, 768)
    w.show()
    w.show_page("Data")
    return w


def _select_columns(w, names):
    page = w.data_page
    cols = [c.name for c in w.doc.dataset.columns]
    selection = page.view.selectionModel()
    for name in names:
        index = page.proxy.mapFromSource(page.model.index(0, cols.index(name) + 1))
        selection.select(index, QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Columns)


def test_one_menu_gives_a_role_to_every_selected_column_as_one_undo_step(window):
    page = window.data_page
    _select_columns(window, ["Qseed (uL)", "Qctab (uL)"])
    assert page.selected_column_names() == ["Qseed (uL)", "Qctab (uL)"]
    menu = page.column_menu([c.name for c in window.doc.dataset.columns].index("Qctab (uL)"))
    roles = next(a.menu() for a in menu.actions() if a.menu() is not None)
    assert roles.title() == "Role (2 selected columns)"
    next(a for a in roles.actions() if a.text().startswith("Target")).trigger()
    roles_now = {c.name: c.role for c in window.doc.dataset.columns}
    assert roles_now["Qseed (uL)"] == roles_now["Qctab (uL)"] == Role.TARGET
    window.window_actions.undo.trigger()
    assert window.doc.dataset.column("Qseed (uL)").role == Role.INPUT


def test_a_click_on_a_finding_selects_its_cell(window, qtbot):
    page = window.data_page
    found = [page.findings.item(i).text() for i in range(page.findings.count())]
    typo = next(i for i, text in enumerate(found) if "abc" in text)
    item = page.findings.item(typo)
    rect = page.findings.visualItemRect(item)
    page.findings.scrollToItem(item)
    QTest.mouseClick(page.findings.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    current = page.proxy.mapToSource(page.view.currentIndex())
    assert current.row() == 2
    assert page.model.column_name(current.column()) == "Qctab (uL)"


def test_the_merge_asks_for_roles_and_names_both_files(window, tmp_path, monkeypatch, dialogs):
    path = tmp_path / "outcomes.csv"
    path.write_text(OUTCOMES, encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Amostra", True))
    seen = []

    def confirm(dialog):
        dialog.wait_for_reads()
        seen.append({n: dialog.role_of(n)[0] for n in dialog.role_boxes})
        dialog.choose("Abs 1º Pico", Role.IGNORED)  # the user's change counts
        dialog.accept()
        dialog.wait_for_reads()
        return dialog.result()

    monkeypatch.setattr(ImportDialog, "exec", confirm)
    window.data_page.merge_from_file()
    assert seen and seen[0]["WL 2º Pico"] == Role.TARGET
    ds = window.doc.dataset
    assert ds.column("WL 2º Pico").role == Role.TARGET
    assert ds.column("Abs 1º Pico").role == Role.IGNORED
    assert ds.column("Resultado").role != Role.INPUT
    assert "outcomes.csv" in window.doc.project.notes
    window.doc.undo_stack.undo()  # the join and its note go together
    assert "outcomes.csv" not in window.doc.project.notes
    assert "WL 2º Pico" not in [c.name for c in window.doc.dataset.columns]
    window.doc.undo_stack.redo()
    assert "outcomes.csv" in window.doc.project.notes


def test_left_out_inputs_are_marked_in_their_header(window):
    page = window.data_page
    col = [c.name for c in window.doc.dataset.columns].index("Note") + 1
    header = page.model.headerData(col, Qt.Orientation.Horizontal)
    assert "left out" not in header
    # A constant input: 200 in every training row once the typo is fixed.
    page.model.setData(page.model.index(2, [c.name for c in window.doc.dataset.columns]
                                        .index("Qctab (uL)") + 1), "200")
    j = [c.name for c in window.doc.dataset.columns].index("Qctab (uL)") + 1
    assert "left out" in page.model.headerData(j, Qt.Orientation.Horizontal)


def test_import_offers_to_keep_the_frequent_levels_of_a_many_level_condition(window, tmp_path):
    rows = ["Sample,Precursor,Temp (°C),D/nm"]
    for i in range(120):
        precursor = f"Pb{i}" if i % 3 else ("PbBr2" if i % 2 else "PbO")
        rows.append(f"s{i},{precursor},{100 + i},{5 + i % 7}")
    csv = tmp_path / "mined.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    dialog = ImportDialog(csv, window)
    dialog.wait_for_reads()
    assert dialog.role_of("Precursor")[0] == Role.IGNORED
    assert dialog.role_of("D/nm")[0] == Role.TARGET
    box, kept = dialog.keep_boxes["Precursor"]
    assert "most frequent" in box.text() and "rows" in box.text() and "PbBr2" in kept
    box.setChecked(True)
    assert dialog.role_of("Precursor") == (Role.INPUT, Kind.CATEGORY)
    ds = dialog.dataset()
    levels = set(ds.table["Precursor"])
    assert {"PbBr2", "PbO", OTHER_LEVEL} <= levels and len(levels) <= 30


def test_columns_are_sized_again_when_they_change_not_when_rows_come(window, monkeypatch):
    # Sizing the columns after SMOTE-REG's thousands of rows held the window for over 100 ms
    # on a busy machine, for the widths it already had.
    page = window.data_page
    sized = []
    monkeypatch.setattr(page.view, "resizeColumnsToContents", lambda: sized.append(1))
    more_rows = window.doc.dataset.copy()
    more_rows.table = more_rows.table.iloc[[0, 1, 2, 3, 4] * 40].reset_index(drop=True)
    more_rows.rows = more_rows.rows.iloc[[0, 1, 2, 3, 4] * 40].reset_index(drop=True)
    window.doc.replace_dataset(more_rows)
    assert sized == []
    next(a for a in _role_actions(window, "Qseed (uL)") if a.text().startswith("Target")).trigger()
    assert window.doc.dataset.column("Qseed (uL)").role == Role.TARGET
    assert sized == [1]


def _role_actions(w, name):
    cols = [c.name for c in w.doc.dataset.columns]
    menu = w.data_page.column_menu(cols.index(name))
    return next(a.menu() for a in menu.actions() if a.menu() is not None).actions()


def test_add_column_from_the_toolbar_adds_it_at_the_end(qtbot, window, monkeypatch):
    # Seen with real clicks: the toolbar's "Add column…" put the new column first, before
    # the sample ids (the action's 'checked' argument became the position, False = 0).
    from PySide6.QtWidgets import QToolBar

    page = window.data_page
    names = [c.name for c in window.doc.dataset.columns]
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Temperature (°C)", True))
    button = page.findChild(QToolBar).widgetForAction(page.actions_["add_column"])
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert [c.name for c in window.doc.dataset.columns] == [*names, "Temperature (°C)"]
