"""The Design page's rows of inputs (each free or fixed, its value, bounds or levels and
step) and the form's memory: what was typed, read out for the project and filled back in
when it is reopened (:mod:`nrstudio.core.modeling.design_form`)."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit

from nrstudio.core.data.dataset import parse_typed_number
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.design import DesignSpace
from nrstudio.core.modeling.design_form import DesignForm, InputEntry, WantEntry
from nrstudio.core.modeling.final_models import FinalModels
from nrstudio.core.numbers import decimals_of

WantRows = dict[str, tuple[QCheckBox, QLineEdit, QLineEdit]]


FREE, FIXED = "free", "fixed"


def _text(widget: QLineEdit | QComboBox) -> str:
    return widget.currentText() if isinstance(widget, QComboBox) else widget.text()


class InputRow:
    """The widgets of one input: free or fixed, its value, bounds and step (or levels)."""

    def __init__(self, models: FinalModels, j: int) -> None:
        space = models.space
        self.name = space.inputs[j]
        self.category = self.name in space.levels
        self.mode = QComboBox()
        self.mode.addItems([FREE, FIXED])
        lo, hi = models.train_x[:, j].min(), models.train_x[:, j].max()
        if self.category:
            self.value: QLineEdit | QComboBox = QComboBox()
            self.value.addItems(space.levels[self.name])
            self.low = QLineEdit("|".join(space.levels[self.name]))
            self.low.setToolTip("Allowed levels, separated by |")
            self.high = QLineEdit()
            self.high.setVisible(False)
            self.step = QLineEdit()
            self.step.setVisible(False)
        else:
            self.value = QLineEdit(f"{np.median(models.train_x[:, j]):g}")
            self.low, self.high = QLineEdit(f"{lo:g}"), QLineEdit(f"{hi:g}")
            self.step = QLineEdit()
            # blank: the precision the data are written with (core/modeling/design.py)
            self.step.setPlaceholderText(f"{10.0 ** -decimals_of(models.train_x[:, j]):g}")
            self.step.setToolTip("Candidates move in steps of this; blank: the precision "
                                 "the column is written with (the grey number)")
        for w in (self.low, self.high, self.step):
            w.setMaximumWidth(90)

    def apply(self, space: DesignSpace) -> None:
        """Put this row's request into ``space``; DataError naming the input when unreadable."""
        if self.mode.currentText() == FIXED:
            if isinstance(self.value, QComboBox):
                space.fixed[self.name] = self.value.currentText()
            else:
                value = parse_typed_number(self.value.text())
                if value is None:
                    raise DataError(f"{self.name}: '{self.value.text()}' is not a number")
                space.fixed[self.name] = value
            return
        if self.category:
            levels = [lv.strip() for lv in self.low.text().split("|") if lv.strip()]
            if levels:
                space.levels[self.name] = levels
            return
        lo, hi = parse_typed_number(self.low.text()), parse_typed_number(self.high.text())
        if lo is None or hi is None:
            raise DataError(f"{self.name}: give the bounds as numbers")
        space.bounds[self.name] = (lo, hi)
        if self.step.text().strip():
            step = parse_typed_number(self.step.text())
            if step is None or not step > 0:
                raise DataError(f"{self.name}: the step must be a positive number")
            space.steps[self.name] = step


def form_of(wants: WantRows, inputs: list[InputRow]) -> DesignForm:
    """The form as typed."""
    return DesignForm({t: WantEntry(use.isChecked(), v.text(), tol.text())
                       for t, (use, v, tol) in wants.items()},
                      {r.name: InputEntry(r.mode.currentText(), _text(r.value), r.low.text(),
                                          r.high.text(), r.step.text()) for r in inputs})


def fill_form(wants: WantRows, inputs: list[InputRow], form: DesignForm) -> None:
    """Put a stored form back; targets and inputs the models no longer have are skipped."""
    for target, entry in form.wants.items():
        if target in wants:
            use, v, tol = wants[target]
            use.setChecked(entry.use)
            v.setText(entry.value)
            tol.setText(entry.tolerance)
    for r in inputs:
        stored = form.inputs.get(r.name)
        if stored is None:
            continue
        r.mode.setCurrentText(stored.mode)
        if isinstance(r.value, QComboBox):
            r.value.setCurrentText(stored.value)
        else:
            r.value.setText(stored.value)
        r.low.setText(stored.low)
        r.high.setText(stored.high)
        r.step.setText(stored.step)
