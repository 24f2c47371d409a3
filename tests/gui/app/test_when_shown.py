"""Work deferred until a page is seen runs once when it is shown, at once while visible."""

from PySide6.QtWidgets import QWidget

from nrstudio.gui.app.when_shown import WhenShown


def test_work_waits_for_the_page_and_runs_once(qtbot):
    page = QWidget()
    qtbot.addWidget(page)
    calls = []
    drawing = WhenShown(page, lambda: calls.append(1))
    drawing.request()
    drawing.request()
    assert calls == [] and drawing.pending
    page.show()
    qtbot.waitExposed(page)
    assert calls == [1] and not drawing.pending
    drawing.request()  # visible: at once
    assert calls == [1, 1]
    page.hide()
    page.show()  # nothing pending: nothing to do
    assert calls == [1, 1]


def test_later_runs_in_a_later_turn_once_for_several_requests(qtbot):
    page = QWidget()
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    calls = []
    drawing = WhenShown(page, lambda: calls.append(1), later=True)
    drawing.request()
    drawing.request()
    assert calls == []  # not in the turn that asked
    qtbot.waitUntil(lambda: calls == [1])
    qtbot.wait(20)
    assert calls == [1]  # once for both requests
    drawing.request()
    page.hide()  # hidden before its turn: pending until shown again
    qtbot.wait(20)
    assert calls == [1] and drawing.pending
    page.show()
    qtbot.waitExposed(page)
    assert calls == [1, 1]
