"""A drawing cut into steps runs one step per turn of the event loop; a new one replaces it."""

from PySide6.QtCore import QObject

from nrstudio.gui.app.in_turns import InTurns


def _steps(log: list[str], name: str, n: int):
    for i in range(n):
        log.append(f"{name}{i}")
        yield


def test_one_step_now_the_others_in_later_turns(qtbot):
    owner = QObject()  # kept: the drawing lives as long as its owner
    drawing = InTurns(owner)
    log: list[str] = []
    drawing.start(_steps(log, "a", 3))
    assert log == ["a0"] and drawing.running  # the first step at once, not the rest
    qtbot.waitUntil(lambda: not drawing.running)
    assert log == ["a0", "a1", "a2"]


def test_a_new_drawing_drops_what_is_left_of_the_one_before(qtbot):
    owner = QObject()  # kept: the drawing lives as long as its owner
    drawing = InTurns(owner)
    log: list[str] = []
    drawing.start(_steps(log, "a", 3))
    drawing.start(_steps(log, "b", 2))
    qtbot.waitUntil(lambda: not drawing.running)
    qtbot.wait(20)
    assert log == ["a0", "b0", "b1"]
    drawing.start(_steps(log, "c", 3))
    drawing.stop()
    qtbot.wait(20)
    assert log == ["a0", "b0", "b1", "c0"] and not drawing.running


def test_a_step_may_start_another_drawing(qtbot):
    owner = QObject()  # kept: the drawing lives as long as its owner
    drawing = InTurns(owner)
    log: list[str] = []

    def outer():
        log.append("outer0")
        yield
        drawing.start(_steps(log, "inner", 2))
        yield
        log.append("never")

    drawing.start(outer())
    qtbot.waitUntil(lambda: not drawing.running)
    qtbot.wait(20)
    assert log == ["outer0", "inner0", "inner1"]
