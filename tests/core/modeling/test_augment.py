import math

import numpy as np
import pytest

from nrstudio.core.data.dataset import Column, Dataset, Role
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.augment import (
    SmoteRegSettings,
    augment_smote_reg,
    plan_smote_reg,
    smote_reg_arrays,
)


def on_segment(row: np.ndarray, a: np.ndarray, b: np.ndarray) -> bool:
    """True when row = a + lam * (b - a) for one lam in [0, 1] in every column."""
    diff = b - a
    j = int(np.argmax(np.abs(diff)))
    if diff[j] == 0:
        return np.allclose(row, a)
    lam = (row[j] - a[j]) / diff[j]
    return -1e-12 <= lam <= 1 + 1e-12 and np.allclose(row, a + lam * diff, rtol=1e-9, atol=1e-9)


def test_paper_defaults_give_9100_rows_on_parent_segments(paper_dataset):
    result = augment_smote_reg(paper_dataset)
    ds = result.dataset
    assert len(ds) == 9100 and result.plan.n_subsets_used == 378
    assert result.plan.rows_per_subset == 24 and not result.plan.capped
    assert int((~ds.is_original).sum()) == 9072
    cols = ds.inputs + ds.targets
    values = ds.values(cols)
    ids = ds.sample_ids()
    by_id = {ids[i]: values[i] for i in np.flatnonzero(ds.is_original)}
    syn = np.flatnonzero(~ds.is_original)
    assert all(on_segment(values[i], by_id[ds.rows.at[i, "parent_1"]],
                          by_id[ds.rows.at[i, "parent_2"]]) for i in syn)
    pairs = {frozenset((ds.rows.at[i, "parent_1"], ds.rows.at[i, "parent_2"])) for i in syn}
    assert len(pairs) == 378  # every pair of samples was a minority subset


def test_seed_reproduces_and_changes():
    x = np.random.default_rng(0).random((10, 3))
    y = np.random.default_rng(1).random((10, 2))
    a = smote_reg_arrays(x, y, SmoteRegSettings(seed=5))
    b = smote_reg_arrays(x, y, SmoteRegSettings(seed=5))
    c = smote_reg_arrays(x, y, SmoteRegSettings(seed=6))
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    # inputs and targets share the same lambda
    base, nb = a.parents[:, 0], a.parents[:, 1]
    assert np.allclose(a.y, y[base] + a.lam[:, None] * (y[nb] - y[base]))


def test_validation_rows_are_never_parents(paper_dataset):
    ds = paper_dataset.copy()
    ds.rows.loc[[0, 5, 11], "validation_experiment"] = True
    out = augment_smote_reg(ds).dataset
    parents = set(out.rows.parent_1) | set(out.rows.parent_2)
    assert not parents & {"1", "6", "12"}
    assert len(out) == 25 + math.comb(25, 2) * 21 + 3  # the 3 flagged rows stay in the table


def test_larger_subsets_and_neighbours():
    x = np.random.default_rng(0).random((8, 2))
    y = x.sum(axis=1, keepdims=True)
    r = smote_reg_arrays(x, y, SmoteRegSettings(minority=3, neighbors=2, per_subset=4))
    assert len(r.x) == math.comb(8, 3) * 4
    assert (r.parents[:, 0] != r.parents[:, 1]).all()


def test_subset_cap_samples_and_says_so():
    n = 40
    x = np.random.default_rng(0).random((n, 3))
    y = np.random.default_rng(1).random((n, 1))
    settings = SmoteRegSettings(minority=3, neighbors=1, per_subset=2, subset_cap=1000)
    plan = plan_smote_reg(n, settings)
    assert plan.capped and plan.n_subsets_total == math.comb(40, 3)
    r = smote_reg_arrays(x, y, settings)
    assert len(r.x) == 2000
    ds = Dataset.from_records([Column("a", Role.INPUT), Column("b", Role.INPUT),
                               Column("c", Role.INPUT), Column("Length", Role.TARGET)],
                              np.column_stack([x, y]).tolist())
    result = augment_smote_reg(ds, settings)
    assert "random sample of 1,000 subsets" in result.capped_message


def test_percent_mode_matches_algorithm_1():
    assert SmoteRegSettings(percent=1200).rows_per_subset(28) == 24


@pytest.mark.parametrize("kwargs,msg", [({"minority": 1}, "between 2"),
                                        ({"neighbors": 2}, "T-1"),
                                        ({"per_subset": -1}, "rows per subset")])
def test_bad_settings(kwargs, msg):
    with pytest.raises(DataError, match=msg):
        plan_smote_reg(10, SmoteRegSettings(**kwargs))
