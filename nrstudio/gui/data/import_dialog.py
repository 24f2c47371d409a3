"""Import a CSV/XLSX table: sheet choice, a preview, and the guessed roles and units to confirm."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.data.dataset import Column, Dataset, Kind, Role, format_cell
from nrstudio.core.data.table_io import RawTable, dataset_from_raw, list_sheets, read_table
from nrstudio.core.data.validation import validate_dataset
from nrstudio.core.errors import DataError

PREVIEW_ROWS = 20
ROLE_CHOICES = [(Role.SAMPLE_ID, "sample id"), (Role.INPUT, "input"), (Role.TARGET, "target"),
                (Role.IGNORED, "ignored")]


class ImportDialog(QDialog):
    """Raises DataError from the constructor when the file cannot be read at all."""

    def __init__(self, path: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"Import {self.path.name}")
        self.resize(900, 560)
        self.sheet = QComboBox()
        self.is_xlsx = self.path.suffix.lower() in (".xlsx", ".xlsm")
        if self.is_xlsx:
            self.sheet.addItems(list_sheets(self.path))
            self.sheet.currentTextChanged.connect(lambda _: self._load())
        self.preview = QTableWidget()
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.roles_form = QFormLayout()
        self.role_boxes: dict[str, tuple[QComboBox, QLineEdit]] = {}
        roles_box = QWidget()
        roles_box.setLayout(self.roles_form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if self.is_xlsx:
            form = QFormLayout()
            form.addRow("Sheet:", self.sheet)
            layout.addLayout(form)
        layout.addWidget(QLabel("<b>Preview</b> (first rows, as they will be read)"))
        layout.addWidget(self.preview, 1)
        layout.addWidget(QLabel("<b>Columns</b>: confirm the guessed role and unit"))
        layout.addWidget(roles_box)
        layout.addWidget(self.notes)
        layout.addWidget(self.buttons)
        self.raw: RawTable | None = None
        self._load()

    def _load(self) -> None:
        self.raw = read_table(self.path, self.sheet.currentText() if self.is_xlsx else None)
        guessed = dataset_from_raw(self.raw)
        self.guessed_kinds = {c.name: c.kind for c in guessed.columns}
        self._show_preview(guessed)
        while self.roles_form.rowCount():
            self.roles_form.removeRow(0)
        self.role_boxes.clear()
        for col in guessed.columns:
            role = QComboBox()
            for r, label in ROLE_CHOICES:
                role.addItem(label, r)
            role.setCurrentIndex([r for r, _ in ROLE_CHOICES].index(col.role))
            unit = QLineEdit(col.unit)
            unit.setMaximumWidth(90)
            row = QWidget()
            h = QHBoxLayout(row)
            h.setContentsMargins(0, 0, 0, 0)
            h.addWidget(role)
            h.addWidget(QLabel("unit"))
            h.addWidget(unit)
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
            role = Role(box.currentData())
            kind = {Role.INPUT: Kind.NUMBER, Role.TARGET: Kind.NUMBER,
                    Role.SAMPLE_ID: Kind.TEXT}.get(role, self.guessed_kinds[name])
            overrides[name] = Column(name, role, unit.text().strip(), kind)
        return dataset_from_raw(self.raw, overrides)
