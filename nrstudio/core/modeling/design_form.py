"""What the user typed on the Design page (wanted sizes; each input free or fixed, its value,
bounds or levels and step), kept in the project so a reopened project shows the same form.
The texts are kept as typed: the page reads them with its own checks when the user runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nrstudio.core.errors import DataError

MAX_FIELD = 2_000  # characters; a bound or a list of levels, never a document
AIMS = ("window", "highest", "lowest")  # value ± tolerance, as high or as low as possible


@dataclass(frozen=True)
class WantEntry:
    """One target's row: ticked or not, the wanted value and the tolerance (as typed), and
    the aim: a window (value ± tolerance), or as high or as low as possible."""

    use: bool
    value: str
    tolerance: str
    aim: str = "window"


@dataclass(frozen=True)
class InputEntry:
    """One input's row: "free" or "fixed", the fixed value, low (or the allowed levels,
    separated by |), high and step (as typed)."""

    mode: str
    value: str
    low: str
    high: str
    step: str


@dataclass
class DesignForm:
    """The Design page's form, by target and by input name."""

    wants: dict[str, WantEntry] = field(default_factory=dict)
    inputs: dict[str, InputEntry] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"wants": {k: [w.use, w.value, w.tolerance, w.aim]
                          for k, w in self.wants.items()},
                "inputs": {k: [e.mode, e.value, e.low, e.high, e.step]
                           for k, e in self.inputs.items()}}

    @classmethod
    def from_json(cls, doc: object) -> DesignForm:
        """Read strictly: DataError naming the first entry of the wrong shape or type."""
        if not isinstance(doc, dict):
            raise DataError("the design form is not an object")
        wants, inputs = doc.get("wants", {}), doc.get("inputs", {})
        if not isinstance(wants, dict) or not isinstance(inputs, dict):
            raise DataError("the design form's wants and inputs must be objects")
        form = cls()
        for name, entry in wants.items():
            # a form kept before the aims has three entries: a window
            if (not isinstance(entry, list) or len(entry) not in (3, 4)
                    or not isinstance(entry[0], bool) or not all(_text(v) for v in entry[1:])
                    or (len(entry) == 4 and entry[3] not in AIMS)):
                raise DataError(f"design form: wanted '{str(name)[:40]}' is not "
                                "[ticked, value, tolerance, window|highest|lowest]")
            form.wants[str(name)] = WantEntry(*entry)
        for name, entry in inputs.items():
            if (not isinstance(entry, list) or len(entry) != 5 or not all(map(_text, entry))
                    or entry[0] not in ("free", "fixed")):
                raise DataError(f"design form: input '{str(name)[:40]}' is not "
                                "[free|fixed, value, low, high, step]")
            form.inputs[str(name)] = InputEntry(*entry)
        return form


def _text(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_FIELD
