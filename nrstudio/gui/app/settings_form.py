"""Inputs built from the settings' own declarations (``nrstudio.core.settings``): each field
gets the widget its type asks for, with the declared range, unit and step, and a tooltip
with its help, unit, range and default. A page never types a limit or a default again."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from nrstudio.core.errors import DataError
from nrstudio.core.settings import SettingField, format_value, setting_fields
from nrstudio.gui.app.wheel_guard import guard_wheel
from nrstudio.gui.app.widgets import narrow_combo

_INT_MAX = 2**31 - 1


def _bounded(value: float | None, fallback: float) -> float:
    return fallback if value is None else value


def setting_widget(f: SettingField, value: Any, none_as_minimum: bool = True) -> QWidget:
    """The input for one declared field, showing ``value``. An optional number shows its
    ``none_label`` at one step below its range, which reads back as None (unless
    ``none_as_minimum`` is False: the page then offers None some other way)."""
    info, base = f.info, f.base_type
    none_slot = none_as_minimum and f.optional and bool(info.none_label)
    tip = info.tooltip(f.default)
    if info.choices:
        w: QWidget = QComboBox()
        for key, label in info.choices.items():
            w.addItem(label, key)
            w.setItemData(w.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
        w.setCurrentIndex(max(w.findData(value), 0))
        narrow_combo(w)
    elif base is bool:
        w = QCheckBox()
        w.setChecked(bool(value))
    elif base is int:
        w = QSpinBox()
        w.setRange(int(_bounded(info.low, 0)) + (1 if info.low_open else 0),
                   int(min(_bounded(info.high, _INT_MAX), _INT_MAX)))
        w.setSingleStep(int(info.step or 1))
        if none_slot:
            w.setMinimum(w.minimum() - 1)
        if info.none_label and (none_slot or (info.low is not None and not f.optional)):
            w.setSpecialValueText(info.none_label)  # the lowest value means "off" / None
        w.setValue(w.minimum() if value is None else int(value))
    elif base is float:
        w = QDoubleSpinBox()
        w.setDecimals(info.decimals)
        low = _bounded(info.low, -1e12)
        if info.low_open:
            low += 10.0 ** -info.decimals
        w.setSingleStep(info.step or 10.0 ** -min(info.decimals, 2))
        if none_slot:
            low = max(low - w.singleStep(), 0.0) if low > 0 else low - w.singleStep()
            w.setSpecialValueText(info.none_label)
        w.setRange(low, _bounded(info.high, 1e12))
        w.setValue(float(value) if value is not None else low)
    elif typing.get_origin(base) is tuple:
        w = QLineEdit(format_value(value))
    else:
        w = QLineEdit("" if value is None else str(value))
    if info.unit and info.unit != "-" and isinstance(w, QSpinBox | QDoubleSpinBox):
        w.setSuffix(f" {info.unit}")
    w.setToolTip(tip)
    if isinstance(w, QSpinBox | QDoubleSpinBox):
        guard_wheel(w)  # forms sit in columns that scroll (a combo box: by narrow_combo)
    return w


def widget_value(f: SettingField, w: QWidget) -> Any:
    """What the widget holds, as the field's type; DataError for unreadable text."""
    if isinstance(w, QComboBox):
        return w.currentData()
    if isinstance(w, QCheckBox):
        return w.isChecked()
    if isinstance(w, QSpinBox | QDoubleSpinBox):
        if f.optional and w.specialValueText() and w.value() == w.minimum():
            return None
        return w.value()
    assert isinstance(w, QLineEdit)
    text = w.text().strip()
    base = f.base_type
    if typing.get_origin(base) is tuple:
        item = (typing.get_args(base) or (str,))[0]
        try:
            return tuple(item(v) for v in text.replace(";", ",").split(",") if v.strip())
        except ValueError:
            kind = "whole numbers" if item is int else "numbers" if item is float else "values"
            raise DataError(f"{f.info.label}: give {kind} separated by commas, e.g. "
                            f"{format_value(f.default)}") from None
    return text


def set_widget_value(w: QWidget, value: Any) -> None:
    if isinstance(w, QComboBox):
        w.setCurrentIndex(max(w.findData(value), 0))
    elif isinstance(w, QCheckBox):
        w.setChecked(bool(value))
    elif isinstance(w, QSpinBox | QDoubleSpinBox):
        w.setValue(w.minimum() if value is None else value)
    elif isinstance(w, QLineEdit):
        w.setText(format_value(value) if value is not None else "")


class SettingsForm(QWidget):
    """A form of the named fields of a settings class, laid out label: input.

    ``values()`` gives the fields as a dict for ``dataclasses.replace``; ``show_settings(obj)`` puts
    an object's values into the inputs. ``changed`` fires on any edit."""

    changed = Signal()

    def __init__(self, cls: type, names: Sequence[str] | None = None, initial: object = None,
                 horizontal: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        initial = initial if initial is not None else cls()
        self.fields = {f.name: f for f in setting_fields(cls)
                       if names is None or f.name in names}
        order = list(names) if names is not None else list(self.fields)
        self.widgets: dict[str, QWidget] = {}
        form = QFormLayout(self) if not horizontal else None
        row = QHBoxLayout(self) if horizontal else None
        for lay in (form, row):
            if lay is not None:
                lay.setContentsMargins(0, 0, 0, 0)
        for name in order:
            f = self.fields[name]
            w = setting_widget(f, getattr(initial, name))
            w.setObjectName(f"setting:{name}")  # also what accessibility tools see
            w.setAccessibleName(f.info.label)
            self.widgets[name] = w
            if form is not None:
                form.addRow(f"{f.info.label}:", w)
            else:
                assert row is not None
                label = QLabel(f.info.label)
                label.setToolTip(w.toolTip())
                row.addWidget(label)
                row.addWidget(w)
            for signal in ("valueChanged", "currentIndexChanged", "toggled", "textChanged"):
                if hasattr(w, signal):
                    getattr(w, signal).connect(lambda *_: self.changed.emit())
                    break

    def values(self) -> dict[str, Any]:
        return {name: widget_value(self.fields[name], w) for name, w in self.widgets.items()}

    def show_settings(self, obj: object) -> None:
        for name, w in self.widgets.items():
            w.blockSignals(True)
            set_widget_value(w, getattr(obj, name))
            w.blockSignals(False)
        self.changed.emit()
