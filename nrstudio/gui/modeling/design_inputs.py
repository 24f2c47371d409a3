"""The Design page's rows of inputs (each free or fixed, its value, bounds or levels and
step) and the form's memory: what was typed, read out for the project and filled back in
when it is reopened (:mod:`nrstudio.core.modeling.design_form`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit

from nrstudio.core.data.dataset import parse_typed_number
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.design import DesignSpace, Want
from nrstudio.core.modeling.design_form import AIMS, DesignForm, InputEntry, WantEntry
from nrstudio.core.modeling.final_models import FinalModels
from nrstudio.core.modeling.suggest import Optimise
from nrstudio.core.numbers import decimals_of, readable, readable_bound
from nrstudio.gui.app.wheel_guard import guard_wheel

AIM_TEXTS = {"window": "value ± tolerance", "highest": "as high as possible",
             "lowest": "as low as possible"}


class WantRow:
    """The widgets of one target: ticked or not, the aim (a window, or as high or as low as
    possible), the wanted value and the tolerance.

    Typing a value or a tolerance, or choosing an aim, ticks the row and calls ``on_asked``
    with it: a user who types "490 ± 3" beside a target wants that target. ``touched``: the
    user has ticked, unticked or filled this row (the first target is ticked by default)."""

    def __init__(self, target: str,
                 on_asked: Callable[[WantRow], None] | None = None) -> None:
        self.target = target
        self.touched = False
        self._on_asked_cb = on_asked
        self.use = QCheckBox(target)
        self.aim = guard_wheel(QComboBox())
        for key in AIMS:
            self.aim.addItem(AIM_TEXTS[key], key)
        self.aim.setObjectName(f"aim:{target}")
        self.aim.setToolTip("A window (value ± tolerance) for Find conditions and Suggest; "
                            "as high or as low as possible (one target, a yield or a FWHM) "
                            "for Suggest, with the windows of the other targets holding")
        self.value, self.tolerance = QLineEdit(), QLineEdit()
        self.value.setPlaceholderText("value")
        self.tolerance.setPlaceholderText("± tolerance")
        self.value.setObjectName(f"want:{target}")
        self.tolerance.setObjectName(f"tolerance:{target}")
        self.aim.currentIndexChanged.connect(self._on_aim_changed)
        # Only the user's own edits (not a form filled back in) count as asking.
        self.value.textEdited.connect(self._on_user_asked)
        self.tolerance.textEdited.connect(self._on_user_asked)
        self.aim.activated.connect(self._on_user_asked)
        self.use.clicked.connect(self._on_use_clicked)

    @property
    def is_empty(self) -> bool:
        """A window with neither a value nor a tolerance typed."""
        return (self.aim_key == "window" and not self.value.text().strip()
                and not self.tolerance.text().strip())

    def _on_use_clicked(self, _checked: bool) -> None:
        self.touched = True

    def _on_user_asked(self, *_args: object) -> None:
        self.touched = True
        if not self.use.isChecked():
            self.use.setChecked(True)
        if self._on_asked_cb is not None:
            self._on_asked_cb(self)

    @property
    def aim_key(self) -> str:
        return str(self.aim.currentData())

    def set_aim(self, key: str) -> None:
        self.aim.setCurrentIndex(max(self.aim.findData(key), 0))

    def _on_aim_changed(self, _index: int) -> None:
        window = self.aim_key == "window"
        self.value.setEnabled(window)
        self.tolerance.setEnabled(window)

    def asks(self) -> bool:
        """Whether the row asks for something: ticked, and pushing high or low or with a
        value or tolerance typed (:meth:`want` then reads it, or says what is missing)."""
        return self.use.isChecked() and (self.aim_key != "window" or bool(
            self.value.text().strip() or self.tolerance.text().strip()))

    def want(self) -> Want | Optimise | None:
        """What this row asks for, None when not ticked; DataError when unreadable."""
        if not self.use.isChecked():
            return None
        if self.aim_key != "window":
            return Optimise(self.target, highest=self.aim_key == "highest")
        v, t = parse_typed_number(self.value.text()), parse_typed_number(self.tolerance.text())
        if v is None or t is None:
            raise DataError(f"{self.target}: give the wanted value and its tolerance as "
                            "numbers")
        return Want(self.target, v, t)


WantRows = dict[str, WantRow]


FREE, FIXED = "free", "fixed"


def _text(widget: QLineEdit | QComboBox) -> str:
    return widget.currentText() if isinstance(widget, QComboBox) else widget.text()


class InputRow:
    """The widgets of one input: free or fixed, its value, bounds and step (or levels)."""

    def __init__(self, models: FinalModels, j: int) -> None:
        space = models.space
        self.name = space.inputs[j]
        self.category = self.name in space.levels
        self.mode = guard_wheel(QComboBox())
        self.mode.addItems([FREE, FIXED])
        lo, hi = models.train_x[:, j].min(), models.train_x[:, j].max()
        if self.category:
            self.value: QLineEdit | QComboBox = guard_wheel(QComboBox())
            self.value.addItems(space.levels[self.name])
            # As wide as a number field, not as the longest level: long level names (a
            # ligand, "CTAB/NaOL") pushed the bounds and steps out of the panel. The open
            # list shows the names whole.
            self.value.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            self.value.setMinimumContentsLength(6)
            self.low = QLineEdit("|".join(space.levels[self.name]))
            self.low.setToolTip("Allowed levels, separated by |")
            self.low.setCursorPosition(0)  # read from the first level, not the last
            self.high = QLineEdit()
            self.high.setVisible(False)
            self.step = QLineEdit()
            self.step.setVisible(False)
        else:
            self.value = QLineEdit(readable(float(np.median(models.train_x[:, j])), 4))
            # Three digits, rounded outwards, fit the narrow fields and still hold every
            # sample; the exact span is in the tooltip.
            self.low = QLineEdit(readable_bound(float(lo), upward=False))
            self.high = QLineEdit(readable_bound(float(hi), upward=True))
            # Left as shown, a bound is the samples' own (the command line's default), not
            # its rounded text.
            self._shown = {"low": (self.low.text(), float(lo)),
                           "high": (self.high.text(), float(hi))}
            for w in (self.low, self.high):
                w.setToolTip(f"The samples span {lo:.6g} – {hi:.6g}")
            self.step = QLineEdit()
            # blank: the precision the data are written with (core/modeling/design.py)
            # a power of ten: one digit ("1e-05" fits the field, "1.00e-05" did not)
            self.step.setPlaceholderText(readable(10.0 ** -decimals_of(models.train_x[:, j]), 1))
            self.step.setToolTip("Candidates move in steps of this; blank: the precision "
                                 "the column is written with (the grey number)")
        # Bounds and steps keep room for five characters (0.094, 0.001): at the window's
        # default size the grid squeezed them to two while the fixed value stayed wide.
        for w in (self.low, self.high, self.step):
            w.setMinimumWidth(self.low.fontMetrics().horizontalAdvance("0.094") + 10)
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
        lo, hi = (exact if w.text().strip() == shown else parse_typed_number(w.text())
                  for w, (shown, exact) in ((self.low, self._shown["low"]),
                                            (self.high, self._shown["high"])))
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
    return DesignForm({t: WantEntry(w.use.isChecked(), w.value.text(), w.tolerance.text(),
                                    w.aim_key) for t, w in wants.items()},
                      {r.name: InputEntry(r.mode.currentText(), _text(r.value), r.low.text(),
                                          r.high.text(), r.step.text()) for r in inputs})


def fill_form(wants: WantRows, inputs: list[InputRow], form: DesignForm) -> None:
    """Put a stored form back; targets and inputs the models no longer have are skipped."""
    for target, entry in form.wants.items():
        if target in wants:
            w = wants[target]
            w.use.setChecked(entry.use)
            w.value.setText(entry.value)
            w.tolerance.setText(entry.tolerance)
            w.set_aim(entry.aim)
    for r in inputs:
        stored = form.inputs.get(r.name)
        if stored is None:
            continue
        r.mode.setCurrentText(stored.mode)
        if isinstance(r.value, QComboBox):
            r.value.setCurrentText(stored.value)
        else:
            r.value.setText(stored.value)
        for field, text in ((r.low, stored.low), (r.high, stored.high), (r.step, stored.step)):
            field.setText(text)
            field.setCursorPosition(0)
