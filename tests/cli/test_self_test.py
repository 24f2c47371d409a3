"""`nrstudio --self-test`: one line, exit 0 when the installation works, else the failing
step and its reason."""

import pytest

from nrstudio.cli import main

pytestmark = pytest.mark.gui


def test_self_test_passes_in_one_line(capsys):
    assert main(["--self-test"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "self-test passed" in lines[0]
    for part in ("28 samples", "SMOTE-REG", "training", "prediction", "LIME", "micrograph",
                 "report", "onnxruntime"):
        assert part in lines[0]


def test_self_test_names_the_step_that_fails(capsys, monkeypatch, tmp_path):
    import nrstudio.resources

    monkeypatch.setattr(nrstudio.resources, "example_project", lambda: tmp_path / "gone.nrproj")
    assert main(["--self-test"]) == 1
    line = capsys.readouterr().out.strip()
    assert line.startswith("NR Studio") and "FAILED at opening the example" in line
    assert "gone.nrproj" in line


def test_self_test_is_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--self-test" in capsys.readouterr().out
