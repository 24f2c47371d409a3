"""File-dialog filters for the tables import reads, written once from the core's list."""

from __future__ import annotations

from nrstudio.core.data.table_io import READABLE_TABLES

TABLE_FILTER = f"Tables ({' '.join('*' + s for s in READABLE_TABLES)})"
TABLE_WORDS = ", ".join(READABLE_TABLES[:-1]) + f" or {READABLE_TABLES[-1]}"
