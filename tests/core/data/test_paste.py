"""A paste is planned and checked whole before anything changes: cells of existing rows,
validation flags, rows added past the end, and refusals that say where."""

import math

import pytest

from nrstudio.core.data.dataset import Origin
from nrstudio.core.data.paste import pasted_block, plan_paste
from nrstudio.core.data.table_io import dataset_from_raw, read_csv_bytes
from nrstudio.core.errors import DataError

CSV = "Sample,Volume (uL),Temp (°C),Length (nm)\na,10,80,40\nb,20,90,45\nc,30,100,50\n"


def table():
    return dataset_from_raw(read_csv_bytes(CSV.encode()))


def test_text_from_a_spreadsheet_becomes_a_block():
    assert pasted_block("1\t2\r\n3\t4\r\n") == [["1", "2"], ["3", "4"]]
    assert pasted_block("") == [] and pasted_block("\n") == []


def test_cells_flags_and_new_rows_are_planned_without_changing_the_table():
    ds = table()
    # Columns as the Data page shows them: 0 the flag, 2 'Volume (uL)', 3 'Temp (°C)'.
    plan = plan_paste(ds, [["yes", "x1", "11"], ["no", "x2", "21"], ["1", "new", "31"]],
                      [0, 1, None], 0)
    assert plan.size == "3×3"
    assert [(f.row, f.old, f.new) for f in plan.flags] == [(0, False, True), (1, False, False)]
    assert [(c.row, c.column, c.old, c.new) for c in plan.cells] == [
        (0, "Sample", "a", "x1"), (0, "Volume (uL)", 10.0, 11.0),
        (1, "Sample", "b", "x2"), (1, "Volume (uL)", 20.0, 21.0)]
    (new,) = plan.new_rows
    assert new.validation and new.cells[:2] == ["new", 31.0] and math.isnan(new.cells[2])
    assert ds.table.iat[0, 1] == 10.0  # only planned


@pytest.mark.parametrize("block,rows,first,words", [
    ([["1", "2", "3", "4"]], [0], 2, "has 4 columns; from this column on the table has fewer"),
    ([["1"], ["abc"]], [0, None], 2, "Nothing was pasted. new row 2, Volume \\(uL\\)"),
    ([["1"], ["abc"]], [0, 1], 2, "row 2, Volume \\(uL\\)"),
])
def test_a_paste_that_does_not_fit_is_refused_saying_where(block, rows, first, words):
    with pytest.raises(DataError, match=words):
        plan_paste(table(), block, rows, first)


def test_synthetic_rows_are_read_only():
    ds = table()
    ds.rows.loc[2, "origin"] = Origin.SYNTHETIC.value
    with pytest.raises(DataError, match="Row 3 is synthetic"):
        plan_paste(ds, [["5"]], [2], 2)
