"""One source for every setting: each field of a settings dataclass carries its default, range,
unit and help, and everything else is built from that.

A field is declared with :func:`setting`::

    minority: int = setting(2, low=2, high=50, label="Minority size T",
                            help="Each subset of T original samples is treated in turn ...")

From the declarations come the range checks (:func:`check_ranges`), the storable form
(:func:`settings_to_dict` / :func:`settings_from_dict`, which keep only known fields and
check types), the command line options (``nrstudio.cli``) and the GUI inputs and tooltips
(``nrstudio.gui.app.settings_form``). Nothing here imports Qt or argparse.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from nrstudio.core.errors import DataError

T = TypeVar("T")
_KEY = "nrstudio"

# Shared by every settings class that has a seed or runs torch, so they say the same.
MAX_SEED = 2**31 - 1
DEVICE_CHOICES = {"auto": "CUDA when present, else CPU", "cpu": "CPU", "cuda": "CUDA"}


@dataclass(frozen=True)
class SettingInfo:
    """What a user needs to know about one setting. ``low``/``high`` bound numbers (and every
    element of a tuple of numbers), inclusive unless ``low_open``; ``choices`` maps stored
    values to labels; ``none_label`` names what ``None`` means for an optional field."""

    label: str
    help: str = ""
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: dict[str, str] | None = None
    none_label: str = ""
    step: float | None = None
    decimals: int = 3

    def range_text(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.low is None and self.high is None:
            return ""
        unit = f" {self.unit}" if self.unit and self.unit != "-" else ""
        lo = "" if self.low is None else _num(self.low)
        hi = "" if self.high is None else _num(self.high)
        if self.low is not None and self.high is not None:
            if self.low_open:
                return f"above {lo} and at most {hi}{unit}"
            return f"between {lo} and {hi}{unit}"
        if self.low is not None:
            return f"{'above' if self.low_open else 'at least'} {lo}{unit}"
        return f"at most {hi}{unit}"

    def facts(self, default: object) -> str:
        """Unit, range and default in one line."""
        facts = []
        if self.unit and self.unit != "-":
            facts.append(f"unit: {self.unit}")
        if self.range_text():
            facts.append(self.range_text())
        facts.append(f"default: {format_value(default, self)}")
        return "; ".join(facts)

    def tooltip(self, default: object) -> str:
        """Help, then unit, range and default (GUI tooltips)."""
        return "\n".join([*([self.help] if self.help else []), self.facts(default)])

    def cli_help(self, default: object) -> str:
        """Help with the choices explained, then unit, range and default in brackets."""
        text = self.help
        if self.choices and any(k != v for k, v in self.choices.items()):
            text += " " + "; ".join(f"{k}: {v}" for k, v in self.choices.items()) + "."
        return f"{text} ({self.facts(default)})".strip()


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) >= 1000 else f"{value:g}"


def _lead(label: str) -> str:
    """A label inside a sentence: "Batch size" -> "batch size", but "LIME samples" stays."""
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def format_value(value: object, info: SettingInfo | None = None) -> str:
    if value is None:
        return info.none_label if info and info.none_label else "none"
    if isinstance(value, tuple | list):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def setting(default: Any, *, label: str, help: str = "", unit: str = "",
            low: float | None = None, high: float | None = None, low_open: bool = False,
            choices: dict[str, str] | None = None, none_label: str = "",
            step: float | None = None, decimals: int = 3) -> Any:
    """A dataclass field with its user-facing description (see :class:`SettingInfo`)."""
    info = SettingInfo(label, help, unit, low, high, low_open, choices, none_label, step, decimals)
    return dataclasses.field(default=default, metadata={_KEY: info})


@dataclass(frozen=True)
class SettingField:
    """One declared field of a settings class: its name, Python type, default and info."""

    name: str
    type: Any
    default: Any
    info: SettingInfo

    @property
    def optional(self) -> bool:
        return _is_optional(self.type)

    @property
    def base_type(self) -> Any:
        return _strip_optional(self.type)


def setting_fields(cls: type) -> list[SettingField]:
    """The fields of ``cls`` declared with :func:`setting` (nested settings are left out)."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        info = f.metadata.get(_KEY)
        if info is not None:
            out.append(SettingField(f.name, hints[f.name], f.default, info))
    return out


def setting_field(cls: type, name: str) -> SettingField:
    for f in setting_fields(cls):
        if f.name == name:
            return f
    raise KeyError(name)


def _is_optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in typing.get_args(tp)


def _strip_optional(tp: Any) -> Any:
    if _is_optional(tp):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def _out_of_range(value: float, info: SettingInfo) -> bool:
    if not math.isfinite(value):
        return True
    if info.low is not None and (value <= info.low if info.low_open else value < info.low):
        return True
    return info.high is not None and value > info.high


def check_ranges(obj: object, where: str = "") -> None:
    """Raise DataError naming the first declared field of ``obj`` that is out of its range or
    not one of its choices (nested settings are checked too)."""
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        info: SettingInfo | None = f.metadata.get(_KEY)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            check_ranges(value, where)
            continue
        if info is None or value is None:
            continue
        prefix = f"{where}: " if where else ""
        if info.choices is not None:
            for v in value if isinstance(value, tuple | list) else (value,):
                if v not in info.choices:
                    raise DataError(f"{prefix}{_lead(info.label)} must be {info.range_text()},"
                                    f" not '{v}'")
            continue
        values = value if isinstance(value, tuple | list) else (value,)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            if _out_of_range(float(v), info):
                raise DataError(f"{prefix}{_lead(info.label)} must be {info.range_text()}, "
                                f"not {format_value(v)}")
        if isinstance(value, tuple | list) and not value:
            raise DataError(f"{prefix}{_lead(info.label)} needs at least one value")


# ---- storable form -----------------------------------------------------------------------
def settings_to_dict(obj: object) -> dict[str, Any]:
    """JSON-ready dict of a settings dataclass (tuples as lists, nested settings as dicts)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        out[f.name] = _plain(getattr(obj, f.name))
    return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return settings_to_dict(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def settings_from_dict(cls: type[T], doc: object, where: str = "") -> T:
    """Build ``cls`` from a stored dict: unknown keys are dropped, missing keys take their
    defaults, every value is checked against its field's type and range. DataError says
    which field is wrong and where."""
    label = where or cls.__name__
    if not isinstance(doc, dict):
        raise DataError(f"{label}: expected a group of settings, found {type(doc).__name__}")
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in doc or not f.init:
            continue
        kwargs[f.name] = typed_value(doc[f.name], hints[f.name], f"{label}.{f.name}")
    obj = cls(**kwargs)
    check_ranges(obj, label)
    return obj


def typed_value(value: Any, tp: Any, where: str) -> Any:
    """A stored JSON value read strictly as type ``tp`` (bool, int, float, str, a Literal, a
    tuple, an optional or a settings dataclass): text is never a number, a number never a
    bool, a float always finite. DataError naming ``where`` otherwise."""
    if _is_optional(tp):
        if value is None:
            return None
        tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return settings_from_dict(tp, value, where)
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            raise DataError(f"{where}: '{value}' is not one of {', '.join(map(str, typing.get_args(tp)))}")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise DataError(f"{where}: expected a list, found {type(value).__name__}")
        args = typing.get_args(tp)
        item = args[0] if args else Any
        return tuple(typed_value(v, item, where) for v in value)
    if tp is bool:
        if not isinstance(value, bool):
            raise DataError(f"{where}: expected true or false, found {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DataError(f"{where}: expected a whole number, found {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise DataError(f"{where}: expected a finite number, found {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise DataError(f"{where}: expected text, found {type(value).__name__}")
        return value
    return value


def replace_settings(obj: T, changes: dict[str, Any]) -> T:
    """A copy of ``obj`` with ``changes`` applied and checked."""
    new = dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    check_ranges(new)
    return new


def _labelled(value: object, info: SettingInfo) -> object:
    """A choice's label in place of its stored key ('random forest (100 trees)', not
    'random_forest'); any other value as it is."""
    if not info.choices:
        return value
    if isinstance(value, str):
        return info.choices.get(value, value)
    if isinstance(value, tuple | list):
        return [info.choices.get(v, v) if isinstance(v, str) else v for v in value]
    return value


def describe(obj: object, names: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """(label, value with unit) of the declared fields, for reports and summaries."""
    rows = []
    for f in setting_fields(type(obj)):
        if names is not None and f.name not in names:
            continue
        value = getattr(obj, f.name)
        shown = format_value(_labelled(value, f.info), f.info)
        if f.info.unit and f.info.unit != "-" and value is not None:
            shown += f" {f.info.unit}"
        rows.append((f.info.label, shown))
    return rows
