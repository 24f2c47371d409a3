import pandas as pd

from nrstudio.core.data.dataset import Column, Dataset, Kind, Role, is_missing
from nrstudio.core.data.frequent_levels import OTHER_LEVEL, frequent_levels, pool_rare_levels


def test_most_frequent_levels_are_kept_with_their_row_share():
    cells = ["a"] * 5 + ["b"] * 3 + ["c", "d", float("nan")]
    levels = frequent_levels(cells, limit=2)
    assert levels.kept == ("a", "b") and levels.rows_covered == 8
    assert levels.rows_filled == 10 and levels.levels == 4
    assert "8 of 10 rows" in levels.describe() and "'other'" in levels.describe()


def test_rare_levels_are_pooled_and_empty_cells_stay_empty():
    table = pd.DataFrame({"precursor": ["a", "b", "c", None]}, dtype=object)
    ds = Dataset(table, [Column("precursor", Role.INPUT, "", Kind.CATEGORY)])
    assert pool_rare_levels(ds, "precursor", ["a"]) == 2
    assert ds.table["precursor"].tolist()[:3] == ["a", OTHER_LEVEL, OTHER_LEVEL]
    assert is_missing(ds.table["precursor"].tolist()[3])
