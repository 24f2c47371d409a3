"""Strict readers for values stored as JSON in a project file's sections.

A stored number must be a JSON number: not a string that looks like one ("1.5", "nan",
"1e999"), not a boolean (Python counts True as 1). Text must be a string, a flag a boolean.
Every refusal is a DataError that names the field and, for lists, the position.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from nrstudio.core.errors import DataError
from nrstudio.core.settings import typed_value


def _typed(value: object, tp: type, what: str, wording: str) -> object:
    """``value`` read by the settings' strict reader (:func:`typed_value`, one place deciding
    what a stored number, text or flag is), refused in the section's own words."""
    try:
        return typed_value(value, tp, what)
    except DataError:
        raise DataError(f"{what} is {str(value)[:40]!r}, {wording}") from None


def number(value: object, what: str, *, allow_none: bool = False, low: float | None = None,
           high: float | None = None) -> float:
    """One finite stored number within [low, high]; None as NaN when ``allow_none``."""
    if value is None and allow_none:
        return float("nan")
    x = float(_typed(value, float, what, "not a number"))  # type: ignore[arg-type]
    if (low is not None and x < low) or (high is not None and x > high):
        raise DataError(f"{what} is {x:g}, outside {low:g} to {high:g}"
                        if low is not None and high is not None
                        else f"{what} is {x:g}, out of range")
    return x


def number_array(value: object, what: str, *, allow_none: bool = True,
                 low: float | None = None) -> np.ndarray:
    """Nested JSON lists of numbers (None as NaN) as a float64 array of their shape."""
    flat: list[float] = []

    def walk(v: object, depth: int) -> None:
        if isinstance(v, list):
            if depth > 8:
                raise DataError(f"{what} is nested too deeply")
            for item in v:
                walk(item, depth + 1)
        else:
            flat.append(number(v, f"{what} (value {len(flat) + 1})", allow_none=allow_none,
                               low=low))

    walk(value, 0)
    try:
        arr = np.asarray(value if isinstance(value, list) else [value], dtype=object)
    except ValueError:
        raise DataError(f"{what} is not a regular array (rows of different lengths)") from None
    if arr.dtype == object and any(isinstance(x, list) for x in arr.reshape(-1)):
        raise DataError(f"{what} is not a regular array (rows of different lengths)")
    out = np.asarray(flat, dtype=np.float64).reshape(arr.shape)
    return out if isinstance(value, list) else out.reshape(())


def _typed_list(value: object, what: str, tp: type, wording: str) -> list:
    if not isinstance(value, list):
        raise DataError(f"{what} is not a list")
    return [_typed(v, tp, f"{what}, item {k + 1},", wording) for k, v in enumerate(value)]


def texts(value: object, what: str) -> list[str]:
    """A JSON list of strings."""
    return _typed_list(value, what, str, "not text")


def flags(value: object, what: str) -> list[bool]:
    """A JSON list of booleans (the strings "true"/"false" are not booleans)."""
    return _typed_list(value, what, bool, "not true or false")


def column_frame(doc: object, what: str, *, text: Iterable[str] = (),
                 numbers: Iterable[str] = (), whole: Iterable[str] = (),
                 booleans: Iterable[str] = (), optional: Iterable[str] = (),
                 nonnegative: Iterable[str] = ()) -> pd.DataFrame:
    """A table stored as {column: list}: every named column present (``optional`` ones may
    be absent), all of one length, each of its kind. ``numbers`` may hold None (NaN);
    ``whole`` are integers; ``nonnegative`` columns are >= 0."""
    if not isinstance(doc, dict):
        raise DataError(f"{what} is not a table")
    optional, positive = set(optional), set(nonnegative)
    cols: dict[str, Any] = {}
    for kind, names in (("text", text), ("number", numbers), ("whole", whole),
                        ("flag", booleans)):
        for name in names:
            if name not in doc:
                if name in optional:
                    continue
                raise DataError(f"{what}: column '{name}' is missing")
            where = f"{what}, column '{name}'"
            values = doc[name]
            if kind == "text":
                cols[name] = texts(values, where)
            elif kind == "flag":
                cols[name] = flags(values, where)
            else:
                if not isinstance(values, list):
                    raise DataError(f"{where} is not a list")
                low = 0.0 if name in positive else None
                arr = np.array([number(v, f"{where}, row {k + 1}", allow_none=kind == "number",
                                       low=low) for k, v in enumerate(values)], dtype=np.float64)
                if kind == "whole":
                    cols[name] = np.asarray(
                        [_typed(v, int, f"{where}, row {k + 1},", "not whole")
                         for k, v in enumerate(values)], dtype=np.int64)
                else:
                    cols[name] = arr
    lengths = {len(v) for v in cols.values()}
    if len(lengths) > 1:
        raise DataError(f"{what}: columns differ in length")
    return pd.DataFrame({name: cols[name] for name in doc if name in cols})  # stored order
