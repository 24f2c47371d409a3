"""`nrstudio run` and `nrstudio augment` end to end on small settings."""

import csv

import pytest
from helpers.paths import EXAMPLE
from test_cli import run_cli

from nrstudio.cli import main
from nrstudio.core.modeling.pipeline import FINAL_MODEL
from nrstudio.core.modeling.predict import EnsembleModel
from nrstudio.core.modeling.run_settings import RunSettings
from nrstudio.core.project.file_format import load_project

FAST = ["--epochs", "4", "--patience", "2", "--members", "2", "--lime-samples", "300",
        "--lime-repeats", "2"]
FILES = ["augmented.csv", "metrics.csv", "cv_predictions.csv", "validation_predictions.csv",
         "lime_weights.csv", "parity_honest.png", "parity_paper.png", "lime_heatmap.png"]


@pytest.mark.slow
def test_run_writes_everything_and_same_seed_gives_identical_files(tmp_path):
    csv_in = tmp_path / "data.csv"
    assert main(["augment", str(EXAMPLE), "--out", str(tmp_path / "aug.csv"),
                 "--per-subset", "3"]) == 0
    # a plain table input: the example exported with two rows flagged as validation runs
    from nrstudio.core.data.table_io import export_table

    ds = load_project(EXAMPLE).dataset
    ds.rows.loc[[2, 20], "validation_experiment"] = True
    export_table(ds, csv_in)
    outs = []
    for k in range(2):
        out = tmp_path / f"out{k}"
        assert main(["run", str(csv_in), "--out", str(out), "--protocol", "both", *FAST]) == 0
        outs.append(out)
    for name in FILES:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    with open(outs[0] / "metrics.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:7] == ["target", "model", "protocol", "subset", "metric", "mean", "std"]
    protocols = {(r["protocol"], r["subset"]) for r in rows}
    assert {("honest", "original"), ("paper", "all"), ("paper", "original"),
            ("validation", "validation experiments")} <= protocols
    with open(outs[0] / "lime_weights.csv") as fh:
        lime_rows = list(csv.DictReader(fh))
    assert len(lime_rows) == 26 * 3 * 3  # training samples x targets x inputs
    assert set(lime_rows[0]) == {"sample", "target", "feature", "weight", "weight_std", "flag",
                                 "fidelity", "slope_error", "locality",
                                 "model"}  # model: the one LIME explained
    with open(outs[0] / "augmented.csv") as fh:
        aug = list(csv.DictReader(fh))
    assert {r["origin"] for r in aug} == {"original", "synthetic"}


@pytest.mark.slow
def test_run_on_a_project_stores_results_and_models(tmp_path):
    project_path = tmp_path / "p.nrproj"
    project_path.write_bytes(EXAMPLE.read_bytes())
    out = run_cli("run", project_path, "--out", tmp_path / "o", "--no-explain", *FAST)
    assert out.returncode == 0, out.stderr
    project = load_project(project_path)
    assert {"evaluation", "validation_predictions"} <= set(project.results)
    model = EnsembleModel.from_stored(project.models[FINAL_MODEL])
    assert model.members == 2 and model.targets == project.dataset.targets
    settings = RunSettings.from_dict(project.settings["run"])
    assert settings.evaluation.network.max_epochs == 4 and settings.explain is False
    assert (tmp_path / "p.nrproj.bak").exists()


def test_run_refuses_bad_input(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Sample,S amount (mg),Average Length (nm)\na,1,2\nb,oops,3\n")
    out = run_cli("run", bad, "--out", tmp_path / "o")
    assert out.returncode == 1 and "block training" in out.stderr
    assert "row 2, column 'S amount (mg)'" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    out = run_cli("augment", EXAMPLE, "--out", tmp_path / "a.csv", "--minority", "99")
    assert out.returncode == 1 and "minority size T" in out.stderr


def test_run_prints_the_fast_models_before_the_final_table(tmp_path, capsys):
    assert main(["run", str(EXAMPLE), "--out", str(tmp_path / "out"), "--protocol", "honest",
                 "--no-save", "--no-explain", "--baselines", "mean,ridge", *FAST]) == 0
    out = capsys.readouterr().out
    header = "fast models (the networks follow):"
    first = out.index(header) + len(header)
    assert "model for Average Length (nm) so far: " in out[first:]
    fast_table = out[first:out.index("so far", first)]
    assert "ridge" in fast_table and "network" not in fast_table
    # models and protocols named as the pages name them, not by their stored keys
    assert "the mean" in fast_table and "leakage-free" in fast_table
    assert "honest" not in fast_table
    assert "network" in out[out.index("so far", first):]  # the final table lists them
