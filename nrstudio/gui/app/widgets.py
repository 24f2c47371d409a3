"""Small layout helpers shared by the pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLayout,
    QPushButton,
    QWidget,
)

from nrstudio.gui.app.jobs import JobRunner


def form_layout(rows: Sequence[tuple[str, QWidget | QLayout]]) -> QFormLayout:
    """A form with one labelled row per (label, field)."""
    form = QFormLayout()
    for label, field in rows:
        form.addRow(label, field)
    return form


def button_row(buttons: Sequence[tuple[str, Callable[[], object]]]) -> QHBoxLayout:
    """Push buttons side by side, left-aligned, each calling its slot."""
    row = QHBoxLayout()
    for text, slot in buttons:
        button = QPushButton(text)
        button.clicked.connect(lambda _=False, s=slot: s())
        row.addWidget(button)
    row.addStretch(1)
    return row


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
