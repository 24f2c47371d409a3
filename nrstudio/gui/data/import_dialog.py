"""Import a CSV, XLSX or ODS table: sheet choice, the "no value" markers, a preview, and the guessed
roles and units to confirm (in a scrolling list that fits a 1366 x 768 screen), with the
reason for every column that will be ignored, and for a text condition with too many levels
the offer to keep its most frequent ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
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
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.data.dataset import MISSING_MARKERS, Column, Dataset, Kind, Role, format_cell
from nrstudio.core.data.frequent_levels import pool_rare_levels
from nrstudio.core.data.import_preview import (
    ColumnPreview,
    ImportPreview,
    preview_import,
    preview_raw,
)
from nrstudio.core.data.table_io import RawTable, dataset_from_raw, has_sheets, list_sheets
from nrstudio.core.errors import DataError
from nrstudio.gui.app.background import BackgroundCalls
from nrstudio.gui.app.wheel_guard import guard_wheel
from nrstudio.gui.data.table_model import Index

PREVIEW_ROWS = 20
ROWS_PER_TURN = 25  # rows of the column list built per turn of the event loop
FITTED_COLUMNS = 40  # preview columns sized to their contents; the rest keep the default
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
    """The file is read in the background once the dialog exists. When it cannot be read at
    all, the dialog closes rejected with :attr:`failure` saying why; after OK,
    :attr:`imported` holds the dataset."""

    def __init__(self, path: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"Import {self.path.name}")
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        self.resize(min(960, int(screen.width() * 0.9)), min(760, int(screen.height() * 0.9)))
        self.sheet = QComboBox()
        self.sheet.setObjectName("import:sheet")
        self.is_workbook = has_sheets(self.path)
        self.preview = QTableView()
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.markers = QLineEdit(", ".join(MISSING_MARKERS))
        self.markers.setObjectName("import:markers")
        self.markers.setToolTip("Cell texts read as 'no value', separated by commas (blank "
                                "cells always are). Change them and press Enter.")
        self.markers.editingFinished.connect(self._markers_changed)
        self.roles_pages = QVBoxLayout()  # the column list, made anew for each read, in lots
        self.roles_form = QFormLayout()  # the lot being built
        self._label_width = 0
        self.role_boxes: dict[str, tuple[QComboBox, QLineEdit]] = {}
        self.keep_boxes: dict[str, tuple[QCheckBox, tuple[str, ...]]] = {}
        self._rows_to_build: list[ColumnPreview] = []
        self.roles_scroll = QScrollArea()
        self.roles_scroll.setWidgetResizable(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        if self.is_workbook:
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
        # Reading, guessing and checking a table of thousands of rows takes most of a
        # second: it happens off the window's thread, the newest request winning.
        self.calls = BackgroundCalls(self)
        self._request = 0
        self.failure: str | None = None  # why the file could not be read at all
        self.imported: Dataset | None = None  # the dataset confirmed with OK
        self._read(first=True)

    def exec(self) -> int:
        """Shown modally; at once rejected when the file could not be read."""
        return QDialog.DialogCode.Rejected.value if self.failure is not None else super().exec()

    def wait_for_reads(self, msecs: int = 30_000) -> None:
        """Let the reads and the import under way finish and show (tests, scripts)."""
        self.calls.wait(msecs)
        self._build_rows(every=True)

    def _read(self, first: bool = False) -> None:
        """Read the file (the chosen sheet) in the background and show it when read."""
        path, markers, workbook = self.path, self.missing_markers(), self.is_workbook
        sheet = self.sheet.currentText() if workbook and not first else None

        def read() -> tuple[list[str], ImportPreview]:
            sheets = list_sheets(path) if first and workbook else []
            return sheets, preview_import(path, sheet, markers)

        self._submit(f"Reading {path.name}…", read, first)

    def _submit(self, doing: str, fn: Callable[[], object], first: bool = False) -> None:
        self._request += 1
        request = self._request
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.notes.setText(f"<i>{doing}</i>")
        self.calls.submit(fn, lambda result: self._read_done(request, result, first))

    def _read_done(self, request: int, result: object, first: bool) -> None:
        if request != self._request:
            return  # a newer request is under way
        if isinstance(result, DataError | OSError):
            if first:
                self.failure = str(result)
                self.reject()
            else:
                self.notes.setText(f"<span style='color:#b00020'>Cannot read: {result}</span>")
            return
        if isinstance(result, Exception):
            raise result
        sheets, preview = result  # type: ignore[misc]
        if sheets:
            self.sheet.blockSignals(True)
            self.sheet.addItems(sheets)
            # the sheet read: the first that holds a table, past a cover sheet of notes
            self.sheet.setCurrentText(preview.raw.sheet or sheets[0])
            self.sheet.blockSignals(False)
            self.sheet.currentTextChanged.connect(lambda _: self._read())
        self.raw = preview.raw
        self._show(preview)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def role_of(self, name: str) -> tuple[Role, Kind | None]:
        """The role and kind chosen for a column."""
        self._build_rows(every=True)
        role, kind, _ = ROLE_CHOICES[int(self.role_boxes[name][0].currentData())]
        return role, kind

    def choose(self, name: str, role: Role, kind: Kind | None = None) -> None:
        """Choose a column's role (and kind, for an input)."""
        self._build_rows(every=True)
        for k, (r, kd, _) in enumerate(ROLE_CHOICES):
            if r == role and (kind is None or kd == kind):
                self.role_boxes[name][0].setCurrentIndex(k)
                return
        raise ValueError(f"no choice {role} / {kind}")

    def missing_markers(self) -> tuple[str, ...]:
        return tuple(m.strip() for m in self.markers.text().split(",") if m.strip())

    def _markers_changed(self) -> None:
        raw, markers = self.raw, self.missing_markers()
        if raw is not None:
            self._submit("Reading the cells again…", lambda: ([], preview_raw(raw, markers)))

    def _show(self, preview: ImportPreview) -> None:
        guessed = preview.guessed
        self.guessed_kinds = {c.name: c.kind for c in guessed.columns}
        self._show_preview(guessed)
        # A new list in place of the old one (removing 550 rows one by one took 0.15 s).
        old = self.roles_scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        box = QWidget()
        self.roles_pages = QVBoxLayout(box)
        self.roles_pages.setContentsMargins(0, 0, 0, 0)
        self.roles_pages.addStretch(1)
        self.roles_scroll.setWidget(box)
        names = [seen.column.name for seen in preview.columns]
        metrics = self.fontMetrics()
        self._label_width = max((metrics.horizontalAdvance(n) for n in names), default=0) + 8
        self.role_boxes.clear()
        self.keep_boxes.clear()
        # A few dozen rows of the list at a time, one turn of the event loop each, each lot
        # a form of its own (its labels as wide as the others'), so that a lot lays out
        # only its own rows: a table whose reagent list was spread into 535 columns took
        # 0.5 s of the window's thread to build the list at once, and one growing form
        # took longer with each lot.
        self._rows_to_build = list(preview.columns)
        self._build_rows()
        notes = [f"note: {n}" for n in preview.raw.notes]
        notes.append(f"{len(guessed)} rows; validation: {preview.errors} errors, "
                     f"{preview.warnings} warnings (shown in the table after import)")
        self.notes.setText("<br>".join(notes))

    def _build_rows(self, every: bool = False) -> None:
        """The next ROWS_PER_TURN rows of the column list (all of them with ``every``),
        the rest on the next turn of the event loop."""
        todo = self._rows_to_build
        count = len(todo) if every else ROWS_PER_TURN
        if not todo:
            return
        page = QWidget()
        self.roles_form = QFormLayout(page)
        self.roles_form.setContentsMargins(0, 0, 0, 0)
        for seen in todo[:count]:
            self._add_role_row(seen)
        del todo[:count]
        self.roles_pages.insertWidget(self.roles_pages.count() - 1, page)
        if todo and not every:
            QTimer.singleShot(0, lambda: todo is self._rows_to_build and self._build_rows())

    def _add_role_row(self, seen: ColumnPreview) -> None:
        """One row of the column list: the role, the unit, why it is ignored, the offer to
        keep a crowded condition's frequent levels."""
        col = seen.column
        role = guard_wheel(QComboBox())
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
        if seen.ignored or seen.left_out or seen.derived:
            text = (f"ignored: {seen.ignored}" if seen.ignored
                    else f"left out of the models: {seen.left_out}" if seen.left_out
                    else f"a target: {seen.derived}")
            reason = QLabel(f"<i>{text}</i>")
            reason.setObjectName(f"why:{col.name}")
            reason.setStyleSheet("color:#a05a00")
            reason.setWordWrap(True)  # a long reason wraps instead of scrolling sideways
            h.addWidget(reason, 1)
        if seen.offer is not None:
            keep = QCheckBox(seen.offer.describe())
            keep.setObjectName(f"keep:{col.name}")
            keep.toggled.connect(lambda on, n=col.name: on and self.choose(
                n, Role.INPUT, Kind.CATEGORY))
            self.keep_boxes[col.name] = (keep, seen.offer.kept)
            h.addWidget(keep)
        h.addStretch(1)
        label = QLabel(col.name)
        label.setMinimumWidth(self._label_width)
        self.roles_form.addRow(label, row)
        self.role_boxes[col.name] = (role, unit)

    def _show_preview(self, ds: Dataset) -> None:
        old = self.preview.model()
        self.preview.setModel(_PreviewModel(ds, self.preview))
        if old is not None:
            old.deleteLater()
        # Sizing all of a 550-column preview took 0.1 s; the first ones are those in view.
        for j in range(min(len(ds.columns), FITTED_COLUMNS)):
            self.preview.resizeColumnToContents(j)

    def _confirmed(self) -> tuple[dict[str, Column], dict[str, tuple[str, ...]]]:
        """The roles and units confirmed in the list, and the conditions to keep as their
        frequent levels."""
        self._build_rows(every=True)  # OK pressed while the list was still being built
        overrides = {}
        for name, (box, unit) in self.role_boxes.items():
            role, kind, _ = ROLE_CHOICES[int(box.currentData())]
            overrides[name] = Column(name, role, unit.text().strip(),
                                     kind or self.guessed_kinds[name])
        keep = {name: kept for name, (box, kept) in self.keep_boxes.items()
                if box.isChecked() and self.role_of(name)[0] == Role.INPUT}
        return overrides, keep

    def dataset(self) -> Dataset:
        """The imported dataset with the confirmed roles and units. Cells are typed by the
        confirmed roles (with the file's decimal separator), not re-typed afterwards."""
        if self.raw is None:
            raise DataError("nothing was read")
        return _typed(self.raw, *self._confirmed(), self.missing_markers())

    def accept(self) -> None:
        """OK: the table is typed by the confirmed roles in the background; the dialog
        closes with :attr:`imported` set, or stays open saying why it cannot be."""
        if self.raw is None:
            return
        raw, (overrides, keep), markers = self.raw, self._confirmed(), self.missing_markers()
        self._request += 1
        request = self._request
        self.buttons.setEnabled(False)
        self.notes.setText("<i>Importing…</i>")

        def done(result: object) -> None:
            self.buttons.setEnabled(True)
            if request != self._request:
                return
            if isinstance(result, DataError):
                self.notes.setText(f"<span style='color:#b00020'>Cannot import: {result}</span>")
                return
            if isinstance(result, Exception):
                raise result
            self.imported = result  # type: ignore[assignment]
            super(ImportDialog, self).accept()

        self.calls.submit(lambda: _typed(raw, overrides, keep, markers), done)


class _PreviewModel(QAbstractTableModel):
    """The first PREVIEW_ROWS rows of the guessed dataset, each cell written when shown: a
    table widget's items for a 550-column table (11,000 of them) took 0.07 s to make."""

    def __init__(self, ds: Dataset, parent: QWidget) -> None:
        super().__init__(parent)
        self.ds = ds
        self.rows = min(len(ds), PREVIEW_ROWS)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.ds.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        return format_cell(self.ds.table.iat[index.row(), index.column()])

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.ds.columns[section].name
        return str(section + 1)


def _typed(raw: RawTable, overrides: dict[str, Column], keep: dict[str, tuple[str, ...]],
           markers: tuple[str, ...]) -> Dataset:
    dataset = dataset_from_raw(raw, overrides, markers)
    for name, kept in keep.items():
        pool_rare_levels(dataset, name, kept)
    return dataset
