"""Import a CSV/XLSX table: sheet choice, the "no value" markers, a preview, and the guessed
roles and units to confirm (in a scrolling list that fits a 1366 x 768 screen), with the
reason for every column that will be ignored, and for a text condition with too many levels
the offer to keep its most frequent ones."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.data.column_guessing import category_cells, why_ignored
from nrstudio.core.data.dataset import MISSING_MARKERS, Column, Dataset, Kind, Role, format_cell
from nrstudio.core.data.frequent_levels import frequent_levels, pool_rare_levels
from nrstudio.core.data.table_io import RawTable, dataset_from_raw, list_sheets, read_table
from nrstudio.core.data.training_rows import choose_inputs
from nrstudio.core.data.validation import validate_dataset
from nrstudio.core.errors import DataError

PREVIEW_ROWS = 20
# (role, kind or None for "as read", label)
ROLE_CHOICES = [(Role.SAMPLE_ID, Kind.TEXT, "sample id"), (Role.INPUT, Kind.NUMBER, "input"),
                (Role.INPUT, Kind.CATEGORY, "input (category)"),
                (Role.TARGET, Kind.NUMBER, "target"), (Role.IGNORED, None, "ignored")]


def _choice_index(col: Column) -> int:
    for k, (role, kind, _) in enumerate(ROLE_CHOICES):
        if role == col.role and (kind is None or kind == col.kind or role != Role.INPUT):
            return k
    return len(ROLE_CHOICES) - 1


class ImportDialog(QDialog):
    """Raises DataError from the constructor when the file cannot be read at all."""

    def __init__(self, path: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"Import {self.path.name}")
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        self.resize(min(960, int(screen.width() * 0.9)), min(760, int(screen.height() * 0.9)))
        self.sheet = QComboBox()
        self.is_xlsx = self.path.suffix.lower() in (".xlsx", ".xlsm")
        if self.is_xlsx:
            self.sheet.addItems(list_sheets(self.path))
            self.sheet.currentTextChanged.connect(lambda _: self._load())
        self.preview = QTableWidget()
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.markers = QLineEdit(", ".join(MISSING_MARKERS))
        self.markers.setToolTip("Cell texts read as 'no value', separated by commas (blank "
                                "cells always are). Change them and press Enter.")
        self.markers.editingFinished.connect(self._markers_changed)
        self.roles_form = QFormLayout()
        self.role_boxes: dict[str, tuple[QComboBox, QLineEdit]] = {}
        roles_box = QWidget()
        roles_box.setLayout(self.roles_form)
        self.roles_scroll = QScrollArea()
        self.roles_scroll.setWidgetResizable(True)
        self.roles_scroll.setWidget(roles_box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        if self.is_xlsx:
            form.addRow("Sheet:", self.sheet)
        form.addRow("Read as no value:", self.markers)
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>Preview</b> (first rows, as they will be read)"))
        layout.addWidget(self.preview, 2)
        layout.addWidget(QLabel("<b>Columns</b>: confirm the guessed role and unit"))
        layout.addWidget(self.roles_scroll, 3)
        layout.addWidget(self.notes)
        layout.addWidget(self.buttons)
        self.raw: RawTable | None = None
        self._load()

    def role_of(self, name: str) -> tuple[Role, Kind | None]:
        """The role and kind chosen for a column."""
        role, kind, _ = ROLE_CHOICES[int(self.role_boxes[name][0].currentData())]
        return role, kind

    def choose(self, name: str, role: Role, kind: Kind | None = None) -> None:
        """Choose a column's role (and kind, for an input)."""
        for k, (r, kd, _) in enumerate(ROLE_CHOICES):
            if r == role and (kind is None or kd == kind):
                self.role_boxes[name][0].setCurrentIndex(k)
                return
        raise ValueError(f"no choice {role} / {kind}")

    def missing_markers(self) -> tuple[str, ...]:
        return tuple(m.strip() for m in self.markers.text().split(",") if m.strip())

    def _markers_changed(self) -> None:
        if self.raw is not None:
            self._show(self._guess())

    def _guess(self) -> Dataset:
        return dataset_from_raw(self.raw, None, self.missing_markers())  # type: ignore[arg-type]

    def _load(self) -> None:
        self.raw = read_table(self.path, self.sheet.currentText() if self.is_xlsx else None)
        self._show(self._guess())

    def _show(self, guessed: Dataset) -> None:
        self.guessed_kinds = {c.name: c.kind for c in guessed.columns}
        left_out = choose_inputs(guessed).left_out
        conditions = category_cells(guessed)
        self._show_preview(guessed)
        while self.roles_form.rowCount():
            self.roles_form.removeRow(0)
        self.role_boxes.clear()
        self.keep_boxes: dict[str, tuple[QCheckBox, tuple[str, ...]]] = {}
        for col in guessed.columns:
            role = QComboBox()
            for k, (_, _, label) in enumerate(ROLE_CHOICES):
                role.addItem(label, k)
            role.setCurrentIndex(_choice_index(col))
            unit = QLineEdit(col.unit)
            unit.setMaximumWidth(90)
            row = QWidget()
            h = QHBoxLayout(row)
            h.setContentsMargins(0, 0, 0, 0)
            h.addWidget(role)
            h.addWidget(QLabel("unit"))
            h.addWidget(unit)
            cells = guessed.table[col.name].tolist()
            reason_of = why_ignored(col, cells, conditions)
            why = reason_of.words
            if why or col.name in left_out:
                text = f"ignored: {why}" if why else f"left out of the models: {left_out[col.name]}"
                reason = QLabel(f"<i>{text}</i>")
                reason.setObjectName(f"why:{col.name}")
                reason.setStyleSheet("color:#a05a00")
                reason.setWordWrap(True)  # a long reason wraps instead of scrolling sideways
                h.addWidget(reason, 1)
            if reason_of.crowded:
                offer = frequent_levels(cells)
                keep = QCheckBox(offer.describe())
                keep.setObjectName(f"keep:{col.name}")
                keep.toggled.connect(lambda on, n=col.name: on and self.choose(
                    n, Role.INPUT, Kind.CATEGORY))
                self.keep_boxes[col.name] = (keep, offer.kept)
                h.addWidget(keep)
            h.addStretch(1)
            self.roles_form.addRow(col.name, row)
            self.role_boxes[col.name] = (role, unit)
        report = validate_dataset(guessed)
        notes = [f"note: {n}" for n in self.raw.notes]
        notes.append(f"{len(guessed)} rows; validation: {len(report.errors)} errors, "
                     f"{len(report.warnings)} warnings (shown in the table after import)")
        self.notes.setText("<br>".join(notes))

    def _show_preview(self, ds: Dataset) -> None:
        t = self.preview
        t.clear()
        n = min(len(ds), PREVIEW_ROWS)
        t.setRowCount(n)
        t.setColumnCount(len(ds.columns))
        t.setHorizontalHeaderLabels([c.name for c in ds.columns])
        for j in range(len(ds.columns)):
            for i in range(n):
                t.setItem(i, j, QTableWidgetItem(format_cell(ds.table.iat[i, j])))
        t.resizeColumnsToContents()

    def dataset(self) -> Dataset:
        """The imported dataset with the confirmed roles and units. Cells are typed by the
        confirmed roles (with the file's decimal separator), not re-typed afterwards."""
        if self.raw is None:
            raise DataError("nothing was read")
        overrides = {}
        for name, (box, unit) in self.role_boxes.items():
            role, kind, _ = ROLE_CHOICES[int(box.currentData())]
            overrides[name] = Column(name, role, unit.text().strip(),
                                     kind or self.guessed_kinds[name])
        dataset = dataset_from_raw(self.raw, overrides, self.missing_markers())
        for name, (box, kept) in self.keep_boxes.items():
            if box.isChecked() and self.role_of(name)[0] == Role.INPUT:
                pool_rare_levels(dataset, name, kept)
        return dataset
