"""`nrstudio design` and `nrstudio suggest` write CSV on stdout and notes on stderr."""

import csv
import io

import numpy as np
import pytest

from nrstudio.cli import main
from nrstudio.core.data.dataset import Column, Dataset, Role
from nrstudio.core.modeling.design import DesignSettings, DesignSpace, Want, design_conditions
from nrstudio.core.project.file_format import load_project, save_project
from nrstudio.core.project.stored_models import load_final_models
from nrstudio.core.project_model import Project


def law(x):
    return 20 + 0.6 * x[:, 0] + 0.004 * (x[:, 1] - 40) ** 2


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("design")
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 100, (30, 2))
    y = law(x) + 0.5 * rng.standard_normal(30)
    cols = [Column("Sample", Role.SAMPLE_ID), Column("Core (nmol)", Role.INPUT, "nmol"),
            Column("S (mg)", Role.INPUT, "mg"), Column("Length (nm)", Role.TARGET, "nm")]
    path = folder / "p.nrproj"
    save_project(Project(dataset=Dataset.from_records(
        cols, [[f"s{i}", *x[i], y[i]] for i in range(30)])), path)
    assert main(["run", str(path), "--out", str(folder / "out"), "--epochs", "3",
                 "--patience", "1", "--members", "1", "--no-explain",
                 "--baselines", "gaussian_process"]) == 0
    return path


def test_design_writes_candidates_and_matches_the_core(project, capsys):
    capsys.readouterr()
    assert main(["design", str(project), "--want", "length=60±3", "--fix", "Core=50",
                 "--step", "S=5", "--top", "3", "--seed", "2"]) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert len(rows) == 3 and all(r["Core (nmol)"] == "50" for r in rows)
    assert {"Length (nm) predicted", "Length (nm) lower 90%", "probability of success",
            "domain", "why"} <= set(rows[0])
    assert "leakage-free MAE" in captured.err
    models = load_final_models(load_project(project))
    core = design_conditions(models, [Want("Length (nm)", 60.0, 3.0)],
                             DesignSpace(fixed={"Core (nmol)": 50.0}, steps={"S (mg)": 5.0}),
                             DesignSettings(top=3, seed=2))
    assert [float(r["S (mg)"]) for r in rows] == pytest.approx(
        [c.conditions[1] for c in core.candidates], rel=1e-5)


def test_suggest_and_bad_requests(project, capsys):
    capsys.readouterr()
    assert main(["suggest", str(project), "--n", "2"]) == 0  # learn mode without --want
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 2 and all("knows least" in r["why"] for r in rows)
    assert main(["design", str(project), "--want", "length=60"]) == 1
    assert "VALUE±TOLERANCE" in capsys.readouterr().err
    assert main(["design", str(project), "--want", "length=60±3", "--fix", "T=3"]) == 1
    assert "no column 'T'" in capsys.readouterr().err


def test_save_keeps_the_printed_tables_in_the_project(project, tmp_path, capsys):
    import shutil

    from nrstudio.core.project.sections import read_section

    copy = tmp_path / "kept.nrproj"
    shutil.copy(project, copy)
    assert read_section(load_project(copy), "design") is None
    capsys.readouterr()
    assert main(["design", str(copy), "--want", "length=60±3", "--top", "2", "--save"]) == 0
    printed = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert main(["suggest", str(copy), "--n", "2", "--save"]) == 0
    capsys.readouterr()
    records = read_section(load_project(copy), "design")
    assert records.design.wants == ["Length (nm) = 60 ± 3"]
    assert [list(records.design.table.columns), *records.design.table.values.tolist()] == printed
    assert records.suggest.kind == "suggest" and len(records.suggest.table) == 2
    assert any("leakage-free MAE" in n for n in records.design.notes)
    # Without --save the project file is not touched.
    before = copy.read_bytes()
    assert main(["design", str(copy), "--want", "length=50±3"]) == 0
    assert copy.read_bytes() == before


def test_suggest_chooses_from_a_list_of_candidate_syntheses(project, tmp_path, capsys):
    pool = tmp_path / "candidates.csv"
    rows = [["Core", "S (mg)"]] + [[str(c), str(s)] for c in (10, 30, 50, 70, 90)
                                   for s in (20, 40, 60)]
    rows.insert(3, ["", "50"])  # a row without a core amount: left out, said so
    with pool.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    capsys.readouterr()
    assert main(["suggest", str(project), "--want", "length=50±2", "--n", "3",
                 "--pool", str(pool)]) == 0
    captured = capsys.readouterr()
    out = list(csv.DictReader(io.StringIO(captured.out)))
    assert len(out) == 3 and "1 rows of the list left out" in captured.err
    listed = {(float(r[0]), float(r[1])) for r in rows[1:] if r[0]}
    for r in out:
        k = int(r["row in the list"])
        assert rows[k][0] and (float(rows[k][0]), float(rows[k][1])) in listed
        assert (float(r["Core (nmol)"]), float(r["S (mg)"])) == (float(rows[k][0]),
                                                                 float(rows[k][1]))
    # the best of the list: predicted near the window, and truly so by the known law
    best = out[0]
    assert abs(law(np.array([[float(best["Core (nmol)"]), float(best["S (mg)"])]]))[0]
               - 50) < 6
    empty = tmp_path / "empty.csv"
    empty.write_text("Core,S (mg)\n,1\n", encoding="utf-8")
    assert main(["suggest", str(project), "--pool", str(empty)]) == 1
    assert "no row of the list" in capsys.readouterr().err


def test_suggest_pushes_a_target_up_or_down(project, capsys):
    capsys.readouterr()
    assert main(["suggest", str(project), "--highest", "length", "--n", "1"]) == 0
    high = next(iter(csv.DictReader(io.StringIO(capsys.readouterr().out))))
    assert main(["suggest", str(project), "--lowest", "length", "--n", "1"]) == 0
    low = next(iter(csv.DictReader(io.StringIO(capsys.readouterr().out))))
    # the length grows with the core: up means more core, down less (by the known law)
    assert float(high["Core (nmol)"]) > 70 > 30 > float(low["Core (nmol)"])
    assert "expected gain in Length (nm)" in high["why"]
    assert main(["suggest", str(project), "--highest", "length", "--mode", "learn"]) == 1
    assert "go with --mode reach" in capsys.readouterr().err
    assert main(["suggest", str(project), "--highest", "width"]) == 1
    assert "width" in capsys.readouterr().err


def test_design_pushes_a_target_down(project, capsys):
    capsys.readouterr()
    assert main(["design", str(project), "--lowest", "length", "--top", "2", "--seed", "1"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    lengths = law(np.array([[float(r["Core (nmol)"]), float(r["S (mg)"])] for r in rows]))
    measured = load_project(project).dataset.values(["Length (nm)"])[:, 0]
    # below most of what was measured: the law is lowest at a small core and S near 40 mg
    assert len(rows) == 2 and lengths[0] <= np.percentile(measured, 10)
    assert "to be below the best measured" in rows[0]["why"]
    assert main(["design", str(project), "--lowest", "width"]) == 1
