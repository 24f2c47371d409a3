"""Guessing a column's role, unit and kind from its header and cells, and saying why a
column is left out: the import's first proposal, which the user can change.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nrstudio.core.data.cell_hints import cell_hint
from nrstudio.core.data.dataset import (
    MAX_CATEGORY_LEVELS,
    Column,
    Dataset,
    Kind,
    Role,
    format_cell,
    is_missing,
    parse_number,
)
from nrstudio.core.data.header_words import (
    find_rod_size,
    looks_like_flag,
    names_bookkeeping,
    names_quantity,
    names_verdict,
    split_unit,
)

_ID_WORDS = ("sample", "id", "name", "#", "no", "no.", "number", "label", "run", "batch",
             "amostra", "probe", "échantillon", "muestra", "campione", "code", "entry", "ref",
             # which synthesis a row is (unique) or belongs to (aliquots of one flask)
             "synthesis", "síntese", "síntesis", "synthèse", "sintesi", "synthese", "flask",
             "reaction", "experiment", "expt", "lot", "ansatz")


def _integer_labels(numeric: Sequence[object]) -> bool:
    """True when the numbers are whole (labels such as 1, 2, 2, 4), not measurements."""
    values = [parse_number(c) for c in numeric]
    return bool(values) and all(v is not None and float(v).is_integer() for v in values)


def _integer_sequence(numeric: Sequence[object]) -> bool:
    """True for 0..n-1 or 1..n in any order: a row number, not a measurement."""
    values = [parse_number(c) for c in numeric]
    if len(values) < 3 or not all(v is not None and float(v).is_integer() for v in values):
        return False
    ints = sorted(int(v) for v in values if v is not None)
    return ints[0] in (0, 1) and ints == list(range(ints[0], ints[0] + len(ints)))


def shared_label(filled: Sequence[object]) -> bool:
    """Whether the filled cells of an id-like column are labels that many rows share: at
    most half as many different values as cells (of at least four)."""
    return len(filled) >= 4 and len({format_cell(c).strip() for c in filled}) <= len(filled) / 2


def rarely_listed(nonzero: int, rows: int) -> bool:
    """Whether a condition that is not zero in only ``nonzero`` of ``rows`` rows is too rare
    to learn its effect from: fewer than 3 rows, or than 1% of a large table's rows (a
    reagent that one paper of a literature table used)."""
    return 0 < nonzero < max(3, math.ceil(0.01 * rows))


def _nonzero(cells: Sequence[object], decimal_comma: bool) -> tuple[int, int]:
    """(cells that are a number other than 0, cells that are 0); others are not counted."""
    values = [parse_number(c, decimal_comma) for c in cells]
    zeros = sum(v == 0 for v in values)
    return sum(v is not None for v in values) - zeros, zeros


def guess_column(header: str, cells: Sequence[object], decimal_comma: bool = False) -> Column:
    """Guess role, unit and kind of a column from its header and its cells.

    - The sample id: an id-like header (in several languages), or by content: unique text,
      or a run of consecutive integers without a unit. An id-like header over labels that
      many rows share (a run or a batch: :func:`shared_label`) is ignored, no id.
    - Mostly-numeric columns are inputs, or targets when the header names a measured
      quantity (length, width, aspect ratio, peak, FWHM, yield, a length unit, in several
      languages) and not the starting material; a verdict (monodispersity, shape, a
      question such as ``perovskite ?``) is ignored, never an input
      (:mod:`nrstudio.core.data.header_words`).
    - Text with a few repeated levels (a ligand, a solvent) is a category input, unless
      it is an outcome: a verdict or quantity header, or one-letter codes (a flag).
    - Who, when and where it was recorded (an operator, a date, a note) is ignored.
    - A number that is 0 in all rows but a few (:func:`rarely_listed`: a reagent that few
      syntheses used) is ignored: its effect cannot be learned from those rows.
    - Other text is ignored; :func:`ignored_reason` says why.
    """
    unit = split_unit(header)[1]
    filled = [c for c in cells if not is_missing(c)]
    numeric = [c for c in filled if parse_number(c, decimal_comma) is not None]
    mostly_numeric = not filled or len(numeric) >= 0.5 * len(filled)
    texts = {format_cell(c).strip() for c in filled}
    unique = len(texts) == len(filled)
    id_like = is_id_header(header)
    if id_like and shared_label(filled):
        # 'Run 2' in 16 rows, then 'Run 3': a run or batch that many rows (aliquots,
        # repeats) share, not a sample id; 134 of 142 rows were errors as repeated ids.
        return Column(header, Role.IGNORED, "", Kind.TEXT)
    if id_like and (unique or not mostly_numeric or _integer_labels(numeric)):
        # An id header keeps the id role when an id repeats (validation then names the
        # duplicates): a numeric id must never turn into an input silently.
        return Column(header or "Sample", Role.SAMPLE_ID, "", Kind.TEXT)
    if names_bookkeeping(header):
        kind = Kind.NUMBER if numeric and mostly_numeric else Kind.TEXT
        return Column(header, Role.IGNORED, unit, kind)
    if not mostly_numeric:
        if unique and len(filled) >= 2:
            return Column(header, Role.SAMPLE_ID, "", Kind.TEXT)
        if is_outcome_text(header, texts):
            return Column(header, Role.IGNORED, unit, Kind.TEXT)
        if 2 <= len(texts) <= min(MAX_CATEGORY_LEVELS, max(2, len(filled) // 2)):
            return Column(header, Role.INPUT, "", Kind.CATEGORY)
        return Column(header, Role.IGNORED, unit, Kind.TEXT)
    if not unit and len(numeric) == len(filled) and _integer_sequence(numeric):
        return Column(header or "Sample", Role.SAMPLE_ID, "", Kind.TEXT)
    if names_quantity(header):
        if find_rod_size([header], "aspect") == 0:
            unit = "-"  # a ratio has none ("L/W" is no length in watts)
        return Column(header, Role.TARGET, unit, Kind.NUMBER)
    if names_verdict(header):
        return Column(header, Role.IGNORED, unit, Kind.NUMBER)
    nonzero, zeros = _nonzero(numeric, decimal_comma)
    if zeros and rarely_listed(nonzero, len(cells)):
        return Column(header, Role.IGNORED, unit, Kind.NUMBER)
    return Column(header, Role.INPUT, unit, Kind.NUMBER)


def amount_column(header: str, cells: Sequence[object], decimal_comma: bool = False) -> Column:
    """A reagent's amount spread from a list (:mod:`nrstudio.core.data.reagent_lists`): a
    number input, ignored when :func:`rarely_listed`."""
    nonzero, zeros = _nonzero(cells, decimal_comma)
    rare = zeros and rarely_listed(nonzero, len(cells))
    return Column(header, Role.IGNORED if rare else Role.INPUT, split_unit(header)[1],
                  Kind.NUMBER)


def is_outcome_text(header: str, levels: set[str]) -> bool:
    """True when a text column reads as an outcome rather than a condition: its header
    names a verdict or a measured quantity, or its levels are one-letter codes."""
    return names_verdict(header) or names_quantity(header) or looks_like_flag(levels)


def is_id_header(header: str) -> bool:
    """True when a header reads as a sample id (``Sample``, ``ID``, ``Amostra``, empty)."""
    low = split_unit(header)[0].lower()
    return (not low) or low in _ID_WORDS or low.startswith(("sample", "unnamed"))


# A header naming one run, sample or flask by its number or letter ('Run 2', 'Sample_3',
# 'Flask B 60 s'): several of them are runs laid out as columns.
_RUN_HEADER = re.compile(r"^(run|sample|batch|synthesis|flask|experiment|expt|reaction|lot|"
                         r"amostra|muestra|probe|échantillon|campione|ansatz)\s*[#_\-.]?\s*"
                         r"(\d+|[a-z])(\b|_)", re.IGNORECASE)
RUN_COLUMNS_MIN = 3


def runs_as_columns(headers: Sequence[str]) -> list[str]:
    """The headers that each name one run or sample, when at least ``RUN_COLUMNS_MIN`` do:
    a table of one run per column (a time series per run side by side), which NR Studio
    cannot read as one synthesis per row; [] otherwise."""
    named = [h for h in headers if _RUN_HEADER.match(h.strip())]
    return named if len(named) >= RUN_COLUMNS_MIN else []


def category_cells(dataset: Dataset) -> dict[str, list[object]]:
    """The cells of every category input by header: what a restated column is checked
    against (:func:`ignored_reason`)."""
    return {c.name: dataset.table[c.name].tolist() for c in dataset.columns
            if c.role == Role.INPUT and c.is_category}


def restates(cells: Sequence[object], other: Sequence[object]) -> bool:
    """True when two text columns name the same conditions level for level (``EtOH`` always
    beside ``Ethanol`` and the reverse): the second adds nothing but a duplicate input."""
    pairs = {(format_cell(a).strip(), format_cell(b).strip())
             for a, b in zip(cells, other, strict=True) if not is_missing(a) or not is_missing(b)}
    if len(pairs) < 2:
        return False
    firsts = {a for a, _ in pairs}
    seconds = {b for _, b in pairs}
    return len(firsts) == len(pairs) == len(seconds)


def ignored_reason(column: Column, cells: Sequence[object],
                   others: Mapping[str, Sequence[object]] | None = None) -> str:
    """Why a column is left out of the models, in words for the import dialog ("" when it
    is used). ``others``: the category inputs' cells by header, to name one that this
    column restates."""
    return why_ignored(column, cells, others).words


def has_too_many_levels(column: Column, cells: Sequence[object],
                        others: Mapping[str, Sequence[object]] | None = None) -> bool:
    """Whether the column is left out only for having more levels than a category may (not
    as an outcome, a label or a restated condition): the import offers to keep its most
    frequent levels (:mod:`nrstudio.core.data.frequent_levels`)."""
    return why_ignored(column, cells, others).crowded


@dataclass(frozen=True)
class IgnoredReason:
    """Why a column is left out: ``kind`` (used, empty, label, shared, outcome, bookkeeping,
    restated, rare, numbers, constant, crowded, chosen) for code to act on, ``words`` for the
    user ("" when used)."""

    kind: str
    words: str

    @property
    def crowded(self) -> bool:
        """Left out only for having more levels than a category may."""
        return self.kind == "crowded"


def why_ignored(column: Column, cells: Sequence[object],
                others: Mapping[str, Sequence[object]] | None = None) -> IgnoredReason:
    """The reason of :func:`ignored_reason` with its kind."""
    if column.role != Role.IGNORED:
        return IgnoredReason("used", "")
    filled = [format_cell(c).strip() for c in cells if not is_missing(c)]
    if not filled:
        return IgnoredReason("empty", "every cell is empty")
    numeric = sum(parse_number(c) is not None for c in filled) >= 0.5 * len(filled)
    levels = len(set(filled))
    if not numeric and levels == len(filled):
        quantities = [c for c in filled if cell_hint(c)]
        if len(quantities) >= 0.8 * len(filled):
            shown = ", ".join(f"'{c}'" for c in quantities[:3])
            return IgnoredReason("written", f"numbers written in different ways ({shown}, …), "
                                            "not read as one quantity: make it a number input, "
                                            "and its findings say what to enter in each cell")
        return IgnoredReason("label", "every row has a different text: a label or a note, "
                                      "not a condition")
    if is_id_header(column.name) and shared_label(filled):
        return IgnoredReason("shared", f"{levels} label{'s' if levels > 1 else ''} shared by "
                                       f"{len(filled)} rows: a run or a batch, not a sample "
                                       "id; the rows of one are held out together when "
                                       "models are judged (make it a text input if the runs "
                                       "differ in a condition the table lacks)")
    if names_verdict(column.name) or (not numeric and is_outcome_text(column.name,
                                                                        set(filled))):
        return IgnoredReason("outcome", "an outcome measured after the synthesis (a verdict, "
                                        "a class or a flag), never an input; make it a "
                                        "target to predict it")
    if names_bookkeeping(column.name):
        return IgnoredReason("bookkeeping", "bookkeeping (who, when or where the synthesis "
                                            "was recorded, or whether it is planned), not how "
                                            "it was made; make it an input if it matters")
    for name, other in (others or {}).items():
        if name != column.name and not numeric and restates(cells, other):
            return IgnoredReason("restated", f"restates '{name}' level for level (one input "
                                             "per condition)")
    if numeric:
        nonzero, zeros = _nonzero(filled, False)
        if zeros and rarely_listed(nonzero, len(cells)):
            return IgnoredReason("rare", f"0 in every row but {nonzero}: too few to learn its "
                                         "effect from; make it an input if it matters")
        return IgnoredReason("numbers", "numbers, not chosen as an input or a target")
    if levels == 1:
        return IgnoredReason("constant", f"the same text ('{filled[0][:30]}') in every row")
    if levels > MAX_CATEGORY_LEVELS:
        return IgnoredReason("crowded", f"text with {levels} different values; a condition "
                                        f"may have at most {MAX_CATEGORY_LEVELS} levels")
    return IgnoredReason("chosen", "marked as ignored")
