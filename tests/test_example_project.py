import numpy as np
from conftest import EXAMPLE

from nrstudio.core.project_file import load_project
from nrstudio.core.table_io import import_table


def test_example_is_the_paper_data(paper_csv):
    project = load_project(EXAMPLE)
    ds = project.dataset
    src = import_table(paper_csv)
    assert len(ds) == 28
    cols = ds.inputs + ds.targets
    np.testing.assert_array_equal(ds.values(cols), src.values(cols))
    assert ds.sample_ids() == [str(i) for i in range(1, 29)]
    assert "jiali1025/SMOTE-REG" in project.notes and "No micrograph" in project.notes
    assert project.images == []
