"""The report of a trained example project: every section, its figures and tables, in HTML
and in a PDF whose text holds the verdict sentences."""

import re
import shutil
import subprocess

import pytest
from helpers.paths import EXAMPLE

from nrstudio.cli import main
from nrstudio.core.micrographs.measure import analyse_image
from nrstudio.core.modeling.augment import SmoteRegSettings
from nrstudio.core.modeling.design import DesignSettings, Want, design_conditions
from nrstudio.core.modeling.design_record import (
    DesignRecord,
    DesignRecords,
    candidate_table,
    want_lines,
)
from nrstudio.core.modeling.explain import LimeSettings
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.pipeline import run_pipeline
from nrstudio.core.modeling.run_settings import EvaluationSettings, RunSettings
from nrstudio.core.modeling.verdicts import verdicts
from nrstudio.core.project.attachments import store_measurement
from nrstudio.core.project.file_format import load_project, save_project
from nrstudio.core.project.run_results import store_in_project
from nrstudio.core.project.sections import (
    SECTIONS,
    read_image_section,
    read_section,
    write_section,
)
from nrstudio.core.report.content import SECTION_TITLES
from nrstudio.core.report.export import write_report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The example with tiny models under both protocols, LIME, two measured micrographs and
    a kept design, saved and loaded again as a user's file would be."""
    path = tmp_path_factory.mktemp("report") / "example.nrproj"
    project = load_project(EXAMPLE)
    settings = RunSettings(EvaluationSettings(
        protocols=("honest", "paper"), augment=SmoteRegSettings(per_subset=2),
        network=NetworkSettings(hidden=(16, 16), max_epochs=3, patience=0),
        baselines=("mean", "ridge")), members=2, lime=LimeSettings(num_samples=300, repeats=2))
    result = run_pipeline(project.dataset, settings)
    store_in_project(project, result)
    for image in project.images[:2]:
        store_measurement(image, analyse_image(image.data, image.filename, image.nm_per_px))
    models = result.models
    wants = [Want(models.targets[0], 60.0, 5.0)]
    design = design_conditions(models, wants, settings=DesignSettings(top=3, seed=1))
    write_section(project, "design", DesignRecords(
        design=DesignRecord("design", want_lines(wants), candidate_table(models,
                                                                         design.candidates))))
    save_project(project, path)
    return path


def test_html_holds_every_section_in_order_with_figures(trained, tmp_path):
    files = write_report(load_project(trained), tmp_path / "out", pdf=False)
    html = files.html.read_text(encoding="utf-8")
    positions = [html.index(f'id="{key}"') for key in SECTION_TITLES]
    assert positions == sorted(positions)
    # Every figure the page links exists beside it, and nothing is fetched from elsewhere.
    links = re.findall(r'src="([^"]+)"', html)
    assert len(links) >= 6  # two parity figures per protocol set, LIME, histograms, overlays
    for link in links:
        assert (files.html.parent / link).is_file(), link
    assert "http://" not in html and "https://" not in html and "<script" not in html
    for figure in ("parity-chosen.png", "lime-heatmap.png", "rod-histograms.png",
                   "overlay-000.png", "overlay-001.png", "parity-network-paper.png"):
        assert f"report_files/{figure}" in html
    # Tables: metrics of both protocols, the model choice, the measured rods, the design.
    assert html.count("<table>") >= 8
    assert "Protocol: leakage-free" in html and "Protocol: paper" in html
    assert "Candidates for the wanted sizes" in html and "probability" in html
    assert "28 micrographs attached, 2 measured." in html
    assert "SYNTHETIC micrograph" in html  # the provenance note
    assert "torch" in html and "Seeds" in html


def test_pdf_text_holds_the_verdicts(trained, tmp_path):
    project = load_project(trained)
    files = write_report(project, tmp_path / "out", pdf=True)
    assert files.pdf is not None and files.pdf.stat().st_size > 10_000
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed to read the PDF back"
    text = subprocess.run([pdftotext, "-layout", str(files.pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    said = verdicts(read_section(project, "evaluation"))
    assert len(said) == 6  # 3 targets x 2 protocols
    for v in said:
        assert " ".join(v.plain().split()) in flat, v.plain()
    for title in SECTION_TITLES.values():
        assert title in flat


def test_report_command_writes_html_and_pdf(trained, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["report", str(trained), "--out", str(out), "--pdf"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / "report.html"), str(out / "report.pdf")]
    # A second report into the same folder replaces the figures of the first.
    (out / "report_files" / "stale.png").write_bytes(b"old")
    assert main(["report", str(trained), "--out", str(out)]) == 0
    assert not (out / "report_files" / "stale.png").exists()


def test_untrained_project_says_what_is_missing(tmp_path):
    files = write_report(load_project(EXAMPLE), tmp_path / "out", pdf=True)
    html = files.html.read_text(encoding="utf-8")
    assert "No evaluation is stored" in html
    assert "No explanations are stored" in html
    assert "No design or suggestion has been kept" in html
    assert "28 micrographs attached, 0 measured." in html


def test_report_into_a_file_path_fails_with_a_message(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["report", str(EXAMPLE), "--out", str(blocker)]) == 1
    assert "cannot write the report" in capsys.readouterr().err


def test_report_of_a_generated_lab_table(tmp_path):
    """Not the example: 120 rows with text conditions, missing-value markers, a constant
    column and targets missing in some rows (several target groups)."""
    from nrstudio.core.data.synthetic_tables import make_synthesis_table
    from nrstudio.core.data.table_io import read_csv_bytes
    from nrstudio.core.data.table_roles import dataset_from_raw
    from nrstudio.core.project_model import Project

    table = make_synthesis_table(120, n_numeric=6, n_categories=3, seed=11)
    ds = dataset_from_raw(read_csv_bytes(table.csv()))
    project = Project(dataset=ds, notes="Generated for a test.")
    settings = RunSettings(EvaluationSettings(
        augment=SmoteRegSettings(per_subset=1),
        network=NetworkSettings(hidden=(8, 8), max_epochs=3, patience=0),
        baselines=("mean", "ridge")), members=1, lime=LimeSettings(num_samples=200, repeats=1))
    store_in_project(project, run_pipeline(ds, settings))
    files = write_report(project, tmp_path / "out", pdf=True, title="generated")
    html = files.html.read_text(encoding="utf-8")
    for name in table.category_inputs:
        assert f"<td>{name}</td><td>input (category)</td>" in html
    assert f"<td>{table.constant_input}</td>" in html and "the same value" in html
    assert "warning(s)" in html  # the missing values are findings, one line per column
    missing = [line for line in html.split("<li>") if "missing input" in line]
    # each names its rows once (not again as "(10 rows: 13, 29, …)")
    assert len(missing) == 2 and all(line.count("rows") == 2 and " rows: " not in line
                                     for line in missing), missing
    assert html.count("<h3>Protocol:") == 1 and "Generated for a test." in html
    text = subprocess.run([shutil.which("pdftotext"), str(files.pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    for v in verdicts(read_section(project, "evaluation")):
        assert " ".join(v.plain().split()) in flat


def test_a_damaged_result_is_named_and_the_rest_is_reported(trained, tmp_path):
    project = load_project(trained)
    project.results["lime"] = {"version": 1, "points": "not a list"}
    files = write_report(project, tmp_path / "out")
    html = files.html.read_text(encoding="utf-8")
    assert "could not be read and are left out: lime_weights" in html
    assert "No explanations are stored" in html and "Model per target" in html


def test_a_section_that_fails_while_written_is_named_and_skipped(trained, tmp_path,
                                                                  monkeypatch):
    # Stored results can pass their loader and still not add up (a design table whose cells
    # the section cannot lay out, say): that section alone is left out, and named.
    import nrstudio.core.report.content as content

    def _design(report, ctx):
        content.section_heading(report, "design")
        raise ValueError("cells do not add up")

    monkeypatch.setattr(content, "design_section", _design)
    files = write_report(load_project(trained), tmp_path / "out", pdf=False)
    html = files.html.read_text(encoding="utf-8")
    assert "Design and next experiments (ValueError: cells do not add up)" in html
    assert html.index("left out") < html.index('<h2 id="data"')  # named at the top
    assert '<h2 id="micrographs"' in html and '<h2 id="provenance"' in html  # the rest
    assert '<h2 id="design"' not in html  # its half-written heading is gone


def test_rows_that_no_model_learnt_from_are_not_counted_as_training_samples(tmp_path):
    from nrstudio.core.data.editing import add_planned_experiments
    from nrstudio.core.report.blocks import Paragraph
    from nrstudio.core.report.content import build_report

    project = load_project(EXAMPLE)
    add_planned_experiments(project.dataset, [{}])  # planned: no size measured yet
    report = build_report(project, tmp_path / "fig", "t")
    text = " ".join(b.text for b in report.blocks if isinstance(b, Paragraph))
    assert "29 original rows, 28 used for training" in text


def test_the_report_shows_the_campaign(tmp_path):
    from nrstudio.core.data.editing import add_planned_experiments, set_cell
    from nrstudio.core.project.design_history import record_round

    project = load_project(EXAMPLE)
    ds = project.dataset
    planned = add_planned_experiments(ds, [{"Core absorption edge (nm)": 570.0,
                                            "Core amount (nmol)": 50.0, "S amount (mg)": 10.0}])
    record_round(project, "design", [Want("Average Length (nm)", 40.0, 5.0)], planned)
    set_cell(ds, ds.sample_ids().index(planned[0]), "Average Length (nm)", 42.0)
    files = write_report(project, tmp_path / "out", pdf=False)
    html = files.html.read_text(encoding="utf-8")
    assert "Campaign: 1 round(s) of planned experiments" in html
    assert "with experiment 1 of 1 measured" in html


def test_each_stored_section_reads_into_its_owner_class(trained):
    # A section's owner names the class its reader returns; checked on every section this
    # trained project holds (the augment, lime, campaign, design form and image model sections
    # are not among them; the first two are checked by test_sections on a fixture file).
    import importlib

    project = load_project(trained)
    checked = set()
    for key, section in SECTIONS.items():
        module, _, name = section.owner.rpartition(".")
        owner = getattr(importlib.import_module(module), name)
        if section.place == "image":
            objs = [read_image_section(i, key) for i in project.images]
        else:
            objs = [read_section(project, key)]
        for obj in objs:
            if obj is not None:
                assert isinstance(obj, owner), (key, type(obj))
                checked.add(key)
    assert checked >= {"run", "evaluation", "validation_predictions", "lime_weights", "design",
                       "measurement"}
