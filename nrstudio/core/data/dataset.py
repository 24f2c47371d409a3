"""The dataset: a table of syntheses with a role and a unit per column and metadata per row.

Cells keep what the user wrote. A cell of a number column is a float, ``NaN`` when empty, or
the original text when it is not a number (a typo is reported by validation, never silently
turned into NaN). Row metadata: origin (original or synthetic), the "validation experiment"
flag (held out from all training), and for synthetic rows the sample ids of their two parents.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
import pandas as pd

from nrstudio.core.data.header_words import split_unit
from nrstudio.core.errors import DataError


class Role(StrEnum):
    SAMPLE_ID = "sample_id"
    INPUT = "input"
    TARGET = "target"
    IGNORED = "ignored"


class Kind(StrEnum):
    NUMBER = "number"
    TEXT = "text"
    CATEGORY = "category"  # text levels (a ligand, a solvent); an input the models encode


# Cells a lab writes for "not measured" or "none used": read as empty. The import dialog can
# change the set; "0" is never one (zero of a reagent is a value).
MISSING_MARKERS = ("NA", "N/A", "n/a", "n.d.", "NaN", "None", "null", "-", "\u2014", "?", "#N/A")
# Full-width forms (U+FF01-FF5E, and the ideographic space) as a Chinese or Japanese input
# method types them: '１２．５' is 12.5 and '？' is '?'. Read as their ASCII letters.
_FULL_WIDTH = {0xFF01 + k: 0x21 + k for k in range(0x5E)} | {0x3000: 0x20}


class Origin(StrEnum):
    ORIGINAL = "original"
    SYNTHETIC = "synthetic"


ROW_META_COLUMNS = ("origin", "validation_experiment", "parent_1", "parent_2")


@dataclass
class Column:
    """One column: its header, its role in modelling, its unit ("" when unknown; "-" if none).

    ``non_negative``: whether values can never be below zero (a length, an amount); None
    means "decided from the name and unit" (see :func:`cannot_be_negative`)."""

    name: str
    role: Role
    unit: str = ""
    kind: Kind = Kind.NUMBER
    non_negative: bool | None = None

    @property
    def is_category(self) -> bool:
        return self.kind == Kind.CATEGORY

    @property
    def positive_only(self) -> bool:
        """True when a value below zero is physically impossible for this column."""
        if self.non_negative is not None:
            return self.non_negative
        return cannot_be_negative(self.name, self.unit)

    @property
    def label(self) -> str:
        """Header with unit, e.g. ``S amount (mg)``; the name alone when it already has it."""
        if not self.unit or self.unit == "-" or split_unit(self.name)[1] == self.unit:
            return self.name
        return f"{self.name} ({self.unit})"


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
# A power of ten as a paper's table writes it: 3.2×10⁻³, 3.2 x 10^-3, 3.2·10-3, 10⁵.
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_POWER_OF_TEN = re.compile(r"^(?:(?P<mantissa>[+-]?(\d+\.?\d*|\.\d+))[×xX·*])?10"
                           r"(?P<caret>\^?)(?P<exponent>[+-]?\d{1,3})$")


def parse_number(text: object, decimal_comma: bool = False) -> float | None:
    """Parse one cell as a finite float; ``None`` when it is not a number.

    Accepts a leading sign (also the Unicode minus), exponents (also written as a power of
    ten: ``3.2×10⁻³``, ``3.2 x 10^-3``), full-width digits (``１２．５``), and with
    ``decimal_comma`` the forms ``4,9`` and ``1.234,5``. Rejects ``nan``/``inf``: they are
    never a measurement.
    """
    if type(text) is float:  # most cells of a workbook: checked first (a million of them)
        return text if math.isfinite(text) else None
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float | np.integer | np.floating):
        value = float(text)
        return value if math.isfinite(value) else None
    if not isinstance(text, str):
        return None
    s = (text.translate(_FULL_WIDTH).strip().replace("\u2212", "-").replace("\u00a0", "")
         .replace(" ", ""))
    if decimal_comma:
        if _THOUSANDS_DOT.match(s):
            s = s.replace(".", "")
        s = s.replace(",", ".")
    if not _NUMBER.match(s):
        return _power_of_ten(s)
    value = float(s)
    return value if math.isfinite(value) else None


def _power_of_ten(s: str) -> float | None:
    """``s`` (spaces removed) read as mantissa × 10^exponent, or None. The exponent must be
    marked as one (superscript, caret, or a sign after '×10'): '10-3' is a range, '2x103'
    a typo, neither a power."""
    plain = s.translate(_SUPERSCRIPTS)
    m = _POWER_OF_TEN.match(plain)
    if m is None:
        return None
    marked = plain != s or m["caret"] or (m["mantissa"] and m["exponent"][0] in "+-")
    if not marked:
        return None
    value = float(f"{m['mantissa'] or 1}e{m['exponent']}")
    return value if math.isfinite(value) else None


def parse_typed_number(text: str) -> float | None:
    """A number a user typed: decimal point, or a single decimal comma ("4,9")."""
    value = parse_number(text)
    if value is None and text.count(",") == 1 and "." not in text:
        value = parse_number(text, decimal_comma=True)
    return value


_NON_NEGATIVE_WORDS = ("amount", "mass", "volume", "length", "width", "aspect", "size",
                       "diameter", "thickness", "edge", "concentration", "time", "wavelength",
                       "emission", "absorption", "absorbance", "fwhm", "yield", "ratio",
                       "plqy")
_NON_NEGATIVE_UNITS = {"nm", "µm", "um", "mm", "cm", "m", "mg", "g", "kg", "µg", "ug", "nmol",
                       "µmol", "umol", "mmol", "mol", "ml", "µl", "ul", "l", "s", "min", "h",
                       "%", "k", "mol/l", "ev", "mg/ml", "wt%"}


# A header that starts with the symbol a chemist writes for a volume, a concentration, an
# amount of substance or a mass: "V (PbBr2 prec.)", "c (Cs-OA)", "n_Cs", "m_S".
_NON_NEGATIVE_SYMBOLS = ("v", "c", "n", "m")
# A word of the header that names a quantum yield ("QY (%)", "PL QY"), an absorbance
# ("Abs 1º Pico", "OD") or a wavelength ("WL 2º Pico", "λ max", "LSPR").
_NON_NEGATIVE_TOKENS = ("qy", "abs", "od", "wl", "λ", "lspr", "tspr")


def cannot_be_negative(name: str, unit: str) -> bool:
    """The default of :attr:`Column.non_negative`: lengths, wavelengths, amounts, masses,
    volumes, concentrations, times, ratios and yields (a PLQY, a QY) cannot be negative (by
    the header's words, its leading symbol, or its unit)."""
    low = name.lower()
    tokens = re.split(r"[\s_(\[/]+", low.strip())
    return (any(w in low for w in _NON_NEGATIVE_WORDS)
            or tokens[0] in _NON_NEGATIVE_SYMBOLS
            or any(t in _NON_NEGATIVE_TOKENS for t in tokens)
            or unit.strip().lower() in _NON_NEGATIVE_UNITS)


def is_missing_marker(text: object, markers: Sequence[str] = MISSING_MARKERS) -> bool:
    """True when a cell's text is one of the "no value" markers (case-insensitive)."""
    if not isinstance(text, str):
        return False
    s = text.translate(_FULL_WIDTH).strip().lower()
    return bool(s) and any(s == m.strip().lower() for m in markers)


def is_missing(cell: object) -> bool:
    """True for an empty cell (NaN or blank text)."""
    if isinstance(cell, float):
        return math.isnan(cell)
    if cell is None or cell is pd.NA:
        return True
    return isinstance(cell, str) and not cell.strip()


def same_text(text: str) -> str:
    """``text`` as compared where capitals and spaces do not count: ``Oleic  acid`` and
    ``oleic acid`` are one level, one reagent, one key to join on."""
    return " ".join(text.split()).casefold()


def format_number(value: float) -> str:
    """Shortest text that reads back to exactly ``value`` (``40`` rather than ``40.0``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def format_cell(cell: object) -> str:
    if is_missing(cell):
        return ""
    if isinstance(cell, float):
        return format_number(cell)
    return str(cell)


@dataclass
class Dataset:
    """A table of syntheses.

    ``table``: one column per entry of ``columns`` (same order, object dtype), one row per
    synthesis. ``rows``: the same index, columns ``origin`` (str), ``validation_experiment``
    (bool), ``parent_1``/``parent_2`` (sample ids of a synthetic row's parents, else "").
    ``listed``: the columns the import spread from a list of reagents, one amount per
    reagent (:mod:`nrstudio.core.data.reagent_lists`); not saved with a project.
    """

    table: pd.DataFrame
    columns: list[Column]
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    listed: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise DataError(f"duplicate column names: {sorted({n for n in names if names.count(n) > 1})}")
        if list(self.table.columns) != names:
            raise DataError("table columns do not match the column list")
        self.table = self.table.reset_index(drop=True).astype(object)
        n = len(self.table)
        if self.rows is None or len(self.rows.columns) == 0:
            self.rows = default_row_meta(n)
        if len(self.rows) != n:
            raise DataError(f"row metadata has {len(self.rows)} rows, table has {n}")
        self.rows = self.rows.reset_index(drop=True)

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_records(
        cls,
        columns: Sequence[Column],
        records: Iterable[Sequence[object]],
        validation: Sequence[bool] | None = None,
    ) -> Dataset:
        """Build a dataset from plain rows (used by tests and by the example project)."""
        data = [list(r) for r in records]
        table = pd.DataFrame(data, columns=[c.name for c in columns], dtype=object)
        meta = default_row_meta(len(table))
        if validation is not None:
            meta["validation_experiment"] = [bool(v) for v in validation]
        return cls(table, list(columns), meta)

    def copy(self) -> Dataset:
        return Dataset(
            self.table.copy(), [replace(c) for c in self.columns], self.rows.copy(),
            self.listed)

    # ---- columns ------------------------------------------------------------------------
    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise DataError(f"no column named '{name}'")

    def names(self, role: Role) -> list[str]:
        return [c.name for c in self.columns if c.role == role]

    @property
    def inputs(self) -> list[str]:
        return self.names(Role.INPUT)

    @property
    def targets(self) -> list[str]:
        return self.names(Role.TARGET)

    @property
    def sample_id_column(self) -> str | None:
        ids = self.names(Role.SAMPLE_ID)
        return ids[0] if ids else None

    # ---- rows ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.table)

    def sample_ids(self, rows: np.ndarray | None = None) -> list[str]:
        """One label per row (of ``rows``, 0-based indices; every row by default): the
        sample id cell, or ``row N`` (1-based) when there is none. Asking for the rows one
        needs saves the GUI thread 20 ms per 10,000 synthetic rows."""
        index = range(len(self)) if rows is None else [int(r) for r in rows]
        col = self.sample_id_column
        if col is None:
            return [f"row {i + 1}" for i in index]
        cells = self.table[col].to_numpy(dtype=object)
        return [f"row {i + 1}" if is_missing(cells[i]) else format_cell(cells[i])
                for i in index]

    @property
    def is_original(self) -> np.ndarray:
        """(n_rows,) bool: measured rows, not synthetic ones. Compared as a numpy array: a
        pandas string comparison took 0.56 ms on 9,100 rows against 0.16 ms, and a landing
        SMOTE-REG result asks this about 50 times on the GUI thread."""
        return np.asarray(self.rows["origin"].to_numpy(dtype=object) == Origin.ORIGINAL.value,
                          dtype=bool)

    @property
    def is_validation(self) -> np.ndarray:
        return self.rows["validation_experiment"].astype(bool).to_numpy()

    def values(self, names: Sequence[str], rows: np.ndarray | None = None) -> np.ndarray:
        """Numeric values, shape (n_rows, len(names)), NaN where empty.

        Raises DataError naming row and column if a selected cell is text that is not a number.
        """
        idx = np.arange(len(self)) if rows is None else np.asarray(rows)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        out = np.full((len(idx), len(names)), np.nan)
        for j, name in enumerate(names):
            col = self.table[name].to_numpy()[idx]
            out[:, j], bad = parse_numbers(col)
            if bad:
                k = bad[0]
                raise DataError(f"row {idx[k] + 1}, column '{name}': '{col[k]}' is not a number")
        return out

    def training_mask(self) -> np.ndarray:
        """Rows that may train a model: original, not a validation experiment, all targets set."""
        mask = self.is_original & ~self.is_validation
        if self.targets:
            y = self.values(self.targets)
            mask &= ~np.isnan(y).any(axis=1)
        return mask


def parse_numbers(cells: Sequence[object]) -> tuple[np.ndarray, list[int]]:
    """The numbers of a column's cells, (n,) with NaN where empty or not a number, and the
    positions of the cells that hold text which is not a number. Cells are floats (or NaN)
    almost always: those are taken at once, only the others are parsed."""
    n = len(cells)
    # All floats (a column of numbers, as after augmentation): one conversion, no per-cell
    # Python check; the check cost 30 ms on the GUI thread for a 9,100-row table.
    if set(map(type, cells)) <= {float, np.float64}:
        return np.array(cells, dtype=float).reshape(n), []
    out = np.full(n, np.nan)
    is_float = np.fromiter((isinstance(c, float) for c in cells), dtype=bool, count=n)
    out[is_float] = np.array([c for c, f in zip(cells, is_float, strict=True) if f], dtype=float)
    bad = []
    for k in np.flatnonzero(~is_float).tolist():
        cell = cells[k]
        if is_missing(cell):
            continue
        value = parse_number(cell)
        if value is None:
            bad.append(int(k))
        else:
            out[k] = value
    return out, bad


def default_row_meta(n: int, origin: Origin = Origin.ORIGINAL) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "origin": [origin.value] * n,
            "validation_experiment": [False] * n,
            "parent_1": [""] * n,
            "parent_2": [""] * n,
        }
    )


MAX_CATEGORY_LEVELS = 30  # more levels than this is a label or a note, not a condition
