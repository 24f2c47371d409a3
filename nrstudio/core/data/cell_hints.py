"""What a cell that is no plain number means, and what to enter instead: a formula's error
('#DIV/0!'), a bound ('<30'), a range ('10-20'), room temperature ('RT'), a value not
measured ('ND'), a value in another unit than its column's ('1 h' among minutes), a duration
on a clock ('1:30') or in hours and minutes. Validation names such cells with these words
(:func:`cell_hint`); the import reads the ones that are one number however written
(:mod:`~nrstudio.core.data.table_conventions`); the import's reasons call a column of them
'numbers written in different ways'. Apart from the table reading, so that the column
guessing can ask it too.
"""

from __future__ import annotations

import re

from nrstudio.core.data.dataset import parse_number
from nrstudio.core.data.header_words import is_unit
from nrstudio.core.units import CELSIUS, TIME_S, convert, kind_of

_BOUND = re.compile(r"^(<|>|≤|≥|<=|>=)\s*(?P<number>\S+)$")
_RANGE = re.compile(r"^(?P<low>\d+([.,]\d+)?)\s*(-|–|to)\s*(?P<high>\d+([.,]\d+)?)"
                    r"\s*(?P<unit>[^\d\s].*)?$")
WITH_UNIT = re.compile(r"^(?P<number>.*\d)\s*(?P<unit>[^\d\s±][^\d±]*?)$")
_CLOCK = re.compile(r"^(?P<a>\d{1,3}):(?P<b>[0-5]\d)(?::(?P<c>[0-5]\d))?$")
_TWO_UNITS = re.compile(r"^(?P<h>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hours?)\s*(?P<min>\d+(?:\.\d+)?)"
                        r"\s*(?:min|mins|minutes?|')?$", re.IGNORECASE)
# Excel's and LibreOffice's (Err:502 and the like) error values of a formula.
_FORMULA_ERROR = re.compile(r"^(#(DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!)|Err:\d{3})$",
                            re.IGNORECASE)
# Words for a value not measured or not found, beside the import's no-value markers (which
# leave 'ND' out: 'Nd', neodymium, is a dopant's level).
_NOT_MEASURED = re.compile(r"^(n\.?d\.?|n/d|not (measured|determined|detected|available)|"
                           r"none detected|below (lod|detection( limit)?)|<\s?lod|bdl|b\.d\.l\.|"
                           r"-{2,}|–|n\.?m\.?)$", re.IGNORECASE)
_ROOM_TEMPERATURE = re.compile(r"^(rt|r\.t\.?|room temp(erature|\.)?|ambient)$", re.IGNORECASE)


def cell_hint(text: str, unit: str = "") -> str:
    """Words for a cell that is no plain number but reads as one meant otherwise: a formula's
    error ('#DIV/0!'), a bound ('<30'), a range ('10-20'), room temperature ('RT'), or a
    value in another unit than its column's ``unit`` ('1 h' in a column of minutes); "" for
    any other text."""
    text = text.strip()
    if _FORMULA_ERROR.match(text):
        return (f"'{text}' is a spreadsheet formula's error, not a value: mend the formula "
                "in the workbook, or leave the cell empty")
    m = _BOUND.match(text)
    if m and parse_number(m.group("number")) is not None:
        return (f"'{text}' is a limit, not a measured value: enter the value, or leave the "
                "cell empty to train without it")
    m = _RANGE.match(text)
    if m:
        low, high = parse_number(m.group("low")), parse_number(m.group("high"))
        if low is not None and high is not None and low < high:
            return (f"'{text}' is a range, not one value: enter the value used "
                    f"({(low + high) / 2:g} if the middle is meant)")
    if _NOT_MEASURED.match(text):
        return (f"'{text}' says no value was measured: leave the cell empty (or add '{text}' to "
                "the import's 'Read as no value' list, to read every such cell so)")
    if _ROOM_TEMPERATURE.match(text):
        room = "25" if unit in CELSIUS else {"K": "298", "°F": "77"}.get(unit)
        return (f"'{text}' (room temperature) is not a number: enter "
                + (f"{room} if the room was at {room} {unit}" if room else "the temperature"))
    m = WITH_UNIT.match(text)
    value = parse_number(m.group("number")) if m else None
    if m and value is not None and is_unit(m.group("unit").strip()):
        written = m.group("unit").strip()
        converted = convert(value, written, unit) if unit else None  # never silently
        if converted is not None:
            return f"'{text}' is in {written}, the column in {unit}: enter {converted:.6g}"
        if written == unit:
            return (f"'{text}' holds its unit: enter the number alone ({value:g}); the unit "
                    "belongs in the column's header")
        if not unit:  # cells in several units (all in one were read on import)
            return (f"'{text}' holds its unit ({written}): name one unit in the column's "
                    f"header, such as ({written}) after its name, and each cell is given its "
                    "number in it")
        written_kind, column_kind = kind_of(written), kind_of(unit)
        if written_kind and column_kind and written_kind != column_kind:
            return (f"'{text}' is {written_kind}, but the column holds {column_kind} "
                    f"({unit}): enter the {column_kind.split(' ', 1)[1]} in {unit}, "
                    "or check that the value belongs in this column")
    return _duration_hint(text, unit)


def _duration_hint(text: str, unit: str) -> str:
    """Words for a duration written on a clock ('1:30', '0:45:00') or in two units
    ('1 h 30 min'), with the number to enter in a column of times."""
    seconds = duration_seconds(text)
    if not seconds:
        return ""
    if unit not in TIME_S:
        return (f"'{text}' reads as a duration: enter it as one number, in a unit named in "
                "the column's header (min, h)")
    values = [f"{s / TIME_S[unit]:.6g}" for s in seconds]
    if len(values) == 1:
        return f"'{text}' is a duration: enter {values[0]} ({unit})"
    return (f"'{text}' is a duration: enter {values[0]} if {text} means hours and minutes, "
            f"{values[1]} if minutes and seconds ({unit})")


def duration_seconds(text: str, clock: str = "") -> list[float]:
    """The seconds a duration written on a clock or in hours and minutes ('1 h 30 min',
    '2h30') can mean: h:mm:ss one reading; a two-part clock time ('1:30') the one its
    header's ``clock`` ('h:mm' or 'm:ss') says, else both (h:mm first); [] for other text."""
    m = _CLOCK.match(text)
    if m:
        a, b, c = int(m["a"]), int(m["b"]), m["c"]
        if c is not None:
            return [float(a * 3600 + b * 60 + int(c))]
        readings = [float(a * 3600 + b * 60), float(a * 60 + b)]
        if clock:
            return readings[:1] if clock.lower().startswith("h") else readings[1:]
        return readings
    m = _TWO_UNITS.match(text)
    return [float(m["h"]) * 3600 + float(m["min"]) * 60] if m else []


