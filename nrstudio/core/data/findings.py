"""What validation says of a dataset: findings (an error or a warning, at a row and a
column) and the report that holds them. Row numbers are 1-based, as a user sees them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

# More cells or rows than this with the same problem (empty, unreadable in the same way, a
# repeated id or condition) are one finding that names them, every one still marked.
MAX_REPEAT_FINDINGS = 5


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    message: str
    row: int | None = None  # 1-based; None for the whole table
    column: str | None = None
    # The other rows (1-based) a finding about many rows names: marked in the table as
    # ``row`` is, listed once.
    more_rows: tuple[int, ...] = ()

    @classmethod
    def about_rows(cls, severity: Severity, message: str, rows: Sequence[int],
                   column: str | None = None) -> Finding:
        """One finding about many rows (0-based, the first the one a click goes to), every
        one of them marked; about the whole column when ``rows`` is empty."""
        return cls(severity, message, int(rows[0]) + 1 if len(rows) else None, column,
                   tuple(int(r) + 1 for r in rows[1:]))

    @property
    def rows(self) -> tuple[int, ...]:
        """Every row (1-based) the finding is about."""
        return ((self.row,) if self.row is not None else ()) + self.more_rows

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{self.severity.value}: {prefix}{self.message}"


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.WARNING]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def for_cell(self, row: int, column: str) -> list[Finding]:
        """Findings about one cell (1-based row), for highlighting in the table."""
        return [f for f in self.findings if f.column == column and row in f.rows]
