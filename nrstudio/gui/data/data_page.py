"""The Data page: the table editor with sorting, filtering, copy/paste and column roles."""

from __future__ import annotations

import math

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.data import editing
from nrstudio.core.data.column_guessing import guess_column
from nrstudio.core.data.dataset import Dataset, Kind, Role, format_cell
from nrstudio.core.data.paste import pasted_block, plan_paste
from nrstudio.core.errors import DataError
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.undo import SetCellsCommand, SnapshotCommand
from nrstudio.gui.app.when_shown import WhenShown
from nrstudio.gui.app.widgets import call_on_click
from nrstudio.gui.data.find_replace import FindReplaceDialog
from nrstudio.gui.data.findings_list import FindingsList
from nrstudio.gui.data.merge_file import merge_from_file
from nrstudio.gui.data.table_model import FLAG_COLUMN, SORT_ROLE, DatasetTableModel

ROLE_LABELS = {Role.SAMPLE_ID: "Sample id", Role.INPUT: "Input (condition)",
               Role.TARGET: "Target (measured size)", Role.IGNORED: "Ignored"}


class DataPage(QWidget):
    def __init__(self, doc: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.model = DatasetTableModel(doc)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        # A header click selects the column (as in a spreadsheet), so several columns can be
        # selected and given a role in one menu; sorting is in the header's menu. With
        # sorting on the click, a real click sorted the rows and selected nothing.
        self.view.setSortingEnabled(False)
        self.proxy.sort(-1)  # file order
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.horizontalHeader().setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.horizontalHeader().customContextMenuRequested.connect(self._header_menu)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.verticalHeader().setDefaultSectionSize(22)
        # Size columns from the first rows only: reading 10,000 rows would freeze the window.
        self.view.horizontalHeader().setResizeContentsPrecision(50)
        # ... and only when the page is seen: after augmentation, sizing them while another
        # page was shown took 30-50 ms of the window's time.
        self.column_sizing = WhenShown(self, self._size_columns)
        self._sized_for: tuple | None = None  # the columns the widths were made for
        self.model.edit_refused.connect(self._refused)
        self.filter = QLineEdit(placeholderText="Filter rows (any column)…")
        self.filter.setObjectName("filter")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.findings = FindingsList()
        self.findings.itemClicked.connect(self.go_to_finding)

        bar = QToolBar()
        self.actions_: dict[str, QAction] = {}
        for key, text, slot, tip in [
            ("add_row", "Add row", self.add_row, "Add an empty row at the end"),
            ("insert_row", "Insert row", self.insert_row, "Insert an empty row above the current"),
            ("delete_rows", "Delete rows", self.delete_rows, "Delete the selected rows"),
            ("add_column", "Add column…", self.add_column, "Add a column at the end"),
            ("clear_synthetic", "Clear synthetic rows", self.clear_synthetic,
             "Remove all rows made by augmentation"),
        ]:
            act = QAction(text, self)
            act.setToolTip(tip)
            call_on_click(act.triggered, slot)
            bar.addAction(act)
            self.actions_[key] = act
        top = QHBoxLayout()
        top.addWidget(bar)
        top.addStretch(1)
        top.addWidget(self.filter, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.findings)
        doc.dataset_reset.connect(self._refresh)
        doc.cells_updated.connect(lambda *_: self._refresh_summary())
        self._refresh()

    # ---- display ---------------------------------------------------------------------------
    def _refresh(self) -> None:
        # Columns are sized when they change (an import, a merge, a role), not when rows come
        # or go: after SMOTE-REG's 9,600 rows the sizing took 110-117 ms of the window's time
        # on a busy 2-core machine, for the same widths.
        if self._column_key() != self._sized_for:
            self.column_sizing.request()
        self._refresh_summary()

    def _column_key(self) -> tuple:
        return tuple((c.name, c.role, c.unit) for c in self.doc.dataset.columns)

    def _size_columns(self) -> None:
        self._sized_for = self._column_key()
        self.view.resizeColumnsToContents()
        for c in range(self.model.columnCount()):
            self.view.setColumnWidth(c, min(max(self.view.columnWidth(c), 60), 240))

    def _refresh_summary(self) -> None:
        ds = self.doc.dataset
        rep = self.doc.validation()
        n_syn = int((~ds.is_original).sum())
        parts = [f"{int(ds.is_original.sum())} original rows",
                 f"{int(ds.is_validation.sum())} validation experiments"]
        if n_syn:
            parts.append(f"{n_syn:,} synthetic rows (blue, read-only)")
        status = (f"<b style='color:#b00020'>{len(rep.errors)} errors block training</b>"
                  if rep.has_errors else "no errors")
        if rep.warnings:
            status += f", {len(rep.warnings)} warnings"
        detail = " — listed below; click one to go to its cell" if rep.findings else ""
        self.summary.setText(f"{' · '.join(parts)} · {status}{detail}")
        self.findings.show_findings(rep.errors + rep.warnings)

    def go_to_finding(self, item: QListWidgetItem) -> bool:
        """Select the finding's cell (its row, or its column's header cell in the first row
        for a finding about a whole column); False when it names no place in the table."""
        where = self.findings.place(item)
        if not where:
            return False
        row, column = where
        names = [c.name for c in self.doc.dataset.columns]
        col = names.index(column) + 1 if column in names else 1
        r = row - 1 if row is not None else 0
        if not 0 <= r < self.model.rowCount():
            return False
        index = self.proxy.mapFromSource(self.model.index(r, col))
        if not index.isValid():  # hidden by the filter
            self.filter.clear()
            index = self.proxy.mapFromSource(self.model.index(r, col))
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.view.setFocus()
        return True

    def _refused(self, message: str) -> None:
        QMessageBox.warning(self, "Value refused", message)

    # ---- the Data menu -----------------------------------------------------------------------
    def menu_actions(self) -> list[QAction]:
        """Find and replace (Ctrl+H) and Merge columns from file…, for the Data menu."""
        find = QAction("&Find and replace…", self)
        find.setShortcut(QKeySequence("Ctrl+H"))
        find.setStatusTip("Replace a text, such as a missing-value marker, in many cells at once")
        find.triggered.connect(self.find_replace)
        merge = QAction("&Merge columns from file…", self)
        merge.setStatusTip("Add the columns of a second table, matched by sample id")
        merge.triggered.connect(self.merge_from_file)
        return [find, merge]

    def find_replace(self) -> FindReplaceDialog:
        dialog = FindReplaceDialog(self.doc, self)
        dialog.show()
        return dialog

    def merge_from_file(self) -> None:
        """Data ▸ Merge columns from file (:mod:`nrstudio.gui.data.merge_file`)."""
        merge_from_file(self, self.doc)

    # ---- helpers ---------------------------------------------------------------------------
    def _source(self, index: QModelIndex) -> QModelIndex:
        return self.proxy.mapToSource(index)

    def selected_source_rows(self) -> list[int]:
        rows = {self._source(i).row() for i in self.view.selectionModel().selectedIndexes()}
        if not rows and self.view.currentIndex().isValid():
            rows = {self._source(self.view.currentIndex()).row()}
        return sorted(rows)

    def _push_snapshot(self, text: str, change) -> bool:  # type: ignore[no-untyped-def]
        try:
            self.doc.undo_stack.push(SnapshotCommand(self.doc, text, change))
        except DataError as exc:
            QMessageBox.warning(self, text, str(exc))
            return False
        return True

    # ---- rows ------------------------------------------------------------------------------
    def add_row(self) -> None:
        n = len(self.doc.dataset)
        if self._push_snapshot("Add row", lambda ds: editing.insert_rows(ds, n)):
            index = self.proxy.mapFromSource(self.model.index(n, 1))
            self.view.scrollTo(index)
            self.view.setCurrentIndex(index)

    def insert_row(self) -> None:
        rows = self.selected_source_rows()
        at = rows[0] if rows else 0
        self._push_snapshot("Insert row", lambda ds: editing.insert_rows(ds, at))

    def delete_rows(self) -> None:
        rows = self.selected_source_rows()
        if rows:
            self._push_snapshot(f"Delete {len(rows)} row(s)",
                                lambda ds: editing.remove_rows(ds, rows))

    def clear_synthetic(self) -> None:
        if (~self.doc.dataset.is_original).any():
            self._push_snapshot("Clear synthetic rows", editing.remove_synthetic_rows)

    # ---- columns ---------------------------------------------------------------------------
    def add_column(self, at: int | None = None) -> None:
        name, ok = QInputDialog.getText(self, "Add column",
                                        "Header, with the unit in brackets, e.g. "
                                        "'Temperature (°C)':")
        if not ok or not name.strip():
            return
        column = guess_column(name.strip(), [])
        column.name = name.strip()
        pos = len(self.doc.dataset.columns) if at is None else at
        self._push_snapshot(f"Add column {column.name}",
                            lambda ds: editing.insert_column(ds, pos, column))

    def _header_menu(self, pos: QPoint) -> None:
        col = self.view.horizontalHeader().logicalIndexAt(pos)
        if col <= FLAG_COLUMN:
            return
        self.column_menu(col - 1).exec(self.view.horizontalHeader().mapToGlobal(pos))

    def column_menu(self, j: int) -> QMenu:
        """The context menu of dataset column ``j`` (role, unit, type, rename, insert, delete)."""
        column = self.doc.dataset.columns[j]
        name = column.name
        menu = QMenu(self)
        chosen = self.selected_column_names()
        names = chosen if name in chosen and len(chosen) > 1 else [name]
        many = f" ({len(names)} selected columns)" if len(names) > 1 else ""
        roles = menu.addMenu(f"Role{many}")
        for role, label in ROLE_LABELS.items():
            act = roles.addAction(label)
            act.setCheckable(True)
            act.setChecked(all(self.doc.dataset.column(n).role == role for n in names))
            act.triggered.connect(lambda _=False, r=role: self.set_roles(names, r))
        menu.addAction("Unit…").triggered.connect(lambda: self._ask_unit(name))
        kinds = menu.addMenu("Type")
        for kind in Kind:
            act = kinds.addAction(kind.value)
            act.setCheckable(True)
            act.setChecked(column.kind == kind)
            act.triggered.connect(lambda _=False, k=kind: self._push_snapshot(
                f"Make {name} {k.value}", lambda ds: editing.change_kind(ds, name, k)))
        signs = menu.addMenu("Can be negative")
        for value, label in ((None, "decide from name and unit"),
                             (True, "never (a size, an amount)"), (False, "yes")):
            act = signs.addAction(label)
            act.setCheckable(True)
            act.setChecked(column.non_negative is value)
            act.triggered.connect(lambda _=False, v=value: self.set_non_negative(name, v))
        menu.addAction("Rename…").triggered.connect(lambda: self._ask_rename(name))
        menu.addSeparator()
        for text, order in (("Sort ascending", Qt.SortOrder.AscendingOrder),
                            ("Sort descending", Qt.SortOrder.DescendingOrder)):
            menu.addAction(text).triggered.connect(
                lambda _=False, o=order: self.proxy.sort(j + 1, o))
        menu.addAction("File order").triggered.connect(lambda: self.proxy.sort(-1))
        menu.addSeparator()
        menu.addAction("Insert column left…").triggered.connect(lambda: self.add_column(j))
        menu.addAction("Insert column right…").triggered.connect(lambda: self.add_column(j + 1))
        menu.addAction("Delete column").triggered.connect(lambda: self._push_snapshot(
            f"Delete column {name}", lambda ds: editing.remove_column(ds, name)))
        return menu

    def selected_column_names(self) -> list[str]:
        """The dataset columns whose headers are selected (whole columns), in table order."""
        picked = {self._source(i).column() for i in
                  self.view.selectionModel().selectedColumns()}
        return [c.name for k, c in enumerate(self.doc.dataset.columns) if k + 1 in picked]

    def set_role(self, name: str, role: Role) -> None:
        self.set_roles([name], role)

    def set_roles(self, names: list[str], role: Role) -> None:
        """Give one role to several columns as one undo step."""
        if role == Role.SAMPLE_ID and len(names) > 1:
            self._refused("only one column can be the sample id")
            return

        def change(ds: Dataset) -> None:
            for name in names:
                col = ds.column(name)
                col.role = role
                if role == Role.SAMPLE_ID:
                    editing.change_kind(ds, name, Kind.TEXT)
                elif role == Role.TARGET or (role == Role.INPUT and not col.is_category):
                    editing.change_kind(ds, name, Kind.NUMBER)

        what = names[0] if len(names) == 1 else f"{len(names)} columns"
        self._push_snapshot(f"Set {what} as {role.value}", change)

    def set_non_negative(self, name: str, value: bool | None) -> None:
        """Whether the column's values can be negative (None: from its name and unit)."""
        def change(ds: Dataset) -> None:
            ds.column(name).non_negative = value

        self._push_snapshot(f"Set sign rule of {name}", change)

    def set_unit(self, name: str, unit: str) -> None:
        def change(ds: Dataset) -> None:
            ds.column(name).unit = unit.strip()

        self._push_snapshot(f"Set unit of {name}", change)

    def _ask_unit(self, name: str) -> None:
        unit, ok = QInputDialog.getText(self, "Unit", f"Unit of {name} (e.g. nm, mg, nmol; "
                                        "'-' for none):", text=self.doc.dataset.column(name).unit)
        if ok:
            self.set_unit(name, unit)

    def _ask_rename(self, name: str) -> None:
        new, ok = QInputDialog.getText(self, "Rename column", "New header:", text=name)
        if ok and new.strip() and new.strip() != name:
            self._push_snapshot(f"Rename {name}",
                                lambda ds: editing.rename_column(ds, name, new))

    # ---- clipboard -------------------------------------------------------------------------
    def copy_selection(self) -> str:
        """Copy the selected rectangle (as shown) as tab-separated text; returns the text."""
        indexes = self.view.selectionModel().selectedIndexes()
        if not indexes:
            return ""
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes})
        lines = []
        for r in range(rows[0], rows[-1] + 1):
            cells = []
            for c in range(cols[0], cols[-1] + 1):
                src = self._source(self.proxy.index(r, c))
                if c == FLAG_COLUMN:
                    flag = self.doc.dataset.rows.at[src.row(), "validation_experiment"]
                    cells.append("yes" if flag else "no")
                else:
                    cells.append(self.model.data(src, Qt.ItemDataRole.EditRole) or "")
            lines.append("\t".join(cells))
        text = "\n".join(lines)
        QGuiApplication.clipboard().setText(text)
        return text

    def paste(self, text: str | None = None) -> bool:
        """Paste tab-separated text at the current cell; adds rows when it runs past the end.
        Refuses the whole paste (and says where) if any value does not fit its column."""
        text = QGuiApplication.clipboard().text() if text is None else text
        block = pasted_block(text)
        if not block:
            return False
        current = self.view.currentIndex()
        view_row = current.row() if current.isValid() else self.proxy.rowCount()
        view_col = max(current.column(), 0) if current.isValid() else 1
        rows = [self._source(self.proxy.index(view_row + k, 0)).row()
                if view_row + k < self.proxy.rowCount() else None for k in range(len(block))]
        try:
            plan = plan_paste(self.doc.dataset, block, rows, view_col)
        except DataError as exc:
            QMessageBox.warning(self, "Paste refused", str(exc))
            return False
        if not plan.new_rows:
            self.doc.undo_stack.push(SetCellsCommand(self.doc, f"Paste {plan.size}", plan.cells,
                                                     plan.flags))
        else:
            def change(d: Dataset) -> None:
                for row, name, _old, value in plan.cells:
                    editing.set_cell(d, row, name, value)
                for row, _old, value in plan.flags:
                    d.rows.at[row, "validation_experiment"] = value
                start = len(d)
                editing.insert_rows(d, start, cells=[r.cells for r in plan.new_rows])
                for k, new in enumerate(plan.new_rows):
                    d.rows.at[start + k, "validation_experiment"] = new.validation

            self._push_snapshot(f"Paste {plan.size}", change)
        self.view.selectionModel().select(
            self.view.currentIndex(), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        return True

    def clear_selection_cells(self) -> None:
        ds = self.doc.dataset
        cells = []
        for index in self.view.selectionModel().selectedIndexes():
            src = self._source(index)
            if src.column() == FLAG_COLUMN or self.model.is_synthetic(src.row()):
                continue
            name = ds.columns[src.column() - 1].name
            old = ds.table.iat[src.row(), src.column() - 1]
            if format_cell(old):
                cells.append(editing.CellChange(src.row(), name, old, math.nan))
        if cells:
            self.doc.undo_stack.push(SetCellsCommand(self.doc, f"Clear {len(cells)} cell(s)",
                                                     cells))

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.matches(QKeySequence.StandardKey.Delete):
            self.clear_selection_cells()
            return
        super().keyPressEvent(event)

