"""What a column header says: its unit, and whether it names an outcome of a synthesis.

A unit is read only from a recognised unit string (``nm``, ``µL``, ``mg/mL``, ``°C`` …) in
brackets at the end of the header, or after a slash, an underscore or a space: never from a
chemical name in brackets (``V (PbBr2 prec.)``) or a number added to repeat a header
(``reactants (2)``).

An outcome is something measured after the synthesis (a size, a peak, a yield, a shape, a
verdict). Outcomes are never guessed as inputs, since an outcome used as an input leaks the
answer into the model. The words cover the languages tables arrive in (English, Portuguese,
Spanish, German, French, Italian).
"""

from __future__ import annotations

import re

from nrstudio.core.units import (
    AMOUNT_UMOL,
    CELSIUS,
    CONCENTRATION_UM,
    MASS_MG,
    TIME_S,
    VOLUME_ML,
)

# Units a lab writes; compared case-sensitively first (M is molar, m is metre), then
# case-insensitively for the unambiguous ones.
_UNITS = (
    "nm", "µm", "μm", "um", "mm", "cm", "m", "Å", "A", "pm",
    "mg", "g", "µg", "μg", "ug", "kg", "ng",
    "mL", "ml", "µL", "μL", "uL", "µl", "μl", "ul", "L", "l", "dL",
    "mol", "mmol", "µmol", "μmol", "umol", "nmol", "pmol", "eq", "equiv",
    "M", "mM", "µM", "μM", "uM", "nM", "N",
    "°C", "ºC", "℃", "degC", "C", "K", "°F",
    "s", "sec", "min", "h", "hr", "hrs", "d",
    "%", "wt%", "vol%", "mol%", "at%", "ppm", "a.u.", "au",
    "eV", "meV", "V", "mV", "W", "mW",
    "rpm", "Hz", "kHz", "bar", "mbar", "Pa", "kPa", "atm", "Torr",
    "cm-1", "cm^-1", "cm⁻¹", "-",
)
_UNIT_SET = set(_UNITS)
_UNIT_LOWER = {u.lower() for u in _UNITS if len(u) > 1 and u.lower() not in ("m", "a", "c")}
# Only these stand after a bare space or underscore ("Length nm", "Diameter_nm"): a space
# before a one-letter word ("Run A", "Vitamin K") is no unit.
_SPACED_UNITS = {u for u in _UNITS if len(u) > 1 and u != "au" and u != "-"} | {"%"}

_BRACKETED = re.compile(r"^(?P<name>.*?)\s*[\(\[](?P<unit>[^\(\)\[\]]*)[\)\]]\s*$")
_AFTER_SLASH = re.compile(r"^(?P<name>.*?\S)\s*/\s*(?P<unit>[^/\s][^/]*?)\s*$")
_AFTER_SEPARATOR = re.compile(r"^(?P<name>.*?\S)[_ ]+(?P<unit>[^\s_]+)\s*$")
_POWER = re.compile(r"(\^?-?[0-9]|[⁻¹²³])+$")


def _is_unit_token(token: str) -> bool:
    token = _POWER.sub("", token) if len(token) > 1 else token
    return token in _UNIT_SET or token.lower() in _UNIT_LOWER


def is_unit(text: str) -> bool:
    """True for a recognised unit or a product or quotient of them: ``nm``, ``mg/mL``,
    ``mol L-1``, ``µL·min⁻¹``, ``℃``."""
    text = text.strip()
    if not text or len(text) > 16:
        return False
    if text in _UNIT_SET or text.lower() in _UNIT_LOWER:
        return True
    parts = [p for p in re.split(r"[/·*\s]+", text) if p]
    return len(parts) > 1 and all(_is_unit_token(p) for p in parts)


def split_unit(header: str) -> tuple[str, str]:
    """``'Core amount (nmol)'``, ``'T [°C]'``, ``'D/nm'``, ``'Diameter_nm'``, ``'Length nm'``
    -> name and unit; a header with no recognised unit -> ``(header, '')``."""
    text = header.strip()
    m = _BRACKETED.match(text)
    if m and m.group("name").strip() and is_unit(m.group("unit")):
        return m.group("name").strip(), m.group("unit").strip()
    m = _AFTER_SLASH.match(text)
    if m and is_unit(m.group("unit")):
        return m.group("name").strip(), m.group("unit").strip()
    m = _AFTER_SEPARATOR.match(text)
    if m and m.group("unit") in _SPACED_UNITS:
        return m.group("name").strip(" _"), m.group("unit")
    return text, ""


def header_stem(header: str) -> str:
    """A header without its unit, as matched across tables: ``Core amount (nmol)`` and
    ``core amount`` name one column."""
    return split_unit(header)[0].strip().casefold()


# ---- outcomes -----------------------------------------------------------------------------
# A measured quantity worth predicting: guessed as a target when its column holds numbers.
_QUANTITY_WORDS = (
    "length", "width", "aspect", "diameter", "thickness", "size", "emission",
    "photoluminescence", "fwhm", "hwhm", "exciton", "peak", "quantum yield", "plqy",
    "band gap", "bandgap", "polydispersity", "outcome", "result", "yield", "wavelength",
    "absorbance", "absorption", "lifetime", "plasmon", "extinction", "zeta", "hydrodynamic",
    "crystallite", "radius",
    # Portuguese, Spanish, French, German, Italian
    "pico", "comprimento", "largura", "diâmetro", "diametro", "espessura", "tamanho",
    "rendimento", "rendimiento", "longitud", "anchura", "tamaño", "largeur", "longueur",
    "taille", "rendement", "länge", "breite", "durchmesser", "größe", "ausbeute",
    "lunghezza", "larghezza", "dimensione", "resa", "resultado", "risultato", "résultat",
    "ergebnis", "raio", "rayon", "radio medio",
)
# Short names and abbreviations, matched as whole words.
_QUANTITY_TOKENS = {"ar", "l/w", "qy", "pl", "pdi", "wl", "abs", "lambda", "λ", "em", "fwhm",
                    "d", "l", "w", "lspr", "tspr", "spr", "dls",
                    # what an optimisation scored each synthesis by (a spectrum's loss or
                    # score, a mass loss): measured after it, never set
                    "loss", "score", "fitness", "merit",
                    # how far a measured curve lies from the one wanted (a campaign's goal)
                    "rmse", "distance"}
# Whole headers that name what a table is for, as a data scientist writes it ("x1, x2, y"):
# only alone. ("Target" is not one: a target size is what a synthesis aimed at, a condition.)
_GENERIC_TARGETS = {"y", "response", "objective"}
# Verdicts and classes observed after the synthesis: never inputs, and (being flags rather
# than sizes) left for the user to make a target.
_VERDICT_WORDS = (
    "monodisper", "polydisper", "dispersity", "shape", "morpholog", "quality", "success",
    "verdict", "purity", "crystallin", "aggregat", "morfolog", "qualidade", "sucesso",
    "calidad", "éxito", "qualité", "qualità", "successo", "qualität", "erfolg", "outcome",
    "result", "resultado", "risultato", "résultat", "ergebnis", "observ",
)
# Short verdict words, matched as whole words ("form" is no verdict in "chloroform").
_VERDICT_TOKENS = {"phase", "fase", "form", "forma", "forme", "class", "classe", "clase",
                   "category", "ok", "rank", "ranking"}
# A header about the starting material names a condition even when it names a size:
# "Core absorption edge", "Seed diameter".
# ("core" only where no letter precedes it: a "score" or an "encore" is no core.)
_CORE = re.compile(r"(?<![^\W\d_])core")
_INPUT_WORDS = ("seed", "precursor", "starting", "initial", "núcleo", "semente",
                "semilla", "germe", "keim", "target", "wanted", "desired")


# Who, when and where a synthesis was recorded, and whether it is still planned: bookkeeping,
# not a condition (whole words; never "time" or "day", which name reaction and ageing times,
# nor "source": a sulfur source is a precursor).
_BOOKKEEPING_TOKENS = {
    "operator", "analyst", "researcher", "experimenter", "chemist", "user", "author",
    "initials", "note", "notes", "comment", "comments", "remark", "remarks", "date",
    "timestamp", "notebook", "page", "instrument", "file", "filename", "doi", "reference",
    "operador", "autor", "datum", "bemerkung", "kommentar", "comentario",
    "comentário", "observação", "commentaire", "opérateur", "operatore", "planned",
    # how many particles the size was counted on: about the measurement, not the synthesis
    "counted", "statistics",
    # which imputed copy a row is, in R's mice 'long' export (.imp): about the analysis
    "imp", "imputation",
    # which campaign or optimisation round planned a row: about the planning, not the flask
    "campaign", "iteration",
}


def _tokens(low: str) -> set[str]:
    return {t for t in re.split(r"[^\w/λ]+|_", low) if t}


def names_starting_material(header: str) -> bool:
    low = header.lower()
    return bool(_CORE.search(low)) or any(w in low for w in _INPUT_WORDS)


def names_quantity(header: str) -> bool:
    """True when a header names a measured quantity of the product (a size, a peak, a
    yield): a target when the column holds numbers."""
    low = split_unit(header)[0].lower()
    if names_starting_material(low):
        return False
    if any(w in low for w in _QUANTITY_WORDS) or low.strip() in _GENERIC_TARGETS:
        return True
    return bool((_tokens(low) | {low.strip()}) & _QUANTITY_TOKENS)


# What a synthesis is given rather than what it gives: an amount, a volume, a
# concentration, a flow, a loading, a temperature, a time.
_GIVEN_TOKENS = {"volume", "vol", "amount", "mass", "conc", "concentration", "fraction",
                 "ratio", "flow", "rate", "loading", "temperature", "temp", "time", "stir",
                 "stirring"}
_GIVEN_UNIT_KINDS = (TIME_S, VOLUME_ML, MASS_MG, AMOUNT_UMOL, CONCENTRATION_UM, CELSIUS,
                     {"rpm"})


def names_given_quantity(header: str, unit: str) -> bool:
    """Whether a column names something a synthesis is given (by a word of its header, or
    its unit: a time, a volume or a flow of one, a mass, an amount of substance, a
    concentration, a temperature in °C, a stirring rate), not a measured outcome."""
    head = unit.split("/")[0].strip()
    return (bool(_tokens(split_unit(header)[0].lower()) & _GIVEN_TOKENS)
            or any(head in kind for kind in _GIVEN_UNIT_KINDS))


def names_verdict(header: str) -> bool:
    """True when a header names a verdict or class observed after the synthesis (a shape,
    monodispersity, a yes/no question such as ``perovskite ?``)."""
    name, _ = split_unit(header)
    low = name.lower().strip()
    if names_starting_material(low):
        return False
    return (low.endswith("?") or any(w in low for w in _VERDICT_WORDS)
            or bool(_tokens(low) & _VERDICT_TOKENS))


def looks_like_flag(levels: set[str]) -> bool:
    """True when every text level is a one-letter code (``P``/``S``, ``Y``/``N``): a flag
    set after the synthesis far more often than a condition, which has names."""
    return bool(levels) and all(len(v) == 1 and v.isalpha() for v in levels)


def names_bookkeeping(header: str) -> bool:
    """True when a header names who, when or where a synthesis was recorded (an operator,
    a date, a note, a notebook page): left out of the models unless the user makes it an
    input."""
    return bool(_tokens(split_unit(header)[0].lower()) & _BOOKKEEPING_TOKENS)


# A rod's three sizes by their words and abbreviations: the aspect ratio is checked against
# length / width, and a micrograph's measurements are written into these columns.
_ROD_WORDS = {
    "length": (("length", "comprimento", "longitud", "länge", "lunghezza", "longueur"),
               {"l"}),
    "width": (("width", "largura", "anchura", "largeur", "breite", "larghezza"), {"w"}),
    "aspect": (("aspect", "razão de aspecto", "relación de aspecto"), {"ar", "l/w"}),
}


def find_rod_size(names: list[str], which: str) -> int | None:
    """Index of the first header naming a rod's ``which`` ("length", "width" or "aspect"),
    in words or as an abbreviation (``L (nm)``, ``W``, ``AR``, ``L/W``); None when none
    does."""
    words, tokens = _ROD_WORDS[which]
    for i, name in enumerate(names):
        whole = name.strip().lower()
        # "L/W" is a ratio, not a length in watts
        low = whole if whole in _ROD_WORDS["aspect"][1] else split_unit(name)[0].lower()
        found = _tokens(low) | {low.strip()}
        # whole words: a wavelength is no length
        if any((w in low) if " " in w else (w in found) for w in words) or found & tokens:
            return i
    return None
