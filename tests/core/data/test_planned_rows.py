"""A planned experiment is a full recipe a lab can follow: placed after the original rows,
rounded as the column is written (or to the design's step), constant inputs filled."""

from nrstudio.core.data.dataset import Kind, Origin, Role
from nrstudio.core.data.editing import add_planned_experiments
from nrstudio.core.data.table_io import dataset_from_raw, read_csv_bytes

CSV = ("Sample,Volume (uL),Temp (°C),Solvent,Length (nm)\n"
       "a,10.5,80,water,40\nb,20.25,90,water,45\nc,30,100,water,50\n")


def _with_synthetic():
    ds = dataset_from_raw(read_csv_bytes(CSV.encode()))
    ds.rows.loc[2, "origin"] = Origin.SYNTHETIC.value  # the last row stands for SMOTE-REG's
    ds.column("Solvent").role = Role.INPUT  # a condition the same in every row
    ds.column("Solvent").kind = Kind.CATEGORY
    return ds


def test_planned_rows_go_after_the_originals_rounded_with_constants_filled():
    ds = _with_synthetic()
    ids = add_planned_experiments(ds, [{"Volume (uL)": 15.123456789, "Temp (°C)": 87.3}])
    assert ds.sample_ids()[2] == ids[0] == "planned 1"
    row = ds.table.iloc[2]
    assert row["Volume (uL)"] == 15.12  # the column's own two decimals
    assert row["Temp (°C)"] == 87.0
    assert row["Solvent"] == "water"  # the same in every original row


def test_a_step_wins_over_the_columns_decimals():
    ds = _with_synthetic()
    add_planned_experiments(ds, [{"Volume (uL)": 15.123, "Temp (°C)": 87.3}],
                            steps={"Volume (uL)": 2.5, "Temp (°C)": 0.1})
    row = ds.table.iloc[2]
    assert row["Volume (uL)"] == 15.0 and row["Temp (°C)"] == 87.3
