"""The command line on a chemist's own table: roles by name, import with a join, run with
the project's stored settings, baselines switched off, the notes a user must read."""

import csv

from nrstudio.cli import main
from nrstudio.core.data.dataset import Kind, Role
from nrstudio.core.data.synthetic_tables import ID_HEADER, TARGETS, make_synthesis_table
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.project.file_format import load_project, save_project
from nrstudio.core.project.sections import write_section

FAST = ["--epochs", "3", "--patience", "2", "--members", "1", "--lime-samples", "200",
        "--lime-repeats", "1"]


def tables(tmp_path, n=40):
    t = make_synthesis_table(n, n_numeric=5, n_categories=2, seed=3, split_outcomes=True)
    first, second = tmp_path / "conditions.csv", tmp_path / "outcomes.csv"
    first.write_bytes(t.csv())
    second.write_bytes(t.csv("outcomes"))
    return t, first, second


def test_import_joins_two_files_and_lists_every_column(tmp_path, capsys):
    t, first, second = tables(tmp_path)
    out = tmp_path / "own.nrproj"
    assert main(["import", str(first), "--merge", str(second), "--on", ID_HEADER,
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "3 columns added" in text and "ids only" not in text
    for name in [*t.numeric_inputs, *t.category_inputs, *TARGETS, t.constant_input]:
        assert name in text
    assert "left out of the models" in text  # the constant column, named
    ds = load_project(out).dataset
    assert ds.targets == list(TARGETS) and ds.sample_id_column == ID_HEADER
    assert ds.column("Reagent 1").kind == Kind.CATEGORY
    assert main(["import", str(first), "--out", str(out)]) == 1  # never overwrites silently


def test_roles_on_the_command_line(tmp_path, capsys):
    _, first, _ = tables(tmp_path)
    out = tmp_path / "roles.nrproj"
    assert main(["import", str(first), "--id", ID_HEADER, "--target", "Condition 5",
                 "--input", "Condition 1", "--input", "condition 2",
                 "--category", "Reagent 2", "--out", str(out)]) == 0
    ds = load_project(out).dataset
    assert ds.inputs == ["Condition 1 (nm)", "Condition 2 [mg]", "Reagent 2"]
    assert ds.targets == ["Condition 5 (mmol)"]
    assert ds.column("Condition 3_min").role == Role.IGNORED
    assert main(["validate", str(first), "--input", "Colour"]) == 1
    assert "no column 'Colour'" in capsys.readouterr().err


def test_run_uses_the_stored_settings_and_flags_override_them(tmp_path, capsys):
    _, first, second = tables(tmp_path)
    project = tmp_path / "own.nrproj"
    assert main(["import", str(first), "--merge", str(second), "--out", str(project)]) == 0
    p = load_project(project)
    write_section(p, "augment", SmoteRegSettings(per_subset=1, seed=4))
    save_project(p, project)
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["run", str(project), "--out", str(out), "--baselines", "mean",
                 "--no-save", *FAST]) == 0
    text = capsys.readouterr().out
    with open(out / "augmented.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    n_orig = sum(r["origin"] == "original" for r in rows)
    n_syn = len(rows) - n_orig
    assert 0 < n_syn <= 3 * (40 * 39 // 2)  # one row per subset and group: the stored setting
    with open(out / "metrics.csv", newline="") as fh:
        models = {r["model"] for r in csv.DictReader(fh)}
    assert models == {"network", "mean"}  # the other baselines are off
    assert "judged on their own rows" in text and "left out of the models" in text
    with open(out / "cv_predictions.csv", newline="") as fh:
        assert "impossible" in next(csv.reader(fh))
    assert main(["run", str(project), "--out", str(out), "--baselines", "nonsense",
                 "--no-save", *FAST]) == 1


def test_import_keeps_the_most_frequent_levels_of_a_crowded_text_condition(tmp_path, capsys):
    rows = [["id", "Precursor", "Temperature (°C)", "Size (nm)"]]
    for i in range(120):  # 60 precursor names: the first three cover most rows
        name = ["PbBr2", "CsBr", "PbI2"][i % 3] if i < 60 else f"batch-{i}"
        rows.append([f"s{i}", name, str(100 + i), str(5 + i % 7)])
    table = tmp_path / "crowded.csv"
    with table.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    out = tmp_path / "crowded.nrproj"
    assert main(["import", str(table), "--out", str(out)]) == 0
    assert "--keep-levels 'Precursor'" in capsys.readouterr().out
    assert load_project(out).dataset.column("Precursor").role == Role.IGNORED
    assert main(["import", str(table), "--keep-levels", "Precursor", "--out", str(out),
                 "--force"]) == 0
    text = capsys.readouterr().out
    assert "keep its 29 most frequent of 63 levels (86 of 120 rows, 72%)" in text
    ds = load_project(out).dataset
    col = ds.column("Precursor")
    assert (col.role, col.kind) == (Role.INPUT, Kind.CATEGORY)
    levels = set(ds.table["Precursor"])
    assert {"PbBr2", "other"} <= levels and len(levels) == 30
    assert main(["import", str(table), "--keep-levels", "Ligand", "--out", str(out),
                 "--force"]) == 1
    assert "no column 'Ligand'" in capsys.readouterr().err
