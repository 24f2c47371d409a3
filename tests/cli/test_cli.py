import subprocess
import sys

import pytest
from helpers.paths import EXAMPLE, REPO

from nrstudio.cli import main


def run_cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "nrstudio", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_info_on_example():
    out = run_cli("info", EXAMPLE)
    assert out.returncode == 0, out.stderr
    assert "28 original, 0 synthetic" in out.stdout
    assert "Core amount (nmol)" in out.stdout and "nmol" in out.stdout


def test_validate_clean_and_broken(tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text("Sample,Core amount (nmol),S amount (mg),Average Length (nm)\n"
                    + "".join(f"s{i},{i},{100 + i},{40 + i}\n" for i in range(1, 7)))
    assert main(["validate", str(good)]) == 0
    assert "0 errors" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text().replace("s3,3,103", "s3,3,-103").replace("s5,5,", "s5,five,"))
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "row 3, column 'S amount (mg)'" in out and "row 5, column 'Core amount (nmol)'" in out


@pytest.mark.parametrize("args,code,msg", [
    (["info", "/no/such.nrproj"], 1, "no such file"),
    (["validate", "/no/such.csv"], 1, "no such file"),
    (["info"], 2, "required"),
    (["frobnicate", "x"], 2, "unknown command 'frobnicate'"),
])
def test_bad_input_is_one_line_without_traceback(args, code, msg):
    out = run_cli(*args)
    assert out.returncode == code
    assert msg in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_damaged_project_via_cli(tmp_path):
    bad = tmp_path / "x.nrproj"
    bad.write_bytes(EXAMPLE.read_bytes()[:100])
    out = run_cli("info", bad)
    assert out.returncode == 1 and "damaged" in out.stderr and "Traceback" not in out.stderr


def test_options_are_built_from_the_declarations():
    from nrstudio.cli import build_parser

    help_text = build_parser()._subparsers._group_actions[0].choices["run"].format_help()
    assert "between 1 and 65,536 rows" in " ".join(help_text.split())  # --batch-size
    assert "--lime-samples" in help_text and "1,000,000" in help_text
    out = run_cli("augment", EXAMPLE, "--out", "/nonexistent/x.csv", "--minority", "0")
    assert out.returncode == 1 and "minority size T must be between 2 and 50" in out.stderr
