"""Small layout helpers shared by the pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, SignalInstance
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nrstudio.gui.app.jobs import JobRunner
from nrstudio.gui.app.wheel_guard import guard_wheel


def form_layout(rows: Sequence[tuple[str, QWidget | QLayout]]) -> QFormLayout:
    """A form with one labelled row per (label, field)."""
    form = QFormLayout()
    for label, field in rows:
        form.addRow(label, field)
    return form


def call_on_click(signal: SignalInstance, slot: Callable[[], object]) -> None:
    """Connect a button's ``clicked`` or an action's ``triggered`` to ``slot``, called with
    no argument. Connected directly, Qt's ``checked`` flag fills a slot's first optional
    parameter: *Export predictions…* got the path False, *Add column…* the position 0."""
    signal.connect(lambda _=False: slot())


def button_row(buttons: Sequence[tuple[str, Callable[[], object]]]) -> QHBoxLayout:
    """Push buttons side by side, left-aligned, each calling its slot."""
    row = QHBoxLayout()
    for text, slot in buttons:
        button = QPushButton(text)
        call_on_click(button.clicked, slot)
        row.addWidget(button)
    row.addStretch(1)
    return row


def narrow_combo(box: QComboBox, chars: int = 16) -> QComboBox:
    """Let ``box`` be as narrow as ``chars`` characters, however long its items: choices
    explained in words must not set the width of a page (they pushed pages wider than a
    1366 px screen). The drop-down list still shows every item whole."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(chars)
    box.view().setMinimumWidth(box.view().sizeHintForColumn(0) + 24)
    return guard_wheel(box)


def scroll_column(*items: QWidget | QLayout, stretch: bool = True) -> QScrollArea:
    """Widgets and layouts stacked top to bottom (pushed up by a stretch; without
    ``stretch``, the last item takes the room left) in a scroll area that resizes them to
    its width: a page's column of settings must not make the window taller than a laptop
    screen."""
    column = QWidget()
    layout = QVBoxLayout(column)
    for k, item in enumerate(items):
        if isinstance(item, QLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item, 0 if stretch or k < len(items) - 1 else 1)
    if stretch:
        layout.addStretch(1)
    scroll = _ColumnScroll()
    scroll.setWidgetResizable(True)
    scroll.setWidget(column)
    return scroll


class _ColumnScroll(QScrollArea):
    """Scrolls down, never sideways: it asks for the width of its widest control, whatever
    a page adds later (a sideways scroll bar hid the ends of labels and hints)."""

    def __init__(self) -> None:
        super().__init__()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        width = (inner.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
                 + 2 * self.frameWidth())
        return QSize(max(hint.width(), width), hint.height())


def disable_while_busy(jobs: JobRunner, *widgets: QWidget) -> None:
    """Grey out ``widgets`` while a background job runs (one job at a time)."""
    for w in widgets:
        jobs.started.connect(lambda _, w=w: w.setEnabled(False))
        jobs.idle.connect(lambda w=w: w.setEnabled(True))


def ok_cancel_buttons(dialog: QDialog) -> QDialogButtonBox:
    """OK and Cancel wired to the dialog's accept and reject."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
