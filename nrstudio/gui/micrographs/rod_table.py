"""The rods of one measurement as a Qt table model: accepted rods first, then every rejected
object with its reason. Cells are made only when shown, so a micrograph with thousands of
objects fills the table at once."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from nrstudio.core.micrographs.rod_model import Rod, RodMeasurement

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("rod", "length nm", "width nm", "AR", "status")


class RodTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rods: list[Rod] = []
        self._nm_per_px = 1.0

    def set_measurement(self, m: RodMeasurement | None) -> None:
        self.beginResetModel()
        self._rods = [] if m is None else m.accepted() + [r for r in m.rods if not r.accepted]
        self._nm_per_px = 1.0 if m is None else m.nm_per_px
        self.endResetModel()

    def rod(self, row: int) -> Rod | None:
        return self._rods[row] if 0 <= row < len(self._rods) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rods)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                                Qt.ItemDataRole.ToolTipRole):
            return None
        r = self._rods[index.row()]
        col = index.column()
        if col == 0:
            return str(r.id)
        if col == 4:
            return r.reason
        value = (r.length_px * self._nm_per_px, r.width_px * self._nm_per_px,
                 r.aspect_ratio())[col - 1]
        return f"{value:.2f}"

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None
