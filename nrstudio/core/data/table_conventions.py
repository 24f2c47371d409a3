"""How lab spreadsheets write what a table means, read into plain headers and numbers, each
decision noted for the import dialog (:attr:`RawTable.notes`):

- a row of units under the header (``°C``, ``min``, ``nm`` beneath *Temperature*, *Time*,
  *Peak*) is folded into the headers (*Temperature (°C)*) instead of being read as a
  sample whose every value is wrong;
- a title above the header (*Table S1. Synthesis conditions*) and notes below the table
  (*a) measured by TEM*) are not rows (:func:`skip_titles_and_notes`, which the readers call
  before they take the header), and a row naming groups of columns over the header (merged
  cells) lends its names to the header's repeated ones; a first row of numbers only is data
  under a header of Column 1, Column 2, …;
- thousands separators in a table with decimal points (``1,000`` µL) are numbers;
- an approximate value (``~45``, ``≈ 45``, ``ca. 45``) is its number, a value with its spread
  (``45 ± 5``) its mean, and a value written with its unit (``240 °C``, ``45%``) its number,
  the unit going to the header when the whole column has the same one; values written in
  different units of one kind (``5 min``, ``1 h``, ``30 s``; ``500 µL``, ``1.5 mL``) under
  a header that names none are expressed in the one most cells use, and durations on a
  clock (``00:05:00``, ``1 h 30 min``; ``0:15`` when the header says ``h:mm`` or ``m:ss``) in
  minutes (under a header that names a unit, such cells are left for validation, which
  names the number to enter);
- a list of reagents across repeated pairs of columns (*amount*, *reagent*, *amount (2)*,
  …) is one amount column per reagent (:mod:`nrstudio.core.data.reagent_lists`).

What cannot be one number is left as written, and validation says what it is where it
stands (:mod:`~nrstudio.core.data.cell_hints`): a bound (``<30``), a range (``10-20``), room
temperature (``RT``), a value not measured (``ND``), a value in another unit than its
column's (``1 h`` among minutes, with the number to enter), a formula's error (``#DIV/0!``).
"""

from __future__ import annotations

import re
from typing import Any

from nrstudio.core.data.cell_hints import WITH_UNIT, duration_seconds
from nrstudio.core.data.dataset import format_cell, is_missing, is_missing_marker, parse_number
from nrstudio.core.data.header_words import is_unit, split_unit
from nrstudio.core.data.reagent_lists import spread_reagent_lists
from nrstudio.core.data.table_roles import RawTable
from nrstudio.core.data.transposed_tables import samples_as_rows
from nrstudio.core.units import convert, kind_of

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_APPROXIMATE = re.compile(r"^(~|≈|∼|ca\.?|approx\.?)\s*(?P<number>[^~≈∼\s].*)$", re.IGNORECASE)
_SPREAD = re.compile(r"^(?P<number>\S+)\s*(±|\+/-|\+-)\s*(?P<spread>\S+)$")
# A character no plainly written number has: only such cells are read further (a 3,500-row
# table's 130,000 cells in 0.05 s rather than 0.2 s).
_NOT_PLAIN = re.compile(r"[^\d.eE+\-\s]")
# A column holds numbers when this share of its filled cells (below a units row) reads as one.
_NUMERIC_SHARE = 0.8


def read_conventions(raw: RawTable) -> RawTable:
    """``raw`` turned when it lists samples as columns
    (:mod:`~nrstudio.core.data.transposed_tables`), with a units row folded into its
    headers, and thousands separators, approximate marks, spreads and units in cells read
    as numbers; what changed is added to ``raw.notes``."""
    raw = samples_as_rows(raw)
    _fold_units_row(raw)
    for j in range(len(raw.header)):
        _plain_numbers(raw, j)
    return spread_reagent_lists(raw)


# A header that says how its clock times read: 'Time (h:mm)', 'Duration [mm:ss]'.
_CLOCK_HEADER = re.compile(r"[(\[]\s*(h{1,2}:mm(?::ss)?|m{1,2}:ss|min:s(?:ec)?)\s*[)\]]",
                           re.IGNORECASE)


# A row that sums up the syntheses above it, named in its first text cell ('Average', 'SD',
# 'Mean ± SD', 'Total'): a lab sheet's last rows, never a synthesis.
_SUMMARY = re.compile(r"^(mean|average|avg|median|s\.?d\.?|std\.?|st\.?\s?dev\.?|stdev|"
                      r"standard deviation|s\.?e\.?m?\.?|rsd|%\s?rsd|cv|c\.v\.|variance|total|"
                      r"sum|σ|minimum|maximum|min\.?|max\.?|mittelwert|durchschnitt|moyenne|"
                      r"média|media|promedio|desvio padrão|desviación estándar|écart[- ]type)"
                      r"(\s*(±|\+/-|and|&)\s*(s\.?d\.?|std|sem|se))?\s*:?$", re.IGNORECASE)
_NOTE_MARK = re.compile(r"^(\(?[a-z]\)|\[[a-z0-9]\]|\*+|[†‡§¶]|notes?\b|source\b|abbreviations?\b)",
                        re.IGNORECASE)


def skip_titles_and_notes(rows: list[tuple[int, list[Any]]], notes: list[str],
                          line: str = "line") -> list[tuple[int, list[Any]]]:
    """``rows`` (line number, cells; empty rows already left out) without a title above the
    header and notes below the table, each skipped line noted. A title is a leading row
    filled from its first cell on, with a third as many filled cells as the widest of the
    three rows below it (one at least); a note a trailing row of at most two filled cells, no number, whose
    first starts as a footnote does (``a)``, ``*``, ``Note``), or is a
    sentence (three words or more, or past 40 characters); a summary a trailing row whose
    first text names one (``Average``, ``SD``, ``Mean ± SD``, ``Total``): read as a synthesis,
    an average row trained the models as one more sample, silently."""
    def filled(cells: list[Any]) -> list[str]:
        return [format_cell(c).strip() for c in cells if not is_missing(c)]

    def title(k: int) -> bool:
        # From the first column on, without gaps (a row naming groups of columns has them),
        # against the widest of the next rows (a row of one group may come next)
        texts = [format_cell(c).strip() for c in rows[k][1]]
        n = len(filled(rows[k][1]))
        below = max(len(filled(cells)) for _, cells in rows[k + 1:k + 4])
        return n <= max(1, below // 3) and below >= 2 and all(texts[:n])

    start = 0
    while start < min(len(rows) - 2, 10) and title(start):
        notes.append(f"{line} {rows[start][0]} skipped: a title above the header "
                     f"('{_short(filled(rows[start][1])[0])}')")
        start += 1
    end = len(rows)
    below: list[str] = []
    while end - 1 > start + 2:
        cells = filled(rows[end - 1][1])
        words = [c for c in cells if parse_number(c) is None]
        if words and _SUMMARY.match(words[0]):
            below.append(f"{line} {rows[end - 1][0]} skipped: a summary of the rows above "
                         f"('{_short(words[0])}'), not a synthesis")
        elif (cells and len(cells) <= 2 and not any(parse_number(c) is not None for c in cells)
                and (_NOTE_MARK.match(cells[0]) or len(cells[0]) > 40
                     or len(cells[0].split()) >= 3)):
            below.append(f"{line} {rows[end - 1][0]} skipped: a note below the table "
                         f"('{_short(cells[0])}')")
        else:
            break
        end -= 1
    notes.extend(reversed(below))
    return _numbers_for_header(_without_group_row(rows[start:end], notes, line), notes, line)


def _numbers_for_header(rows: list[tuple[int, list[Any]]], notes: list[str], line: str
                        ) -> list[tuple[int, list[Any]]]:
    """A first row of numbers only is no header (a table saved without its header row, as
    benchmark collections keep them): it stays a row, and a header of Column 1, Column 2, …
    goes above it. Read as headers, its numbers named the columns and the row was lost."""
    if not rows:
        return rows
    number, first = rows[0]
    cells = [c for c in first if not is_missing(c)]
    if len(cells) < 2 or any(parse_number(c) is None for c in cells):
        return rows
    notes.append(f"{line} {number} holds numbers where the header belongs: read as a row, the "
                 f"columns named Column 1 to Column {len(first)} (rename them with a "
                 "right-click on a header on the Data page)")
    return [(number, [f"Column {j + 1}" for j in range(len(first))]), *rows]


def _without_group_row(rows: list[tuple[int, list[Any]]], notes: list[str], line: str
                       ) -> list[tuple[int, list[Any]]]:
    """Rows whose first row names groups of the columns below it (*Precursors* over
    *Cd (mmol)* and *Se (mmol)*, as a merged cell exports) start at the header below it; a
    name the header repeats is prefixed with its group (*Precursors amount*)."""
    if len(rows) < 3:
        return rows
    groups, names = rows[0][1], rows[1][1]
    n_cells = [format_cell(c).strip() for c in names]
    # A workbook's row ends at its last value: a group over columns B and C beside nothing
    # else is a row of two cells, the merged one's right half among the blanks to its right.
    g_cells = [format_cell(c).strip() for c in groups] + [""] * (len(n_cells) - len(groups))
    g_filled, n_filled = [c for c in g_cells if c], [c for c in n_cells if c]
    if (not g_filled or len(g_filled) >= len(n_filled) or len(n_filled) < 2
            or any(parse_number(c) is not None for c in g_filled + n_filled)
            or all(is_unit(c.strip("()[]")) for c in n_filled)
            or not any(parse_number(c) is not None for _, r in rows[2:5] for c in r)
            or any(is_missing_marker(c) for c in n_filled)):
        return rows
    if any(name and any(j < len(r) and format_cell(r[j]).strip() == name for _, r in rows[2:])
           for j, name in enumerate(n_cells)):
        return rows  # a name that is also a value below it: a sample, not the header
    first = next(j for j, c in enumerate(g_cells) if c)
    if all(g_cells[first:len(n_cells)]):
        # No group spans a column to its right: a header whose first cells are blank (a
        # table saved with its row index) over a first sample of text.
        return rows
    header, group = list(names), ""
    for j, name in enumerate(n_cells):
        group = (g_cells[j] if j < len(g_cells) and g_cells[j] else group)
        if name and group and n_cells.count(name) > 1:
            header[j] = f"{group} {name}"
    notes.append(f"{line} {rows[0][0]} read as groups of the columns below it "
                 f"({', '.join(_short(g, 20) for g in g_filled[:6])})")
    return [(rows[1][0], header), *rows[2:]]


def _short(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[:most - 1] + "…"


def _numeric_column(cells: list[object], decimal_comma: bool) -> bool:
    filled = [c for c in cells if not is_missing(c)]
    return bool(filled) and (sum(parse_number(c, decimal_comma) is not None for c in filled)
                             >= _NUMERIC_SHARE * len(filled))


def _fold_units_row(raw: RawTable) -> None:
    """The first row below the header is a units row when no cell of it is a number, every
    filled cell is a unit, it gives a unit to at least half of the number columns, and a
    filled cell of a text column is no level of that column."""
    if len(raw.cells) < 3:
        return
    first, rest = raw.cells[0], raw.cells[1:]
    units: dict[int, str] = {}
    for j, cell in enumerate(first):
        if is_missing(cell):
            continue
        text = format_cell(cell).strip().strip("()[]").strip()
        if not is_unit(text) or text == "-":
            return  # the common case, decided before any column is read
        units[j] = text
    numeric = [_numeric_column([r[j] for r in rest], raw.decimal_comma)
               for j in range(len(raw.header))]
    for j in units:
        written = format_cell(first[j]).strip()
        if not numeric[j] and any(format_cell(r[j]).strip() == written for r in rest):
            return
    with_unit = sum(numeric[j] for j in units)
    if not units or with_unit == 0 or with_unit < 0.5 * sum(numeric):
        return
    named = []
    for j, unit in units.items():
        header = raw.header[j]
        if not split_unit(header)[1]:
            raw.header[j] = f"{header} ({unit})"
        named.append(f"{header}: {unit}")
    raw.notes.append(f"{raw.line_word} {raw.line_numbers[0]} read as the columns' units, "
                     f"not a sample ({', '.join(named[:6])}{', …' if len(named) > 6 else ''})")
    del raw.cells[0]
    del raw.line_numbers[0]


def _plain_numbers(raw: RawTable, j: int) -> None:
    """Column ``j``'s cells written with thousands separators, approximate marks, a spread,
    a unit or as a duration read as numbers, when the column holds numbers once they are; a
    unit that every number of the column carries goes to its header when the header has
    none, and units of one kind become one (:func:`_one_unit`)."""
    header = raw.header[j]
    clock = _CLOCK_HEADER.search(header)  # 'Time (h:mm)': how the cells' clock times read
    cells = [r[j] for r in raw.cells]
    header_unit = "" if clock else split_unit(header)[1]
    read: dict[int, tuple[str, str]] = {}  # row -> (number, the unit it was written in)
    kinds: set[str] = set()
    for i, cell in enumerate(cells):
        if (not isinstance(cell, str) or not _NOT_PLAIN.search(cell)
                or parse_number(cell, raw.decimal_comma) is not None):
            continue
        text, unit, how = _plain_number(cell, raw.decimal_comma,
                                        clock.group(1) if clock else "", not header_unit)
        if text is not None:
            read[i] = (text, unit)
            kinds |= how
    if not read:
        return
    after = [read[i][0] if i in read else c for i, c in enumerate(cells)]
    if not _numeric_column(after, raw.decimal_comma):
        return
    units = {u for _, u in read.values() if u}
    if len(units) > 1 or (units and header_unit and units != {header_unit}):
        # Where the header names the unit, a cell in another is left for validation, which
        # names the number to enter (it may be a slip); otherwise the cells say it all.
        plain = sum(not is_missing(c) for c in cells) - len(read)
        common = None if header_unit else _one_unit(read, plain)
        if common is None:
            return
        read = {i: (_in_unit(text, written, common), common)
                for i, (text, written) in read.items()}
        kinds = {k for k in kinds if not k.startswith("the unit written in the cells")}
        kinds.add(f"values written in {', '.join(sorted(units - {common}))} expressed in "
                  f"{common}")
        units = {common}
    for i, (text, _) in read.items():
        raw.cells[i][j] = text
    if clock and units == {"min"}:
        raw.header[j] = header[:clock.start()] + "(min)" + header[clock.end():]
    elif units and not header_unit:
        raw.header[j] = f"{header} ({units.pop()})"
    raw.notes.append(f"column '{header}': {' and '.join(sorted(kinds))} "
                     f"({len(read)} cell{'s' if len(read) > 1 else ''})")


def _one_unit(read: dict[int, tuple[str, str]], plain: int) -> str | None:
    """The unit that cells written in several units of one kind (times, volumes, masses,
    amounts, concentrations, lengths) are expressed in: the one most of them use; None when
    their kinds differ, or when cells without a unit (``plain`` of them) leave theirs
    unsaid."""
    written = [u for _, u in read.values()]
    if not all(written) or plain:
        return None
    names = {kind_of(u) for u in written}
    if len(names) != 1 or None in names or names == {"a temperature"}:
        return None
    return max(sorted(set(written)), key=written.count)


def _in_unit(text: str, unit: str, target: str) -> str:
    value = convert(float(text), unit, target)
    return text if value is None else f"{value:.10g}"


def _plain_number(cell: str, decimal_comma: bool, clock: str = "", durations: bool = False
                  ) -> tuple[str | None, str, set[str]]:
    """The number written in ``cell`` (as text), the unit it was written with ("" for
    none) and what was read, or None when the cell is no such number. ``durations``: a
    duration is read in minutes (a column whose header names no unit); ``clock``: how the
    header says its two-part clock times read ('h:mm' or 'm:ss'; "" when it does not, and
    '0:15' stays unread)."""
    seconds = duration_seconds(cell.strip(), clock) if durations else []
    if len(seconds) == 1:  # one reading only: '0:15' without its header's clock is two
        return (f"{seconds[0] / 60:.10g}", "min",
                {"durations (00:05:00, 1 h 30 min) read in minutes"})
    text, unit, how = cell.strip(), "", set()
    m = _APPROXIMATE.match(text)
    if m:
        text = m.group("number").strip()
        how.add("approximate values (~45) read as their numbers")
    m = WITH_UNIT.match(text)
    if m and is_unit(m.group("unit")):
        text, unit = m.group("number").strip(), m.group("unit")
        how.add(f"the unit written in the cells ({unit}) moved to the header")
    m = _SPREAD.match(text)
    if m and parse_number(m.group("spread"), decimal_comma) is not None:
        text = m.group("number").strip()
        how.add("values with a spread (45 ± 5) read as their mean")
    if not decimal_comma and _THOUSANDS.match(text.replace(" ", "")):
        text = text.replace(",", "").replace(" ", "")
        how.add("thousands separators (1,000) read as numbers")
    if not how or parse_number(text, decimal_comma) is None:
        return None, "", set()
    return text, unit, how
