"""`nrstudio predict`: one point or a table, the chosen or a named model, with intervals."""

import csv

import pytest

from nrstudio.cli import main
from nrstudio.core.data.synthetic_tables import make_synthesis_table

FAST = ["--epochs", "3", "--patience", "2", "--members", "1", "--no-explain"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("predict")
    t = make_synthesis_table(40, n_numeric=4, n_categories=1, seed=9, markers=False)
    data = folder / "data.csv"
    data.write_bytes(t.csv())
    project = folder / "p.nrproj"
    assert main(["import", str(data), "--out", str(project)]) == 0
    assert main(["run", str(project), "--out", str(folder / "out"), *FAST]) == 0
    return project, t


def at_args(t, level="oleic acid"):
    row = t.conditions.iloc[0]
    args = []
    for name in t.numeric_inputs:
        args += ["--at", f"{name.split(' (')[0].split(' [')[0]}={row[name]}"]
    return [*args, "--at", f"Reagent 1={level}"]


def test_predict_one_point_prints_value_interval_model_and_flag(trained, capsys):
    project, t = trained
    capsys.readouterr()
    assert main(["predict", str(project), *at_args(t)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    target_lines = [ln for ln in lines if not ln.startswith("note:")]
    assert len(target_lines) == 3
    assert all("(90%) model" in ln and "domain" in ln and "[" in ln for ln in target_lines)
    assert main(["predict", str(project), *at_args(t, "unknown ligand"), "--model", "ridge",
                 "--level", "0.8"]) == 0
    out = capsys.readouterr().out
    assert "(80%) model ridge" in out and "never seen" in out
    assert main(["predict", str(project), *at_args(t)[:-2]]) == 1  # an input is missing
    assert "missing: Reagent 1" in capsys.readouterr().err


def test_predict_a_table_writes_intervals_per_target(trained, tmp_path, capsys):
    project, t = trained
    table = tmp_path / "plan.csv"
    t.conditions.drop(columns=["Length (nm)", "Width_nm", "Emission peak [nm]"]).head(5) \
        .to_csv(table, index=False)
    out = tmp_path / "pred.csv"
    assert main(["predict", str(project), "--table", str(table), "--out", str(out),
                 "--model", "gp"]) == 0
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5
    assert float(rows[0]["Length (nm) lower 90%"]) < float(rows[0]["Length (nm) predicted"]) \
        < float(rows[0]["Length (nm) upper 90%"])
    assert rows[0]["Length (nm) model"] == "Gaussian process"  # as the pages name it


@pytest.mark.slow
def test_without_the_leakage_free_evaluation_there_is_no_interval_and_it_says_so(tmp_path,
                                                                                  capsys):
    import shutil

    from helpers.paths import EXAMPLE

    project = tmp_path / "paper.nrproj"
    shutil.copy(EXAMPLE, project)
    assert main(["run", str(project), "--out", str(tmp_path / "o"), "--protocol", "paper",
                 *FAST]) == 0
    capsys.readouterr()
    assert main(["predict", str(project), "--at", "core absorption edge=532",
                 "--at", "core amount=20", "--at", "S amount=110"]) == 0
    out = capsys.readouterr().out
    assert "[-inf, inf]" in out and "has no calibrated interval" in out
    assert "model network" in out  # nothing to choose by: the paper's model
