"""Units of one kind and their sizes, to express a value in another unit of its kind: a
micrograph's pixel size from its file's length unit, a cell written in hours in a column of
minutes. Spellings are matched exactly (M is molar, m is metre); :func:`length_in_nm` also
takes the lower-case words image files write."""

from __future__ import annotations

# Each kind by the size of its units in the kind's first unit.
TIME_S = {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0, "hr": 3600.0, "hrs": 3600.0,
          "d": 86400.0}
LENGTH_NM = {"pm": 1e-3, "nm": 1.0, "Å": 0.1, "µm": 1e3, "μm": 1e3, "um": 1e3, "mm": 1e6,
             "cm": 1e7, "m": 1e9}
VOLUME_ML = {"µL": 1e-3, "μL": 1e-3, "uL": 1e-3, "µl": 1e-3, "ul": 1e-3, "mL": 1.0, "ml": 1.0,
             "L": 1e3, "l": 1e3}
MASS_MG = {"ng": 1e-6, "µg": 1e-3, "μg": 1e-3, "ug": 1e-3, "mg": 1.0, "g": 1e3, "kg": 1e6}
AMOUNT_UMOL = {"pmol": 1e-6, "nmol": 1e-3, "µmol": 1.0, "μmol": 1.0, "umol": 1.0,
               "mmol": 1e3, "mol": 1e6}
CONCENTRATION_UM = {"nM": 1e-3, "µM": 1.0, "μM": 1.0, "uM": 1.0, "mM": 1e3, "M": 1e6}
KINDS = (TIME_S, LENGTH_NM, VOLUME_ML, MASS_MG, AMOUNT_UMOL, CONCENTRATION_UM)
KIND_NAMES = ("a time", "a length", "a volume", "a mass", "an amount", "a concentration")
CELSIUS = frozenset({"°C", "ºC", "℃"})
ZERO_CELSIUS_K = 273.15

# Length units as image metadata writes them (ImageJ's "micron", an escaped "\u00b5m").
_LENGTH_WORDS = {"nanometer": 1.0, "micron": 1e3, "angstrom": 0.1, "a": 0.1,
                 "\\u00b5m": 1e3}


def convert(value: float, source: str, target: str) -> float | None:
    """``value`` in ``source`` units expressed in ``target`` units; None when the two are
    the same unit or not of one kind."""
    if source == target:
        return None
    if source in CELSIUS and target == "K":
        return value + ZERO_CELSIUS_K
    if source == "K" and target in CELSIUS:
        return value - ZERO_CELSIUS_K
    for kind in KINDS:
        if source in kind and target in kind:
            return value * kind[source] / kind[target]
    return None


def kind_of(unit: str) -> str | None:
    """What a unit measures ("a volume" for mL, "a temperature" for °C or K); None for a
    unit of no kind known here."""
    if unit in CELSIUS or unit == "K":
        return "a temperature"
    return next((name for name, kind in zip(KIND_NAMES, KINDS, strict=True) if unit in kind),
                None)


def length_in_nm(unit: str) -> float | None:
    """Nanometres in one ``unit`` of length, any case ("um", "Micron", "Å"); None for a unit
    that is no length."""
    low = unit.strip().lower()
    for name, size in LENGTH_NM.items():
        if name.lower() == low:
            return size
    return _LENGTH_WORDS.get(low)
