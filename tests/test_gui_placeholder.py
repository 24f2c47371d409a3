import pytest
from conftest import EXAMPLE

pytest.importorskip("PySide6", reason="GUI tests need PySide6")
pytestmark = pytest.mark.gui


def test_window_opens_example_and_refuses_bad_file(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from nrstudio.gui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    assert w.open_path(str(EXAMPLE))
    assert w.table.rowCount() == 28 and w.table.item(0, 4).text() == "40"
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    bad = tmp_path / "bad.nrproj"
    bad.write_text("nope")
    assert not w.open_path(str(bad))
    assert shown and "not an NR Studio project" in shown[0]
    assert w.table.rowCount() == 28  # the open data is kept
