import numpy as np
from helpers.paths import EXAMPLE

from nrstudio.core.data.table_io import import_table
from nrstudio.core.project.file_format import load_project


def test_example_is_the_paper_data(paper_csv):
    project = load_project(EXAMPLE)
    ds = project.dataset
    src = import_table(paper_csv)
    assert len(ds) == 28
    cols = ds.inputs + ds.targets
    np.testing.assert_array_equal(ds.values(cols), src.values(cols))
    assert ds.sample_ids() == [str(i) for i in range(1, 29)]
    assert "jiali1025/SMOTE-REG" in project.notes and "No micrograph" in project.notes
    # One synthetic micrograph per sample, drawn from its own length and width, with its scale
    # read from the bar; none of the paper's micrographs.
    assert sorted(im.sample_id for im in project.images) == sorted(ds.sample_ids())
    assert all(im.filename.startswith("synthetic-") for im in project.images)
    assert all(im.nm_per_px == 0.5 for im in project.images)
    assert "SYNTHETIC micrograph" in project.notes
